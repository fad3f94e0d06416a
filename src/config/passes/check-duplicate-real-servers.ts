// The same real server (address and port as written) twice in a virtual
// server: keepalived keeps the first and drops the others.
import type { VirtualServerCheck } from './types.js';
import { describeServer, describeVirtualServer, firstOfSameServer } from './check-scope.js';

export const checkDuplicateRealServers: VirtualServerCheck = {
  validatedOnly: true,
  check(vs, _config, { problems }) {
    const first = firstOfSameServer(vs.realServers);
    if (!first) return;
    vs.realServers.forEach((rs, i) => {
      if (first[i] === i) return;
      const earlier = vs.realServers[first[i]];
      problems.error('duplicate-real-server', rs.loc, `real server ${describeServer(rs)} is already in ${describeVirtualServer(vs)} (line ${earlier.loc.line})`, {
        hint: 'remove one of them; keepalived ignores this one',
      });
    });
  },
};
