// lb_kind: when neither the virtual server nor a (real or sorry) server sets
// a forwarding method, keepalived warns once and uses NAT.
import type { Pass } from './types.js';
import { describeVirtualServer, distinctRealServers, validatedVirtualServers } from './check-scope.js';

export const checkForwardingDefault: Pass = (config, { problems }) => {
  for (const vs of validatedVirtualServers(config)) {
    if (vs.forwarding) continue;
    const unset = [...distinctRealServers(vs), ...(vs.sorryServer ? [vs.sorryServer] : [])].some((s) => !s.forwarding && !s.inheritedForwarding);
    if (!unset) continue;
    problems.warning('no-forwarding-method', vs.loc, `${describeVirtualServer(vs)} sets no forwarding method; keepalived uses NAT`, {
      hint: 'add lb_kind NAT, DR or TUN (DR is the usual choice for a director whose real servers answer clients directly)',
    });
  }
};
