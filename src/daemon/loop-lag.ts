// How late the VRRP child's event loop runs its timers. A backup that wakes
// up late declares a live master dead, so lag is measured all the time, kept
// for the dumps, and logged when it comes near the shortest master-down
// interval of the instances (the budget before a false failover).
//
// A sample is the lateness of a timer: of the monitor's own 100 ms tick, and
// of every instance timer armed through `timers` (a master's advert timer
// fires every advert interval anyway). Each such sample pushes the tick back,
// so on a master the tick never fires at all: at advert_int 0.1 that spares
// ten wake-ups a second, which on an idle director is most of the cost of the
// measurement. Not node's histogram either: it wakes the process every 10 ms.
import type { Log } from '../log.js';
import type { Timers } from '../vrrp/instance.js';

export interface LoopLagReport {
  /** Over the last window, in ms. */
  maxMs: number;
  p99Ms: number;
  meanMs: number;
  /** Worst maximum since start. */
  worstMs: number;
  /** Warnings logged. */
  warnings: number;
}

export interface LoopLagOptions {
  /** A report (and a log line) per window. Default 5 s. */
  windowMs?: number;
  /** The longest time without a sample. Default 100 ms. */
  tickMs?: number;
  /** The clock and timers measured (tests); default the process's. */
  clock?: Timers;
}

const processClock: Timers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class LoopLagMonitor {
  private readonly clock: Timers;
  private readonly windowMs: number;
  private readonly tickMs: number;
  private tick: unknown = undefined;
  private tickDue = 0;
  private running = false;
  private samples: number[] = [];
  private windowStart = 0;
  private last: LoopLagReport = { maxMs: 0, p99Ms: 0, meanMs: 0, worstMs: 0, warnings: 0 };

  /**
   * Timers for the VRRP instances: the clock's own, with each one that fires
   * counted as a sample of lag (how long after its due time it ran).
   */
  readonly timers: Timers;

  constructor(
    private readonly log: Log,
    /** The lag that is a danger: e.g. a quarter of the shortest master-down interval. */
    private readonly budgetMs: () => number,
    options: LoopLagOptions = {},
  ) {
    this.clock = options.clock ?? processClock;
    this.windowMs = options.windowMs ?? 5000;
    this.tickMs = options.tickMs ?? 100;
    const clock = this.clock;
    this.timers = {
      now: () => clock.now(),
      setTimeout: (fn, ms) => {
        const due = clock.now() + ms;
        return clock.setTimeout(() => {
          const lateMs = clock.now() - due;
          try {
            fn();
          } finally {
            // After fn: a timer it re-arms for the same interval (a master's
            // next advert) is then due before the tick pushed back here.
            this.sample(lateMs);
          }
        }, ms);
      },
      clearTimeout: (h) => clock.clearTimeout(h),
    };
  }

  start(): void {
    this.running = true;
    this.windowStart = this.clock.now();
    this.armTick();
  }

  stop(): void {
    this.running = false;
    if (this.tick !== undefined) this.clock.clearTimeout(this.tick);
    this.tick = undefined;
  }

  get report(): LoopLagReport {
    return this.last;
  }

  /** The tick, due tickMs after the last sample. */
  private armTick(): void {
    this.tickDue = this.clock.now() + this.tickMs;
    // A node timer is moved in place (refresh), rather than a new one made per sample.
    const current = this.tick as { refresh?: () => void } | undefined;
    if (current?.refresh) {
      current.refresh();
      return;
    }
    if (this.tick !== undefined) this.clock.clearTimeout(this.tick);
    const handle = this.clock.setTimeout(() => {
      this.tick = undefined;
      this.sample(this.clock.now() - this.tickDue);
    }, this.tickMs);
    // It must not keep the process alive on its own.
    (handle as { unref?: () => void } | undefined)?.unref?.();
    this.tick = handle;
  }

  private sample(lateMs: number): void {
    if (!this.running) return;
    this.samples.push(Math.max(0, lateMs));
    const now = this.clock.now();
    if (now - this.windowStart >= this.windowMs) {
      this.summarize();
      this.windowStart = now;
    }
    this.armTick();
  }

  private summarize(): void {
    const sorted = this.samples.sort((a, b) => a - b);
    this.samples = [];
    const round = (ms: number): number => Math.round(ms * 100) / 100;
    const maxMs = round(sorted.at(-1) ?? 0);
    const report: LoopLagReport = {
      maxMs,
      p99Ms: round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0),
      meanMs: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
      worstMs: Math.max(this.last.worstMs, maxMs),
      warnings: this.last.warnings,
    };
    const budget = this.budgetMs();
    if (budget > 0 && maxMs > budget) {
      report.warnings++;
      this.log.warn({ lagMs: maxMs, budgetMs: budget, p99Ms: report.p99Ms }, 'event loop lag near the master-down interval: a backup could declare a live master dead');
    } else {
      this.log.debug({ lagMs: maxMs, p99Ms: report.p99Ms, meanMs: report.meanMs }, 'event loop lag');
    }
    this.last = report;
  }
}
