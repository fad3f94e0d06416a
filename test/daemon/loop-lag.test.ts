// The event-loop lag monitor of the VRRP child (src/daemon/loop-lag.ts): a
// sample is how late a timer ran, the monitor's own tick or an instance
// timer armed through monitor.timers; every sample pushes the tick back, so
// a master's advert timer does the measuring and the tick never fires.
import { describe, expect, it } from 'vitest';
import { LoopLagMonitor } from '../../src/daemon/loop-lag.js';
import type { Log } from '../../src/log.js';
import { FakeTimers } from '../helpers/fake-timers.js';

function recordingLog(): { log: Log; warnings: { lagMs: number; budgetMs: number }[] } {
  const warnings: { lagMs: number; budgetMs: number }[] = [];
  const log = { warn: (o: { lagMs: number; budgetMs: number }) => warnings.push(o), debug: () => {} } as unknown as Log;
  return { log, warnings };
}

describe('LoopLagMonitor', () => {
  it('on its own, ticks every 100 ms; a blocked loop shows in the next report as its lateness, and a warning above the budget', () => {
    const clock = new FakeTimers();
    const { log, warnings } = recordingLog();
    const lag = new LoopLagMonitor(log, () => 85, { clock, windowMs: 1000 });
    lag.start();
    clock.run(1000);
    // Ten ticks in the first second, each on time.
    expect(clock.fired).toBe(10);
    expect(lag.report).toMatchObject({ maxMs: 0, warnings: 0 });
    clock.run(1050);
    clock.stall(300); // due at 1100, runs at 1350
    clock.run(2400);
    expect(lag.report.maxMs).toBe(250);
    expect(lag.report.worstMs).toBe(250);
    expect(warnings).toEqual([expect.objectContaining({ lagMs: 250, budgetMs: 85 })]);
    clock.run(3500);
    expect(lag.report).toMatchObject({ maxMs: 0, worstMs: 250, warnings: 1 });
    lag.stop();
    expect(clock.armed).toBe(0);
  });

  it("an instance timer armed through monitor.timers is a sample and pushes the tick back: a master's 100 ms advert timer does all the measuring", () => {
    const clock = new FakeTimers();
    const { log } = recordingLog();
    const lag = new LoopLagMonitor(log, () => 85, { clock, windowMs: 1000 });
    let adverts = 0;
    const advert = (): void => {
      adverts++;
      lag.timers.setTimeout(advert, 100);
    };
    // As in the VRRP child: the instances start, then the monitor.
    lag.timers.setTimeout(advert, 100);
    lag.start();
    clock.run(5000);
    expect(adverts).toBe(50);
    // Every callback that ran was an advert: the monitor's tick never fired.
    expect(clock.fired).toBe(50);
    // A late advert timer is a late sample like any other.
    clock.run(5050);
    clock.stall(200); // the advert due at 5100 runs at 5250
    clock.run(6100);
    expect(lag.report.maxMs).toBe(150);
    lag.stop();
  });

  it('timers cleared through monitor.timers never run, and a stopped monitor takes no samples', () => {
    const clock = new FakeTimers();
    const { log, warnings } = recordingLog();
    const lag = new LoopLagMonitor(log, () => 1, { clock, windowMs: 1000 });
    let ran = false;
    const h = lag.timers.setTimeout(() => (ran = true), 50);
    lag.timers.clearTimeout(h);
    lag.start();
    lag.stop();
    lag.timers.setTimeout(() => {}, 100);
    clock.run(50);
    clock.stall(2000);
    expect(ran).toBe(false);
    expect(warnings).toEqual([]);
    expect(lag.report.worstMs).toBe(0);
  });

  it("with the process's own timers (the tick moved in place by refresh): a blocked event loop shows, before and after instance timers", async () => {
    const { log } = recordingLog();
    const lag = new LoopLagMonitor(log, () => 0, { windowMs: 150, tickMs: 20 });
    lag.start();
    const sleep = (ms: number): Promise<void> => new Promise((r) => lag.timers.setTimeout(r, ms));
    const block = (ms: number): void => {
      const until = performance.now() + ms;
      while (performance.now() < until) {
        /* the event loop is blocked */
      }
    };
    await sleep(30);
    block(80);
    for (let i = 0; i < 10; i++) await sleep(20);
    lag.stop();
    expect(lag.report.worstMs).toBeGreaterThan(40);
  });
});

