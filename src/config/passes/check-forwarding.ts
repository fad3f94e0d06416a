// lb_kind: when neither the virtual server nor a (real or sorry) server sets
// a forwarding method, keepalived warns once and uses NAT.
import type { RealServer, SorryServer } from '../model/check.js';
import type { VirtualServerCheck } from './types.js';
import { describeVirtualServer, distinctRealServers } from './check-scope.js';

export const checkForwardingDefault: VirtualServerCheck = {
  validatedOnly: true,
  check(vs, _config, { problems }) {
    if (vs.forwarding) return;
    const unset = (s: RealServer | SorryServer): boolean => !s.forwarding && !s.inheritedForwarding;
    if (!distinctRealServers(vs).some(unset) && !(vs.sorryServer && unset(vs.sorryServer))) return;
    problems.warning('no-forwarding-method', vs.loc, `${describeVirtualServer(vs)} sets no forwarding method; keepalived uses NAT`, {
      hint: 'add lb_kind NAT, DR or TUN (DR is the usual choice for a director whose real servers answer clients directly)',
    });
  },
};
