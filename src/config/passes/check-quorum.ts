// quorum is the total weight of live real servers the service needs: above
// the total of all weights it can never be met, so keepalived lowers it; and
// hysteresis must stay below quorum.
import type { VirtualServerCheck } from './types.js';
import { describeVirtualServer, distinctRealServers, weightOf } from './check-scope.js';

export const checkQuorum: VirtualServerCheck = {
  validatedOnly: true,
  check(vs, _config, { problems }) {
    const total = distinctRealServers(vs).reduce((sum, rs) => sum + weightOf(vs, rs), 0);
    let quorum = vs.quorum;
    if (quorum > total) {
      problems.warning('quorum-too-high', vs.locs.quorum ?? vs.loc, `quorum ${quorum} of ${describeVirtualServer(vs)} is above the total weight of its real servers (${total})`, {
        hint: `lower quorum to at most ${total}, or add weight; keepalived uses ${total}`,
      });
      quorum = total;
    }
    if (vs.hysteresis >= quorum) {
      problems.warning('hysteresis-too-high', vs.locs.hysteresis ?? vs.locs.quorum ?? vs.loc, `hysteresis ${vs.hysteresis} of ${describeVirtualServer(vs)} is not below its quorum ${quorum}`, {
        hint: quorum === 0 ? 'the real servers have no weight: give them weight' : `use a hysteresis below ${quorum}; keepalived uses ${quorum - 1}`,
      });
    }
  },
};
