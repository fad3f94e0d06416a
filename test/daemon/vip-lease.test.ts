// The VIP lease: a dead master loses its VIPs within max(2 s, 2 x
// Master_Down_Interval); the kernel checks lifetimes on whole seconds, rounded
// up, so the lifetime is a second shorter than that bound.
import { describe, expect, it } from 'vitest';
import { vipLeaseFor } from '../../src/daemon/vrrp-service.js';
import { masterDownInterval } from '../../src/vrrp/timing.js';
import { config } from '../vrrp/runtime-fakes.js';

function lease(version: 2 | 3, priority: number, advertIntervalCs: number) {
  const rc = config({ priority });
  rc.params = { ...rc.params, version, priority, advertIntervalCs };
  return vipLeaseFor(rc);
}

describe('vipLeaseFor', () => {
  it('stays a second inside max(2 s, 2 x Master_Down_Interval), refreshed three times per lifetime', () => {
    for (const [version, priority, cs] of [
      [2, 150, 100],
      [2, 100, 100],
      [3, 150, 10],
      [3, 100, 5],
      [2, 1, 1000],
    ] as const) {
      const l = lease(version, priority, cs);
      const bound = Math.max(2000, 2 * masterDownInterval(version, priority, cs));
      expect(l.validSec * 1000 + 1000).toBeLessThanOrEqual(bound);
      expect(l.validSec).toBeGreaterThanOrEqual(1);
      expect(l.refreshMs).toBe(Math.floor((l.validSec * 1000) / 3));
    }
    expect(lease(2, 150, 100)).toEqual({ validSec: 5, preferredSec: 5, refreshMs: 1666 });
    expect(lease(3, 150, 10)).toEqual({ validSec: 1, preferredSec: 1, refreshMs: 333 });
  });
});
