// A virtual server without (valid) real servers is dropped by keepalived.
import type { Pass } from './types.js';
import { describeVirtualServer, groupOf } from './check-scope.js';

export const checkRealServersPresent: Pass = (config, { problems }) => {
  for (const vs of config.check.virtualServers) {
    if (vs.key.kind === 'group' && !groupOf(config, vs)) continue;
    if (vs.realServers.length > 0) continue;
    problems.error('no-real-servers', vs.loc, `${describeVirtualServer(vs)} has no real servers`, {
      hint: 'add real_server IP PORT { ... } (servers with a bad address or the wrong family do not count); keepalived ignores this virtual server',
    });
  }
};
