// The IPVS table the config asks for, given the real servers' health: one
// service per virtual_server (a virtual_server_group gives one per address of
// each range and one per fwmark entry, as keepalived programs them), holding
// the pool health-view.ts decides. Also every entry the config could ever
// ask for (what the daemon manages), and the quorum states to carry into the
// next evaluation. Pure.
import type { Family } from '../config/ip.js';
import type { ForwardingMethod as ModelForwarding, RealServer, SorryServer, VirtualServer, VirtualServerGroup } from '../config/model/check.js';
import type { KeepalivedConfig } from '../config/model/index.js';
import { canonicalAddress, expandRange } from './address.js';
import { activeRealServers, poolView, type HealthMap, type PoolMember, type PoolView, type QuorumState, type QuorumStates, type RealServerHealth } from './health-view.js';
import { realServerKey, virtualServerId } from './server-id.js';
import {
  destinationId,
  SCHED_FLAG_1,
  SCHED_FLAG_2,
  SCHED_FLAG_3,
  serviceKeyText,
  destinationKeyText,
  type ForwardingMethod,
  type IpvsDestination,
  type IpvsProtocol,
  type IpvsService,
  type IpvsTable,
  type Persistence,
  type ServiceKey,
  type TableKeys,
  type Tunnel,
} from './table.js';

export interface DesiredState {
  table: IpvsTable;
  /** Quorum state per virtualServerId, to pass to the next evaluation. */
  quorum: Map<string, QuorumState>;
  /** Every service and destination the config describes, whatever the health. */
  managed: TableKeys;
  /** What the config asks for that ipvsadm cannot do, and what was done instead. */
  warnings: string[];
}

/** keepalived walks a group range address by address; more than this is surely a mistake. */
export const MAX_GROUP_RANGE = 65536;

const FORWARDING: Record<ModelForwarding['kind'], ForwardingMethod> = { NAT: 'nat', DR: 'dr', TUN: 'tun' };

function describe(vs: VirtualServer): string {
  return `virtual_server ${virtualServerId(vs)} (line ${vs.loc.line})`;
}

/** One IPVS service of a virtual server and the port its DR / TUN destinations get. */
interface ServiceSlot {
  key: ServiceKey;
  /** Port for non-NAT destinations: the service's port, 0 for a firewall mark. */
  directPort: number;
}

function firstGroup(config: KeepalivedConfig, name: string): VirtualServerGroup | undefined {
  return config.check.virtualServerGroups.find((g) => g.name === name);
}

function serviceSlots(config: KeepalivedConfig, vs: VirtualServer, warnings: string[]): ServiceSlot[] {
  const protocol = (vs.effective?.protocol ?? 'UDP').toLowerCase() as IpvsProtocol;
  const fwmarkFamily: Family = vs.family ?? 4;
  if (vs.key.kind === 'address') {
    const { address, port } = vs.key;
    return [{ key: { kind: 'address', protocol, family: address.family, address: canonicalAddress(address), port }, directPort: port }];
  }
  if (vs.key.kind === 'fwmark') return [{ key: { kind: 'fwmark', family: fwmarkFamily, fwmark: vs.key.fwmark }, directPort: 0 }];
  const slots: ServiceSlot[] = [];
  for (const entry of firstGroup(config, vs.key.group)?.entries ?? []) {
    if (entry.kind === 'fwmark') {
      slots.push({ key: { kind: 'fwmark', family: entry.family ?? fwmarkFamily, fwmark: entry.fwmark }, directPort: 0 });
      continue;
    }
    const { addresses, truncated } = expandRange(entry.first, entry.last, MAX_GROUP_RANGE);
    if (truncated) warnings.push(`${describe(vs)}: group range at line ${entry.loc.line} has more than ${MAX_GROUP_RANGE} addresses; only the first ${MAX_GROUP_RANGE} are used`);
    for (const address of addresses) slots.push({ key: { kind: 'address', protocol, family: entry.family, address, port: entry.port }, directPort: entry.port });
  }
  return slots;
}

function schedFlags(vs: VirtualServer, scheduler: string): number {
  const f = vs.flags;
  let bits = 0;
  if (f.flag1 || f.shFallback || f.mhFallback) bits |= SCHED_FLAG_1;
  if (f.flag2 || f.shPort || f.mhPort) bits |= SCHED_FLAG_2;
  // sh and mh have no flag-3 (ipvsadm -S would not show it, so it could never match).
  if (f.flag3 && scheduler !== 'sh' && scheduler !== 'mh') bits |= SCHED_FLAG_3;
  return bits;
}

/** persistence_granularity as ipvsadm writes -M: dotted for IPv4, a prefix length for IPv6; none for a single address. */
function netmaskFor(vs: VirtualServer, family: Family, warnings: string[]): string | undefined {
  const text = vs.persistenceGranularity;
  if (text === undefined) return undefined;
  if (family === 4 && /^\d+\.\d+\.\d+\.\d+$/.test(text)) {
    const mask = canonicalAddress({ family: 4, address: text });
    return mask === '255.255.255.255' ? undefined : mask;
  }
  if (family === 6 && /^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 128) return Number(text) === 128 ? undefined : String(Number(text));
  warnings.push(`${describe(vs)}: persistence_granularity ${text} does not fit an IPv${family} service; not used`);
  return undefined;
}

function serviceOf(vs: VirtualServer, slot: ServiceSlot, warnings: string[]): IpvsService {
  const effective = vs.effective!;
  const timeout = effective.persistenceTimeout;
  let persistence: Persistence | undefined;
  if (timeout !== undefined) {
    const netmask = netmaskFor(vs, slot.key.family, warnings);
    persistence = { timeout, ...(netmask !== undefined ? { netmask } : {}) };
  }
  let onePacket = vs.flags.ops;
  if (onePacket && slot.key.kind === 'address' && slot.key.protocol !== 'udp') {
    warnings.push(`${describe(vs)}: ops (one-packet scheduling) is for UDP services only; not used`);
    onePacket = false;
  }
  return {
    key: slot.key,
    scheduler: effective.scheduler,
    schedFlags: schedFlags(vs, effective.scheduler),
    ...(persistence ? { persistence } : {}),
    ...(persistence && vs.persistenceEngine ? { persistenceEngine: vs.persistenceEngine } : {}),
    onePacket,
    destinations: [],
  };
}

function tunnelOf(method: ModelForwarding): Tunnel {
  if (method.tunnelType === 'gue') return { type: 'gue', port: method.tunnelPort ?? 0, checksum: method.tunnelChecksum };
  if (method.tunnelType === 'gre') return { type: 'gre', checksum: method.tunnelChecksum };
  return { type: 'ipip' };
}

/** A server's destination in a service, at its configured weight. */
function destinationOf(server: RealServer | SorryServer, slot: ServiceSlot): IpvsDestination {
  const effective = server.effective!;
  const forwarding = FORWARDING[effective.forwarding.kind];
  // Only real servers have connection limits (they always have a checker list; sorry servers none).
  const rs = 'checkers' in server ? server : undefined;
  return {
    family: server.address.family,
    address: canonicalAddress(server.address),
    // DR and TUN keep the packet's port, so IPVS is given the service's (none for a firewall mark).
    port: forwarding === 'nat' ? effective.port : slot.directPort,
    forwarding,
    weight: effective.weight ?? 1,
    upperThreshold: rs?.upperThreshold ?? 0,
    lowerThreshold: rs?.lowerThreshold ?? 0,
    ...(forwarding === 'tun' ? { tunnel: tunnelOf(effective.forwarding) } : {}),
  };
}

/** A destination ipvsadm accepts: only a tunnel may cross address families. */
function fits(d: IpvsDestination, slot: ServiceSlot): boolean {
  return d.forwarding === 'tun' || d.family === slot.key.family;
}

/** One service of a virtual server, and each of its servers' destination as the config gives it. */
interface ServiceLayout {
  slot: ServiceSlot;
  /** The service without destinations. */
  service: IpvsService;
  /** By server: its destination at its configured weight (weights set at run time, and 0, are made from it). */
  destinations: Map<RealServer | SorryServer, IpvsDestination>;
  /**
   * The service as the last evaluation made it, and from which pool: a pass
   * follows one change of health, and most pools are then as they were, so
   * their service is given again as it was (the same objects, which the diff
   * then passes over at once) instead of being made anew.
   */
  last?: { members: PoolMember[]; sorryActive: boolean; service: IpvsService; warnings: string[] };
}

interface VirtualServerLayout {
  vs: VirtualServer;
  id: string;
  services: ServiceLayout[];
}

/**
 * What the config alone decides, made once per config so that a pass (one
 * per change of health) only picks who is in each pool: the services, every
 * server's destination, what the daemon manages, and the warnings about
 * what the config asks for that ipvsadm cannot do.
 */
export interface DesiredLayout {
  virtualServers: VirtualServerLayout[];
  managed: TableKeys;
  warnings: string[];
}

export function desiredLayout(config: KeepalivedConfig): DesiredLayout {
  const virtualServers: VirtualServerLayout[] = [];
  const managedServices = new Set<string>();
  const managedDestinations = new Set<string>();
  const warnings: string[] = [];
  for (const vs of config.check.virtualServers) {
    if (vs.ignored || !vs.effective) continue;
    const layout: VirtualServerLayout = { vs, id: virtualServerId(vs), services: [] };
    virtualServers.push(layout);
    const everyServer = [...activeRealServers(vs), ...(vs.sorryServer?.effective ? [vs.sorryServer] : [])];
    for (const slot of serviceSlots(config, vs, warnings)) {
      const keyText = serviceKeyText(slot.key);
      if (managedServices.has(keyText)) {
        warnings.push(`${describe(vs)}: service ${keyText} is already defined by an earlier virtual_server; skipped`);
        continue;
      }
      managedServices.add(keyText);
      const destinations = new Map<RealServer | SorryServer, IpvsDestination>();
      for (const server of everyServer) {
        const d = destinationOf(server, slot);
        destinations.set(server, d);
        managedDestinations.add(destinationId(slot.key, d));
      }
      layout.services.push({ slot, service: serviceOf(vs, slot, warnings), destinations });
    }
  }
  return { virtualServers, managed: { services: managedServices, destinations: managedDestinations }, warnings };
}

/** The desired IPVS table for the config and the real servers' health. */
export function desiredState(config: KeepalivedConfig, health: HealthMap = new Map(), previousQuorum: QuorumStates = new Map()): DesiredState {
  return desiredFrom(desiredLayout(config), health, previousQuorum);
}

/** The desired IPVS table for a config's layout and the real servers' health. */
export function desiredFrom(layout: DesiredLayout, health: HealthMap = new Map(), previousQuorum: QuorumStates = new Map()): DesiredState {
  const services: IpvsService[] = [];
  const quorum = new Map<string, QuorumState>();
  const warnings = [...layout.warnings];

  for (const { vs, id, services: slots } of layout.virtualServers) {
    const view = poolView(vs, health, previousQuorum.get(id));
    quorum.set(id, view.quorum);
    for (const serviceLayout of slots) {
      const last = serviceLayout.last;
      if (!last || last.sorryActive !== view.sorryActive || !samePool(last.members, view.members)) {
        serviceLayout.last = { members: view.members, sorryActive: view.sorryActive, ...serviceWithPool(vs, serviceLayout, view) };
      }
      services.push(serviceLayout.last!.service);
      warnings.push(...serviceLayout.last!.warnings);
    }
  }
  return { table: { services }, quorum, managed: layout.managed, warnings };
}

function samePool(a: readonly PoolMember[], b: readonly PoolMember[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.server !== b[i]!.server || a[i]!.weight !== b[i]!.weight || a[i]!.sorry !== b[i]!.sorry) return false;
  return true;
}

/** One service of a virtual server with the pool's destinations. */
function serviceWithPool(vs: VirtualServer, { slot, service, destinations }: ServiceLayout, view: PoolView): { service: IpvsService; warnings: string[] } {
  const warnings: string[] = [];
  const byKey = new Map<string, IpvsDestination>();
  for (const member of view.members) {
    const configured = destinations.get(member.server)!;
    const d = member.weight === configured.weight ? configured : { ...configured, weight: member.weight };
    const dKey = destinationId(slot.key, configured);
    if (!fits(d, slot)) {
      warnings.push(`${describe(vs)}: ${member.sorry ? 'sorry' : 'real'} server ${dKey} is IPv${d.family} in an IPv${slot.key.family} service, which only a tunnel (lb_kind TUN) can do; skipped`);
      continue;
    }
    // Two servers on one destination (a sorry server that is also a real server): the serving one wins.
    if (!byKey.has(dKey) || (member.sorry && view.sorryActive)) byKey.set(dKey, d);
  }
  return { service: { ...service, destinations: [...byKey.values()] }, warnings };
}

/**
 * What a live table says about the real servers of the services it already
 * holds: in the pool with a weight (or with weight 0 where 0 is configured)
 * is up; absent, or kept at weight 0 by inhibit_on_failure, is down. The
 * checker process trusts this until its own checks have a verdict, so that
 * taking over a table (a restarted checker process) changes nothing that was
 * right. Real servers of services not in the table are left out.
 */
export function healthShownBy(config: KeepalivedConfig, live: IpvsTable): Map<string, RealServerHealth> {
  const liveServices = new Map(live.services.map((s) => [serviceKeyText(s.key), s]));
  const health = new Map<string, RealServerHealth>();
  for (const vs of config.check.virtualServers) {
    if (vs.ignored || !vs.effective) continue;
    // A group's services are programmed alike: the first one speaks for all.
    const slot = serviceSlots(config, vs, []).find((sl) => liveServices.has(serviceKeyText(sl.key)));
    if (!slot) continue;
    const present = new Map(liveServices.get(serviceKeyText(slot.key))!.destinations.map((d) => [destinationKeyText(d), d]));
    for (const rs of activeRealServers(vs)) {
      const d = present.get(destinationKeyText(destinationOf(rs, slot)));
      health.set(realServerKey(vs, rs), { up: d !== undefined && (d.weight > 0 || (rs.effective?.weight ?? 0) === 0) });
    }
  }
  return health;
}
