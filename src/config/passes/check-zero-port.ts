// A service without a port matches every port: IPVS allows that only for
// persistent services, so keepalived turns persistence on (360 s).
import type { Pass } from './types.js';
import { describeVirtualServer, groupAddressEntries, validatedVirtualServers } from './check-scope.js';

export const checkZeroPort: Pass = (config, { problems }) => {
  for (const vs of validatedVirtualServers(config)) {
    if (vs.persistenceTimeout !== undefined) continue;
    const name = describeVirtualServer(vs);
    if (vs.key.kind === 'address' && vs.key.port === 0) {
      problems.warning('zero-port', vs.loc, `${name} has no port, which only persistent services may have`, {
        hint: 'add the port after the address, or set persistence_timeout; keepalived makes it persistent (360 s)',
      });
    } else if (vs.key.kind === 'group') {
      const entry = groupAddressEntries(config, vs).find((e) => e.port === 0);
      if (!entry) continue;
      problems.warning('zero-port', vs.loc, `${name}: the group entry at line ${entry.loc.line} has no port, which only persistent services may have`, {
        hint: 'give every address entry a port, or set persistence_timeout; keepalived makes the service persistent (360 s)',
      });
    }
  }
};
