// Runs health checks: drives the pure schedule with one timer, starts every
// due check without waiting for the others, feeds outcomes back and reports
// what changed. Checkers can be added to and removed from a running runner
// (a reload), so one runner serves a whole checker process: one schedule,
// one timer, one AbortSignal for every check in flight (aborted at stop;
// checkers hear it through checkers/abort.ts). Checks are started in
// portions: those due within COALESCE_MS together, at most
// LAUNCHES_PER_TURN per turn of the event loop. The clock and timers are
// injected, so tests can run it on a fake clock; the default is the
// monotonic clock and node's timers.
import type { Checker, CheckResult } from './checkers/types.js';
import { goldenPhase, Schedule, type CheckerSpec, type HealthChange, type ScheduleOptions } from './schedule.js';

/** The longest delay node's setTimeout honours. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Checks started in one turn of the event loop; more that are due wait for
 * the next turn. After a stall (a loaded machine) thousands can be due at
 * once: starting them in one go blocked the loop for 300 ms and more, so the
 * checks' own results, and an ipvsadm run's end, waited that long, and the
 * next stall was longer still. 64 connects take a few milliseconds.
 */
export const LAUNCHES_PER_TURN = 64;

/**
 * Checks due within this many milliseconds start with those due now: one
 * wake-up of the process for a handful of checks. At 1,000 checks a second
 * a wake-up per check cost a third of the checker's CPU.
 */
export const COALESCE_MS = 10;

export interface RunnerTimers {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: RunnerTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface RunnerCheck {
  spec: CheckerSpec;
  checker: Checker;
}

/** One finished check, whatever it changed. */
export interface CheckRun {
  kind: 'result';
  checker: string;
  server: string;
  ok: boolean;
  reason: string;
  startedAt: number;
  at: number;
  /** The failure has not counted yet: a retry follows. */
  retrying: boolean;
  nextAt: number;
  /** The weight the check asked for (MISC_CHECK misc_dynamic, FILE_CHECK). */
  weight?: number;
}

export type RunnerEvent = HealthChange | CheckRun;

export interface RunnerOptions {
  timers?: RunnerTimers;
  /** Called for every result and every change (a checker's, then its real server's). */
  onEvent?: (event: RunnerEvent) => void;
  /** Where checker number `index` (in the order they were given, added ones after) starts in the spread window. */
  phase?: ScheduleOptions['phase'];
}

export class CheckRunner {
  private readonly timers: RunnerTimers;
  private readonly onEvent: (event: RunnerEvent) => void;
  private readonly phase: NonNullable<ScheduleOptions['phase']>;
  private readonly byId = new Map<string, RunnerCheck>();
  /** Checks in flight, by the check they run (a checker removed and added again may briefly have two). */
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private schedule: Schedule | undefined;
  private added = 0;
  private timer: unknown;
  private timerAt: number | undefined;
  private stopped = false;

  constructor(
    private readonly checks: readonly RunnerCheck[],
    options: RunnerOptions = {},
  ) {
    this.timers = options.timers ?? systemTimers;
    this.onEvent = options.onEvent ?? (() => {});
    this.phase = options.phase ?? ((i) => goldenPhase(i));
    for (const c of checks) this.byId.set(c.spec.id, c);
  }

  /** Start the schedule now. Real servers start up (down with alpha). */
  start(): void {
    if (this.schedule) throw new Error('already started');
    this.schedule = new Schedule(
      this.checks.map((c) => c.spec),
      this.timers.now(),
      { phase: this.phase },
    );
    this.added = this.checks.length;
    this.arm();
  }

  /** Add checkers to the running schedule; their first checks are spread as at start. */
  add(checks: readonly RunnerCheck[]): void {
    const schedule = this.started();
    const now = this.timers.now();
    for (const c of checks) {
      schedule.add(c.spec, now, this.phase(this.added++, c.spec));
      this.byId.set(c.spec.id, c);
    }
    this.arm();
  }

  /**
   * Remove checkers: they are never started again. A check of theirs still
   * in flight ends on its own (within its timeout) and its result is dropped.
   */
  remove(ids: Iterable<string>): void {
    const schedule = this.started();
    for (const id of ids) {
      this.byId.delete(id);
      schedule.remove(id);
    }
    this.arm();
  }

  /** Stop scheduling, abort the checks in flight and wait for them to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.disarm();
    this.abort.abort();
    await Promise.all(this.running);
  }

  /** Health of every real server that has checkers. */
  servers(): Map<string, boolean> {
    const s = this.started();
    return new Map(s.serverIds().map((id) => [id, s.isServerUp(id)]));
  }

  isServerUp(server: string): boolean {
    return this.started().isServerUp(server);
  }

  /** The run-time weight checkers set for a real server; undefined: its configured weight. */
  serverWeight(server: string): number | undefined {
    return this.started().serverWeight(server);
  }

  /** Checks in flight. */
  get inFlight(): number {
    return this.running.size;
  }

  private started(): Schedule {
    if (!this.schedule) throw new Error('not started');
    return this.schedule;
  }

  private arm(): void {
    if (this.stopped) return;
    const next = this.started().nextDeadline();
    if (next === this.timerAt) return;
    this.disarm();
    if (next === undefined) return;
    this.timerAt = next;
    // node fires longer timeouts at once; an early wake-up just re-arms.
    const delay = Math.min(Math.max(0, Math.ceil(next - this.timers.now())), MAX_TIMEOUT_MS);
    this.timer = this.timers.setTimeout(() => this.onTimer(), delay);
  }

  private disarm(): void {
    if (this.timerAt === undefined) return;
    this.timers.clearTimeout(this.timer);
    this.timerAt = undefined;
    this.timer = undefined;
  }

  private onTimer(): void {
    this.timerAt = undefined;
    this.timer = undefined;
    if (this.stopped) return;
    const now = this.timers.now();
    for (const id of this.started().takeDue(now + COALESCE_MS, LAUNCHES_PER_TURN)) this.launch(this.byId.get(id)!, now);
    this.arm();
  }

  private launch(check: RunnerCheck, startedAt: number): void {
    let attempt: Promise<CheckResult>;
    try {
      attempt = check.checker.run(this.abort.signal);
    } catch (err) {
      attempt = Promise.reject(err as Error);
    }
    const settle = (result: CheckResult): void => {
      this.running.delete(done);
      // Dropped after stop, and when the checker was removed (or replaced) meanwhile.
      if (this.stopped || this.byId.get(check.spec.id) !== check) return;
      this.finish(check, result, startedAt);
    };
    const done: Promise<void> = attempt.then(settle, (err: unknown) => settle(failedRun(check.checker, err)));
    this.running.add(done);
  }

  private finish(check: RunnerCheck, result: CheckResult, startedAt: number): void {
    const schedule = this.started();
    const at = this.timers.now();
    const id = check.spec.id;
    const completion = schedule.complete(id, result, at);
    this.emit({
      kind: 'result',
      checker: id,
      server: check.spec.server,
      ok: result.ok,
      reason: result.reason,
      startedAt,
      at,
      retrying: completion.retrying,
      nextAt: completion.nextAt,
      ...(result.weight !== undefined ? { weight: result.weight } : {}),
    });
    for (const change of completion.changes) this.emit(change);
    this.arm();
  }

  private emit(event: RunnerEvent): void {
    try {
      this.onEvent(event);
    } catch {
      // A listener's bug must not stop the health checks.
    }
  }
}

/** A checker that throws still yields a failed result. */
function failedRun(checker: Checker, err: unknown): CheckResult {
  return { ok: false, reason: `${checker.type} ${checker.target}: ${(err as Error)?.message ?? String(err)}` };
}
