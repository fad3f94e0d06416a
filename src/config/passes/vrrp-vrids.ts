// Two multicast instances on the same interface with the same VRID and
// address family would answer each other's adverts; keepalived reports
// every such pair after reading (without a line). Unicast instances are
// not compared (checked against keepalived 2.2.7).
import type { VrrpInstance } from '../model/vrrp.js';
import type { Pass } from './types.js';
import { checkedInstances, vrrpChecksRun } from './vrrp-common.js';

function vridKey(inst: VrrpInstance): string | undefined {
  if (inst.interface === undefined || inst.vrid === undefined || inst.unicastPeers.length > 0) return undefined;
  return `${inst.interface}/${inst.family ?? 4}/${inst.vrid}`;
}

export const checkDuplicateVrids: Pass = (config, ctx) => {
  if (!vrrpChecksRun(config)) return;
  const seen = new Map<string, VrrpInstance[]>();
  for (const inst of checkedInstances(config)) {
    const key = vridKey(inst);
    if (key === undefined) continue;
    const earlier = seen.get(key) ?? [];
    for (const other of earlier) {
      ctx.problems.error('vrrp-duplicate-vrid', undefined, `${other.name} and ${inst.name} both use VRID ${inst.vrid} with IPv${inst.family ?? 4} on interface ${inst.interface}`, {
        hint: `give one of them another virtual_router_id (${other.name} is at line ${other.loc.line}, ${inst.name} at line ${inst.loc.line})`,
      });
    }
    earlier.push(inst);
    seen.set(key, earlier);
  }
};
