// Sync groups, checked after reading like keepalived does (no line):
// members must be existing instances that are in no other group; a group
// left with no member is removed, one member is suspicious. Members' tracker
// weights are ignored unless the group sets sync_group_tracking_weight, and
// the group's own weighted trackers are cleared when a member is an address
// owner. Skipped when keepalived stops at a missing interface.
import type { TrackerRef, VrrpInstance, VrrpSyncGroup } from '../model/vrrp.js';
import type { Pass, PassContext } from './types.js';
import { checkIgnoredWeights } from './vrrp-instances.js';
import { isAddressOwner, vrrpChecksRun } from './vrrp-common.js';

function resolveMembers(sg: VrrpSyncGroup, instances: ReadonlyMap<string, VrrpInstance>, groupOf: Map<string, string>, ctx: PassContext): VrrpInstance[] {
  const members: VrrpInstance[] = [];
  for (const ref of sg.members ?? []) {
    const inst = instances.get(ref.name);
    if (!inst) {
      ctx.problems.warning('vrrp-sync-member-unknown', undefined, `sync group ${sg.name}: vrrp_instance ${ref.name} does not exist; it is ignored`, {
        hint: `the name is at line ${ref.loc.line}; check its spelling against the vrrp_instance names`,
      });
      continue;
    }
    const other = groupOf.get(ref.name);
    if (other !== undefined) {
      ctx.problems.warning('vrrp-sync-member-twice', undefined, `sync group ${sg.name}: ${ref.name} is already in sync group ${other}; an instance can be in one group only`);
      continue;
    }
    groupOf.set(ref.name, sg.name);
    members.push(inst);
  }
  return members;
}

function weighted(refs: readonly { weight?: { weight: number } }[]): boolean {
  return refs.some((r) => r.weight !== undefined && r.weight.weight !== 0);
}

/** A tracker on both a member and its group: keepalived tells to keep one. */
function checkBothPlaces(sg: VrrpSyncGroup, inst: VrrpInstance, ctx: PassContext): void {
  const pairs: [string, readonly { name: string }[], readonly { name: string }[]][] = [
    ['track_interface', inst.track.interfaces, sg.track.interfaces],
    ['track_script', inst.track.scripts.filter((r: TrackerRef) => r.definedEarlier), sg.track.scripts.filter((r) => r.definedEarlier)],
    ['track_process', inst.track.processes.filter((r) => r.definedEarlier), sg.track.processes.filter((r) => r.definedEarlier)],
    ['track_bfd', inst.track.bfds.filter((r) => r.definedEarlier), sg.track.bfds.filter((r) => r.definedEarlier)],
  ];
  for (const [keyword, own, group] of pairs) {
    for (const t of own) {
      if (group.some((g) => g.name === t.name)) {
        ctx.problems.warning('vrrp-sync-track-both', undefined, `${inst.name}: ${keyword} ${t.name} is given both on the instance and on its sync group ${sg.name}`, {
          hint: 'keep it in one place (the sync group tracks for all members)',
        });
      }
    }
  }
}

export const checkSyncGroups: Pass = (config, ctx) => {
  if (!vrrpChecksRun(config)) return;
  const instances = new Map(config.vrrp.instances.filter((i) => i.vrid !== undefined).map((i) => [i.name, i] as const));
  const scripts = new Map(config.vrrp.scripts.filter((s) => !s.dropped).map((s) => [s.name, s] as const));
  const files = new Map(config.vrrp.trackFiles.map((f) => [f.name, f] as const));
  const groupOf = new Map<string, string>();
  for (const sg of config.vrrp.syncGroups) {
    if (!sg.members || sg.members.length === 0) {
      ctx.problems.warning('vrrp-sync-group-no-members', undefined, `sync group ${sg.name} has no member instances; it is removed`, { hint: 'add group { INSTANCE ... } with the instances to keep in step' });
      continue;
    }
    const members = resolveMembers(sg, instances, groupOf, ctx);
    if (members.length === 0) {
      ctx.problems.warning('vrrp-sync-group-no-members', undefined, `sync group ${sg.name}: none of its members is a usable vrrp_instance; it is removed`);
      continue;
    }
    if (members.length === 1) {
      ctx.problems.warning('vrrp-sync-group-single', undefined, `sync group ${sg.name} has only one member (${members[0].name}); a sync group keeps several instances in step`);
    }
    for (const inst of members) {
      checkBothPlaces(sg, inst, ctx);
      if (!sg.trackingWeight && !isAddressOwner(inst)) {
        checkIgnoredWeights(inst, `member of sync group ${sg.name}; add sync_group_tracking_weight to the group to use weights`, scripts, files, (code, message, hint) => ctx.problems.warning(code, undefined, message, hint ? { hint } : {}));
      }
    }
    const owner = members.find(isAddressOwner);
    if (owner && weighted([...sg.track.interfaces, ...sg.track.scripts, ...sg.track.files, ...sg.track.bfds])) {
      ctx.problems.warning('vrrp-sync-weight-owner', undefined, `sync group ${sg.name}: its trackers' weights are cleared because member ${owner.name} has priority 255`);
    }
  }
};
