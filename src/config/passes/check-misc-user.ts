// MISC_CHECK `user NAME [GROUP]`: keepalived looks the user (and group) up
// while reading and drops the checker when that fails.
import type { MiscCheck } from '../model/check.js';
import type { VirtualServerCheck } from './types.js';

export const checkMiscUser: VirtualServerCheck = {
  validatedOnly: false,
  check(vs, _config, { problems, host }) {
    for (const rs of vs.realServers) {
      for (const checker of rs.checkers) {
        if (checker.type !== 'MISC_CHECK' || !checker.user || checker.dropped) continue;
        const { user, group, loc } = checker.user;
        const missing = !host.user(user) ? `user '${user}'` : group !== undefined && host.group(group) === undefined ? `group '${group}'` : undefined;
        if (!missing) continue;
        problems.error('unknown-script-user', loc, `MISC_CHECK runs its script as ${missing}, which does not exist on this host`, {
          hint: 'create it, or name an existing user; keepalived drops this checker',
        });
        (checker as MiscCheck).dropped = `unknown ${missing}`;
      }
    }
  },
};
