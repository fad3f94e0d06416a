import { describe, expect, it } from 'vitest';
import { masterDownInterval, minSkewTime, skewTime, startupWait } from '../../src/vrrp/timing.js';

describe('skew time', () => {
  it.each([
    // [rule, version, priority, Master_Adver_Interval (cs), expected ms]
    ['RFC 3768 6.1: VRRPv2 skew is (256 - priority) / 256 s', 2, 100, 100, 609.375],
    ['RFC 3768 6.1: VRRPv2 skew does not depend on the advert interval', 2, 100, 300, 609.375],
    ['RFC 3768 6.1: VRRPv2 skew of the lowest priority', 2, 1, 100, 996.093],
    ['keepalived: the address owner uses priority 255 (skew truncated to whole microseconds)', 2, 255, 100, 3.906],
    ['RFC 5798 6.1: VRRPv3 skew is (256 - priority) * Master_Adver_Interval / 256', 3, 100, 100, 609.375],
    ['RFC 5798 6.1: VRRPv3 skew scales with a 0.5 s Master_Adver_Interval (truncated to µs)', 3, 100, 50, 304.687],
    ['RFC 5798 6.1: VRRPv3 skew with a 3 s Master_Adver_Interval', 3, 200, 300, 656.25],
  ] as const)('%s', (_rule, version, priority, cs, expected) => {
    expect(skewTime(version, priority, cs)).toBeCloseTo(expected, 9);
  });

  it('keepalived VRRP_TIMER_SKEW_MIN: the minimum skew is the skew of priority 255', () => {
    expect(minSkewTime(2, 100)).toBeCloseTo(3.906, 9);
    expect(minSkewTime(3, 100)).toBeCloseTo(3.906, 9);
    expect(minSkewTime(3, 200)).toBeCloseTo(7.812, 9);
  });
});

describe('master-down interval', () => {
  it.each([
    ['RFC 5798 6.1: 3 * Master_Adver_Interval + Skew_Time (priority 100, 1 s)', 2, 100, 100, 3, 3609.375],
    ['RFC 5798 6.1: a higher priority waits less (priority 200)', 2, 200, 100, 3, 3218.75],
    ['keepalived down_timer_adverts: the 3 is configurable', 2, 100, 100, 5, 5609.375],
    ['RFC 5798 6.1: VRRPv3 with 0.5 s adverts', 3, 100, 50, 3, 1804.687],
    ['RFC 3768 6.1: VRRPv2 with 3 s adverts keeps the 1 s-based skew', 2, 100, 300, 3, 9609.375],
  ] as const)('%s', (_rule, version, priority, cs, adverts, expected) => {
    expect(masterDownInterval(version, priority, cs, adverts)).toBeCloseTo(expected, 9);
  });

  it('defaults down_timer_adverts to 3', () => {
    expect(masterDownInterval(2, 100, 100)).toBe(masterDownInterval(2, 100, 100, 3));
  });
});

describe('start-up wait (keepalived vrrp_init_state)', () => {
  const base = { version: 2, advertIntervalCs: 100, downTimerAdverts: 3 } as const;
  it.each([
    ['RFC 5798 6.4.1: the owner (255) with state MASTER is master at once', 255, 'MASTER', 'owner', 0],
    ['keepalived 2.2.7 measured: state MASTER below 255 waits the full master-down interval', 150, 'MASTER', 'initial-master', 3414.062],
    ['keepalived: state BACKUP waits the full master-down interval', 100, 'BACKUP', 'backup', 3609.375],
    ['keepalived: an owner configured with state BACKUP waits like a backup', 255, 'BACKUP', 'backup', 3003.906],
  ] as const)('%s', (_rule, priority, initialState, kind, wait) => {
    const r = startupWait({ ...base, priority, initialState });
    expect(r.kind).toBe(kind);
    expect(r.wait).toBeCloseTo(wait, 9);
  });

  it('keepalived 2.2.7 measured: state MASTER priority 150 with advert_int 4 sends its first advert after 12.4 s', () => {
    const r = startupWait({ version: 2, priority: 150, advertIntervalCs: 400, initialState: 'MASTER', downTimerAdverts: 3 });
    expect(r.kind).toBe('initial-master');
    expect(r.wait / 1000).toBeCloseTo(12.4, 1);
    expect(r.wait).toBeCloseTo(12_414.062, 3);
  });
});
