// Whose entry was a route, rule or address deleted from outside? Pure.
//
// keepalived 2.2.7 watches the kernel's deletions (keepalived_netlink.c
// route_is_ours, compare_rule, address_is_ours; the cases below measured in
// a namespace):
// - tracked are a VIP or eVIP, a route with `dev`, and a rule, each without
//   no_track (a route without dev is not tracked, virtual or static); a
//   deleted tracked VIP, virtual route or rule takes its master to BACKUP,
//   a deleted static address, route or rule is added again at once;
// - a route is the same when family, table, destination and tos are; a
//   virtual route also needs the same metric (as configured, 0 when none:
//   the kernel installs an IPv6 route with metric 1024, so an IPv6 virtual
//   route written without a metric is never recognised) and interface;
// - a rule is the same when every selector, the action and the preference
//   are, and only a rule with keepalived's protocol counts;
// - an address is the same when family, interface and address are (not the prefix);
// - instances are looked at before the static entries.
// Addresses are compared in canonical form, tables by number.
import type { VirtualIp, VirtualRoute, VirtualRule, VrrpInstance } from '../config/model/vrrp.js';
import type { DeletedEntry, MonitorObject, ShownRoute, ShownRule, WatchSet } from '../net/route-monitor.js';
import type { RouteSpec, RuleSpec } from '../net/routes.js';
import { routeMap, ruleMap, vipId, type StaticEntries, type VipDefinition } from './params.js';

/** What keepalived watches of one owner: ids as the fsm and the static applier use them. */
export interface TrackedEntries {
  addresses: ReadonlyMap<string, VipDefinition>;
  routes: ReadonlyMap<string, RouteSpec>;
  rules: ReadonlyMap<string, RuleSpec>;
}

export type EntryKind = 'addresses' | 'routes' | 'rules';

/** A deletion recognised: the instance's (undefined: a static entry) entry of this kind and id. */
export interface DeletionMatch {
  instance?: string;
  kind: EntryKind;
  id: string;
}

function isTrackedRoute(r: VirtualRoute): boolean {
  return !r.noTrack && r.dev !== undefined;
}

function untrackedAddressIds(ips: readonly VirtualIp[], defaultDev: string): Set<string> {
  return new Set(
    ips.filter((v) => v.flags.includes('no_track')).map((v) => vipId({ address: v.address.address, prefix: v.address.prefix, family: v.address.family, dev: v.dev ?? defaultDev })),
  );
}

function without<T>(all: ReadonlyMap<string, T>, drop: ReadonlySet<string>): Map<string, T> {
  return new Map([...all].filter(([id]) => !drop.has(id)));
}

/**
 * An instance's tracked entries. `vips` is the instance's VIP map (params.ts
 * runtimeConfig); `preferences` the config's rule preferences (rulePreferences).
 */
export function instanceTracked(inst: VrrpInstance, vips: ReadonlyMap<string, VipDefinition>, preferences: ReadonlyMap<VirtualRule, number>): TrackedEntries {
  return {
    addresses: without(vips, untrackedAddressIds([...inst.virtualIps, ...inst.excludedIps], inst.interface ?? '')),
    routes: routeMap(inst.virtualRoutes.filter(isTrackedRoute)),
    rules: ruleMap(inst.virtualRules.filter((r) => !r.noTrack), preferences),
  };
}

/** The tracked static entries: `all` is params.ts staticEntries of the same config. */
export function staticTracked(
  config: { staticAddresses: readonly VirtualIp[]; staticRoutes: readonly VirtualRoute[]; staticRules: readonly VirtualRule[] },
  all: StaticEntries,
  defaultDev: string,
  preferences: ReadonlyMap<VirtualRule, number>,
): TrackedEntries {
  return {
    addresses: without(all.addresses, untrackedAddressIds(config.staticAddresses, defaultDev)),
    routes: routeMap(config.staticRoutes.filter(isTrackedRoute)),
    rules: ruleMap(config.staticRules.filter((r) => !r.noTrack), preferences),
  };
}

// ---------------------------------------------------------------------------
// Canonical forms

/** An address as 8 (IPv6) or 4 (IPv4) numbers joined; undefined when it is not one. */
export function canonicalAddress(text: string): string | undefined {
  if (!text.includes(':')) {
    const parts = text.split('.');
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
    return parts.map(Number).join('.');
  }
  let t = text.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (tail) {
    const v4 = canonicalAddress(tail[1]);
    if (v4 === undefined) return undefined;
    const [a, b, c, d] = v4.split('.').map(Number);
    t = `${t.slice(0, -tail[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...rest];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16).toString(16)).join(':');
}

/** ADDR[/LEN] in canonical form with its prefix (a bare address is a host prefix). */
export function canonicalPrefix(text: string, family: 4 | 6): string {
  if (text === 'default' || text === 'all') return family === 4 ? '0.0.0.0/0' : '0:0:0:0:0:0:0:0/0';
  const [address, len] = text.split('/');
  return `${canonicalAddress(address) ?? address}/${len ?? (family === 4 ? 32 : 128)}`;
}

const RESERVED_TABLES: Readonly<Record<string, number>> = { unspec: 0, default: 253, main: 254, local: 255 };

/** A routing table as a number when it can be (undefined = main); else its name. */
export function tableKey(table: string | undefined, names: ReadonlyMap<string, number>): string {
  if (table === undefined) return '254';
  if (/^(0x[0-9a-f]+|\d+)$/i.test(table)) return String(Number(table));
  const n = RESERVED_TABLES[table] ?? names.get(table);
  return n === undefined ? table : String(n);
}

function numberKey(text: string | undefined): string {
  if (text === undefined) return '0';
  return /^(0x[0-9a-f]+|\d+)$/i.test(text) ? String(Number(text)) : text;
}

const IP_PROTOCOLS: Readonly<Record<string, number>> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132, udplite: 136 };

/** A rule selector's value as ip prints it, made comparable. */
function selectorKey(name: string, value: string): string {
  switch (name) {
    case 'fwmark': {
      const [mark, mask] = value.split('/');
      return `${numberKey(mark)}/${mask === undefined ? 0xffffffff : numberKey(mask)}`;
    }
    case 'ipproto':
      return String(IP_PROTOCOLS[value] ?? numberKey(value));
    case 'sport':
    case 'dport': {
      const [from, to] = value.split('-');
      return to === undefined || to === from ? from : `${from}-${to}`;
    }
    default:
      return numberKey(value);
  }
}

/** The config's spellings of rule selectors, by the name ip prints. */
const SELECTOR_NAMES: Readonly<Record<string, string>> = { dsfield: 'tos', sup_pl: 'suppress_prefixlength', sup_group: 'suppress_ifgroup', 'tunnel-id': 'tun_id' };

function selectorsKey(selectors: Readonly<Record<string, string>>): string {
  const out: string[] = [];
  for (const [raw, value] of Object.entries(selectors)) {
    const name = SELECTOR_NAMES[raw] ?? raw;
    if (name === 'protocol' || name === 'type') continue;
    const key = selectorKey(name, value);
    // ip does not print a zero tos.
    if (name === 'tos' && key === '0') continue;
    out.push(`${name}=${key}`);
  }
  return out.sort().join(' ');
}

function isKeepalivedProtocol(protocol: string | undefined): boolean {
  return protocol === 'keepalived' || protocol === '18';
}

// ---------------------------------------------------------------------------
// Comparisons

export function routeMatches(spec: RouteSpec, family: 4 | 6, shown: ShownRoute, virtual: boolean, tables: ReadonlyMap<string, number>): boolean {
  if (spec.family !== family) return false;
  if (canonicalPrefix(spec.destination, family) !== canonicalPrefix(shown.destination, family)) return false;
  if (tableKey(spec.table, tables) !== tableKey(shown.table, tables)) return false;
  if (numberKey(spec.options?.tos ?? spec.options?.dsfield) !== numberKey(shown.tos)) return false;
  if (!virtual) return true;
  if ((spec.metric ?? 0) !== (shown.metric ?? 0)) return false;
  return spec.dev === undefined || spec.dev === shown.dev;
}

export function ruleMatches(spec: RuleSpec, family: 4 | 6, shown: ShownRule, tables: ReadonlyMap<string, number>): boolean {
  if (spec.family !== family || spec.preference !== shown.preference || !isKeepalivedProtocol(shown.protocol)) return false;
  if (spec.action !== shown.action || (spec.invert ?? false) !== shown.invert) return false;
  const value = (v: string | undefined) => (spec.action === 'table' ? tableKey(v, tables) : numberKey(v));
  if (value(spec.actionValue) !== value(shown.actionValue)) return false;
  const prefix = (p: string | undefined) => (p === undefined ? '' : canonicalPrefix(p, family));
  if (prefix(spec.from) !== prefix(shown.from) || prefix(spec.to) !== prefix(shown.to)) return false;
  if (spec.iif !== shown.iif || spec.oif !== shown.oif) return false;
  return selectorsKey(spec.options ?? {}) === selectorsKey(shown.selectors);
}

export function addressMatches(def: VipDefinition, family: 4 | 6, shown: { dev: string; address: string }): boolean {
  return def.family === family && def.dev === shown.dev && canonicalAddress(def.address) === canonicalAddress(shown.address);
}

// ---------------------------------------------------------------------------
// The index

interface Slot {
  instance?: string;
  id: string;
  virtual: boolean;
}

type Bucketed<T> = Map<string, (Slot & { spec: T })[]>;

/**
 * Every tracked entry of a config by a key a deletion can be looked up with
 * (family and address, destination or preference), so that a burst of
 * deletions (a master with many VIPs leaving) costs a lookup each.
 */
export class DeletionIndex {
  private readonly addresses: Bucketed<VipDefinition> = new Map();
  private readonly routes: Bucketed<RouteSpec> = new Map();
  private readonly rules: Bucketed<RuleSpec> = new Map();
  private readonly objects: Record<4 | 6, Set<MonitorObject>> = { 4: new Set(), 6: new Set() };

  /** Instances first: keepalived looks at them before the static entries. */
  constructor(
    instances: readonly { name: string; tracked: TrackedEntries }[],
    statics: TrackedEntries,
    private readonly tables: ReadonlyMap<string, number> = new Map(),
  ) {
    for (const { name, tracked } of instances) this.add(tracked, name);
    this.add(statics, undefined);
  }

  /** What has to be watched for these entries: nothing of a family or kind that has none. */
  get watchSet(): WatchSet {
    return this.objects;
  }

  /** The entry the deletion was, or undefined when it is none we watch. */
  find(entry: DeletedEntry): DeletionMatch | undefined {
    const f = entry.family;
    const hit = <T>(bucket: (Slot & { spec: T })[] | undefined, same: (spec: T, virtual: boolean) => boolean, kind: EntryKind): DeletionMatch | undefined => {
      const slot = bucket?.find((s) => same(s.spec, s.virtual));
      if (!slot) return undefined;
      return slot.instance === undefined ? { kind, id: slot.id } : { instance: slot.instance, kind, id: slot.id };
    };
    switch (entry.kind) {
      case 'address':
        return hit(this.addresses.get(`${f}|${canonicalAddress(entry.address.address) ?? entry.address.address}`), (d) => addressMatches(d, f, entry.address), 'addresses');
      case 'route':
        return hit(this.routes.get(`${f}|${canonicalPrefix(entry.route.destination, f)}`), (r, virtual) => routeMatches(r, f, entry.route, virtual, this.tables), 'routes');
      case 'rule':
        return hit(this.rules.get(`${f}|${entry.rule.preference}`), (r) => ruleMatches(r, f, entry.rule, this.tables), 'rules');
    }
  }

  private add(tracked: TrackedEntries, instance: string | undefined): void {
    const put = <T>(into: Bucketed<T>, key: string, id: string, spec: T) => {
      const slot = { id, spec, virtual: instance !== undefined, ...(instance !== undefined ? { instance } : {}) };
      const list = into.get(key);
      if (list) list.push(slot);
      else into.set(key, [slot]);
    };
    for (const [id, d] of tracked.addresses) {
      put(this.addresses, `${d.family}|${canonicalAddress(d.address) ?? d.address}`, id, d);
      this.objects[d.family].add('address');
    }
    for (const [id, r] of tracked.routes) {
      put(this.routes, `${r.family}|${canonicalPrefix(r.destination, r.family)}`, id, r);
      this.objects[r.family].add('route');
    }
    for (const [id, r] of tracked.rules) {
      put(this.rules, `${r.family}|${r.preference}`, id, r);
      this.objects[r.family].add('rule');
    }
  }
}
