import { describe, expect, it } from 'vitest';
import { effectivePriority, evaluateTrackers, trackerContribution, type TrackerStatus } from '../../src/vrrp/priority.js';

describe('tracker contribution (keepalived vrrp_track.c)', () => {
  const up = (weight: number, reverse = false): TrackerStatus => ({ kind: 'script', name: 'chk', weight, reverse, up: true });
  const down = (weight: number, reverse = false): TrackerStatus => ({ kind: 'script', name: 'chk', weight, reverse, up: false });
  it.each([
    ['weight 0: a failing tracker puts the instance in FAULT', down(0), 0, true],
    ['weight 0: a working tracker changes nothing', up(0), 0, false],
    ['weight 0 reverse: a working tracker puts the instance in FAULT', up(0, true), 0, true],
    ['positive weight is added while the tracker is up', up(20), 20, false],
    ['positive weight adds nothing while the tracker is down', down(20), 0, false],
    ['negative weight is subtracted while the tracker is down', down(-30), -30, false],
    ['negative weight subtracts nothing while the tracker is up', up(-30), 0, false],
    ['reverse turns a positive weight into a penalty while up', up(20, true), -20, false],
    ['reverse turns a negative weight into a bonus while down', down(-30, true), 30, false],
  ] as const)('%s', (_rule, tracker, delta, fault) => {
    expect(trackerContribution(tracker)).toEqual({ delta, fault });
  });

  it.each([
    ['track_file: value * weight', 3, 10, false, 30, false],
    ['track_file: negative result lowers the priority', -2, 10, false, -20, false],
    ['track_file: reverse negates value * weight', 2, 10, true, -20, false],
    ['track_file: the contribution is capped at 253', 100, 10, false, 253, false],
    ['track_file: -254 or less means FAULT', -26, 10, false, 0, true],
    ['track_file weight 0: a non-zero value means FAULT', 1, 0, false, 0, true],
    ['track_file weight 0: zero is fine', 0, 0, false, 0, false],
    ['track_file weight 0 reverse: zero means FAULT', 0, 0, true, 0, true],
  ] as const)('%s', (_rule, value, weight, reverse, delta, fault) => {
    expect(trackerContribution({ kind: 'file', name: 'f', value, weight, reverse })).toEqual({ delta, fault });
  });
});

describe('evaluateTrackers', () => {
  it('sums the deltas and names the trackers in fault', () => {
    expect(
      evaluateTrackers([
        { kind: 'interface', name: 'eth1', weight: -50, up: false },
        { kind: 'script', name: 'chk_nginx', weight: 10, up: true },
        { kind: 'process', name: 'haproxy', weight: 0, up: false },
      ]),
    ).toEqual({ delta: -40, faults: ['process haproxy'] });
  });
});

describe('effective priority (keepalived vrrp_set_effective_priority)', () => {
  it.each([
    ['base + delta', 100, -30, 70],
    ['clamped to at least 1 for non-owners', 100, -150, 1],
    ['clamped to at most 254 for non-owners', 200, 100, 254],
    ['254 + 1 does not become the owner', 254, 1, 254],
    ['the address owner stays 255 whatever the weights', 255, -100, 255],
  ] as const)('%s', (_rule, base, delta, expected) => {
    expect(effectivePriority(base, delta)).toBe(expected);
  });
});
