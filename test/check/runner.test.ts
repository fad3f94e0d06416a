// The runner on a fake clock with fake checkers: no sockets, no sleeps.
import { describe, expect, it } from 'vitest';
import type { Checker, CheckResult } from '../../src/check/checkers/types.js';
import { CheckRunner, type RunnerEvent } from '../../src/check/runner.js';
import { FakeTimers } from '../helpers/fake-timers.js';
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
      const handle = this.timers.setTimeout(() => resolve({ ok: step.ok, reason: step.ok ? 'ok' : 'refused' }), step.durationMs ?? 0);
      signal.addEventListener('abort', () => {
        this.aborted++;
        this.timers.clearTimeout(handle);
        resolve({ ok: false, reason: 'aborted' });
      });
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
