import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_FILE, parseArgs } from '../../src/cli/args.js';

function ok(argv: string[]) {
  const r = parseArgs(argv);
  if (!r.ok) throw new Error(r.error);
  return r.options;
}

describe('parseArgs', () => {
  it('has keepalived defaults', () => {
    expect(ok([]).configFile).toBe(DEFAULT_CONFIG_FILE);
    expect(ok([]).configTest).toBeUndefined();
  });

  it('reads -f in its forms', () => {
    expect(ok(['-f', 'a.conf']).configFile).toBe('a.conf');
    expect(ok(['-fa.conf']).configFile).toBe('a.conf');
    expect(ok(['--use-file=a.conf']).configFile).toBe('a.conf');
    expect(ok(['--use-file', 'a.conf']).configFile).toBe('a.conf');
  });

  it('reads -t with and without a log file', () => {
    expect(ok(['-t']).configTest).toBe(true);
    expect(ok(['-t', '-f', 'x']).configTest).toBe(true);
    expect(ok(['-t=/tmp/log']).configTest).toBe('/tmp/log');
    expect(ok(['--config-test=/tmp/log']).configTest).toBe('/tmp/log');
  });

  it('reads clustered flags as getopt does', () => {
    const o = ok(['-lnDP', '-i', 'high', '-e']);
    expect([o.logConsole, o.dontFork, o.logDetail, o.vrrpOnly, o.allConfig, o.configId]).toEqual([true, true, true, true, true, 'high']);
  });

  it('reads pid files and daemon flags', () => {
    const o = ok(['-p', '/p', '-r', '/r', '-c', '/c', '-b', '/b', '-R', '-V', '-I', '-X', '--all', '-C', '-B']);
    expect([o.pidFile, o.vrrpPidFile, o.checkersPidFile, o.bfdPidFile]).toEqual(['/p', '/r', '/c', '/b']);
    expect([o.dontRespawn, o.dontReleaseVrrp, o.dontReleaseIpvs, o.releaseVips, o.all, o.checkOnly, o.noBfd]).toEqual([true, true, true, true, true, true, true]);
  });

  it('accepts a unique prefix of a long option', () => {
    expect(ok(['--dont-fork']).dontFork).toBe(true);
    expect(ok(['--dont-f']).dontFork).toBe(true);
  });

  it('rejects unknown options and missing arguments', () => {
    expect(parseArgs(['--foo'])).toEqual({ ok: false, error: 'Unknown option --foo' });
    expect(parseArgs(['-Z']).ok).toBe(false);
    expect(parseArgs(['-f']).ok).toBe(false);
    expect(parseArgs(['--dont']).ok).toBe(false);
    expect(parseArgs(['-u', 'abc']).ok).toBe(false);
  });

  it('hands everything after -T to genhash', () => {
    const o = ok(['-T', '-s', '198.51.100.1', '-p', '80']);
    expect(o.genhash).toBe(true);
    expect(o.genhashArgs).toEqual(['-s', '198.51.100.1', '-p', '80']);
  });
});
