// ha_suspend (follow the VIP's presence) cannot work for fwmark services.
import type { Pass } from './types.js';
import { describeVirtualServer, groupHasFwmark, validatedVirtualServers } from './check-scope.js';

export const checkHaSuspend: Pass = (config, { problems }) => {
  for (const vs of validatedVirtualServers(config)) {
    if (!vs.haSuspend || !(vs.key.kind === 'fwmark' || groupHasFwmark(config, vs))) continue;
    problems.error('ha-suspend-fwmark', vs.locs.ha_suspend ?? vs.loc, `ha_suspend does not work for ${describeVirtualServer(vs)}, which uses firewall marks`, {
      hint: 'remove ha_suspend; keepalived clears it',
    });
  }
};
