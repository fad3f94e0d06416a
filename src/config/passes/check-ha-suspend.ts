// ha_suspend (follow the VIP's presence) cannot work for fwmark services.
import type { VirtualServerCheck } from './types.js';
import { describeVirtualServer, groupHasFwmark } from './check-scope.js';

export const checkHaSuspend: VirtualServerCheck = {
  validatedOnly: true,
  check(vs, config, { problems }) {
    if (!vs.haSuspend || !(vs.key.kind === 'fwmark' || groupHasFwmark(config, vs))) return;
    problems.error('ha-suspend-fwmark', vs.locs.ha_suspend ?? vs.loc, `ha_suspend does not work for ${describeVirtualServer(vs)}, which uses firewall marks`, {
      hint: 'remove ha_suspend; keepalived clears it',
    });
  },
};
