// lb_algo: keepalived warns when none is set and uses wlc.
import { CHECK_DEFAULTS } from '../model/check.js';
import type { Pass } from './types.js';
import { describeVirtualServer, validatedVirtualServers } from './check-scope.js';

export const checkScheduler: Pass = (config, { problems }) => {
  for (const vs of validatedVirtualServers(config)) {
    if (vs.scheduler) continue;
    problems.warning('no-scheduler', vs.loc, `${describeVirtualServer(vs)} sets no scheduler; keepalived uses ${CHECK_DEFAULTS.scheduler}`, {
      hint: 'add lb_algo rr (or wrr, lc, wlc, sh, mh, ...)',
    });
  }
};
