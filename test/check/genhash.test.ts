// genhash's command line (the fetch itself is tested against real servers,
// and against keepalived's genhash, in checkers.test.ts).
import { describe, expect, it } from 'vitest';
import { GENHASH_DEFAULT_TIMEOUT_MS, parseGenhashArgs, runGenhash } from '../../src/check/genhash.js';

describe('parseGenhashArgs', () => {
  it('reads keepalived genhash flags, short and long', () => {
    expect(parseGenhashArgs(['-s', '198.51.100.21', '-p', '80', '-u', '/index.html'])).toEqual({
      ok: true,
      options: { server: '198.51.100.21', port: 80, path: '/index.html', ssl: false, sni: false, protocol: '1.0', timeoutMs: GENHASH_DEFAULT_TIMEOUT_MS, verbose: false },
    });
    expect(
      parseGenhashArgs(['--genhash', '--use-ssl', '--use-sni', '--server=2001:DB8::21', '--port', '443', '--url', '/', '--use-virtualhost', 'www.example', '--protocol', '1.1', '--timeout', '3', '--verbose']),
    ).toEqual({
      ok: true,
      options: { server: '2001:db8::21', port: 443, path: '/', ssl: true, sni: true, virtualhost: 'www.example', protocol: '1.1', timeoutMs: 3000, verbose: true },
    });
    // Attached values, as getopt allows; 1.0c and 1.0C are the same.
    const attached = parseGenhashArgs(['-T', '-s198.51.100.21', '-p8080', '-u/x', '-P1.0c']);
    expect(attached).toMatchObject({ ok: true, options: { server: '198.51.100.21', port: 8080, path: '/x', protocol: '1.0C' } });
  });

  const bad: Array<[string[], string]> = [
    [['-p', '80', '-u', '/'], 'server (-s), port (-p) and url (-u) are required'],
    [['-s', 'www.example', '-p', '80', '-u', '/'], 'server should be an IP, not www.example'],
    [['-s', '198.51.100.21', '-p', '0', '-u', '/'], "invalid port number '0'"],
    [['-s', '198.51.100.21', '-p', '80x', '-u', '/'], "invalid port number '80x'"],
    [['-s', '198.51.100.21', '-p', '80', '-u', '/', '-P', '2'], "invalid HTTP protocol version '2'"],
    [['-s', '198.51.100.21', '-p', '80', '-u', '/', '-t', 'soon'], "invalid timeout 'soon'"],
    [['-s', '198.51.100.21', '-p', '80', '-u', '/', '-m', '5'], 'fwmark (-m) is not supported'],
    [['-s', '198.51.100.21', '-p', '80', '-u', '/', 'extra'], "unexpected argument 'extra'"],
    [['-s', '198.51.100.21', '-p', '80', '-u'], "option '-u' needs a value"],
    [['--frobnicate'], "unknown option '--frobnicate'"],
    [['-x'], "unknown option '-x'"],
    [['-S=yes'], "option '-S=yes' takes no value"],
  ];
  for (const [argv, error] of bad) {
    it(`rejects ${argv.join(' ')}: ${error}`, () => {
      expect(parseGenhashArgs(argv)).toEqual({ ok: false, error });
    });
  }

  it('-h asks for help', () => {
    expect(parseGenhashArgs(['-h'])).toEqual({ ok: false, help: true });
  });
});

describe('runGenhash', () => {
  it('prints usage on stderr: exit 0 for -h, 1 for bad usage', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) };
    expect(await runGenhash(['-h'], io)).toBe(0);
    expect(err.join('')).toMatch(/^Usage: keepalived-ts --genhash -s ADDRESS -p PORT -u PATH/);
    err.length = 0;
    expect(await runGenhash(['-s', '198.51.100.21'], io)).toBe(1);
    expect(err[0]).toBe('genhash: server (-s), port (-p) and url (-u) are required\n');
    expect(out).toEqual([]);
  });
});
