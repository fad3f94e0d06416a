// When each health check runs, and what its results mean for its real
// server. Pure: time comes in as numbers (monotonic milliseconds), the caller
// runs the checks and reports each outcome, and state changes come back as
// values. No timers, no clock, no I/O.
//
// keepalived's rules (check_api.c, check_tcp.c, check_http.c, ipwrapper.c):
// - A checker starts up, or down with `alpha`. A real server is alive while
//   none of its checkers is down.
// - A failure counts only after `retry` more attempts, each `delay_before_retry`
//   after the previous one, have failed too; then the checker goes down.
//   A success brings it up at once and resets the retry count.
// - After a verdict the next check is `delay_loop` after the check ended.
// - A down checker does not retry (it is already down), except TCP_CHECK,
//   which keeps its retry cycle while down and so notices a recovery sooner.
// - The first check runs one second after start plus a random share of
//   `warmup` (default: delay_loop). We spread deterministically instead of at
//   random, so checks never start all at once and tests can rely on it.
//
// - A successful check may set the real server's weight (MISC_CHECK
//   misc_dynamic, FILE_CHECK): the latest weight any of its checkers reported
//   is the server's. It travels on the up changes, and as a change of its own
//   when the state stays the same.
//
// Each checker has its own deadline: a check that takes long only delays the
// next run of that same checker, never another one.

import { DeadlineQueue } from './deadline-queue.js';

/** keepalived's BOOTSTRAP_DELAY: checks start one second after the checker process. */
export const BOOTSTRAP_DELAY_MS = 1000;

/** With `warmup 0`, first checks are still spread over this much time (capped at delay_loop). */
export const MIN_SPREAD_MS = 1000;

export interface CheckerSpec {
  /** Unique among the checkers of one schedule. */
  id: string;
  /** The real server this checker votes on; checkers with the same value form one server. */
  server: string;
  delayLoopMs: number;
  retry: number;
  delayBeforeRetryMs: number;
  /** First checks are spread over this many milliseconds. */
  warmupMs: number;
  /** Start down until a check succeeds. */
  alpha: boolean;
  /** Keep retrying while down (TCP_CHECK does). Default false. */
  retryWhileDown?: boolean;
}

export interface CheckOutcome {
  ok: boolean;
  reason: string;
  /** The real server's weight this success asks for; absent: unchanged. */
  weight?: number;
}

/**
 * `weight`, where present, is the real server's run-time weight (set by a
 * checker; absent while no checker has set one): on the up changes, and as
 * a `weight` change when it moves while the server's state does not.
 */
export type HealthChange =
  | { kind: 'checker'; checker: string; server: string; up: boolean; reason: string; at: number; weight?: number }
  | { kind: 'server'; server: string; up: boolean; reason: string; at: number; weight?: number }
  | { kind: 'weight'; checker: string; server: string; weight: number; reason: string; at: number };

export interface Completion {
  /** In order: the checker's change first, then its server's. */
  changes: HealthChange[];
  /** When this checker runs next. */
  nextAt: number;
  /** Whether the next run is a retry of a failure that has not counted yet. */
  retrying: boolean;
  /** Retries used so far in the current failure streak. */
  retries: number;
}

export interface ScheduleOptions {
  /**
   * Where in the spread window checker number `index` starts, in [0, 1).
   * Default: the golden-ratio sequence, which keeps any number of checkers
   * evenly spread. Inject Math.random for keepalived's random warmup.
   */
  phase?: (index: number, spec: CheckerSpec) => number;
}

/** Fractional part of index x golden ratio: a low-discrepancy sequence in [0, 1). */
export function goldenPhase(index: number): number {
  const x = index * 0.6180339887498949;
  return x - Math.floor(x);
}

/** When a checker's first check is due, for a schedule started at `start`. */
export function firstCheckAt(spec: CheckerSpec, phase: number, start: number): number {
  const window = spec.warmupMs > 0 ? spec.warmupMs : Math.min(MIN_SPREAD_MS, spec.delayLoopMs);
  return start + BOOTSTRAP_DELAY_MS + Math.floor(phase * window);
}

interface CheckerState {
  spec: CheckerSpec;
  up: boolean;
  /** A verdict (up or down) has been reached at least once. */
  judged: boolean;
  retries: number;
  running: boolean;
  /** When it is due next; undefined while running. */
  dueAt: number | undefined;
  lastReason: string;
}

interface ServerState {
  checkers: string[];
  failed: number;
  /** The latest weight a checker set; undefined: the configured weight. */
  weight: number | undefined;
}

export class Schedule {
  private readonly checkers = new Map<string, CheckerState>();
  private readonly servers = new Map<string, ServerState>();
  private readonly queue = new DeadlineQueue();

  constructor(specs: readonly CheckerSpec[], start: number, options: ScheduleOptions = {}) {
    const phase = options.phase ?? ((i: number) => goldenPhase(i));
    specs.forEach((spec, index) => this.add(spec, start, phase(index, spec)));
  }

  /**
   * Take on a checker at `now` (a reload adds checkers to a running
   * schedule): its first check is due as at start, `phase` into the spread
   * window after the bootstrap delay.
   */
  add(spec: CheckerSpec, now: number, phase: number): void {
    if (this.checkers.has(spec.id)) throw new Error(`duplicate checker id '${spec.id}'`);
    const p = Math.min(Math.max(phase, 0), 1 - Number.EPSILON);
    const dueAt = firstCheckAt(spec, p, now);
    const state: CheckerState = {
      spec: normalise(spec),
      up: !spec.alpha,
      judged: false,
      retries: 0,
      running: false,
      dueAt,
      lastReason: spec.alpha ? 'alpha: down until a check succeeds' : 'not checked yet',
    };
    this.checkers.set(spec.id, state);
    let server = this.servers.get(spec.server);
    if (!server) this.servers.set(spec.server, (server = { checkers: [], failed: 0, weight: undefined }));
    server.checkers.push(spec.id);
    if (!state.up) server.failed++;
    this.queue.push(dueAt, spec.id);
  }

  /**
   * Forget a checker: it is never due again, and a check of it still
   * running may not be completed. Its server loses its vote (and goes when
   * it has no checker left).
   */
  remove(id: string): void {
    const c = this.checkers.get(id);
    if (!c) return;
    this.checkers.delete(id);
    const server = this.servers.get(c.spec.server)!;
    server.checkers = server.checkers.filter((x) => x !== id);
    if (!c.up) server.failed--;
    if (server.checkers.length === 0) this.servers.delete(c.spec.server);
    // Its queue entry stays until it comes up; takeDue skips it.
  }

  /** The earliest time a waiting checker is due; undefined when none waits. */
  nextDeadline(): number | undefined {
    return this.queue.peek();
  }

  /**
   * Checkers due at `now`, earliest first, at most `max` of them (the rest
   * stay due). They count as running until complete() is called for each; a
   * running checker is never due.
   */
  takeDue(now: number, max = Infinity): string[] {
    const due: string[] = [];
    while (due.length < max) {
      const at = this.queue.peek();
      const id = this.queue.popDue(now);
      if (id === undefined) break;
      const c = this.checkers.get(id);
      // An entry of a removed checker, or of one removed and added again since, is stale.
      if (!c || c.running || c.dueAt !== at) continue;
      c.running = true;
      c.dueAt = undefined;
      due.push(id);
    }
    return due;
  }

  /** Record the outcome of a check that ended at `now`. */
  complete(id: string, outcome: CheckOutcome, now: number): Completion {
    const c = this.checkers.get(id);
    if (!c) throw new Error(`unknown checker '${id}'`);
    if (!c.running) throw new Error(`checker '${id}' is not running`);
    c.running = false;
    c.lastReason = outcome.reason;
    const { spec } = c;
    const changes: HealthChange[] = [];
    let delay = spec.delayLoopMs;
    let retrying = false;

    if (outcome.ok) {
      c.retries = 0;
      c.judged = true;
      const server = this.servers.get(spec.server)!;
      const weightMoved = outcome.weight !== undefined && outcome.weight !== server.weight;
      if (outcome.weight !== undefined) server.weight = outcome.weight;
      if (!c.up) this.setUp(c, true, outcome.reason, now, changes);
      else if (weightMoved) changes.push({ kind: 'weight', checker: id, server: spec.server, weight: outcome.weight!, reason: outcome.reason, at: now });
    } else if ((c.up || !c.judged || spec.retryWhileDown) && c.retries < spec.retry) {
      c.retries++;
      delay = spec.delayBeforeRetryMs;
      retrying = true;
    } else {
      c.retries = 0;
      c.judged = true;
      if (c.up) this.setUp(c, false, outcome.reason, now, changes);
    }

    const retries = c.retries;
    c.dueAt = now + delay;
    this.queue.push(c.dueAt, id);
    return { changes, nextAt: c.dueAt, retrying, retries };
  }

  isServerUp(server: string): boolean {
    const s = this.servers.get(server);
    if (!s) throw new Error(`unknown server '${server}'`);
    return s.failed === 0;
  }

  /** The run-time weight checkers set for the server; undefined: its configured weight. */
  serverWeight(server: string): number | undefined {
    const s = this.servers.get(server);
    if (!s) throw new Error(`unknown server '${server}'`);
    return s.weight;
  }

  isCheckerUp(id: string): boolean {
    return this.state(id).up;
  }

  /** When the checker is due next; undefined while it runs. */
  dueAt(id: string): number | undefined {
    return this.state(id).dueAt;
  }

  isRunning(id: string): boolean {
    return this.state(id).running;
  }

  /** Why the checker is in its current state (its last outcome's reason). */
  lastReason(id: string): string {
    return this.state(id).lastReason;
  }

  serverIds(): string[] {
    return [...this.servers.keys()];
  }

  checkerIds(): string[] {
    return [...this.checkers.keys()];
  }

  checkersOf(server: string): string[] {
    return [...(this.servers.get(server)?.checkers ?? [])];
  }

  private state(id: string): CheckerState {
    const c = this.checkers.get(id);
    if (!c) throw new Error(`unknown checker '${id}'`);
    return c;
  }

  private setUp(c: CheckerState, up: boolean, reason: string, at: number, changes: HealthChange[]): void {
    const server = this.servers.get(c.spec.server)!;
    const wasAlive = server.failed === 0;
    c.up = up;
    server.failed += up ? -1 : 1;
    const weight = server.weight !== undefined ? { weight: server.weight } : {};
    changes.push({ kind: 'checker', checker: c.spec.id, server: c.spec.server, up, reason, at, ...weight });
    const alive = server.failed === 0;
    if (alive !== wasAlive) changes.push({ kind: 'server', server: c.spec.server, up: alive, reason, at, ...weight });
  }
}

/** Guard against settings that would make a checker spin. */
function normalise(spec: CheckerSpec): CheckerSpec {
  // Most specs are fine as they are: keep them, not a copy each (10,000 checkers, 10,000 copies).
  if (spec.delayLoopMs >= 1 && spec.delayBeforeRetryMs >= 0 && Number.isInteger(spec.retry) && spec.retry >= 0 && spec.warmupMs >= 0) return spec;
  return {
    ...spec,
    delayLoopMs: Math.max(spec.delayLoopMs, 1),
    delayBeforeRetryMs: Math.max(spec.delayBeforeRetryMs, 0),
    retry: Math.max(Math.floor(spec.retry), 0),
    warmupMs: Math.max(spec.warmupMs, 0),
  };
}
