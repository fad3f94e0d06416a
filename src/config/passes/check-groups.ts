// `virtual_server group NAME` must name a virtual_server_group. keepalived
// 2.2.7 drops such a virtual server without a word (measured: exit 0), so
// this is our advice.
import type { VirtualServerCheck } from './types.js';
import { describeVirtualServer, groupOf } from './check-scope.js';

export const checkGroupReferences: VirtualServerCheck = {
  validatedOnly: false,
  check(vs, config, { problems }) {
    if (vs.key.kind !== 'group' || groupOf(config, vs)) return;
    problems.note('undefined-group', vs.loc, `${describeVirtualServer(vs)} names no defined virtual_server_group`, {
      hint: `define virtual_server_group ${vs.key.group} { IP PORT ... } (or fix the name); keepalived silently ignores this virtual server`,
    });
  },
};
