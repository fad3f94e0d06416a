// A clock that moves only when a test says so, with the timer functions the
// runtimes take (VRRP instance runtime, check runner, checker service). Due
// timers fire in time order (then creation order); between two, the promises
// they started are let settle, as they would in real time.

/** Let pending promise chains run (a few turns of the event loop). */
export async function turns(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

export class FakeTimers {
  private t = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Timers armed and not yet fired. */
  get armed(): number {
    return this.pending.size;
  }

  /** How many timers have fired. */
  fired = 0;

  /** Move to `to`, firing every timer due on the way; `settle` runs before each and at the end. */
  async advanceTo(to: number, settle: () => Promise<void> = turns): Promise<void> {
    for (;;) {
      await settle();
      if (!this.fireNext(to)) break;
    }
    this.t = Math.max(this.t, to);
    await settle();
  }

  /** advanceTo without letting promises settle: an event loop that only runs timers. */
  run(to: number): void {
    while (this.fireNext(to));
    this.t = Math.max(this.t, to);
  }

  /** Time moves on `ms` with the loop blocked: the timers due meanwhile run late, at the end. */
  stall(ms: number): void {
    this.t += ms;
    this.run(this.t);
  }

  /** Fires the earliest timer due by `to` (time order, then creation order); false when none is. */
  private fireNext(to: number): boolean {
    let next: [number, { at: number; fn: () => void }] | undefined;
    for (const e of this.pending) if (e[1].at <= to && (!next || e[1].at < next[1].at)) next = e;
    if (!next) return false;
    this.pending.delete(next[0]);
    this.t = Math.max(this.t, next[1].at);
    this.fired++;
    next[1].fn();
    return true;
  }

  advance(ms: number, settle?: () => Promise<void>): Promise<void> {
    return this.advanceTo(this.t + ms, settle);
  }
}
