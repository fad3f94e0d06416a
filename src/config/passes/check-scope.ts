// What the checker passes look at, as keepalived 2.2.7 sees it after reading:
// a virtual server naming an undefined group is dropped silently, one
// without real servers is dropped (and reported), a repeated real server is
// dropped (and reported), and unset forwarding methods fall back in order.
import type { KeepalivedConfig } from '../model/index.js';
import {
  CHECK_DEFAULTS,
  type ForwardingKind,
  type RealServer,
  type SorryServer,
  type VirtualServer,
  type VirtualServerGroup,
  type VsgAddressRange,
} from '../model/check.js';
import { PAIRWISE_MAX, sameServer, serverKey } from '../schema/check/common.js';

export { sameServer, serverKey };

const groupIndexes = new WeakMap<readonly VirtualServerGroup[], Map<string, VirtualServerGroup>>();

/** The group a `virtual_server group NAME` uses (keepalived takes the first of that name). */
export function groupOf(config: KeepalivedConfig, vs: VirtualServer): VirtualServerGroup | undefined {
  if (vs.key.kind !== 'group') return undefined;
  const groups = config.check.virtualServerGroups;
  let index = groupIndexes.get(groups);
  if (!index) {
    index = new Map();
    for (const g of groups) if (!index.has(g.name)) index.set(g.name, g);
    groupIndexes.set(groups, index);
  }
  return index.get(vs.key.group);
}

/** Whether keepalived validates this virtual server: a group server must name a defined group, and there must be real servers. */
export function validated(config: KeepalivedConfig, vs: VirtualServer): boolean {
  return (vs.key.kind !== 'group' || groupOf(config, vs) !== undefined) && vs.realServers.length > 0;
}

export type ServiceShape = 'address' | 'fwmark';

/**
 * How keepalived treats the service: by address (a plain address, or a group
 * with address entries), or by firewall mark (fwmark, or a group with only
 * fwmark entries). A group with both is address-based for these checks.
 */
export function serviceShape(config: KeepalivedConfig, vs: VirtualServer): ServiceShape {
  if (vs.key.kind === 'fwmark') return 'fwmark';
  if (vs.key.kind === 'address') return 'address';
  return groupAddressEntries(config, vs).length > 0 ? 'address' : 'fwmark';
}

export function groupAddressEntries(config: KeepalivedConfig, vs: VirtualServer): VsgAddressRange[] {
  return (groupOf(config, vs)?.entries ?? []).filter((e): e is VsgAddressRange => e.kind === 'range');
}

export function groupHasFwmark(config: KeepalivedConfig, vs: VirtualServer): boolean {
  return (groupOf(config, vs)?.entries ?? []).some((e) => e.kind === 'fwmark');
}

/**
 * The last answer of firstOfSameServer. The checks of a virtual server run
 * one after the other (passes/check.ts) and six of them ask about the same
 * list: one comparison of every pair instead of six, in a config of 10^4
 * virtual servers. The list only ever grows (push), so its length tells a
 * changed list apart; the answer's arrays are never handed out changed.
 */
let lastAsked: { servers: readonly RealServer[]; length: number; first: number[] | undefined } | undefined;

/**
 * For each real server, the index of the first one with its address and
 * port (how keepalived tells them apart); undefined when none repeats, which
 * is nearly always, so that case allocates nothing.
 */
export function firstOfSameServer(servers: readonly RealServer[]): number[] | undefined {
  if (lastAsked && lastAsked.servers === servers && lastAsked.length === servers.length) return lastAsked.first;
  const first = findFirstOfSameServer(servers);
  lastAsked = { servers, length: servers.length, first };
  return first;
}

function findFirstOfSameServer(servers: readonly RealServer[]): number[] | undefined {
  const n = servers.length;
  let first: number[] | undefined;
  if (n <= PAIRWISE_MAX) {
    for (let i = 1; i < n; i++) {
      for (let j = 0; j < i; j++) {
        if (!sameServer(servers[j], servers[i])) continue;
        first ??= servers.map((_, k) => k);
        first[i] = first[j];
        break;
      }
    }
    return first;
  }
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = serverKey(servers[i]);
    const j = seen.get(key);
    if (j === undefined) {
      seen.set(key, i);
      continue;
    }
    first ??= servers.map((_, k) => k);
    first[i] = j;
  }
  return first;
}

/**
 * The real servers keepalived keeps: the first of each address and port.
 * Several passes ask for it; without repeats it is the list itself.
 */
export function distinctRealServers(vs: VirtualServer): readonly RealServer[] {
  const first = firstOfSameServer(vs.realServers);
  return first ? vs.realServers.filter((_, i) => first[i] === i) : vs.realServers;
}

/** Forwarding of a real or sorry server: its own, else the lb_kind above it, else the virtual server's final one, else NAT. */
export function forwardingOf(vs: VirtualServer, server: RealServer | SorryServer): ForwardingKind {
  return (server.forwarding ?? server.inheritedForwarding ?? vs.forwarding)?.kind ?? CHECK_DEFAULTS.forwarding;
}

/** The weight a real server starts with: its own, else the virtual server's. */
export function weightOf(vs: VirtualServer, rs: RealServer): number {
  return rs.weight ?? vs.weight;
}

/** How a virtual server is named in messages. */
export function describeVirtualServer(vs: VirtualServer): string {
  switch (vs.key.kind) {
    case 'fwmark':
      return `virtual_server fwmark ${vs.key.fwmark}`;
    case 'group':
      return `virtual_server group ${vs.key.group}`;
    default: {
      const a = vs.key.address;
      const host = a.family === 6 ? `[${a.address}]` : a.address;
      return `virtual_server ${host}:${vs.key.port}`;
    }
  }
}

export function describeServer(server: { address: RealServer['address']; port?: number }): string {
  const a = server.address;
  const host = a.family === 6 ? `[${a.address}]` : a.address;
  return server.port === undefined ? host : `${host}:${server.port}`;
}
