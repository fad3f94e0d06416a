// How late the VRRP child's event loop runs its timers. A backup that wakes
// up late declares a live master dead, so lag is measured all the time, kept
// for the dumps, and logged when it comes near the shortest master-down
// interval of the instances (the budget before a false failover). It is
// measured as the lateness of a 100 ms tick, not with node's histogram
// (which wakes the process every 10 ms: most of an idle director's CPU).
import type { Log } from '../log.js';

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

export class LoopLagMonitor {
  private timer: NodeJS.Timeout | undefined;
  private samples: number[] = [];
  private windowStart = 0;
  private expected = 0;
  private last: LoopLagReport = { maxMs: 0, p99Ms: 0, meanMs: 0, worstMs: 0, warnings: 0 };

  constructor(
    private readonly log: Log,
    /** The lag that is a danger: e.g. a quarter of the shortest master-down interval. */
    private readonly budgetMs: () => number,
    private readonly windowMs = 5000,
    private readonly tickMs = 100,
  ) {}

  start(): void {
    this.windowStart = performance.now();
    this.expected = this.windowStart + this.tickMs;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  get report(): LoopLagReport {
    return this.last;
  }

  private tick(): void {
    const now = performance.now();
    this.samples.push(Math.max(0, now - this.expected));
    this.expected = now + this.tickMs;
    if (now - this.windowStart >= this.windowMs) {
      this.sample();
      this.windowStart = now;
    }
  }

  private sample(): void {
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
