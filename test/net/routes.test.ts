// The route adapter (src/net/routes.ts): the `ip route` / `ip rule` lines it
// writes for keepalived's virtual and static routes and rules, and the real
// thing in a namespace: what `ip route show table all` / `ip rule show` then
// print is what keepalived 2.2.7 left in the same places (measured: proto
// keepalived on routes and rules, scope global for a route without gateway),
// an addition of something already there reported as `exists`, a deletion of
// something gone as `absent`, IPv6 rules through their own `ip -6`.
// Namespace tests need root and ip netns; under CI=true they must run.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressAdapter } from '../../src/net/addresses.js';
import { RouteAdapter, routeCommand, ruleCommand, type RouteSpec, type RuleSpec } from '../../src/net/routes.js';
import { cannotRun } from '../helpers/gate.js';
import { Netns, cleanupNetns, netnsUnavailableReason } from '../helpers/netns.js';

const VIA: RouteSpec = { family: 4, destination: '203.0.113.0/26', via: '198.51.100.1', dev: 'eth0', protocol: 'keepalived' };
const SRC: RouteSpec = { family: 4, destination: '203.0.113.192/27', dev: 'eth0', src: '198.51.100.180', protocol: 'keepalived' };
const BLACKHOLE: RouteSpec = { family: 4, type: 'blackhole', destination: '203.0.113.224/27', table: '100', protocol: 'keepalived' };
const METRIC: RouteSpec = { family: 4, destination: '203.0.113.64/26', via: '198.51.100.1', dev: 'eth0', table: '100', metric: 5, protocol: 'keepalived' };
const V6: RouteSpec = { family: 6, destination: '2001:db8:1::/48', via: '2001:db8::1', dev: 'eth0', protocol: 'keepalived' };
const FROM_VIP: RuleSpec = { family: 4, from: '198.51.100.180/32', preference: 2000, action: 'table', actionValue: '100', protocol: 'keepalived' };
const TO: RuleSpec = { family: 4, to: '203.0.113.0/24', preference: 2001, action: 'table', actionValue: '100', protocol: 'keepalived' };
const FWMARK: RuleSpec = { family: 4, preference: 16384, action: 'table', actionValue: '100', protocol: 'keepalived', options: { fwmark: '7' } };
const FROM_V6: RuleSpec = { family: 6, from: '2001:db8::180/128', preference: 2002, action: 'table', actionValue: '100', protocol: 'keepalived' };

describe('ip route / ip rule batch lines', () => {
  it('adds a route as keepalived does (prepend, scope global unless given, its protocol) and deletes it by what identifies it', () => {
    expect(routeCommand('prepend', VIA)).toEqual({ family: 4, line: 'route prepend 203.0.113.0/26 proto keepalived scope global via 198.51.100.1 dev eth0' });
    expect(routeCommand('del', VIA).line).toBe('route del 203.0.113.0/26 proto keepalived via 198.51.100.1 dev eth0');
    expect(routeCommand('prepend', BLACKHOLE).line).toBe('route prepend blackhole 203.0.113.224/27 table 100 proto keepalived scope global');
    expect(routeCommand('del', BLACKHOLE).line).toBe('route del blackhole 203.0.113.224/27 table 100 proto keepalived');
    expect(routeCommand('prepend', { ...SRC, scope: 'link' }).line).toBe('route prepend 203.0.113.192/27 proto keepalived scope link dev eth0 src 198.51.100.180');
    expect(routeCommand('del', METRIC).line).toBe('route del 203.0.113.64/26 table 100 proto keepalived metric 5 via 198.51.100.1 dev eth0');
    expect(routeCommand('prepend', V6)).toEqual({ family: 6, line: 'route prepend 2001:db8:1::/48 proto keepalived scope global via 2001:db8::1 dev eth0' });
  });

  it('passes metrics and flags on add only, selectors both ways, nexthops as ip writes them', () => {
    const r: RouteSpec = { ...VIA, via: undefined, onlink: true, options: { mtu: '1400', tos: '0x10' }, nexthops: [{ via: '198.51.100.1', weight: 2 }, { via: '198.51.100.2', dev: 'eth0', onlink: true }] };
    delete r.via;
    expect(routeCommand('prepend', r).line).toBe(
      'route prepend 203.0.113.0/26 proto keepalived scope global dev eth0 mtu 1400 tos 0x10 onlink nexthop via 198.51.100.1 weight 2 nexthop via 198.51.100.2 dev eth0 onlink',
    );
    expect(routeCommand('del', r).line).toBe('route del 203.0.113.0/26 proto keepalived dev eth0 tos 0x10 nexthop via 198.51.100.1 weight 2 nexthop via 198.51.100.2 dev eth0 onlink');
  });

  it('adds and deletes a rule with the same selectors, preference, protocol and action', () => {
    expect(ruleCommand('add', FROM_VIP)).toEqual({ family: 4, line: 'rule add from 198.51.100.180/32 priority 2000 protocol keepalived table 100' });
    expect(ruleCommand('del', FROM_VIP).line).toBe('rule del from 198.51.100.180/32 priority 2000 protocol keepalived table 100');
    expect(ruleCommand('add', { ...FWMARK, iif: 'eth0' }).line).toBe('rule add iif eth0 fwmark 7 priority 16384 protocol keepalived table 100');
    const untracked: RuleSpec = { family: 4, to: '203.0.113.0/24', preference: 10, action: 'blackhole' };
    expect(ruleCommand('add', untracked).line).toBe('rule add to 203.0.113.0/24 priority 10 blackhole');
    expect(ruleCommand('add', { ...FROM_VIP, invert: true }).line).toBe('rule add not from 198.51.100.180/32 priority 2000 protocol keepalived table 100');
    expect(ruleCommand('add', FROM_V6).family).toBe(6);
  });

  it('refuses a field that would split the line (a programming error)', () => {
    expect(() => routeCommand('prepend', { ...VIA, dev: 'eth0 table 5' })).toThrow(RangeError);
    expect(() => ruleCommand('add', { ...FROM_VIP, actionValue: '100; x' })).toThrow(RangeError);
  });
});

const reason = netnsUnavailableReason();

describe('RouteAdapter in a namespace', () => {
  if (reason !== undefined) {
    cannotRun('route adapter tests', reason);
    return;
  }

  let ns: Netns;
  let addresses: AddressAdapter;
  let routes: RouteAdapter;
  const show = (...args: string[]): string[] => ns.ip(...args).stdout.split('\n').map((l) => l.trim()).filter((l) => l.includes('keepalived'));

  beforeAll(() => {
    ns = Netns.create('routes');
    ns.addVeth('eth0');
    ns.addAddress('eth0', '198.51.100.11/24');
    ns.ip('addr', 'add', '2001:db8::11/64', 'dev', 'eth0', 'nodad');
    addresses = new AddressAdapter({ netns: ns.name, persistent: true });
    // IPv4 lines share the address adapter's long-running ip.
    routes = new RouteAdapter({ netns: ns.name, persistent: true, batch: addresses.batch });
  });
  afterAll(() => {
    routes?.close();
    addresses?.close();
    cleanupNetns();
  });

  it('installs routes and rules as keepalived 2.2.7 leaves them (ip route show table all / ip rule show), IPv6 included', async () => {
    // A route with the VIP as source needs the VIP in place first.
    expect(await addresses.addVips([{ address: '198.51.100.180', prefix: 32, family: 4, dev: 'eth0' }])).toMatchObject({ ok: true });
    expect(await routes.addRoutes([VIA, METRIC, SRC, BLACKHOLE, V6])).toMatchObject({ ok: true, failures: [] });
    expect(await routes.addRules([FROM_VIP, TO, FWMARK, FROM_V6])).toMatchObject({ ok: true, failures: [] });
    // The lines keepalived 2.2.7 produced for the same virtual_routes / virtual_rules.
    expect(show('-4', 'route', 'show', 'table', 'all').sort()).toEqual(
      [
        '203.0.113.0/26 via 198.51.100.1 dev eth0 proto keepalived',
        '203.0.113.64/26 via 198.51.100.1 dev eth0 table 100 proto keepalived metric 5',
        '203.0.113.192/27 dev eth0 proto keepalived src 198.51.100.180',
        'blackhole 203.0.113.224/27 table 100 proto keepalived',
      ].sort(),
    );
    expect(show('-6', 'route', 'show', 'table', 'all')).toEqual(['2001:db8:1::/48 via 2001:db8::1 dev eth0 proto keepalived metric 1024 pref medium']);
    expect(show('-4', 'rule', 'show')).toEqual([
      '2000:\tfrom 198.51.100.180 lookup 100 proto keepalived',
      '2001:\tfrom all to 203.0.113.0/24 lookup 100 proto keepalived',
      '16384:\tfrom all fwmark 0x7 lookup 100 proto keepalived',
    ]);
    expect(show('-6', 'rule', 'show')).toEqual(['2002:\tfrom 2001:db8::180 lookup 100 proto keepalived']);
  });

  it('reports adding what is there as `exists` and deleting what is gone as `absent`, numbered by the list given', async () => {
    const again = await routes.addRoutes([VIA, V6]);
    expect(again.failures.map((f) => [f.lineNumber, f.exists])).toEqual([
      [1, true],
      [2, true],
    ]);
    const rulesAgain = await routes.addRules([FROM_V6, FROM_VIP]);
    expect(rulesAgain.failures.map((f) => [f.lineNumber, f.exists])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(await routes.removeRules([FROM_VIP, TO, FWMARK, FROM_V6])).toMatchObject({ ok: true });
    expect(await routes.removeRoutes([VIA, METRIC, SRC, BLACKHOLE, V6])).toMatchObject({ ok: true });
    expect(show('route', 'show', 'table', 'all')).toEqual([]);
    expect([...show('-4', 'rule', 'show'), ...show('-6', 'rule', 'show')]).toEqual([]);
    const gone = await routes.removeRoutes([BLACKHOLE, V6]);
    expect(gone.failures.map((f) => f.absent)).toEqual([true, true]);
    const rulesGone = await routes.removeRules([FROM_VIP, FROM_V6]);
    expect(rulesGone.failures.map((f) => f.absent)).toEqual([true, true]);
  });

  it('deletes only keepalived\'s rule: one with the same selectors but another protocol stays', async () => {
    ns.ip('rule', 'add', 'to', '203.0.113.0/24', 'table', '100', 'priority', '2001');
    expect(await routes.addRules([TO])).toMatchObject({ ok: true });
    expect(await routes.removeRules([TO])).toMatchObject({ ok: true });
    expect(ns.ip('rule', 'show').stdout).toMatch(/^2001:\tfrom all to 203\.0\.113\.0\/24 lookup 100$/m);
    ns.ip('rule', 'del', 'priority', '2001');
  });

  it('a route that cannot be installed is a failure of its own line; the others go in', async () => {
    const bad: RouteSpec = { ...VIA, destination: '203.0.113.128/26', dev: 'nosuch0' };
    const r = await routes.addRoutes([bad, BLACKHOLE]);
    expect(r.failures).toEqual([expect.objectContaining({ lineNumber: 1, exists: false, message: expect.stringMatching(/nosuch0/) })]);
    expect(show('route', 'show', 'table', '100')).toEqual(['blackhole 203.0.113.224/27 proto keepalived']);
    await routes.removeRoutes([BLACKHOLE]);
  });
});
