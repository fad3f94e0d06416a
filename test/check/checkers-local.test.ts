// MISC_CHECK with real scripts, FILE_CHECK with real files, misc_dynamic
// weights through the runner, and buildChecker from a parsed config for every
// checker type. No namespaces needed.
import { chmodSync, mkdtempSync, rmSync, writeFileSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChecker, FILE_CHECK_POLL_MS, SUPPORTED_CHECKERS, type BuiltChecker } from '../../src/check/checkers/index.js';
import { FileChecker, fileVerdict, parseCLong } from '../../src/check/checkers/file.js';
import { MiscChecker, miscScriptProblem, miscVerdict } from '../../src/check/checkers/misc.js';
import { CheckRunner, type RunnerEvent } from '../../src/check/runner.js';
import type { CheckResult } from '../../src/check/checkers/types.js';
import { fakeHost, readText } from '../helpers/config.js';

let dir: string;
const signal = new AbortController().signal;

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const misc = (path: string, over: Partial<ConstructorParameters<typeof MiscChecker>[0]> = {}): MiscChecker =>
  new MiscChecker({ command: path, argv: [path], timeoutMs: 5000, dynamic: false, ...over });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kts-checkers-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('MISC_CHECK', () => {
  it('exit 0 is up, any other status is down with the status and the last stderr line', async () => {
    expect(await misc(script('ok', 'exit 0')).run(signal)).toEqual({ ok: true, reason: `MISC ${dir}/ok: exit 0` });
    const down = await misc(script('down', 'echo "backend says no" >&2; exit 1')).run(signal);
    expect(down).toEqual({ ok: false, reason: `MISC ${dir}/down: exited with status 1 (stderr: backend says no)` });
    // Without misc_dynamic, 2..255 are failures too.
    expect((await misc(script('seven', 'exit 7')).run(signal)).ok).toBe(false);
  });

  it('misc_dynamic: exit 2..255 is up with weight status - 2; exit 1 is down; exit 0 keeps the weight', async () => {
    const seven = script('dyn7', 'exit 7');
    expect(await misc(seven, { dynamic: true }).run(signal)).toEqual({ ok: true, reason: `MISC ${seven}: exit 7, weight 5`, weight: 5 });
    expect(await misc(script('dyn255', 'exit 255'), { dynamic: true }).run(signal)).toMatchObject({ ok: true, weight: 253 });
    expect(await misc(script('dyn2', 'exit 2'), { dynamic: true }).run(signal)).toMatchObject({ ok: true, weight: 0 });
    expect(await misc(script('dyn1', 'exit 1'), { dynamic: true }).run(signal)).toMatchObject({ ok: false });
    const zero = await misc(script('dyn0', 'exit 0'), { dynamic: true }).run(signal);
    expect(zero).toEqual({ ok: true, reason: `MISC ${dir}/dyn0: exit 0` });
  });

  it('passes the arguments of the misc_path line', async () => {
    const s = script('args', '[ "$1" = "198.51.100.21" ] && [ "$2" = "two words" ]');
    expect((await new MiscChecker({ command: `${s} 198.51.100.21 "two words"`, argv: [s, '198.51.100.21', 'two words'], timeoutMs: 5000, dynamic: false }).run(signal)).ok).toBe(true);
  });

  it('a script past misc_timeout is killed and counts as down', async () => {
    const r = await misc(script('slow', 'sleep 30'), { timeoutMs: 300 }).run(signal);
    expect(r).toEqual({ ok: false, reason: `MISC ${dir}/slow: timed out after 300 ms (killed with SIGTERM)` });
  });

  it('a script killed by a signal is down; a script that cannot start is down with why', async () => {
    expect(await misc(script('killed', 'kill -9 $$')).run(signal)).toMatchObject({ ok: false, reason: expect.stringContaining('killed by SIGKILL') });
    expect(miscVerdict({ timedOut: false, aborted: false, stderrTail: '', durationMs: 1, reason: 'x: not found (ENOENT)' }, { command: 'x', dynamic: false, timeoutMs: 1 })).toEqual({
      ok: false,
      reason: 'MISC x: x: not found (ENOENT)',
    });
  });

  it('aborting ends the script at once', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const started = performance.now();
    expect(await misc(script('long', 'sleep 30')).run(ac.signal)).toMatchObject({ ok: false, reason: expect.stringContaining('aborted') });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('knows which scripts keepalived would not run: missing, not executable, a directory; bare names through PATH', () => {
    expect(miscScriptProblem(join(dir, 'ok'))).toBeUndefined();
    expect(miscScriptProblem(join(dir, 'nope'))).toMatch(/not found or not executable/);
    writeFileSync(join(dir, 'plain'), 'exit 0\n');
    expect(miscScriptProblem(join(dir, 'plain'))).toMatch(/not found or not executable/);
    expect(miscScriptProblem(dir)).toMatch(/not found or not executable/);
    expect(miscScriptProblem('ok', `/nonexistent:${dir}`)).toBeUndefined();
    expect(miscScriptProblem('sh')).toBeUndefined();
  });

  it('misc_dynamic weights reach the runner events, on the result and as a weight change', async () => {
    const counter = join(dir, 'count');
    writeFileSync(counter, '0');
    // 1st run: exit 7 (weight 5), then exit 12 (weight 10), then exit 1 (down).
    const s = script('steps', `n=$(cat ${counter}); echo $((n+1)) > ${counter}; case $n in 0) exit 7;; 1) exit 12;; *) exit 1;; esac`);
    const events: RunnerEvent[] = [];
    const runner = new CheckRunner(
      [
        {
          spec: { id: 'm', server: 'rs', delayLoopMs: 100, retry: 0, delayBeforeRetryMs: 100, warmupMs: 0, alpha: false },
          checker: misc(s, { dynamic: true }),
        },
      ],
      { onEvent: (e) => events.push(e) },
    );
    runner.start();
    const deadline = Date.now() + 8000;
    while (!events.some((e) => e.kind === 'server') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await runner.stop();
    const changes = events.filter((e) => e.kind !== 'result');
    expect(changes.map((e) => [e.kind, 'up' in e ? e.up : undefined, 'weight' in e ? e.weight : undefined])).toEqual([
      ['weight', undefined, 5],
      ['weight', undefined, 10],
      ['checker', false, 10],
      ['server', false, 10],
    ]);
    expect(events.filter((e) => e.kind === 'result').slice(0, 2).map((e) => ('weight' in e ? e.weight : undefined))).toEqual([5, 10]);
  });
});

describe('FILE_CHECK', () => {
  it('reads numbers as strtol(…, 0) does', () => {
    expect(parseCLong('0')).toBe(0);
    expect(parseCLong('  42\n')).toBe(42);
    expect(parseCLong('-7 apples')).toBe(-7);
    expect(parseCLong('0x1F')).toBe(31);
    expect(parseCLong('010')).toBe(8);
    expect(parseCLong('09')).toBe(0); // octal stops at 9
    expect(parseCLong('0xg')).toBe(0);
    expect(parseCLong('abc')).toBe(0);
    expect(parseCLong('')).toBe(0);
    expect(parseCLong('99999999999999999999')).toBeUndefined();
  });

  const base = { trackName: 'tf', path: '/x', baseWeight: 3 };
  it('weight 0: down while the value is non-zero (reverse: while zero)', () => {
    expect(fileVerdict(0, { ...base, weight: 0, reverse: false }).ok).toBe(true);
    expect(fileVerdict(2, { ...base, weight: 0, reverse: false })).toEqual({ ok: false, reason: 'FILE tf (/x) = 2: non-zero' });
    expect(fileVerdict(0, { ...base, weight: 0, reverse: true }).ok).toBe(false);
    expect(fileVerdict(5, { ...base, weight: 0, reverse: true }).ok).toBe(true);
  });

  it('a non-zero weight moves the real server weight by value x weight, never below 0', () => {
    expect(fileVerdict(2, { ...base, weight: 10, reverse: false })).toMatchObject({ ok: true, weight: 23 });
    expect(fileVerdict(2, { ...base, weight: 10, reverse: true })).toMatchObject({ ok: true, weight: 0 });
    expect(fileVerdict(-1, { ...base, weight: 2, reverse: false })).toMatchObject({ ok: true, weight: 1 });
    expect(fileVerdict(0, { ...base, weight: 2, reverse: false })).toMatchObject({ ok: true, weight: 3 });
  });

  it('follows the file: missing is 0, an invalid number keeps the last value, init_file writes the start value', async () => {
    const path = join(dir, 'track');
    const c = new FileChecker({ trackName: 'tf', path, weight: 0, reverse: false, baseWeight: 1, init: { value: 1, overwrite: false } });
    const run = (): Promise<CheckResult> => c.run(signal);
    expect(await run()).toMatchObject({ ok: false }); // init_file wrote 1
    expect(readFileSync(path, 'utf8')).toBe('1\n');
    writeFileSync(path, '0\n');
    expect(await run()).toMatchObject({ ok: true });
    writeFileSync(path, '99999999999\n'); // beyond 32 bits: ignored
    expect(await run()).toMatchObject({ ok: true, reason: expect.stringContaining('invalid number in the file ignored') });
    writeFileSync(path, '3');
    expect((await run()).ok).toBe(false);
    unlinkSync(path);
    expect(await run()).toMatchObject({ ok: true, reason: 'FILE tf (' + path + ') = 0' });
  });
});

describe('buildChecker from a parsed config', () => {
  function built(): Array<{ type: string; built: BuiltChecker }> {
    const ok = join(dir, 'ok');
    const text = `
track_file tf {
  file ${join(dir, 'weightfile')}
  weight 4
}
virtual_server 198.51.100.50 53 {
  protocol UDP
  delay_loop 7
  real_server 198.51.100.21 53 {
    weight 2
    MISC_CHECK {
      misc_path "${ok} 198.51.100.21"
      misc_dynamic
    }
    MISC_CHECK {
      misc_path ${join(dir, 'missing-script')}
    }
    DNS_CHECK {
      type AAAA
      name example.org
      connect_timeout 2
    }
    SMTP_CHECK {
      connect_port 25
      helo_name lb.example
    }
    UDP_CHECK {
      payload 0102
      require_reply ca:fe
      max_reply_length 10
    }
    PING_CHECK {
      connect_ip 198.51.100.22
    }
    FILE_CHECK {
      track_file tf
    }
    BFD_CHECK {
      name bfd1
    }
  }
}
`;
    const host = fakeHost({ files: { [ok]: {}, [join(dir, 'weightfile')]: { mode: 0o100644 } } });
    const { config } = readText(text, host);
    const vs = config.check.virtualServers[0];
    const rs = vs.realServers[0];
    return rs.checkers.map((model) => ({ type: model.type, built: buildChecker(model, { vs, rs, trackFiles: config.vrrp.trackFiles }) }));
  }

  it('builds every type but BFD_CHECK; a missing misc script disables its checker', () => {
    const all = built();
    const summary = all.map(({ type, built: b }) => (b.ok ? [type, b.checker.type, b.checker.target] : [type, 'skipped', b.reason]));
    expect(summary).toEqual([
      ['MISC_CHECK', 'MISC_CHECK', `"${join(dir, 'ok')} 198.51.100.21"`], // the line as written
      ['MISC_CHECK', 'skipped', `misc_path ${join(dir, 'missing-script')} is not found or not executable: the checker is disabled, as keepalived does`],
      ['DNS_CHECK', 'DNS_CHECK', '198.51.100.21:53'],
      ['SMTP_CHECK', 'SMTP_CHECK', '198.51.100.21:25'],
      ['UDP_CHECK', 'UDP_CHECK', '198.51.100.21:53'],
      ['PING_CHECK', 'PING_CHECK', '198.51.100.22'],
      ['FILE_CHECK', 'FILE_CHECK', join(dir, 'weightfile')],
      ['BFD_CHECK', 'skipped', expect.stringContaining('BFD_CHECK is not supported')],
    ]);
    const file = all.find((a) => a.type === 'FILE_CHECK')!.built;
    expect(file.ok && file.timing).toEqual({ delayLoopMs: FILE_CHECK_POLL_MS, retry: 0 });
    expect(SUPPORTED_CHECKERS).not.toContain('BFD_CHECK');
  });

  it('maps the settings: misc timeout defaults to delay_loop, the track_file weight applies to FILE_CHECK', async () => {
    const all = built();
    const miscBuilt = all[0].built;
    expect(miscBuilt.ok && (miscBuilt.checker as unknown as { options: { timeoutMs: number; dynamic: boolean } }).options).toMatchObject({ timeoutMs: 7000, dynamic: true });
    writeFileSync(join(dir, 'weightfile'), '2\n');
    const fileBuilt = all.find((a) => a.type === 'FILE_CHECK')!.built;
    // weight 4 (from the track_file) x 2 on top of the real server's weight 2.
    expect(fileBuilt.ok && (await fileBuilt.checker.run(signal))).toMatchObject({ ok: true, weight: 10 });
  });
});
