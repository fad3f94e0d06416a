// Runs health checks: drives the pure schedule with one timer, starts every
// due check without waiting for the others, feeds outcomes back and reports
// what changed. The clock and timers are injected, so tests can run it on a
// fake clock; the default is the monotonic clock and node's timers.
import type { Checker, CheckResult } from './checkers/types.js';
import { Schedule, type CheckerSpec, type HealthChange, type ScheduleOptions } from './schedule.js';

/** The longest delay node's setTimeout honours. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

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
  phase?: ScheduleOptions['phase'];
}

export class CheckRunner {
  private readonly timers: RunnerTimers;
  private readonly onEvent: (event: RunnerEvent) => void;
  private readonly byId = new Map<string, RunnerCheck>();
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private schedule: Schedule | undefined;
  private timer: unknown;
  private timerAt: number | undefined;
  private stopped = false;

  constructor(
    private readonly checks: readonly RunnerCheck[],
    private readonly options: RunnerOptions = {},
  ) {
    this.timers = options.timers ?? systemTimers;
    this.onEvent = options.onEvent ?? (() => {});
    for (const c of checks) this.byId.set(c.spec.id, c);
  }

  /** Start the schedule now. Real servers start up (down with alpha). */
  start(): void {
    if (this.schedule) throw new Error('already started');
    this.schedule = new Schedule(
      this.checks.map((c) => c.spec),
      this.timers.now(),
      this.options.phase ? { phase: this.options.phase } : {},
    );
    this.arm();
  }

  /** Stop scheduling, abort the checks in flight and wait for them to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.disarm();
    for (const r of this.running.values()) r.controller.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
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
    for (const id of this.started().takeDue(now)) this.launch(id, now);
    this.arm();
  }

  private launch(id: string, startedAt: number): void {
    const { checker } = this.byId.get(id)!;
    const controller = new AbortController();
    const done = runSafely(checker, controller.signal).then((result) => {
      this.running.delete(id);
      if (this.stopped) return;
      this.finish(id, result, startedAt);
    });
    this.running.set(id, { controller, done });
  }

  private finish(id: string, result: CheckResult, startedAt: number): void {
    const schedule = this.started();
    const at = this.timers.now();
    const completion = schedule.complete(id, result, at);
    this.emit({
      kind: 'result',
      checker: id,
      server: this.byId.get(id)!.spec.server,
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
async function runSafely(checker: Checker, signal: AbortSignal): Promise<CheckResult> {
  try {
    return await checker.run(signal);
  } catch (err) {
    return { ok: false, reason: `${checker.type} ${checker.target}: ${(err as Error)?.message ?? String(err)}` };
  }
}
