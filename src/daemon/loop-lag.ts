// How late the VRRP child's event loop runs its timers. A backup that wakes
// up late declares a live master dead, so lag is measured all the time, kept
// for the dumps, and logged when it comes near the shortest master-down
// interval of the instances (the budget before a false failover).
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
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
  private readonly histogram: IntervalHistogram;
  private timer: NodeJS.Timeout | undefined;
  private last: LoopLagReport = { maxMs: 0, p99Ms: 0, meanMs: 0, worstMs: 0, warnings: 0 };

  constructor(
    private readonly log: Log,
    /** The lag that is a danger: e.g. a quarter of the shortest master-down interval. */
    private readonly budgetMs: () => number,
    private readonly windowMs = 5000,
  ) {
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
  }

  start(): void {
    this.histogram.enable();
    this.timer = setInterval(() => this.sample(), this.windowMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram.disable();
  }

  get report(): LoopLagReport {
    return this.last;
  }

  private sample(): void {
    const h = this.histogram;
    const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
    const maxMs = ms(h.max);
    const report: LoopLagReport = {
      maxMs,
      p99Ms: ms(h.percentile(99)),
      meanMs: ms(h.mean),
      worstMs: Math.max(this.last.worstMs, maxMs),
      warnings: this.last.warnings,
    };
    h.reset();
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
