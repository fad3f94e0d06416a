// The route monitor: parsing of `ip -o monitor route rule address` deletion
// lines (pure; the lines were captured from iproute2 6.1 in a namespace),
// then real `ip monitor`s in a network namespace of our own, deleting a
// route, a rule of each family and an address, then watching less. Needs root and ip netns;
// under CI=true it must run.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouteMonitor, parseDeletedLine, parseTableNames, readTableNames, type DeletedEntry } from '../../src/net/route-monitor.js';
import { cannotRun } from '../helpers/gate.js';
import { Netns, cleanupNetns, netnsUnavailableReason } from '../helpers/netns.js';

describe('deletion lines of `ip -o monitor`', () => {
  it('routes: type, destination, table, dev, gateway, protocol, metric, tos, source', () => {
    expect(parseDeletedLine('Deleted 203.0.113.64/26 via 198.51.100.1 dev eth0 table 100 proto keepalived metric 5 ', 4)).toEqual({
      kind: 'route',
      family: 4,
      route: { type: 'unicast', destination: '203.0.113.64/26', via: '198.51.100.1', dev: 'eth0', table: '100', protocol: 'keepalived', metric: 5 },
    });
    expect(parseDeletedLine('Deleted blackhole 203.0.113.224/27 table 100 proto keepalived ', 4)).toMatchObject({
      route: { type: 'blackhole', destination: '203.0.113.224/27', table: '100', protocol: 'keepalived' },
    });
    expect(parseDeletedLine('Deleted 2001:db8:1::/48 via 2001:db8::1 dev eth0 proto keepalived metric 1024 pref medium', 6)).toEqual({
      kind: 'route',
      family: 6,
      route: { type: 'unicast', destination: '2001:db8:1::/48', via: '2001:db8::1', dev: 'eth0', protocol: 'keepalived', metric: 1024 },
    });
    expect(parseDeletedLine('Deleted 203.0.113.0/26 tos 0x10 via 198.51.100.1 dev eth0 table 100 proto keepalived metric 9 ', 4)).toMatchObject({ route: { tos: '0x10', metric: 9 } });
    expect(parseDeletedLine('Deleted 203.0.113.192/26 dev eth0 table 200 proto keepalived scope link src 198.51.100.11 mtu 1400 ', 4)).toMatchObject({
      route: { destination: '203.0.113.192/26', dev: 'eth0', table: '200', scope: 'link', src: '198.51.100.11' },
    });
    // A host route has no prefix, `default` none either.
    expect(parseDeletedLine('Deleted local 198.51.100.180 dev eth0 table local proto kernel scope host src 198.51.100.180 ', 4)).toMatchObject({
      route: { type: 'local', destination: '198.51.100.180/32', table: 'local', protocol: 'kernel' },
    });
    expect(parseDeletedLine('Deleted default via 198.51.100.1 dev eth0 table 300 proto keepalived ', 4)).toMatchObject({ route: { destination: '0.0.0.0/0', table: '300' } });
    expect(parseDeletedLine('Deleted local 2001:db8::180 dev eth0 table local proto kernel metric 0 pref medium', 6)).toMatchObject({ route: { destination: '2001:db8::180/128', metric: 0 } });
    // A multipath route: the nexthops' devices are not the route's.
    const multipath = parseDeletedLine('Deleted 203.0.113.128/26 proto keepalived \\\tnexthop via 198.51.100.1 dev eth0 weight 2 \\\tnexthop via 198.51.100.2 dev eth0 weight 1 ', 4);
    expect(multipath).toEqual({ kind: 'route', family: 4, route: { type: 'unicast', destination: '203.0.113.128/26', protocol: 'keepalived' } });
  });

  it('rules: preference, selectors, action, protocol', () => {
    expect(parseDeletedLine('Deleted 2001:\tfrom all to 203.0.113.0/24 lookup 100 proto keepalived', 4)).toEqual({
      kind: 'rule',
      family: 4,
      rule: { preference: 2001, invert: false, to: '203.0.113.0/24', action: 'table', actionValue: '100', protocol: 'keepalived', selectors: {} },
    });
    expect(parseDeletedLine('Deleted 3000:\tfrom all tos 0x10 fwmark 0x7/0xff iif eth0 oif lo lookup 100 proto keepalived', 4)).toMatchObject({
      rule: { preference: 3000, iif: 'eth0', oif: 'lo', selectors: { tos: '0x10', fwmark: '0x7/0xff' } },
    });
    expect(parseDeletedLine('Deleted 3001:\tnot from 203.0.113.0/24 goto 3003 proto keepalived', 4)).toMatchObject({
      rule: { invert: true, from: '203.0.113.0/24', action: 'goto', actionValue: '3003' },
    });
    expect(parseDeletedLine('Deleted 3004:\tfrom 203.0.113.0/24 to 198.51.100.0/24 blackhole proto keepalived', 4)).toMatchObject({ rule: { action: 'blackhole' } });
    expect(parseDeletedLine('Deleted 3005:\tfrom all uidrange 100-200 ipproto tcp sport 80 dport 1000-2000 prohibit proto keepalived', 4)).toMatchObject({
      rule: { action: 'prohibit', selectors: { uidrange: '100-200', ipproto: 'tcp', sport: '80', dport: '1000-2000' } },
    });
    expect(parseDeletedLine('Deleted 3006:\tfrom all lookup main suppress_prefixlength 0 proto keepalived', 4)).toMatchObject({
      rule: { action: 'table', actionValue: 'main', selectors: { suppress_prefixlength: '0' } },
    });
    expect(parseDeletedLine('Deleted 3012:\tfrom all lookup [l3mdev-table] proto keepalived', 4)).toMatchObject({ rule: { action: 'l3mdev' } });
    expect(parseDeletedLine('Deleted 3003:\tfrom all nop proto keepalived', 4)).toMatchObject({ rule: { action: 'nop' } });
    // No protocol: none printed.
    const plain = parseDeletedLine('Deleted 2004:\tfrom all fwmark 0x7 lookup 100', 4);
    expect(plain?.kind === 'rule' && plain.rule.protocol).toBeUndefined();
    expect(parseDeletedLine('Deleted 2002:\tfrom 2001:db8::180 lookup 100 proto keepalived', 6)).toMatchObject({ family: 6, rule: { from: '2001:db8::180' } });
  });

  it('addresses: interface and address, IPv4 and IPv6', () => {
    expect(parseDeletedLine('Deleted 3: eth0    inet 198.51.100.180/32 scope global eth0\\       valid_lft forever preferred_lft forever', 4)).toEqual({
      kind: 'address',
      family: 4,
      address: { dev: 'eth0', address: '198.51.100.180', prefix: 32 },
    });
    expect(parseDeletedLine('Deleted 3: eth0    inet6 2001:db8::180/64 scope global nodad \\       valid_lft forever preferred_lft forever', 6)).toEqual({
      kind: 'address',
      family: 6,
      address: { dev: 'eth0', address: '2001:db8::180', prefix: 64 },
    });
    expect(parseDeletedLine('Deleted 3: eth0    inet 203.0.113.9/24 scope global eth0:x\\       valid_lft forever preferred_lft forever', 4)).toMatchObject({ address: { dev: 'eth0' } });
  });

  it('additions and other lines are not deletions', () => {
    expect(parseDeletedLine('203.0.113.0/26 via 198.51.100.1 dev eth0 proto keepalived ', 4)).toBeUndefined();
    expect(parseDeletedLine('2000:\tfrom 198.51.100.180 lookup 100 proto keepalived', 4)).toBeUndefined();
    expect(parseDeletedLine('3: eth0    inet 198.51.100.180/32 scope global eth0\\       valid_lft forever preferred_lft forever', 4)).toBeUndefined();
    expect(parseDeletedLine('Deleted something unexpected', 4)).toBeUndefined();
  });

  it('rt_tables: names to numbers, comments ignored, rt_tables.d read after', () => {
    expect([...parseTableNames('#\n# reserved values\n255\tlocal\n254\tmain\n100 web # ours\n0x20 hex\nbad line\n')]).toEqual([
      ['local', 255],
      ['main', 254],
      ['web', 100],
      ['hex', 32],
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'kts-rt-tables-'));
    try {
      writeFileSync(join(dir, 'rt_tables'), '100 web\n');
      mkdirSync(join(dir, 'rt_tables.d'));
      writeFileSync(join(dir, 'rt_tables.d', 'b.conf'), '101 mail\n100 www\n');
      writeFileSync(join(dir, 'rt_tables.d', 'ignored.txt'), '102 x\n');
      expect(readTableNames([dir, join(dir, 'missing')])).toEqual(new Map([['web', 100], ['mail', 101], ['www', 100]]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const reason = netnsUnavailableReason();

describe('RouteMonitor in a namespace', () => {
  if (reason !== undefined) {
    cannotRun('route monitor tests', reason);
    return;
  }

  let ns: Netns;
  let monitor: RouteMonitor;
  const seen: DeletedEntry[] = [];

  beforeAll(async () => {
    ns = Netns.create('routemon');
    ns.addVeth('eth0');
    ns.addAddress('eth0', '198.51.100.11/24');
    ns.ip('addr', 'add', '2001:db8::11/64', 'dev', 'eth0', 'nodad');
    monitor = new RouteMonitor({ netns: ns.name });
    monitor.onDeleted((e) => seen.push(e));
    await monitor.watch({ 4: new Set(['route', 'rule', 'address']), 6: new Set(['route', 'rule', 'address']) });
  });
  afterAll(async () => {
    await monitor?.stop();
    cleanupNetns();
  });

  async function waitFor(pred: () => boolean, ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    while (!pred() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  it('reports deleted routes, rules (with their family) and addresses; additions are not reported', async () => {
    ns.ip('route', 'add', '203.0.113.0/26', 'via', '198.51.100.1', 'dev', 'eth0', 'table', '100', 'proto', 'keepalived', 'metric', '5');
    ns.ip('-6', 'route', 'add', '2001:db8:1::/48', 'via', '2001:db8::1', 'dev', 'eth0', 'proto', 'keepalived');
    ns.ip('rule', 'add', 'priority', '2000', 'protocol', 'keepalived', 'table', '100');
    ns.ip('-6', 'rule', 'add', 'priority', '2000', 'protocol', 'keepalived', 'table', '100');
    ns.ip('addr', 'add', '198.51.100.180/32', 'dev', 'eth0');
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([]);
    ns.ip('route', 'del', '203.0.113.0/26', 'table', '100');
    ns.ip('-6', 'route', 'del', '2001:db8:1::/48');
    ns.ip('rule', 'del', 'priority', '2000');
    ns.ip('-6', 'rule', 'del', 'priority', '2000');
    ns.ip('addr', 'del', '198.51.100.180/32', 'dev', 'eth0');
    const ours = () => seen.filter((e) => e.kind !== 'route' || e.route.protocol === 'keepalived');
    await waitFor(() => ours().length >= 5);
    const byKind = (kind: DeletedEntry['kind'], family: 4 | 6) => ours().filter((e) => e.kind === kind && e.family === family);
    expect(byKind('route', 4)).toEqual([
      { kind: 'route', family: 4, route: { type: 'unicast', destination: '203.0.113.0/26', via: '198.51.100.1', dev: 'eth0', table: '100', protocol: 'keepalived', metric: 5 } },
    ]);
    expect(byKind('route', 6)).toMatchObject([{ route: { destination: '2001:db8:1::/48', metric: 1024 } }]);
    expect(byKind('rule', 4)).toMatchObject([{ rule: { preference: 2000, action: 'table', actionValue: '100', protocol: 'keepalived' } }]);
    expect(byKind('rule', 6)).toMatchObject([{ rule: { preference: 2000 } }]);
    expect(byKind('address', 4)).toEqual([{ kind: 'address', family: 4, address: { dev: 'eth0', address: '198.51.100.180', prefix: 32 } }]);
  });

  it('watches only what it is asked to: a family or an object not asked for is not reported', async () => {
    await monitor.watch({ 4: new Set(['address']), 6: new Set() });
    seen.length = 0;
    ns.ip('route', 'add', '203.0.113.0/26', 'via', '198.51.100.1', 'dev', 'eth0', 'proto', 'keepalived');
    ns.ip('addr', 'add', '198.51.100.181/32', 'dev', 'eth0');
    ns.ip('-6', 'addr', 'add', '2001:db8::181/64', 'dev', 'eth0', 'nodad');
    ns.ip('route', 'del', '203.0.113.0/26');
    ns.ip('-6', 'addr', 'del', '2001:db8::181/64', 'dev', 'eth0');
    ns.ip('addr', 'del', '198.51.100.181/32', 'dev', 'eth0');
    await waitFor(() => seen.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([{ kind: 'address', family: 4, address: { dev: 'eth0', address: '198.51.100.181', prefix: 32 } }]);
  });
});
