// With DR and TUN the packet keeps its destination port, so a real (or
// sorry) server's port must equal the service's; with a firewall mark there
// is no service port, so a server port means nothing. keepalived reports and
// corrects both (NAT may map ports freely).
import type { Problems } from '../problems.js';
import type { RealServer, SorryServer, VirtualServer } from '../model/check.js';
import type { VirtualServerCheck } from './types.js';
import { describeServer, describeVirtualServer, distinctRealServers, forwardingOf, groupAddressEntries, groupHasFwmark } from './check-scope.js';

/** The servers (real, then sorry) that have a port and cannot change ports. */
function serversToCheck(vs: VirtualServer): Array<RealServer | SorryServer> {
  const servers: Array<RealServer | SorryServer> = [];
  const add = (s: RealServer | SorryServer): void => {
    if (s.port !== undefined && forwardingOf(vs, s) !== 'NAT') servers.push(s);
  };
  for (const rs of distinctRealServers(vs)) add(rs);
  if (vs.sorryServer) add(vs.sorryServer);
  return servers;
}

function what(vs: VirtualServer, s: RealServer | SorryServer): string {
  const role = s === vs.sorryServer ? 'sorry server' : 'real server';
  return `${role} ${describeServer(s)} (${forwardingOf(vs, s)})`;
}

function fwmarkPort(problems: Problems, vs: VirtualServer, s: RealServer | SorryServer): void {
  problems.warning('port-with-fwmark', s.loc, `${what(vs, s)} has a port, but ${describeVirtualServer(vs)} has none to forward to`, {
    hint: 'remove the port; keepalived ignores it',
  });
}

function mismatch(problems: Problems, vs: VirtualServer, s: RealServer | SorryServer, servicePort: number, where: string): void {
  problems.warning('port-mismatch', s.loc, `${what(vs, s)} has port ${s.port}, but ${where} uses port ${servicePort}; ${forwardingOf(vs, s)} cannot change ports`, {
    hint: `use port ${servicePort}, leave the port out, or use lb_kind NAT; keepalived uses ${servicePort}`,
  });
}

export const checkPorts: VirtualServerCheck = {
  validatedOnly: true,
  check(vs, config, { problems }) {
    const servers = serversToCheck(vs);
    if (vs.key.kind === 'fwmark') {
      for (const s of servers) fwmarkPort(problems, vs, s);
    } else if (vs.key.kind === 'address') {
      const port = vs.key.port;
      for (const s of servers) if (s.port !== port) mismatch(problems, vs, s, port, describeVirtualServer(vs));
    } else {
      if (groupHasFwmark(config, vs)) for (const s of servers) fwmarkPort(problems, vs, s);
      for (const entry of groupAddressEntries(config, vs)) {
        for (const s of servers) if (s.port !== entry.port) mismatch(problems, vs, s, entry.port, `the group entry at line ${entry.loc.line}`);
      }
    }
  },
};
