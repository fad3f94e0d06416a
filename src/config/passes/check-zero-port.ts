// A service without a port matches every port: IPVS allows that only for
// persistent services, so keepalived turns persistence on (360 s).
import type { VirtualServerCheck } from './types.js';
import { describeVirtualServer, groupAddressEntries } from './check-scope.js';

export const checkZeroPort: VirtualServerCheck = {
  validatedOnly: true,
  check(vs, config, { problems }) {
    if (vs.persistenceTimeout !== undefined) return;
    if (vs.key.kind === 'address' && vs.key.port === 0) {
      problems.warning('zero-port', vs.loc, `${describeVirtualServer(vs)} has no port, which only persistent services may have`, {
        hint: 'add the port after the address, or set persistence_timeout; keepalived makes it persistent (360 s)',
      });
    } else if (vs.key.kind === 'group') {
      const entry = groupAddressEntries(config, vs).find((e) => e.port === 0);
      if (!entry) return;
      problems.warning('zero-port', vs.loc, `${describeVirtualServer(vs)}: the group entry at line ${entry.loc.line} has no port, which only persistent services may have`, {
        hint: 'give every address entry a port, or set persistence_timeout; keepalived makes the service persistent (360 s)',
      });
    }
  },
};
