// Fills in what keepalived 2.2.7 runs with after reading: which virtual and
// real servers it ignores, and the settings after its defaults and
// corrections (scheduler, protocol, persistence, quorum, forwarding, ports,
// weights). Reports nothing: the other passes say why.
import { CHECK_DEFAULTS, type EffectiveVirtualServer, type ForwardingMethod, type RealServer, type SorryServer, type VirtualServer } from '../model/check.js';
import type { KeepalivedConfig } from '../model/index.js';
import type { VirtualServerCheck } from './types.js';
import { distinctRealServers, groupAddressEntries, groupOf, serviceShape, weightOf } from './check-scope.js';

function forwarding(vs: VirtualServer, server: RealServer | SorryServer): ForwardingMethod {
  return server.forwarding ?? server.inheritedForwarding ?? vs.forwarding ?? { kind: CHECK_DEFAULTS.forwarding, tunnelType: 'ipip', tunnelChecksum: 'nocsum', loc: vs.loc };
}

/** keepalived's port corrections: DR / TUN take the service's port, a fwmark service has none; NAT keeps the real server's. */
function port(vs: VirtualServer, server: RealServer | SorryServer, method: ForwardingMethod, isSorry: boolean): number {
  if (vs.key.kind === 'group') return server.port ?? 0;
  const servicePort = vs.key.kind === 'address' ? vs.key.port : 0;
  if (method.kind === 'NAT') return server.port ?? (isSorry ? 0 : servicePort);
  return servicePort;
}

function persistence(config: KeepalivedConfig, vs: VirtualServer): number | undefined {
  if (vs.persistenceTimeout !== undefined) return vs.persistenceTimeout;
  const zeroPort = vs.key.kind === 'address' ? vs.key.port === 0 : groupAddressEntries(config, vs).some((e) => e.port === 0);
  return zeroPort ? CHECK_DEFAULTS.persistenceTimeout : undefined;
}

function resolveVirtualServer(config: KeepalivedConfig, vs: VirtualServer): void {
  const kept = distinctRealServers(vs);
  if (kept !== vs.realServers) {
    const keptSet = new Set(kept);
    for (const rs of vs.realServers) if (!keptSet.has(rs)) rs.ignored = 'repeats an earlier real server';
  }
  let totalWeight = 0;
  for (const rs of kept) {
    const method = forwarding(vs, rs);
    const weight = weightOf(vs, rs);
    totalWeight += weight;
    rs.effective = {
      forwarding: method,
      port: port(vs, rs, method, false),
      weight,
      inhibitOnFailure: rs.inhibitOnFailure ?? vs.inhibitOnFailure,
      alpha: rs.alpha ?? vs.alpha,
    };
  }
  if (vs.sorryServer) {
    const method = forwarding(vs, vs.sorryServer);
    vs.sorryServer.effective = { forwarding: method, port: port(vs, vs.sorryServer, method, true), weight: 1, inhibitOnFailure: vs.sorryServer.inhibit };
  }
  const quorum = Math.min(vs.quorum, totalWeight);
  const persistenceTimeout = persistence(config, vs);
  // Filled in this order (the order of the -d dump), optional fields only when set.
  const effective: Partial<EffectiveVirtualServer> = { scheduler: vs.scheduler ?? CHECK_DEFAULTS.scheduler };
  if (serviceShape(config, vs) === 'address') effective.protocol = vs.protocol ?? 'UDP';
  if (persistenceTimeout !== undefined) effective.persistenceTimeout = persistenceTimeout;
  effective.quorum = quorum;
  // keepalived sets quorum - 1 (which wraps when quorum is 0); 0 is what that means.
  effective.hysteresis = vs.hysteresis >= quorum ? Math.max(quorum - 1, 0) : vs.hysteresis;
  effective.totalWeight = totalWeight;
  vs.effective = effective as EffectiveVirtualServer;
}

export const resolveCheckSettings: VirtualServerCheck = {
  validatedOnly: false,
  check(vs, config) {
    if (vs.key.kind === 'group' && !groupOf(config, vs)) vs.ignored = `virtual_server_group ${vs.key.group} is not defined`;
    else if (vs.realServers.length === 0) vs.ignored = 'no real servers';
    else resolveVirtualServer(config, vs);
  },
};
