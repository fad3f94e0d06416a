// A sorry server that is also one of the real servers must agree with it on
// inhibit_on_failure; keepalived copies the real server's setting.
import type { VirtualServerCheck } from './types.js';
import { describeServer, distinctRealServers, sameServer } from './check-scope.js';

export const checkSorryServer: VirtualServerCheck = {
  validatedOnly: true,
  check(vs, _config, { problems }) {
    const sorry = vs.sorryServer;
    if (!sorry) return;
    for (const rs of distinctRealServers(vs)) {
      if (!sameServer(rs, sorry)) continue;
      const rsInhibit = rs.inhibitOnFailure ?? vs.inhibitOnFailure;
      if (rsInhibit === sorry.inhibit) continue;
      problems.warning('sorry-server-inhibit', sorry.loc, `sorry server ${describeServer(sorry)} is also real server line ${rs.loc.line}, but their inhibit settings differ`, {
        hint: rsInhibit
          ? 'add sorry_server_inhibit (keepalived sets it to match the real server)'
          : 'remove sorry_server_inhibit, or set inhibit_on_failure on the real server (keepalived clears it to match)',
      });
    }
  },
};
