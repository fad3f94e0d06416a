// A min-heap of (deadline, key): the schedule asks it for the earliest due
// checker without scanning every checker, which matters at 10,000 checkers.
// Equal deadlines come out in insertion order, so runs are deterministic.

interface Entry {
  at: number;
  seq: number;
  key: string;
}

export class DeadlineQueue {
  private readonly heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** The earliest deadline, or undefined when empty. */
  peek(): number | undefined {
    return this.heap[0]?.at;
  }

  push(at: number, key: string): void {
    this.heap.push({ at, seq: this.seq++, key });
    this.up(this.heap.length - 1);
  }

  /** Remove and return the key with the earliest deadline if it is at or before `now`. */
  popDue(now: number): string | undefined {
    const top = this.heap[0];
    if (top === undefined || top.at > now) return undefined;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top.key;
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l], h[m])) m = l;
      if (r < h.length && this.less(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
