// The pure schedule on a simulated clock: no timers, no sleeps.
import { describe, expect, it } from 'vitest';
import {
  BOOTSTRAP_DELAY_MS,
  firstCheckAt,
  goldenPhase,
  Schedule,
  type CheckerSpec,
  type CheckOutcome,
  type HealthChange,
} from '../../src/check/schedule.js';

function spec(id: string, over: Partial<CheckerSpec> = {}): CheckerSpec {
  return {
    id,
    server: over.server ?? `srv-${id}`,
    delayLoopMs: 10_000,
    retry: 1,
    delayBeforeRetryMs: 1_000,
    warmupMs: 0,
    alpha: false,
    ...over,
  };
}

interface Run {
  id: string;
  startedAt: number;
  endedAt: number;
  ok: boolean;
}

interface SimOptions {
  until: number;
  /** Outcome of a check of `id` that starts at `at`. Default: ok. */
  outcome?: (id: string, at: number) => boolean;
  /** How long a check of `id` takes. Default: 0. */
  duration?: (id: string, at: number) => number;
  phase?: (index: number) => number;
}

/** Drive a schedule the way the runner does, on a simulated clock starting at 0. */
function simulate(specs: CheckerSpec[], o: SimOptions): { runs: Run[]; changes: HealthChange[]; schedule: Schedule } {
  const schedule = new Schedule(specs, 0, o.phase ? { phase: o.phase } : {});
  const runs: Run[] = [];
  const changes: HealthChange[] = [];
  const pending: Array<{ at: number; id: string; startedAt: number; ok: boolean }> = [];
  for (;;) {
    pending.sort((a, b) => a.at - b.at);
    const deadline = schedule.nextDeadline() ?? Infinity;
    const completion = pending[0]?.at ?? Infinity;
    const t = Math.min(deadline, completion);
    if (t > o.until) break;
    if (completion <= deadline) {
      const p = pending.shift()!;
      const outcome: CheckOutcome = { ok: p.ok, reason: p.ok ? 'ok' : 'refused' };
      changes.push(...schedule.complete(p.id, outcome, p.at).changes);
      runs.push({ id: p.id, startedAt: p.startedAt, endedAt: p.at, ok: p.ok });
      continue;
    }
    for (const id of schedule.takeDue(t)) {
      pending.push({ at: t + (o.duration?.(id, t) ?? 0), id, startedAt: t, ok: o.outcome?.(id, t) ?? true });
    }
  }
  return { runs, changes, schedule };
}

const starts = (runs: Run[], id: string): number[] => runs.filter((r) => r.id === id).map((r) => r.startedAt);

describe('spread', () => {
  it('first checks of 1000 checkers are spread evenly over warmup, never at the same moment', () => {
    const n = 1000;
    const specs = Array.from({ length: n }, (_, i) => spec(`c${i}`, { delayLoopMs: 60_000, warmupMs: 60_000 }));
    const s = new Schedule(specs, 0);
    const firsts = specs.map((c) => s.dueAt(c.id)!);
    expect(new Set(firsts).size).toBe(n);
    for (const t of firsts) {
      expect(t).toBeGreaterThanOrEqual(BOOTSTRAP_DELAY_MS);
      expect(t).toBeLessThan(BOOTSTRAP_DELAY_MS + 60_000);
    }
    // 60 one-second buckets: each holds n/60 ~ 16.7, give or take 2.
    const buckets = new Array(60).fill(0);
    for (const t of firsts) buckets[Math.floor((t - BOOTSTRAP_DELAY_MS) / 1000)]++;
    expect(Math.min(...buckets)).toBeGreaterThanOrEqual(14);
    expect(Math.max(...buckets)).toBeLessThanOrEqual(19);
  });

  it('with warmup 0 checks still spread over the first second (capped at delay_loop)', () => {
    const specs = Array.from({ length: 200 }, (_, i) => spec(`c${i}`, { warmupMs: 0 }));
    const s = new Schedule(specs, 5_000);
    const firsts = specs.map((c) => s.dueAt(c.id)!);
    for (const t of firsts) {
      expect(t).toBeGreaterThanOrEqual(5_000 + BOOTSTRAP_DELAY_MS);
      expect(t).toBeLessThan(5_000 + BOOTSTRAP_DELAY_MS + 1000);
    }
    expect(new Set(firsts).size).toBe(200);
    const short = new Schedule([spec('a', { warmupMs: 0, delayLoopMs: 200 }), spec('b', { warmupMs: 0, delayLoopMs: 200 })], 0);
    expect(short.dueAt('b')! - BOOTSTRAP_DELAY_MS).toBeLessThan(200);
  });

  it('the spread holds in steady state: checks per second stay even', () => {
    const n = 1000;
    const specs = Array.from({ length: n }, (_, i) => spec(`c${i}`, { delayLoopMs: 10_000, warmupMs: 10_000 }));
    const { runs } = simulate(specs, { until: 61_000, duration: () => 7 });
    const perSecond = new Map<number, number>();
    for (const r of runs) {
      if (r.startedAt < 11_000 || r.startedAt >= 61_000) continue;
      const s = Math.floor(r.startedAt / 1000);
      perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    }
    expect(perSecond.size).toBe(50);
    // n / delay_loop = 100 checks a second; never a burst.
    for (const count of perSecond.values()) {
      expect(count).toBeGreaterThanOrEqual(90);
      expect(count).toBeLessThanOrEqual(110);
    }
  });

  it('golden-ratio phases are in [0, 1) and an injected phase is used as given', () => {
    for (let i = 0; i < 100; i++) {
      expect(goldenPhase(i)).toBeGreaterThanOrEqual(0);
      expect(goldenPhase(i)).toBeLessThan(1);
    }
    const s = new Schedule([spec('a', { warmupMs: 8_000 })], 100, { phase: () => 0.25 });
    expect(s.dueAt('a')).toBe(100 + BOOTSTRAP_DELAY_MS + 2_000);
  });
});

describe('warmup', () => {
  const cases: Array<{ name: string; warmupMs: number; delayLoopMs: number; phase: number; first: number }> = [
    { name: 'no warmup, phase 0', warmupMs: 0, delayLoopMs: 10_000, phase: 0, first: 1_000 },
    { name: 'no warmup, phase 0.5: half the first second', warmupMs: 0, delayLoopMs: 10_000, phase: 0.5, first: 1_500 },
    { name: 'no warmup, short delay_loop caps the spread', warmupMs: 0, delayLoopMs: 400, phase: 0.5, first: 1_200 },
    { name: 'warmup 30 s, phase 0.5', warmupMs: 30_000, delayLoopMs: 10_000, phase: 0.5, first: 16_000 },
    { name: 'warmup longer than delay_loop is honoured', warmupMs: 90_000, delayLoopMs: 5_000, phase: 0.9, first: 82_000 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = spec('a', { warmupMs: c.warmupMs, delayLoopMs: c.delayLoopMs });
      expect(firstCheckAt(s, c.phase, 0)).toBe(c.first);
      const sched = new Schedule([s], 0, { phase: () => c.phase });
      expect(sched.nextDeadline()).toBe(c.first);
      expect(sched.takeDue(c.first - 1)).toEqual([]);
      expect(sched.takeDue(c.first)).toEqual(['a']);
    });
  }
});

describe('retry and delay_before_retry', () => {
  // One checker, first check at 1 s (phase 0), delay_loop 10 s; the server
  // stops answering at `failFrom`.
  const cases: Array<{ retry: number; dbr: number; failFrom: number; attempts: number[]; downAt: number }> = [
    { retry: 0, dbr: 3_000, failFrom: 15_000, attempts: [21_000], downAt: 21_000 },
    { retry: 1, dbr: 3_000, failFrom: 15_000, attempts: [21_000, 24_000], downAt: 24_000 },
    { retry: 2, dbr: 3_000, failFrom: 15_000, attempts: [21_000, 24_000, 27_000], downAt: 27_000 },
    { retry: 3, dbr: 500, failFrom: 11_000, attempts: [11_000, 11_500, 12_000, 12_500], downAt: 12_500 },
  ];
  for (const c of cases) {
    it(`retry ${c.retry}, delay_before_retry ${c.dbr} ms: down after ${c.retry + 1} failed attempts`, () => {
      const s = spec('a', { retry: c.retry, delayBeforeRetryMs: c.dbr });
      const { runs, changes } = simulate([s], { until: c.downAt + 25_000, phase: () => 0, outcome: (_, at) => at < c.failFrom });
      const failed = runs.filter((r) => !r.ok).map((r) => r.startedAt);
      expect(failed.slice(0, c.attempts.length)).toEqual(c.attempts);
      const down = changes.filter((ch) => ch.kind === 'server');
      expect(down).toEqual([{ kind: 'server', server: 'srv-a', up: false, reason: 'refused', at: c.downAt }]);
      // Once down, no retries: the next checks are a delay_loop apart.
      const after = failed.filter((t) => t > c.downAt);
      expect(after[0]).toBe(c.downAt + 10_000);
      expect(after[1]).toBe(c.downAt + 20_000);
    });
  }

  it('a success in between resets the retry count', () => {
    // retry 1: fail, ok, fail, ok... never two failures in a row.
    let n = 0;
    const { changes, runs } = simulate([spec('a', { retry: 1 })], { until: 120_000, phase: () => 0, outcome: () => n++ % 2 === 1 });
    expect(runs.length).toBeGreaterThan(10);
    expect(changes).toEqual([]);
  });

  it('the failure that counts is reported with its reason and time', () => {
    const s = new Schedule([spec('a', { retry: 1 })], 0, { phase: () => 0 });
    expect(s.takeDue(1_000)).toEqual(['a']);
    const first = s.complete('a', { ok: false, reason: 'connection refused' }, 1_010);
    expect(first).toEqual({ changes: [], nextAt: 2_010, retrying: true, retries: 1 });
    expect(s.takeDue(2_010)).toEqual(['a']);
    const second = s.complete('a', { ok: false, reason: 'timed out' }, 3_010);
    expect(second.retrying).toBe(false);
    expect(second.nextAt).toBe(13_010);
    expect(second.changes).toEqual([
      { kind: 'checker', checker: 'a', server: 'srv-a', up: false, reason: 'timed out', at: 3_010 },
      { kind: 'server', server: 'srv-a', up: false, reason: 'timed out', at: 3_010 },
    ]);
    expect(s.isServerUp('srv-a')).toBe(false);
    expect(s.lastReason('a')).toBe('timed out');
  });

  it('TCP_CHECK keeps its retry cycle while down; others wait a delay_loop', () => {
    const tcp = spec('tcp', { retry: 2, delayBeforeRetryMs: 1_000, retryWhileDown: true });
    const http = spec('http', { retry: 2, delayBeforeRetryMs: 1_000 });
    const { runs } = simulate([tcp, http], { until: 60_000, phase: () => 0, outcome: () => false });
    // Both: 1, 2, 3 s (down at 3 s). Then TCP: 13, 14, 15, 25, 26, 27...; HTTP: 13, 23, 33...
    expect(starts(runs, 'tcp').slice(0, 9)).toEqual([1_000, 2_000, 3_000, 13_000, 14_000, 15_000, 25_000, 26_000, 27_000]);
    expect(starts(runs, 'http').slice(0, 6)).toEqual([1_000, 2_000, 3_000, 13_000, 23_000, 33_000]);
  });
});

/** A change's up / down, for the changes that have one. */
const upOf = (c: HealthChange): boolean | undefined => ('up' in c ? c.up : undefined);

describe('rise and fall', () => {
  it('one success brings a down checker (and its server) back up at once', () => {
    const { changes } = simulate([spec('a', { retry: 1, delayBeforeRetryMs: 2_000 })], {
      until: 60_000,
      phase: () => 0,
      outcome: (_, at) => at < 10_000 || at >= 30_000,
    });
    // Checks at 1, 11 (fail), 13 (fail: down), 23 (fail), 33 (ok: up).
    expect(changes.map((c) => [c.kind, upOf(c), c.at])).toEqual([
      ['checker', false, 13_000],
      ['server', false, 13_000],
      ['checker', true, 33_000],
      ['server', true, 33_000],
    ]);
  });

  it('a real server is up only while all its checkers pass', () => {
    const a = spec('a', { server: 'rs', retry: 0 });
    const b = spec('b', { server: 'rs', retry: 0 });
    const s = new Schedule([a, b], 0, { phase: () => 0 });
    const done = (id: string, ok: boolean, at: number): HealthChange[] => s.complete(id, { ok, reason: ok ? 'ok' : `${id} down` }, at).changes;
    expect(s.isServerUp('rs')).toBe(true);
    // Both are due at 1 s (same phase).
    expect(s.takeDue(1_000)).toEqual(['a', 'b']);
    expect(done('a', false, 1_000).map((c) => c.kind)).toEqual(['checker', 'server']);
    expect(done('b', false, 1_000).map((c) => c.kind)).toEqual(['checker']); // the server was already down
    expect(s.takeDue(11_000)).toEqual(['a', 'b']);
    expect(done('a', true, 11_000).map((c) => c.kind)).toEqual(['checker']); // b still fails
    expect(s.isServerUp('rs')).toBe(false);
    expect(done('b', true, 11_000).map((c) => [c.kind, upOf(c)])).toEqual([
      ['checker', true],
      ['server', true],
    ]);
    expect(s.isServerUp('rs')).toBe(true);
  });
});

describe('alpha', () => {
  it('an alpha checker starts its server down; the first success brings it up', () => {
    const s = new Schedule([spec('a', { alpha: true, server: 'rs' }), spec('b', { server: 'rs' })], 0, { phase: () => 0 });
    expect(s.isServerUp('rs')).toBe(false);
    expect(s.isCheckerUp('a')).toBe(false);
    expect(s.isCheckerUp('b')).toBe(true);
    s.takeDue(1_000);
    expect(s.complete('b', { ok: true, reason: 'ok' }, 1_000).changes).toEqual([]);
    expect(s.complete('a', { ok: true, reason: 'ok' }, 1_000).changes.map((c) => [c.kind, upOf(c)])).toEqual([
      ['checker', true],
      ['server', true],
    ]);
  });

  it('an alpha checker that fails from the start stays down without a change; retries still run', () => {
    const { runs, changes, schedule } = simulate([spec('a', { alpha: true, retry: 2, delayBeforeRetryMs: 1_000 })], {
      until: 30_000,
      phase: () => 0,
      outcome: () => false,
    });
    expect(changes).toEqual([]);
    expect(schedule.isServerUp('srv-a')).toBe(false);
    expect(starts(runs, 'a')).toEqual([1_000, 2_000, 3_000, 13_000, 23_000]);
  });

  it('without alpha a server that is down from the start is taken out after its retries', () => {
    const { changes } = simulate([spec('a', { retry: 1, delayBeforeRetryMs: 3_000 })], { until: 30_000, phase: () => 0, outcome: () => false });
    expect(changes.filter((c) => c.kind === 'server')).toEqual([{ kind: 'server', server: 'srv-a', up: false, reason: 'refused', at: 4_000 }]);
  });
});

describe('independence', () => {
  it('one slow check never delays another checker', () => {
    // `slow` hangs for 25 s on its first check; `fast` runs every 2 s meanwhile.
    const slow = spec('slow', { delayLoopMs: 2_000 });
    const fast = spec('fast', { delayLoopMs: 2_000 });
    const { runs, schedule } = simulate([slow, fast], {
      until: 30_000,
      phase: () => 0,
      duration: (id, at) => (id === 'slow' && at < 2_000 ? 25_000 : 5),
    });
    const fastStarts = starts(runs, 'fast');
    // Every 2 s + 5 ms of check time, from 1 s: unaffected by the slow one.
    expect(fastStarts.slice(0, 12)).toEqual(Array.from({ length: 12 }, (_, i) => 1_000 + i * 2_005));
    expect(starts(runs, 'slow')).toEqual([1_000, 28_000]);
    expect(schedule.isRunning('slow')).toBe(false);
  });

  it('a running checker is never due again until it completes', () => {
    const s = new Schedule([spec('a', { delayLoopMs: 1_000 })], 0, { phase: () => 0 });
    expect(s.takeDue(1_000)).toEqual(['a']);
    expect(s.nextDeadline()).toBeUndefined();
    expect(s.takeDue(100_000)).toEqual([]);
    expect(s.isRunning('a')).toBe(true);
    s.complete('a', { ok: true, reason: 'ok' }, 100_000);
    expect(s.nextDeadline()).toBe(101_000);
    expect(() => s.complete('a', { ok: true, reason: 'ok' }, 100_001)).toThrow(/not running/);
  });

  it('rejects duplicate checker ids and unknown names', () => {
    expect(() => new Schedule([spec('a'), spec('a')], 0)).toThrow(/duplicate/);
    const s = new Schedule([spec('a')], 0);
    expect(() => s.isServerUp('nope')).toThrow(/unknown server/);
    expect(() => s.complete('nope', { ok: true, reason: '' }, 0)).toThrow(/unknown checker/);
  });
});

describe('run-time weights (misc_dynamic, FILE_CHECK)', () => {
  it('a success with a weight sets the server weight: on the up changes, or as a weight change while up', () => {
    const s = new Schedule([spec('m', { server: 'rs', retry: 0 })], 0, { phase: () => 0 });
    expect(s.serverWeight('rs')).toBeUndefined();
    s.takeDue(1_000);
    // Up already: a weight of its own.
    expect(s.complete('m', { ok: true, reason: 'exit 7', weight: 5 }, 1_000).changes).toEqual([
      { kind: 'weight', checker: 'm', server: 'rs', weight: 5, reason: 'exit 7', at: 1_000 },
    ]);
    expect(s.serverWeight('rs')).toBe(5);
    s.takeDue(11_000);
    // Same weight again: nothing changes.
    expect(s.complete('m', { ok: true, reason: 'exit 7', weight: 5 }, 11_000).changes).toEqual([]);
    s.takeDue(21_000);
    expect(s.complete('m', { ok: false, reason: 'exit 1' }, 21_000).changes.map((c) => [c.kind, upOf(c), 'weight' in c ? c.weight : undefined])).toEqual([
      ['checker', false, 5],
      ['server', false, 5],
    ]);
    s.takeDue(31_000);
    // Back up with another weight: the up changes carry it, no separate weight change.
    expect(s.complete('m', { ok: true, reason: 'exit 12', weight: 10 }, 31_000).changes).toEqual([
      { kind: 'checker', checker: 'm', server: 'rs', up: true, reason: 'exit 12', at: 31_000, weight: 10 },
      { kind: 'server', server: 'rs', up: true, reason: 'exit 12', at: 31_000, weight: 10 },
    ]);
    s.takeDue(41_000);
    // A success without a weight (exit 0) leaves it.
    expect(s.complete('m', { ok: true, reason: 'exit 0' }, 41_000).changes).toEqual([]);
    expect(s.serverWeight('rs')).toBe(10);
  });
});

describe('taking due checkers in portions', () => {
  it('takes at most `max` of the due checkers, earliest first; the others stay due', () => {
    const s = new Schedule(['a', 'b', 'c', 'd', 'e'].map((id) => spec(id)), 0, { phase: (i) => i / 10 });
    expect(s.takeDue(5_000, 2)).toEqual(['a', 'b']);
    expect(s.takeDue(5_000, 2)).toEqual(['c', 'd']);
    expect(s.takeDue(5_000, 2)).toEqual(['e']);
    expect(s.takeDue(5_000, 2)).toEqual([]);
  });
});

describe('adding and removing checkers (reload)', () => {
  it('an added checker is due a bootstrap delay plus its phase after it was added', () => {
    const s = new Schedule([spec('a')], 0, { phase: () => 0 });
    s.add(spec('b', { warmupMs: 4_000 }), 50_000, 0.5);
    expect(s.dueAt('b')).toBe(50_000 + BOOTSTRAP_DELAY_MS + 2_000);
    expect(s.takeDue(1_000)).toEqual(['a']);
    expect(s.takeDue(53_000)).toEqual(['b']);
    expect(() => s.add(spec('a'), 60_000, 0)).toThrow(/duplicate checker id 'a'/);
  });

  it('a removed checker is never due again, and its down vote goes with it', () => {
    const s = new Schedule([spec('a', { server: 'rs', retry: 0 }), spec('b', { server: 'rs', retry: 0 })], 0, { phase: () => 0 });
    s.takeDue(1_000);
    s.complete('a', { ok: false, reason: 'refused' }, 1_000);
    s.complete('b', { ok: true, reason: 'ok' }, 1_000);
    expect(s.isServerUp('rs')).toBe(false);
    s.remove('a');
    expect(s.isServerUp('rs')).toBe(true);
    expect(s.checkersOf('rs')).toEqual(['b']);
    expect(s.takeDue(100_000)).toEqual(['b']);
    s.remove('b');
    expect(s.serverIds()).toEqual([]);
    expect(s.nextDeadline()).toBeUndefined();
  });

  it('the stale deadline of a checker removed and added again does not start it early', () => {
    const s = new Schedule([spec('a')], 0, { phase: () => 0 });
    s.remove('a');
    s.add(spec('a'), 500, 0);
    // The old entry (1,000) is skipped; the new one is due at 1,500.
    expect(s.takeDue(1_000)).toEqual([]);
    expect(s.takeDue(1_500)).toEqual(['a']);
    expect(s.isRunning('a')).toBe(true);
  });
});
