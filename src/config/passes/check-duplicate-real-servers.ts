// The same real server (address and port as written) twice in a virtual
// server: keepalived keeps the first and drops the others.
import type { Pass } from './types.js';
import type { RealServer } from '../model/check.js';
import { describeServer, describeVirtualServer, serverKey, validatedVirtualServers } from './check-scope.js';

export const checkDuplicateRealServers: Pass = (config, { problems }) => {
  for (const vs of validatedVirtualServers(config)) {
    const first = new Map<string, RealServer>();
    for (const rs of vs.realServers) {
      const key = serverKey(rs);
      const earlier = first.get(key);
      if (!earlier) {
        first.set(key, rs);
        continue;
      }
      problems.error('duplicate-real-server', rs.loc, `real server ${describeServer(rs)} is already in ${describeVirtualServer(vs)} (line ${earlier.loc.line})`, {
        hint: 'remove one of them; keepalived ignores this one',
      });
    }
  }
};
