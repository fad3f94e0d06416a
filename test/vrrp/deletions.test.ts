// Whose entry a deletion was (src/vrrp/deletions.ts), on `ip monitor` lines
// captured in a namespace. Each expectation is what keepalived 2.2.7 did
// when that entry of this config was deleted with `ip` (measured: "Entering
// BACKUP STATE" for an instance's, "Restoring deleted static ..." for a
// static one, nothing for the others).
import { describe, expect, it } from 'vitest';
import { parseDeletedLine, type DeletedEntry } from '../../src/net/route-monitor.js';
import type { RouteSpec, RuleSpec } from '../../src/net/routes.js';
import {
  DeletionIndex,
  canonicalAddress,
  canonicalPrefix,
  instanceTracked,
  routeMatches,
  ruleMatches,
  staticTracked,
  tableKey,
  type DeletionMatch,
} from '../../src/vrrp/deletions.js';
import { configRules, rulePreferences, runtimeConfig, staticEntries } from '../../src/vrrp/params.js';
import { readText } from '../helpers/config.js';

const CONFIG = `
static_ipaddress {
  203.0.113.50/32 dev eth0
  203.0.113.51/32 dev eth0 no_track
}
static_routes {
  203.0.113.128/26 via 198.51.100.1 dev eth0 table 100
  2001:db8:2::/48 via 2001:db8::1 dev eth0 table 100
  203.0.113.144/28 via 198.51.100.1 table 100
  203.0.113.192/26 via 198.51.100.1 dev eth0 table 100 no_track
}
static_rules {
  from 203.0.113.128/26 table 100 preference 1000
  from 2001:db8:2::/48 table 100 preference 1001
}
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 150
  virtual_ipaddress {
    198.51.100.180/32 dev eth0
    198.51.100.181/32 dev eth0 no_track
  }
  virtual_ipaddress_excluded {
    2001:DB8:0::180/64 dev eth0
  }
  virtual_routes {
    203.0.113.0/26 via 198.51.100.1 dev eth0
    203.0.113.64/26 via 198.51.100.1 dev eth0 table 100 metric 5
    203.0.113.32/27 via 198.51.100.1
    203.0.113.160/27 via 198.51.100.1 dev eth0 no_track
    blackhole 203.0.113.224/27 table 100
    2001:db8:1::/48 via 2001:db8::1 dev eth0
    2001:db8:3::/48 via 2001:db8::1 dev eth0 metric 1024
  }
  virtual_rules {
    from 198.51.100.180 table 100 preference 2000
    to 203.0.113.0/24 table 100 preference 2001
    from 2001:db8::180 table 100 preference 2002
    fwmark 7 table 100 no_track preference 2004
  }
}
`;

function index(): DeletionIndex {
  const { config } = readText(CONFIG);
  const prefs = rulePreferences(configRules(config.vrrp));
  const inst = config.vrrp.instances[0];
  const rc = runtimeConfig({ instance: inst, global: config.global, rulePreferences: prefs, interfaceAddress: '198.51.100.11' });
  if (!rc.ok) throw new Error(rc.error);
  const statics = staticTracked(config.vrrp, staticEntries(config.vrrp, config.global, prefs), 'eth0', prefs);
  return new DeletionIndex([{ name: inst.name, tracked: instanceTracked(inst, rc.vips, prefs) }], statics);
}

function find(line: string, family: 4 | 6): DeletionMatch | undefined {
  const entry = parseDeletedLine(line, family);
  if (!entry) throw new Error(`not a deletion: ${line}`);
  return index().find(entry);
}

const owned = (kind: DeletionMatch['kind']) => expect.objectContaining({ instance: 'VI_1', kind });
const staticOne = (kind: DeletionMatch['kind']) => ({ kind, id: expect.any(String) as string });

describe('deletions keepalived 2.2.7 reacts to (measured)', () => {
  it('a VIP or eVIP of the instance, unless no_track', () => {
    expect(find('Deleted 3: eth0    inet 198.51.100.180/32 scope global eth0\\       valid_lft forever preferred_lft forever', 4)).toEqual({
      instance: 'VI_1',
      kind: 'addresses',
      id: '198.51.100.180/32 dev eth0',
    });
    expect(find('Deleted 3: eth0    inet6 2001:db8::180/64 scope global nodad \\       valid_lft forever preferred_lft forever', 6)).toEqual(owned('addresses'));
    expect(find('Deleted 3: eth0    inet 198.51.100.181/32 scope global eth0\\       valid_lft forever preferred_lft forever', 4)).toBeUndefined();
    // Another interface's address is not the VIP.
    expect(find('Deleted 4: eth1    inet 198.51.100.180/32 scope global eth1\\       valid_lft forever preferred_lft forever', 4)).toBeUndefined();
  });

  it('a virtual route with dev, matched on table, metric and interface', () => {
    expect(find('Deleted 203.0.113.0/26 via 198.51.100.1 dev eth0 proto keepalived ', 4)).toEqual({
      instance: 'VI_1',
      kind: 'routes',
      id: '203.0.113.0/26 via 198.51.100.1 dev eth0 proto keepalived',
    });
    expect(find('Deleted 203.0.113.64/26 via 198.51.100.1 dev eth0 table 100 proto keepalived metric 5 ', 4)).toEqual(owned('routes'));
    expect(find('Deleted 2001:db8:3::/48 via 2001:db8::1 dev eth0 proto keepalived metric 1024 pref medium', 6)).toEqual(owned('routes'));
    // Same destination elsewhere: another table, metric or interface.
    expect(find('Deleted 203.0.113.0/26 via 198.51.100.1 dev eth0 table 100 proto keepalived ', 4)).toBeUndefined();
    expect(find('Deleted 203.0.113.64/26 via 198.51.100.1 dev eth0 table 100 proto keepalived metric 6 ', 4)).toBeUndefined();
    expect(find('Deleted 203.0.113.0/26 via 198.51.100.1 dev eth1 proto keepalived ', 4)).toBeUndefined();
  });

  it('not a route without dev, nor a no_track one, nor an IPv6 route written without metric (installed with 1024, compared with 0)', () => {
    expect(find('Deleted 203.0.113.32/27 via 198.51.100.1 dev eth0 proto keepalived ', 4)).toBeUndefined();
    expect(find('Deleted 203.0.113.160/27 via 198.51.100.1 dev eth0 proto keepalived ', 4)).toBeUndefined();
    expect(find('Deleted blackhole 203.0.113.224/27 table 100 proto keepalived ', 4)).toBeUndefined();
    expect(find('Deleted 2001:db8:1::/48 via 2001:db8::1 dev eth0 proto keepalived metric 1024 pref medium', 6)).toBeUndefined();
  });

  it('a virtual rule of either family, unless no_track', () => {
    expect(find('Deleted 2000:\tfrom 198.51.100.180 lookup 100 proto keepalived', 4)).toEqual({
      instance: 'VI_1',
      kind: 'rules',
      id: '2000: from 198.51.100.180/32 proto keepalived table 100',
    });
    expect(find('Deleted 2001:\tfrom all to 203.0.113.0/24 lookup 100 proto keepalived', 4)).toEqual(owned('rules'));
    expect(find('Deleted 2002:\tfrom 2001:db8::180 lookup 100 proto keepalived', 6)).toEqual(owned('rules'));
    expect(find('Deleted 2004:\tfrom all fwmark 0x7 lookup 100', 4)).toBeUndefined();
    // The same preference in the other family, or a rule that is not keepalived's, is another rule.
    expect(find('Deleted 2000:\tfrom 198.51.100.180 lookup 100 proto keepalived', 6)).toBeUndefined();
    expect(find('Deleted 2000:\tfrom 198.51.100.180 lookup 100 proto static', 4)).toBeUndefined();
  });

  it('a static address, route with dev (any metric) or rule, unless no_track', () => {
    expect(find('Deleted 3: eth0    inet 203.0.113.50/32 scope global eth0\\       valid_lft forever preferred_lft forever', 4)).toEqual(staticOne('addresses'));
    expect(find('Deleted 203.0.113.128/26 via 198.51.100.1 dev eth0 table 100 proto keepalived ', 4)).toEqual({
      kind: 'routes',
      id: '203.0.113.128/26 via 198.51.100.1 dev eth0 table 100 proto keepalived',
    });
    expect(find('Deleted 2001:db8:2::/48 via 2001:db8::1 dev eth0 table 100 proto keepalived metric 1024 pref medium', 6)).toEqual(staticOne('routes'));
    expect(find('Deleted 1000:\tfrom 203.0.113.128/26 lookup 100 proto keepalived', 4)).toEqual(staticOne('rules'));
    expect(find('Deleted 1001:\tfrom 2001:db8:2::/48 lookup 100 proto keepalived', 6)).toEqual(staticOne('rules'));
    expect(find('Deleted 3: eth0    inet 203.0.113.51/32 scope global eth0\\       valid_lft forever preferred_lft forever', 4)).toBeUndefined();
    expect(find('Deleted 203.0.113.144/28 via 198.51.100.1 dev eth0 table 100 proto keepalived ', 4)).toBeUndefined();
    expect(find('Deleted 203.0.113.192/26 via 198.51.100.1 dev eth0 table 100 proto keepalived ', 4)).toBeUndefined();
  });

  it('what has to be watched: per family, only the kinds some tracked entry has', () => {
    const set = index().watchSet;
    expect([...set[4]].sort()).toEqual(['address', 'route', 'rule']);
    expect([...set[6]].sort()).toEqual(['address', 'route', 'rule']);
    const none = new DeletionIndex([], { addresses: new Map(), routes: new Map(), rules: new Map() }).watchSet;
    expect([...none[4], ...none[6]]).toEqual([]);
  });

  it('what the kernel removes with an address is nobody\'s', () => {
    expect(find('Deleted local 198.51.100.180 dev eth0 table local proto kernel scope host src 198.51.100.180 ', 4)).toBeUndefined();
  });
});

describe('comparisons', () => {
  it('addresses and prefixes in canonical form', () => {
    expect(canonicalAddress('2001:DB8:0::0180')).toBe(canonicalAddress('2001:db8::180'));
    expect(canonicalAddress('::ffff:198.51.100.1')).toBe(canonicalAddress('::ffff:c633:6401'));
    expect(canonicalAddress('198.51.100.1')).toBe('198.51.100.1');
    expect(canonicalAddress('not an address')).toBeUndefined();
    expect(canonicalPrefix('198.51.100.180', 4)).toBe('198.51.100.180/32');
    expect(canonicalPrefix('default', 6)).toBe(canonicalPrefix('::/0', 6));
  });

  it('tables by number: main is the default, names through rt_tables', () => {
    const names = new Map([['web', 100]]);
    expect(tableKey(undefined, names)).toBe(tableKey('main', names));
    expect(tableKey('254', names)).toBe('254');
    expect(tableKey('web', names)).toBe(tableKey('100', names));
    expect(tableKey('0x64', names)).toBe('100');
    expect(tableKey('unknown', names)).toBe('unknown');
  });

  it('a route with tos, and a table written by name and shown by number', () => {
    const spec: RouteSpec = { family: 4, destination: '203.0.113.0/26', via: '198.51.100.1', dev: 'eth0', table: 'web', protocol: 'keepalived', options: { tos: '16' } };
    const shown = (line: string) => (parseDeletedLine(line, 4) as Extract<DeletedEntry, { kind: 'route' }>).route;
    const names = new Map([['web', 100]]);
    expect(routeMatches(spec, 4, shown('Deleted 203.0.113.0/26 tos 0x10 via 198.51.100.1 dev eth0 table 100 proto keepalived '), true, names)).toBe(true);
    expect(routeMatches(spec, 4, shown('Deleted 203.0.113.0/26 via 198.51.100.1 dev eth0 table 100 proto keepalived '), true, names)).toBe(false);
  });

  it('rules: selectors as configured against ip\'s spelling of them', () => {
    const rule = (line: string) => (parseDeletedLine(line, 4) as Extract<DeletedEntry, { kind: 'rule' }>).rule;
    const spec: RuleSpec = {
      family: 4,
      preference: 3005,
      action: 'prohibit',
      protocol: 'keepalived',
      options: { uidrange: '100-200', ipproto: '6', sport: '80-80', dport: '1000-2000', dsfield: '0' },
    };
    const none = new Map<string, number>();
    expect(ruleMatches(spec, 4, rule('Deleted 3005:\tfrom all uidrange 100-200 ipproto tcp sport 80 dport 1000-2000 prohibit proto keepalived'), none)).toBe(true);
    expect(ruleMatches(spec, 4, rule('Deleted 3005:\tfrom all uidrange 100-200 ipproto udp sport 80 dport 1000-2000 prohibit proto keepalived'), none)).toBe(false);
    const mark: RuleSpec = { family: 4, preference: 3000, action: 'table', actionValue: 'main', protocol: 'keepalived', options: { fwmark: '7' }, invert: true, iif: 'eth0' };
    expect(ruleMatches(mark, 4, rule('Deleted 3000:\tnot from all fwmark 0x7 iif eth0 lookup main proto keepalived'), none)).toBe(true);
    expect(ruleMatches(mark, 4, rule('Deleted 3000:\tnot from all fwmark 0x7/0xff iif eth0 lookup main proto keepalived'), none)).toBe(false);
    expect(ruleMatches(mark, 4, rule('Deleted 3000:\tfrom all fwmark 0x7 iif eth0 lookup main proto keepalived'), none)).toBe(false);
    expect(ruleMatches({ ...mark, actionValue: '254' }, 4, rule('Deleted 3000:\tnot from all fwmark 0x7 iif eth0 lookup main proto keepalived'), none)).toBe(true);
  });
});
