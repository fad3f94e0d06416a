// runScript against real scripts in a temporary directory: exit codes,
// signals, timeouts that end the whole process group, abort, scripts that
// cannot start, and running as another user.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupUser, runScript, STDERR_TAIL_BYTES } from '../../src/exec/run-script.js';

let dir: string;

function script(name: string, body: string, mode = 0o755): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, mode);
  return path;
}

/** Whether a process with this pid still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kts-run-script-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runScript', () => {
  it('returns the exit code and the end of stderr', async () => {
    const s = script('exit3', 'echo "something broke" >&2; exit 3');
    const r = await runScript(s);
    expect(r).toMatchObject({ exitCode: 3, timedOut: false, aborted: false });
    expect(r.signal).toBeUndefined();
    expect(r.reason).toBeUndefined();
    expect(r.stderrTail).toBe('something broke\n');
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('splits the line like keepalived (quotes group words, no shell)', async () => {
    const s = script('args', 'echo "$#|$1|$2" >&2');
    const r = await runScript(`${s} "two words" 'and $HOME'`);
    expect(r.exitCode).toBe(0);
    expect(r.stderrTail).toBe('2|two words|and $HOME\n');
  });

  it('takes argv already split', async () => {
    const r = await runScript(['/bin/sh', '-c', 'exit 7']);
    expect(r.exitCode).toBe(7);
  });

  it('keeps only the tail of a long stderr', async () => {
    const r = await runScript(['/bin/sh', '-c', 'i=0; while [ $i -lt 2000 ]; do echo "line $i" >&2; i=$((i+1)); done']);
    expect(r.exitCode).toBe(0);
    expect(r.stderrTail.length).toBeLessThanOrEqual(STDERR_TAIL_BYTES);
    expect(r.stderrTail.endsWith('line 1999\n')).toBe(true);
  });

  it('reports a missing script, a non-executable one and an empty line as reasons, never throwing', async () => {
    const missing = await runScript(join(dir, 'does-not-exist'));
    expect(missing.reason).toMatch(/not found \(ENOENT\)/);
    expect(missing.exitCode).toBeUndefined();
    const plain = script('not-exec', 'exit 0', 0o644);
    expect((await runScript(plain)).reason).toMatch(/permission denied \(EACCES\)/);
    expect((await runScript('   ')).reason).toBe('empty command');
  });

  it('passes extra environment', async () => {
    const r = await runScript(['/bin/sh', '-c', 'echo "$KTS_WHO" >&2'], { env: { KTS_WHO: 'checker' } });
    expect(r.stderrTail).toBe('checker\n');
  });

  it('on timeout sends SIGTERM to the whole process group, background children included', async () => {
    const pidFile = join(dir, 'bg.pid');
    const s = script('bg', `sleep 60 & echo $! > ${pidFile}; sleep 60`);
    const r = await runScript(s, { timeoutMs: 300, killGraceMs: 1000 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGTERM');
    expect(r.exitCode).toBeUndefined();
    expect(r.durationMs).toBeGreaterThanOrEqual(250);
    expect(r.durationMs).toBeLessThan(5000);
    const bg = Number((await import('node:fs')).readFileSync(pidFile, 'utf8'));
    expect(await eventually(() => !alive(bg), 3000)).toBe(true);
  });

  it('sends SIGKILL after the grace period to a script that ignores SIGTERM', async () => {
    const s = script('stubborn', 'trap "" TERM; while :; do sleep 0.1; done');
    const r = await runScript(s, { timeoutMs: 200, killGraceMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(r.durationMs).toBeGreaterThanOrEqual(450);
    expect(r.durationMs).toBeLessThan(5000);
  });

  it('does not wait for a background child that keeps stderr open after the script exits', async () => {
    const pidFile = join(dir, 'linger.pid');
    const s = script('linger', `sleep 5 & echo $! > ${pidFile}; exit 0`);
    const r = await runScript(s);
    expect(r.exitCode).toBe(0);
    expect(r.durationMs).toBeLessThan(3000);
    process.kill(Number((await import('node:fs')).readFileSync(pidFile, 'utf8')), 'SIGKILL');
  });

  it('ends promptly when aborted, killing the group', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const r = await runScript(['/bin/sleep', '60'], { signal: ac.signal });
    expect(r.aborted).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(r.durationMs).toBeLessThan(3000);
    const already = await runScript(['/bin/true'], { signal: AbortSignal.abort() });
    expect(already).toMatchObject({ aborted: true, reason: 'aborted before start' });
  });

  it('looks up users and groups by name and number', async () => {
    expect(await lookupUser('root')).toEqual({ uid: 0, gid: 0 });
    expect(await lookupUser('0', 'root')).toEqual({ uid: 0, gid: 0 });
    expect(await lookupUser('kts-no-such-user')).toBe('unknown user kts-no-such-user');
    expect(await lookupUser('root', 'kts-no-such-group')).toBe('unknown group kts-no-such-group');
    expect(await lookupUser('3999999')).toEqual({ uid: 3999999, gid: 3999999 });
  });

  it('an unknown user is a reason, not a run', async () => {
    const marker = join(dir, 'ran');
    const r = await runScript(['/bin/sh', '-c', `touch ${marker}`], { user: 'kts-no-such-user' });
    expect(r.reason).toBe('unknown user kts-no-such-user');
    expect(existsSync(marker)).toBe(false);
  });

  it('runs the script as the given user and group (as root; otherwise says why not)', async () => {
    const nobody = await lookupUser('nobody');
    expect(typeof nobody).toBe('object');
    const r = await runScript(['/bin/sh', '-c', 'echo "$(id -u):$(id -g)" >&2'], { user: 'nobody', group: '0' });
    if (process.getuid?.() === 0) expect(r.stderrTail).toBe(`${(nobody as { uid: number }).uid}:0\n`);
    else expect(r.reason).toMatch(/only root can change user/);
  });
});
