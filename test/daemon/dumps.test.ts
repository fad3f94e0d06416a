// The dump files against what keepalived 2.2.7 wrote for the same instance
// (fixtures captured from Debian's keepalived: one MASTER instance VI_1,
// VRID 51, priority 150, PASS auth, one VIP, 2 adverts sent).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatJson, formatStats, formatTree, formatVrrpData, subtractStats, vrrpStats, type VrrpInstanceSnapshot } from '../../src/daemon/dumps.js';
import type { Counters } from '../../src/vrrp/instance.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

function counters(over: Partial<Counters> = {}): Counters {
  return { received: 0, accepted: 0, dropped: {}, advertsSent: 2, advertErrors: 0, vipErrors: 0, garpSent: 0, garpErrors: 0, garpSkipped: 0, transitions: { backup: 1, master: 1 }, ...over };
}

const zero = { releaseMaster: 0, priZeroRcvd: 0, priZeroSent: 0 };

function snapshot(over: Partial<VrrpInstanceSnapshot> = {}): VrrpInstanceSnapshot {
  return {
    name: 'VI_1',
    state: 'master',
    wantState: 'master',
    interface: 'eth0',
    family: 4,
    version: 2,
    vrid: 51,
    basePriority: 150,
    effectivePriority: 150,
    advertIntervalCs: 100,
    masterAdverIntCs: 100,
    accept: true,
    nopreempt: false,
    preemptDelayMs: 0,
    authType: 1,
    password: 'secret1',
    sourceAddress: '198.51.100.5',
    destinations: ['224.0.0.18'],
    unicast: false,
    vips: ['198.51.100.180 dev eth0 scope global'],
    vipsSet: true,
    master: null,
    faults: [],
    garp: { delayMs: 5000, repeat: 5, refreshMs: 0, refreshRepeat: 1, lowerPrioDelayMs: 5000, lowerPrioRepeat: 5 },
    downTimerAdverts: 3,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    lastTransition: 1795315239.130101,
    stats: vrrpStats(counters(), zero),
    dropped: {},
    ...over,
  };
}

describe('dump files', () => {
  it('keepalived.stats is byte for byte what keepalived writes for the same counters', () => {
    expect(formatStats([snapshot()])).toBe(readFileSync(join(FIXTURES, 'keepalived-2.2.7.stats'), 'utf8'));
  });

  it('keepalived.json has keepalived data and stats keys with the same values', () => {
    const theirs = JSON.parse(readFileSync(join(FIXTURES, 'keepalived-2.2.7.json'), 'utf8')) as { data: Record<string, unknown>; stats: Record<string, unknown> }[];
    const ours = JSON.parse(formatJson([snapshot()])) as typeof theirs;
    expect(Object.keys(ours[0].stats)).toEqual(Object.keys(theirs[0].stats));
    expect(ours[0].stats).toEqual(theirs[0].stats);
    for (const key of Object.keys(theirs[0].data)) {
      if (key === 'last_transition' || key === 'vips') continue;
      expect({ key, value: ours[0].data[key] }).toEqual({ key, value: theirs[0].data[key] });
    }
  });

  it('codec drop reasons land in keepalived error counters', () => {
    const s = vrrpStats(counters({ dropped: { 'too-short': 1, 'too-long': 2, 'bad-ttl': 3, 'interval-mismatch': 4, 'address-list-mismatch': 5, 'bad-auth': 6, 'bad-auth-type': 7 } }), zero);
    expect(s).toMatchObject({ packetLenErr: 3, ipTtlErr: 3, advertIntervalErr: 4, addrListErr: 5, authFailure: 6, authtypeMismatch: 7 });
  });

  it('STATS_CLEAR: statistics count from the clearing, never below zero', () => {
    const base = vrrpStats(counters({ advertsSent: 10 }), zero);
    const now = vrrpStats(counters({ advertsSent: 15 }), zero);
    expect(subtractStats(now, base).advertSent).toBe(5);
    expect(subtractStats(now, base).becomeMaster).toBe(0);
  });

  it('keepalived.data names the state, master, VIPs and faults', () => {
    const text = formatVrrpData([snapshot({ state: 'backup', master: { address: '198.51.100.11', priority: 150 }, faults: ['interface eth1'] })], { routerId: 'lb1', now: 1 });
    expect(text).toContain(' Router ID = lb1');
    expect(text).toContain('   State = BACKUP');
    expect(text).toContain('   Master = 198.51.100.11 priority 150');
    expect(text).toContain('     Fault: interface eth1');
    expect(text).toContain('     198.51.100.180 dev eth0 scope global set');
  });

  it('formatTree renders nested data one value per line', () => {
    expect(formatTree('Parent', { pid: 1, children: [{ role: 'vrrp', pid: 2 }] })).toBe(
      '------< Parent >------\n pid = 1\n children (1):\n   0:\n     role = vrrp\n     pid = 2\n',
    );
  });
});
