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
import { sameServer, serverKey } from '../schema/check/common.js';

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

/** Virtual servers keepalived validates: a group server must name a defined group, and there must be real servers. */
export function validatedVirtualServers(config: KeepalivedConfig): VirtualServer[] {
  return config.check.virtualServers.filter((vs) => (vs.key.kind !== 'group' || groupOf(config, vs)) && vs.realServers.length > 0);
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

const distinctCache = new WeakMap<VirtualServer, { from: readonly RealServer[]; length: number; distinct: RealServer[] }>();

/**
 * The real servers keepalived keeps: the first of each address and port.
 * Several passes ask for it; computed once per virtual server (recomputed if
 * its real server list changed since).
 */
export function distinctRealServers(vs: VirtualServer): RealServer[] {
  const cached = distinctCache.get(vs);
  if (cached && cached.from === vs.realServers && cached.length === vs.realServers.length) return cached.distinct;
  const seen = new Set<string>();
  const distinct = vs.realServers.filter((rs) => {
    const key = serverKey(rs);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  distinctCache.set(vs, { from: vs.realServers, length: vs.realServers.length, distinct });
  return distinct;
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
