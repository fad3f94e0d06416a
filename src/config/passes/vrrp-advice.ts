// Our own advice on VRRP settings keepalived accepts silently. Notes only:
// they never change the verdict.
import type { Pass } from './types.js';
import { isAddressOwner } from './vrrp-common.js';

export const adviseVrrp: Pass = (config, ctx) => {
  for (const inst of config.vrrp.instances) {
    if (inst.nopreempt && inst.configuredState === undefined && !isAddressOwner(inst)) {
      ctx.problems.note('vrrp-nopreempt-state', inst.locs.nopreempt ?? inst.loc, `${inst.name}: nopreempt is meant for instances that start as BACKUP; say so with 'state BACKUP'`, {
        hint: "keepalived starts this instance as BACKUP anyway (priority below 255), but 'state BACKUP' makes the intent explicit",
      });
    }
  }
};
