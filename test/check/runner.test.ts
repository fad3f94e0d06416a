// The runner on a fake clock with fake checkers: no sockets, no sleeps.
import { describe, expect, it } from 'vitest';
import { offAbort, onAbort } from '../../src/check/checkers/abort.js';
import type { Checker, CheckResult } from '../../src/check/checkers/types.js';
import { CheckRunner, COALESCE_MS, LAUNCHES_PER_TURN, type RunnerEvent } from '../../src/check/runner.js';
import { FakeTimers, turns } from '../helpers/fake-timers.js';
import type { CheckerSpec } from '../../src/check/schedule.js';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A checker whose outcome and duration are scripted on the fake clock. */
class ScriptedChecker implements Checker {
  readonly type = 'FAKE';
  readonly starts: number[] = [];
  aborted = 0;

  constructor(
    readonly target: string,
    private readonly timers: FakeTimers,
    private readonly script: (at: number) => { ok: boolean; durationMs?: number; throws?: string },
  ) {}

  run(signal: AbortSignal): Promise<CheckResult> {
    const at = this.timers.now();
    this.starts.push(at);
    const step = this.script(at);
    if (step.throws) return Promise.reject(new Error(step.throws));
    return new Promise((resolve) => {
      const abort = (): void => {
        this.aborted++;
        this.timers.clearTimeout(handle);
        resolve({ ok: false, reason: 'aborted' });
      };
      const handle = this.timers.setTimeout(() => {
        offAbort(signal, abort);
        resolve({ ok: step.ok, reason: step.ok ? 'ok' : 'refused' });
      }, step.durationMs ?? 0);
      onAbort(signal, abort);
    });
  }
}

function spec(id: string, over: Partial<CheckerSpec> = {}): CheckerSpec {
  return { id, server: `rs-${id}`, delayLoopMs: 2_000, retry: 1, delayBeforeRetryMs: 1_000, warmupMs: 0, alpha: false, ...over };
}

describe('CheckRunner', () => {
  it('runs checks on the schedule and reports results and changes', async () => {
    const timers = new FakeTimers();
    const checker = new ScriptedChecker('a', timers, (at) => ({ ok: at < 5_000 || at >= 12_000, durationMs: 10 }));
    const events: RunnerEvent[] = [];
    const runner = new CheckRunner([{ spec: spec('a'), checker }], { timers, phase: () => 0, onEvent: (e) => events.push(e) });
    runner.start();
    expect(runner.isServerUp('rs-a')).toBe(true);
    await timers.advanceTo(20_000);
    // ok at 1000, 3010; fail at 5020, retry at 6030 -> down at 6040; fail 8040, 10050; ok 12060 -> up.
    expect(checker.starts).toEqual([1_000, 3_010, 5_020, 6_030, 8_040, 10_050, 12_060, 14_070, 16_080, 18_090]);
    const changes = events.filter((e) => e.kind !== 'result');
    expect(changes).toEqual([
      { kind: 'checker', checker: 'a', server: 'rs-a', up: false, reason: 'refused', at: 6_040 },
      { kind: 'server', server: 'rs-a', up: false, reason: 'refused', at: 6_040 },
      { kind: 'checker', checker: 'a', server: 'rs-a', up: true, reason: 'ok', at: 12_070 },
      { kind: 'server', server: 'rs-a', up: true, reason: 'ok', at: 12_070 },
    ]);
    const retry = events.find((e) => e.kind === 'result' && e.startedAt === 5_020);
    expect(retry).toMatchObject({ ok: false, retrying: true, at: 5_030, nextAt: 6_030 });
    expect(runner.servers()).toEqual(new Map([['rs-a', true]]));
    await runner.stop();
  });

  it('one slow check never delays the others', async () => {
    const timers = new FakeTimers();
    const slow = new ScriptedChecker('slow', timers, (at) => ({ ok: true, durationMs: at < 2_000 ? 30_000 : 0 }));
    const fast = new ScriptedChecker('fast', timers, () => ({ ok: true }));
    const runner = new CheckRunner(
      [
        { spec: spec('slow'), checker: slow },
        { spec: spec('fast'), checker: fast },
      ],
      { timers, phase: () => 0 },
    );
    runner.start();
    await timers.advanceTo(20_000);
    expect(slow.starts).toEqual([1_000]);
    expect(runner.inFlight).toBe(1);
    expect(fast.starts).toEqual([1_000, 3_000, 5_000, 7_000, 9_000, 11_000, 13_000, 15_000, 17_000, 19_000]);
    await timers.advanceTo(40_000);
    expect(slow.starts).toEqual([1_000, 33_000, 35_000, 37_000, 39_000]);
    await runner.stop();
  });

  it('a checker that throws counts as a failed check with the error as reason', async () => {
    const timers = new FakeTimers();
    const checker = new ScriptedChecker('boom', timers, () => ({ ok: false, throws: 'socket exploded' }));
    const events: RunnerEvent[] = [];
    const runner = new CheckRunner([{ spec: spec('x', { retry: 0 }), checker }], { timers, phase: () => 0, onEvent: (e) => events.push(e) });
    runner.start();
    await timers.advanceTo(1_500);
    expect(events[0]).toMatchObject({ kind: 'result', ok: false, reason: 'FAKE boom: socket exploded' });
    expect(events.find((e) => e.kind === 'server')).toMatchObject({ up: false, reason: 'FAKE boom: socket exploded' });
    await runner.stop();
  });

  it('a listener that throws does not stop the checks', async () => {
    const timers = new FakeTimers();
    const checker = new ScriptedChecker('a', timers, () => ({ ok: true }));
    const runner = new CheckRunner([{ spec: spec('a'), checker }], {
      timers,
      phase: () => 0,
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    runner.start();
    await timers.advanceTo(9_000);
    expect(checker.starts).toEqual([1_000, 3_000, 5_000, 7_000, 9_000]);
    await runner.stop();
  });

  it('stop() aborts checks in flight and disarms the timer', async () => {
    const timers = new FakeTimers();
    const checker = new ScriptedChecker('a', timers, () => ({ ok: true, durationMs: 60_000 }));
    const events: RunnerEvent[] = [];
    const runner = new CheckRunner([{ spec: spec('a'), checker }], { timers, phase: () => 0, onEvent: (e) => events.push(e) });
    runner.start();
    await timers.advanceTo(2_000);
    expect(runner.inFlight).toBe(1);
    await runner.stop();
    expect(checker.aborted).toBe(1);
    expect(runner.inFlight).toBe(0);
    expect(timers.armed).toBe(0);
    await timers.advanceTo(100_000);
    expect(checker.starts).toEqual([1_000]);
    expect(events).toEqual([]);
  });

  it('every check in flight shares one signal, and stop() aborts them all', async () => {
    const timers = new FakeTimers();
    const signals = new Set<AbortSignal>();
    const checkers = ['a', 'b', 'c'].map((id) => {
      const checker = new ScriptedChecker(id, timers, () => ({ ok: true, durationMs: 60_000 }));
      const run = checker.run.bind(checker);
      checker.run = (signal) => (signals.add(signal), run(signal));
      return { spec: spec(id), checker };
    });
    const runner = new CheckRunner(checkers, { timers, phase: () => 0 });
    runner.start();
    await timers.advanceTo(1_000);
    expect(runner.inFlight).toBe(3);
    expect(signals.size).toBe(1);
    await runner.stop();
    expect(checkers.map((c) => c.checker.aborted)).toEqual([1, 1, 1]);
    expect(runner.inFlight).toBe(0);
  });

  it('takes checkers added while it runs into the schedule, spread as at start', async () => {
    const timers = new FakeTimers();
    const a = new ScriptedChecker('a', timers, () => ({ ok: true }));
    const b = new ScriptedChecker('b', timers, () => ({ ok: true }));
    const events: RunnerEvent[] = [];
    const runner = new CheckRunner([{ spec: spec('a'), checker: a }], { timers, phase: (i) => i / 4, onEvent: (e) => events.push(e) });
    runner.start();
    await timers.advanceTo(10_000);
    // Added at 10 s as the second checker: bootstrap delay plus a quarter of the 1 s spread window.
    runner.add([{ spec: spec('b', { alpha: true }), checker: b }]);
    expect(runner.isServerUp('rs-b')).toBe(false);
    await timers.advanceTo(16_000);
    expect(b.starts).toEqual([11_250, 13_250, 15_250]);
    expect(a.starts).toEqual([1_000, 3_000, 5_000, 7_000, 9_000, 11_000, 13_000, 15_000]);
    expect(runner.isServerUp('rs-b')).toBe(true);
    expect(events.filter((e) => e.kind === 'server')).toEqual([{ kind: 'server', server: 'rs-b', up: true, reason: 'ok', at: 11_250 }]);
    expect(() => runner.add([{ spec: spec('b'), checker: b }])).toThrow(/duplicate checker id 'b'/);
    await runner.stop();
  });

  it('runs a removed checker no more and drops the result of its check in flight', async () => {
    const timers = new FakeTimers();
    const slow = new ScriptedChecker('slow', timers, () => ({ ok: false, durationMs: 500 }));
    const other = new ScriptedChecker('other', timers, () => ({ ok: true }));
    const events: RunnerEvent[] = [];
    const runner = new CheckRunner(
      [
        { spec: spec('slow', { retry: 0 }), checker: slow },
        { spec: spec('other'), checker: other },
      ],
      { timers, phase: () => 0, onEvent: (e) => events.push(e) },
    );
    runner.start();
    await timers.advanceTo(1_200);
    expect(runner.inFlight).toBe(1);
    runner.remove(['slow']);
    await timers.advanceTo(10_000);
    expect(slow.starts).toEqual([1_000]);
    expect(slow.aborted).toBe(0);
    expect(runner.inFlight).toBe(0);
    expect(events.filter((e) => e.server === 'rs-slow')).toEqual([]);
    expect([...runner.servers().keys()]).toEqual(['rs-other']);
    expect(other.starts).toEqual([1_000, 3_000, 5_000, 7_000, 9_000]);
    // The same id again is a new checker: its own first check, not the old one's timing.
    runner.add([{ spec: spec('slow', { retry: 0 }), checker: slow }]);
    await timers.advanceTo(12_500);
    expect(slow.starts).toEqual([1_000, 11_000]);
    await runner.stop();
  });

  it(`starts at most ${LAUNCHES_PER_TURN} checks per turn of the event loop, the rest in the turns after`, async () => {
    const timers = new FakeTimers();
    const n = LAUNCHES_PER_TURN * 2 + 10;
    const checkers = Array.from({ length: n }, (_, i) => new ScriptedChecker(`c${i}`, timers, () => ({ ok: true, durationMs: 50 })));
    const runner = new CheckRunner(
      checkers.map((checker, i) => ({ spec: spec(`c${i}`), checker })),
      { timers, phase: () => 0 },
    );
    runner.start();
    const inFlight: number[] = [];
    const sample = async (): Promise<void> => {
      await turns(1);
      inFlight.push(runner.inFlight);
    };
    // Every checker is due at 1 s: one batch at 1,000, then one a turn (a 0 ms timer) until all run.
    await timers.advanceTo(1_000, sample);
    expect([...new Set(inFlight)]).toEqual([0, LAUNCHES_PER_TURN, LAUNCHES_PER_TURN * 2, n]);
    expect(checkers.every((c) => c.starts[0] === 1_000)).toBe(true);
    await runner.stop();
  });

  it(`starts checks due within ${COALESCE_MS} ms together, with one wake-up`, async () => {
    const timers = new FakeTimers();
    const ids = ['a', 'b', 'c'];
    const checkers = ids.map((id) => new ScriptedChecker(id, timers, () => ({ ok: true })));
    // First checks at 1,000, 1,000 + COALESCE_MS / 2 and 1,000 + 2 x COALESCE_MS (a 1 s spread window).
    const phases = [0, COALESCE_MS / 2000, COALESCE_MS / 500];
    const runner = new CheckRunner(
      ids.map((id, i) => ({ spec: spec(id), checker: checkers[i] })),
      { timers, phase: (i) => phases[i] },
    );
    runner.start();
    await timers.advanceTo(1_000 + 3 * COALESCE_MS);
    expect(checkers.map((c) => c.starts)).toEqual([[1_000], [1_000], [1_000 + 2 * COALESCE_MS]]);
    await runner.stop();
  });

  it('an alpha server starts down and comes up on its first success', async () => {
    const timers = new FakeTimers();
    const checker = new ScriptedChecker('a', timers, () => ({ ok: true }));
    const events: RunnerEvent[] = [];
    const runner = new CheckRunner([{ spec: spec('a', { alpha: true }), checker }], { timers, phase: () => 0, onEvent: (e) => events.push(e) });
    runner.start();
    expect(runner.isServerUp('rs-a')).toBe(false);
    await timers.advanceTo(1_000);
    expect(runner.isServerUp('rs-a')).toBe(true);
    expect(events.filter((e) => e.kind === 'server')).toEqual([{ kind: 'server', server: 'rs-a', up: true, reason: 'ok', at: 1_000 }]);
    await runner.stop();
  });
});
