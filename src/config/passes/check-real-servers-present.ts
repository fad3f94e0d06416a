// A virtual server without (valid) real servers is dropped by keepalived.
import type { VirtualServerCheck } from './types.js';
import { describeVirtualServer, groupOf } from './check-scope.js';

export const checkRealServersPresent: VirtualServerCheck = {
  validatedOnly: false,
  check(vs, config, { problems }) {
    if (vs.key.kind === 'group' && !groupOf(config, vs)) return;
    if (vs.realServers.length > 0) return;
    problems.error('no-real-servers', vs.loc, `${describeVirtualServer(vs)} has no real servers`, {
      hint: 'add real_server IP PORT { ... } (servers with a bad address or the wrong family do not count); keepalived ignores this virtual server',
    });
  },
};
