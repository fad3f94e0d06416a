// The built binary, as a user runs it: flags, exit codes, report format.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/keepalived-ts.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function conf(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('keepalived-ts CLI', () => {
  it('prints its version', () => {
    const r = run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^keepalived-ts v\d+\.\d+\.\d+/);
  });

  it('exits 1 with usage on an unknown option, as keepalived does', () => {
    const r = run(['--no-such-flag']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Unknown option --no-such-flag');
    expect(r.stderr).toContain('Usage: keepalived-ts');
  });

  it('prints signal numbers like keepalived --signum', () => {
    expect(run(['--signum=RELOAD']).stdout).toBe('1\n');
    expect(run(['--signum=JSON']).stdout).toBe('36\n');
    expect(run(['--signum=STATS_CLEAR']).stdout).toBe('63\n');
    expect(run(['--signum=NOPE']).code).toBe(1);
  });

  it('passes a clean config with exit 0 and no output', () => {
    const file = conf('clean.conf', 'global_defs {\n  router_id lb1\n}\n');
    const r = run(['-t', '-f', file]);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toBe('');
  });

  it('names file:line:col, shows the line with a caret, and hints', () => {
    const file = conf('typo.conf', 'global_defs {\n  router_idd lb1\n}\n');
    const r = run(['-t', '-f', file]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`${file}:2:3: error: unknown keyword 'router_idd' in global_defs`);
    expect(r.stderr).toContain('2 |   router_idd lb1');
    expect(r.stderr).toContain("  |   ^^^^^^^^^^");
    expect(r.stderr).toContain("hint: did you mean 'router_id'?");
  });

  it('prints problems as JSON with --json', () => {
    const file = conf('json.conf', 'global_defs {\n  router_idd lb1\n');
    const r = run(['-t', '-f', file, '--json']);
    expect(r.code).toBe(5);
    const out = JSON.parse(r.stdout);
    expect(out.exitCode).toBe(5);
    expect(out.problems.map((p: { code: string; loc?: { line: number } }) => `${p.loc?.line}:${p.code}`)).toEqual(['1:unclosed-block', '2:unknown-keyword']);
  });

  it('writes the report to the -t=FILE log file', () => {
    const file = conf('log.conf', 'bogus_keyword\n');
    const log = path.join(dir, 'report.log');
    const r = run([`-t=${log}`, '-f', file]);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('');
    expect(fs.readFileSync(log, 'utf8')).toContain("unknown keyword 'bogus_keyword' at the top level");
  });

  it('dumps the normalized model with -d', () => {
    const file = conf('dump.conf', 'global_defs {\n  router_id lb1\n}\n');
    const r = run(['-t', '-d', '-f', file]);
    expect(r.code).toBe(0);
    const model = JSON.parse(r.stdout);
    expect(model.global.routerId).toBe('lb1');
    expect(r.stdout).not.toContain('"loc"');
  });

  it('treats a missing config file as keepalived does: exit 0 without -e, 4 with it', () => {
    const missing = path.join(dir, 'nope.conf');
    expect(run(['-t', '-f', missing]).code).toBe(0);
    expect(run(['-t', '-e', '-f', missing]).code).toBe(4);
  });
});

describe('keepalived-ts --genhash', () => {
  it('prints usage and fails without a server to ask', () => {
    const r = run(['--genhash']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Usage: keepalived-ts --genhash');
  });
});
