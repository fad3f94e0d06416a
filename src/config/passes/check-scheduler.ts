// lb_algo: keepalived warns when none is set and uses wlc.
import { CHECK_DEFAULTS } from '../model/check.js';
import type { VirtualServerCheck } from './types.js';
import { describeVirtualServer } from './check-scope.js';

export const checkScheduler: VirtualServerCheck = {
  validatedOnly: true,
  check(vs, _config, { problems }) {
    if (vs.scheduler) return;
    problems.warning('no-scheduler', vs.loc, `${describeVirtualServer(vs)} sets no scheduler; keepalived uses ${CHECK_DEFAULTS.scheduler}`, {
      hint: 'add lb_algo rr (or wrr, lc, wlc, sh, mh, ...)',
    });
  },
};
