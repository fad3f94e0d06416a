// Repeated definitions keepalived 2.2.7 accepts silently (measured: exit 0):
// a second virtual server for the same service (IPVS then refuses to add it
// when keepalived starts), and a second virtual_server_group of the same
// name (keepalived only ever uses the first). Our advice only.
import type { VirtualServer } from '../model/check.js';
import type { Pass } from './types.js';
import { describeVirtualServer } from './check-scope.js';

/** What identifies an IPVS service; the protocol matters for address services (UDP when unset). */
function serviceKey(vs: VirtualServer): string {
  switch (vs.key.kind) {
    case 'fwmark':
      return `fwmark ${vs.key.fwmark} ${vs.family ?? ''}`;
    case 'group':
      return `group ${vs.key.group}`;
    default:
      return `${vs.key.address.address} ${vs.key.port} ${vs.protocol ?? 'UDP'}`;
  }
}

export const checkDuplicateServices: Pass = (config, { problems }) => {
  const seen = new Map<string, VirtualServer>();
  for (const vs of config.check.virtualServers) {
    const key = serviceKey(vs);
    const first = seen.get(key);
    if (!first) {
      seen.set(key, vs);
      continue;
    }
    problems.note('duplicate-virtual-server', vs.loc, `${describeVirtualServer(vs)} is defined again (first at line ${first.loc.line})`, {
      hint: 'merge the real servers into one virtual_server; IPVS refuses the second service when keepalived starts',
    });
  }
  const groups = new Map<string, number>();
  for (const group of config.check.virtualServerGroups) {
    const firstLine = groups.get(group.name);
    if (firstLine === undefined) {
      groups.set(group.name, group.loc.line);
      continue;
    }
    problems.note('duplicate-group', group.loc, `virtual_server_group ${group.name} is defined again (first at line ${firstLine})`, {
      hint: 'keepalived only uses the first group of a name: merge the entries into it',
    });
  }
};
