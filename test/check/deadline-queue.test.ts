import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineQueue } from '../../src/check/deadline-queue.js';

describe('DeadlineQueue', () => {
  it('pops only what is due, earliest first, equal deadlines in insertion order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), fc.integer({ min: 0, max: 60 }), (deadlines, now) => {
        const q = new DeadlineQueue();
        deadlines.forEach((at, i) => q.push(at, `k${i}`));
        expect(q.size).toBe(deadlines.length);
        const popped: string[] = [];
        for (let k = q.popDue(now); k !== undefined; k = q.popDue(now)) popped.push(k);
        const expected = deadlines
          .map((at, i) => ({ at, key: `k${i}`, i }))
          .filter((e) => e.at <= now)
          .sort((a, b) => a.at - b.at || a.i - b.i)
          .map((e) => e.key);
        expect(popped).toEqual(expected);
        const rest = deadlines.filter((at) => at > now);
        expect(q.size).toBe(rest.length);
        expect(q.peek()).toBe(rest.length ? Math.min(...rest) : undefined);
      }),
    );
  });
});
