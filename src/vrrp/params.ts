// From the config model to what the VRRP runtime runs with. Pure.
//
// The config reader keeps values as written (plus keepalived's defaults) and
// only *reports* the corrections keepalived 2.2.7 makes in
// vrrp_complete_instance; here those corrections are applied, so that an
// instance runs as keepalived would run the same file:
// - strict mode: state follows being the owner, no authentication, no
//   preempt_delay, down_timer_adverts 3, no lower-priority GARPs,
//   lower_prio_no_advert on, higher_prio_send_advert off, no accept mode for
//   VRRPv2 non-owners;
// - nopreempt is cleared for the owner and for state MASTER; preempt_delay is
//   cleared with state MASTER or nopreempt;
// - authentication is dropped for VRRPv3, without a password, and AH over
//   IPv6; AH with state MASTER below 255 starts as BACKUP;
// - accept mode defaults to on unless strict;
// - vrrp_min_garp turns the global GARP settings still at their defaults
//   into one GARP, no second burst, no refresh.
// Every correction applied is listed in `corrections`, for the log.
//
// Routes and rules (virtual_routes / virtual_rules and the static_* blocks)
// become the route adapter's specs with keepalived's own choices applied: a
// tracked route or rule carries protocol keepalived, an untracked route a
// protocol it names (else keepalived's too), and a rule without preference
// gets the next one counting down from 16384, in reading order.

import type { GlobalDefs } from '../config/model/global.js';
import type { VirtualIp, VirtualRoute, VirtualRule, VrrpConfig, VrrpInstance } from '../config/model/vrrp.js';
import type { Loc } from '../config/problems.js';
import type { NexthopSpec, RouteSpec, RuleSpec } from '../net/routes.js';
import { DEFAULT_GARP, instanceParams, type GarpParams, type InstanceParams } from './fsm.js';
import { OWNER_PRIORITY } from './timing.js';

/** An address to install, in the shape the address adapter takes. */
export interface VipDefinition {
  address: string;
  prefix: number;
  family: 4 | 6;
  dev: string;
  broadcast?: string;
  scope?: string;
  label?: string;
  peer?: string;
  flags?: string[];
  preferredLft?: number | 'forever';
}

/** How adverts of this instance look on the wire and where they go. */
export interface WireSettings {
  family: 4 | 6;
  version: 2 | 3;
  vrid: number;
  interface: string;
  /** 0 none, 1 PASS, 2 AH, after keepalived's corrections. */
  authType: 0 | 1 | 2;
  /** PASS: the password (the codec sends its first 8 bytes). */
  password?: string;
  advertIntervalCs: number;
  /** The VIPs an advert lists: virtual_ipaddress of the instance's family, in config order. */
  advertAddresses: string[];
  /** The multicast group (mcast_dst_ip, else the global group of the family). */
  group: string;
  /** Unicast peers; empty = multicast. */
  unicastPeers: { address: string; minTtl?: number; maxTtl?: number }[];
  /** Where adverts go: the peers, or the group. */
  destinations: string[];
  /** Source of our adverts: mcast_src_ip / unicast_src_ip, else the interface address given. */
  sourceAddress: string;
  unicastTtl?: number;
  checkUnicastSrc: boolean;
  skipCheckAdvAddr: boolean;
  /** old_unicast_checksum: VRRPv3 unicast checksum with the group as pseudo-header destination. */
  oldUnicastChecksum: boolean;
}

export interface RuntimeConfig {
  params: InstanceParams;
  wire: WireSettings;
  /** Every VIP the instance installs (virtual_ipaddress, then virtual_ipaddress_excluded), by the id the fsm uses. */
  vips: Map<string, VipDefinition>;
  /** virtual_routes, by the id the fsm uses, in config order. */
  routes: Map<string, RouteSpec>;
  /** virtual_rules, by the id the fsm uses, in config order. */
  rules: Map<string, RuleSpec>;
  /** keepalived's corrections applied to the configured values. */
  corrections: string[];
}

export type RuntimeConfigResult = ({ ok: true } & RuntimeConfig) | { ok: false; error: string };

export interface RuntimeConfigInput {
  instance: VrrpInstance;
  global: GlobalDefs;
  /**
   * The interface's own address of the instance's family (IPv4 primary
   * address, IPv6 link-local), used when no mcast_src_ip / unicast_src_ip is set.
   */
  interfaceAddress?: string;
  /**
   * Preferences keepalived gives rules that have none, counted over the whole
   * config (rulePreferences). Default: counted over this instance's rules alone.
   */
  rulePreferences?: ReadonlyMap<VirtualRule, number>;
}

/** The id the fsm and the logs use for a VIP: `ADDR/PREFIX dev IF`. */
export function vipId(v: VipDefinition): string {
  return `${v.address}/${v.prefix} dev ${v.dev}`;
}

const IP_FLAGS: Record<string, string> = {
  home: 'home',
  '-nodad': 'nodad',
  mngtmpaddr: 'mngtmpaddr',
  noprefixroute: 'noprefixroute',
  autojoin: 'autojoin',
};

function vipDefinition(v: VirtualIp, defaultDev: string): VipDefinition {
  const def: VipDefinition = { address: v.address.address, prefix: v.address.prefix, family: v.address.family, dev: v.dev ?? defaultDev };
  if (v.broadcast !== undefined) def.broadcast = typeof v.broadcast === 'string' ? v.broadcast : v.broadcast.address;
  if (v.scope !== undefined) def.scope = v.scope;
  if (v.label !== undefined) def.label = v.label;
  if (v.peer !== undefined) def.peer = v.peer.address;
  // no_track and use_vmac are keepalived's own, not ip's.
  const flags = v.flags.map((f) => IP_FLAGS[f]).filter((f): f is string => f !== undefined);
  if (flags.length > 0) def.flags = flags;
  if (v.preferredLft !== undefined) def.preferredLft = v.preferredLft;
  return def;
}

/** The global GARP settings after vrrp_min_garp (which only changes values still at their defaults). */
function globalGarp(global: GlobalDefs): { delaySec: number; repeat: number; refreshSec: number; refreshRepeat: number; lowerDelaySec: number; lowerRepeat: number } {
  const g = global.vrrp.garp;
  let delaySec = g.masterDelaySec;
  let repeat = g.masterRepeat;
  let refreshRepeat = g.masterRefreshRepeat;
  if (g.minimal) {
    if (repeat === DEFAULT_GARP.masterRepeat) repeat = 1;
    if (refreshRepeat === DEFAULT_GARP.masterRefreshRepeat) refreshRepeat = 0;
    if (delaySec * 1000 === DEFAULT_GARP.masterDelayMs) delaySec = 0;
  }
  return {
    delaySec,
    repeat,
    refreshSec: g.masterRefreshSec,
    refreshRepeat,
    lowerDelaySec: g.lowerPrioDelaySec ?? delaySec,
    lowerRepeat: g.lowerPrioRepeat ?? repeat,
  };
}

/** Map one configured instance (and global_defs) onto the runtime's settings. */
export function runtimeConfig(input: RuntimeConfigInput): RuntimeConfigResult {
  const { instance: inst, global } = input;
  const corrections: string[] = [];
  const fix = (text: string): void => {
    corrections.push(`${inst.name}: ${text}`);
  };
  if (inst.vrid === undefined) return { ok: false, error: `${inst.name}: virtual_router_id is not set` };
  if (inst.interface === undefined) return { ok: false, error: `${inst.name}: no interface` };
  const family = inst.family ?? 4;
  const strict = inst.strictMode;
  const owner = inst.priority === OWNER_PRIORITY;

  // Authentication.
  let authType: 0 | 1 | 2 = inst.authentication?.type === 'PASS' ? 1 : inst.authentication?.type === 'AH' ? 2 : 0;
  if (authType !== 0) {
    const why = strict
      ? 'strict mode'
      : inst.version === 3
        ? 'VRRPv3'
        : inst.authentication?.password === undefined
          ? 'no auth_pass'
          : authType === 2 && family === 6
            ? 'AH over IPv6'
            : undefined;
    if (why) {
      fix(`${why}: authentication ignored`);
      authType = 0;
    }
  }

  // Initial state.
  let initialState = inst.state;
  if (strict && (initialState === 'MASTER') !== owner) {
    initialState = owner ? 'MASTER' : 'BACKUP';
    fix(`strict mode: state ${initialState} to match priority ${inst.priority}`);
  }
  if (authType === 2 && initialState === 'MASTER' && !owner) {
    initialState = 'BACKUP';
    fix('AH authentication: initial state MASTER cleared');
  }

  // Preemption.
  let nopreempt = inst.nopreempt;
  if (nopreempt && (owner || initialState === 'MASTER')) {
    nopreempt = false;
    fix(owner ? 'nopreempt cleared for the address owner' : 'nopreempt cleared with state MASTER');
  }
  let preemptDelaySec = inst.preemptDelay;
  if (preemptDelaySec > 0 && (initialState === 'MASTER' || strict || nopreempt)) {
    preemptDelaySec = 0;
    fix(`preempt_delay cleared (${initialState === 'MASTER' ? 'state MASTER' : strict ? 'strict mode' : 'nopreempt'})`);
  }

  let downTimerAdverts = inst.downTimerAdverts;
  if (strict && downTimerAdverts !== 3) {
    downTimerAdverts = 3;
    fix('strict mode: down_timer_adverts 3');
  }

  let accept = inst.configuredAccept ?? !strict;
  if (accept && strict && inst.version === 2 && !owner) {
    accept = false;
    fix('strict mode: no accept mode for a VRRPv2 non-owner');
  }

  const gg = globalGarp(global);
  const garp: GarpParams = {
    masterDelayMs: (inst.garp.masterDelay ?? gg.delaySec) * 1000,
    masterRepeat: inst.garp.masterRepeat ?? gg.repeat,
    masterRefreshMs: (inst.garp.masterRefresh ?? gg.refreshSec) * 1000,
    masterRefreshRepeat: inst.garp.masterRefreshRepeat ?? gg.refreshRepeat,
    lowerPrioDelayMs: (inst.garp.lowerPrioDelay ?? gg.lowerDelaySec) * 1000,
    lowerPrioRepeat: inst.garp.lowerPrioRepeat ?? gg.lowerRepeat,
  };
  if (strict && (garp.lowerPrioDelayMs !== 0 || garp.lowerPrioRepeat !== 0)) {
    if (inst.garp.lowerPrioDelay || inst.garp.lowerPrioRepeat) fix('strict mode: no lower-priority GARPs');
    garp.lowerPrioDelayMs = 0;
    garp.lowerPrioRepeat = 0;
  }

  let lowerPrioNoAdvert = inst.flags.lowerPrioNoAdvert ?? (strict ? true : (global.vrrp.lowerPrioNoAdvert ?? false));
  if (strict && !lowerPrioNoAdvert) {
    lowerPrioNoAdvert = true;
    fix('strict mode: lower_prio_no_advert');
  }
  let higherPrioSendAdvert = inst.flags.higherPrioSendAdvert ?? (strict ? false : (global.vrrp.higherPrioSendAdvert ?? false));
  if (strict && higherPrioSendAdvert) {
    higherPrioSendAdvert = false;
    fix('strict mode: higher_prio_send_advert cleared');
  }

  const sourceAddress = inst.srcIp?.address ?? input.interfaceAddress;
  if (sourceAddress === undefined) return { ok: false, error: `${inst.name}: no source address (no ${family === 4 ? 'IPv4' : 'link-local IPv6'} address on ${inst.interface}, no mcast_src_ip)` };

  const vips = new Map<string, VipDefinition>();
  for (const v of [...inst.virtualIps, ...inst.excludedIps]) {
    const def = vipDefinition(v, inst.interface);
    vips.set(vipId(def), def);
  }
  const advertAddresses = inst.virtualIps.filter((v) => v.address.family === family).map((v) => v.address.address);
  const routes = routeMap(inst.virtualRoutes);
  const rules = ruleMap(inst.virtualRules, input.rulePreferences ?? rulePreferences(inst.virtualRules));

  const unicastPeers = inst.unicastPeers
    .filter((p) => p.address.family === family)
    .map((p) => {
      const peer: { address: string; minTtl?: number; maxTtl?: number } = { address: p.address.address };
      if (p.minTtl !== undefined) peer.minTtl = p.minTtl;
      if (p.maxTtl !== undefined) peer.maxTtl = p.maxTtl;
      return peer;
    });
  const group = inst.mcastDstIp?.address ?? (family === 4 ? global.vrrp.mcastGroup4.address : global.vrrp.mcastGroup6.address);
  const advertIntervalCs = Math.round(inst.advertInt * 100);

  const wire: WireSettings = {
    family,
    version: inst.version,
    vrid: inst.vrid,
    interface: inst.interface,
    authType,
    advertIntervalCs,
    advertAddresses,
    group,
    unicastPeers,
    destinations: unicastPeers.length > 0 ? unicastPeers.map((p) => p.address) : [group],
    sourceAddress,
    checkUnicastSrc: inst.flags.checkUnicastSrc || global.vrrp.checkUnicastSrc,
    skipCheckAdvAddr: inst.flags.skipCheckAdvAddr || global.vrrp.skipCheckAdvAddr,
    oldUnicastChecksum: inst.flags.oldUnicastChecksum,
  };
  if (authType === 1) wire.password = inst.authentication!.password!;
  if (inst.unicastTtl !== undefined) wire.unicastTtl = inst.unicastTtl;

  const params = instanceParams({
    name: inst.name,
    vrid: inst.vrid,
    version: inst.version,
    priority: inst.priority,
    advertIntervalCs,
    initialState,
    nopreempt,
    preemptDelayMs: preemptDelaySec * 1000,
    downTimerAdverts,
    accept,
    lowerPrioNoAdvert,
    higherPrioSendAdvert,
    notifyPriorityChanges: inst.flags.notifyPriorityChanges ?? global.vrrp.notifyPriorityChanges,
    garp,
    vips: [...vips.keys()],
    routes: [...routes.keys()],
    rules: [...rules.keys()],
    primaryAddress: sourceAddress,
  });
  return { ok: true, params, wire, vips, routes, rules, corrections };
}

// ---------------------------------------------------------------------------
// Routes and rules

/** keepalived numbers rules that have no preference down from here (and warns). */
const FIRST_AUTO_RULE_PREFERENCE = 16384;
/** RTPROT_KEEPALIVED by its name in /etc/iproute2/rt_protos. */
const KEEPALIVED_PROTOCOL = 'keepalived';

function beforeInFile(a: Loc, b: Loc): number {
  return a.file === b.file ? a.line - b.line || a.col - b.col : a.file < b.file ? -1 : 1;
}

/** Every rule of the config: static_rules and each instance's virtual_rules. */
export function configRules(vrrp: VrrpConfig): VirtualRule[] {
  return [...vrrp.staticRules, ...vrrp.instances.flatMap((i) => i.virtualRules)];
}

/**
 * The preference keepalived gives each rule that has none: 16384, 16383, ...
 * in the order it reads them (file order; across included files the order of
 * the file names stands in for it).
 */
export function rulePreferences(rules: readonly VirtualRule[]): Map<VirtualRule, number> {
  const out = new Map<VirtualRule, number>();
  let next = FIRST_AUTO_RULE_PREFERENCE;
  for (const r of [...rules].filter((x) => x.preference === undefined).sort((a, b) => beforeInFile(a.loc, b.loc))) out.set(r, next--);
  return out;
}

function prefixText(p: { address: string; prefix: number }): string {
  return `${p.address}/${p.prefix}`;
}

/** A configured route as the route adapter takes it; undefined for a route keepalived drops (no destination). */
export function routeSpec(r: VirtualRoute): RouteSpec | undefined {
  if (!r.destination) return undefined;
  const { onlink, ...options } = r.options;
  const spec: RouteSpec = {
    family: r.destination.family,
    destination: prefixText(r.destination),
    // A tracked route must carry keepalived's protocol; keepalived replaces any other.
    protocol: r.noTrack && r.protocol !== undefined ? r.protocol : KEEPALIVED_PROTOCOL,
  };
  if (r.type !== 'unicast') spec.type = r.type;
  if (r.src) spec.src = r.src.address;
  const nexthops: NexthopSpec[] = r.nexthops.map((n) => ({
    ...(n.via ? { via: n.via.address } : {}),
    ...(n.dev !== undefined ? { dev: n.dev } : {}),
    ...(n.weight !== undefined ? { weight: n.weight } : {}),
    ...(n.onlink ? { onlink: true } : {}),
  }));
  // The deprecated `via A or B`: keepalived makes the two gateways nexthops.
  if (r.or && r.via) nexthops.push({ via: r.via.address }, { via: r.or.address });
  else if (r.via) spec.via = r.via.address;
  if (nexthops.length > 0) spec.nexthops = nexthops;
  if (r.dev !== undefined) spec.dev = r.dev;
  if (r.table !== undefined) spec.table = r.table;
  if (r.metric !== undefined) spec.metric = r.metric;
  if (r.scope !== undefined) spec.scope = r.scope === 'universe' ? 'global' : r.scope;
  if (onlink !== undefined) spec.onlink = true;
  if (Object.keys(options).length > 0) spec.options = options;
  return spec;
}

/** A configured rule as the route adapter takes it, with its preference (given, or keepalived's count-down). */
export function ruleSpec(r: VirtualRule, preference: number): RuleSpec {
  const { protocol, ...options } = r.options;
  const spec: RuleSpec = {
    // keepalived takes a rule without addresses (and without inet6) as IPv4.
    family: r.family ?? r.from?.family ?? r.to?.family ?? 4,
    preference,
    action: r.action?.kind ?? 'nop',
  };
  if (r.invert) spec.invert = true;
  if (r.from) spec.from = prefixText(r.from);
  if (r.to) spec.to = prefixText(r.to);
  if (r.action?.value !== undefined) spec.actionValue = r.action.value;
  if (r.iif !== undefined) spec.iif = r.iif;
  if (r.oif !== undefined) spec.oif = r.oif;
  // A tracked rule must carry keepalived's protocol, as a route does.
  if (!r.noTrack) spec.protocol = KEEPALIVED_PROTOCOL;
  else if (protocol !== undefined) spec.protocol = protocol;
  if (Object.keys(options).length > 0) spec.options = options;
  return spec;
}

function optionText(options: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(options ?? {})
    .map(([k, v]) => ` ${k}${v ? ` ${v}` : ''}`)
    .join('');
}

/** The id the fsm and the logs use for a route: what tells it from another, as `ip route` writes it. */
export function routeId(r: RouteSpec): string {
  const nexthops = (r.nexthops ?? [])
    .map((n) => ` nexthop${n.via ? ` via ${n.via}` : ''}${n.dev ? ` dev ${n.dev}` : ''}${n.weight !== undefined ? ` weight ${n.weight}` : ''}${n.onlink ? ' onlink' : ''}`)
    .join('');
  return (
    `${r.type ? `${r.type} ` : ''}${r.destination}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}${r.table ? ` table ${r.table}` : ''}` +
    `${r.metric !== undefined ? ` metric ${r.metric}` : ''}${r.scope ? ` scope ${r.scope}` : ''}${r.src ? ` src ${r.src}` : ''} proto ${r.protocol}` +
    `${r.onlink ? ' onlink' : ''}${optionText(r.options)}${nexthops}`
  );
}

/** The id the fsm and the logs use for a rule, as `ip rule` writes it. */
export function ruleId(r: RuleSpec): string {
  return (
    `${r.preference}: ${r.invert ? 'not ' : ''}from ${r.from ?? 'all'}${r.to ? ` to ${r.to}` : ''}${r.iif ? ` iif ${r.iif}` : ''}${r.oif ? ` oif ${r.oif}` : ''}${optionText(r.options)}` +
    `${r.protocol ? ` proto ${r.protocol}` : ''} ${r.action}${r.actionValue !== undefined ? ` ${r.actionValue}` : ''}${r.family === 6 && !r.from && !r.to ? ' (IPv6)' : ''}`
  );
}

/** Routes by id, in config order (a duplicate line counts once). */
export function routeMap(routes: readonly VirtualRoute[]): Map<string, RouteSpec> {
  const out = new Map<string, RouteSpec>();
  for (const r of routes) {
    const spec = routeSpec(r);
    if (spec) out.set(routeId(spec), spec);
  }
  return out;
}

/** Rules by id, in config order; `auto` holds keepalived's preferences for rules that give none. */
export function ruleMap(rules: readonly VirtualRule[], auto: ReadonlyMap<VirtualRule, number>): Map<string, RuleSpec> {
  const out = new Map<string, RuleSpec>();
  for (const r of rules) {
    const spec = ruleSpec(r, r.preference ?? auto.get(r) ?? FIRST_AUTO_RULE_PREFERENCE);
    out.set(ruleId(spec), spec);
  }
  return out;
}

/** static_ipaddress, static_routes and static_rules: what keepalived keeps in place whatever the VRRP state. */
export interface StaticEntries {
  addresses: Map<string, VipDefinition>;
  routes: Map<string, RouteSpec>;
  rules: Map<string, RuleSpec>;
}

export function staticEntries(vrrp: VrrpConfig, global: GlobalDefs, preferences: ReadonlyMap<VirtualRule, number> = rulePreferences(configRules(vrrp))): StaticEntries {
  const addresses = new Map<string, VipDefinition>();
  // An address without dev goes on default_interface (keepalived's default eth0).
  for (const a of vrrp.staticAddresses) {
    const def = vipDefinition(a, global.vrrp.defaultInterface ?? 'eth0');
    addresses.set(vipId(def), def);
  }
  return { addresses, routes: routeMap(vrrp.staticRoutes), rules: ruleMap(vrrp.staticRules, preferences) };
}
