// Which trackers act on which VRRP instance, with which weight, as keepalived
// 2.2.7 sets them up after reading the config. Pure.
//
// - The instance's own interface is tracked with weight 0 (down = FAULT)
//   unless `dont_track_primary` (vrrp.c, vrrp_complete_instance).
// - track_interface / track_script / track_file / track_process lines of the
//   instance; a line without `weight` takes the tracker block's weight
//   (interfaces: 0). A reference keepalived could not resolve while reading
//   (not defined earlier), a vrrp_script without a script or dropped for want
//   of a user, is ignored, as keepalived ignores it. A second line for the
//   same tracker is ignored ("duplicate track_...").
// - A sync group's track_* lines act on every member.
// - In a sync group without sync_group_tracking_weight, weights are not
//   allowed: interfaces lose theirs (down = FAULT), weighted scripts, files
//   and processes are dropped ("ignoring tracked script with weights due to
//   SYNC group").
// - track_bfd is not supported (no BFD here): listed in `unsupported`.
import type { TrackerRef, Trackers, VrrpConfig, VrrpInstance, VrrpSyncGroup } from '../../config/model/vrrp.js';

export type TrackerKind = 'interface' | 'script' | 'file' | 'process';

export interface Binding {
  kind: TrackerKind;
  /** Interface name, or the name of the vrrp_script / track_file / vrrp_track_process block. */
  name: string;
  /** 0 = failure puts the instance in FAULT. */
  weight: number;
  reverse: boolean;
  /** Where the line came from. */
  origin: 'primary' | 'instance' | 'group';
}

export interface InstanceBindings {
  instance: string;
  group?: string;
  trackers: Binding[];
  /** Why some lines do not act (for logs and dumps). */
  ignored: string[];
  unsupported: string[];
}

/** The fault source / status key of a tracker ("script chk_http"): what the fsm's fault events name. */
export function trackerKey(kind: TrackerKind, name: string): string {
  return `${kind} ${name}`;
}

function refWeight(ref: TrackerRef, def: { weight: number; weightReverse: boolean }): { weight: number; reverse: boolean } {
  return ref.weight ? { weight: ref.weight.weight, reverse: ref.weight.reverse } : { weight: def.weight, reverse: def.weightReverse };
}

function collect(vrrp: VrrpConfig, track: Trackers, origin: 'instance' | 'group', out: Binding[], ignored: string[], unsupported: string[]): void {
  for (const line of track.interfaces) {
    out.push({ kind: 'interface', name: line.name, weight: line.weight?.weight ?? 0, reverse: line.weight?.reverse ?? false, origin });
  }
  const refs: Array<[Exclude<TrackerKind, 'interface'>, TrackerRef[]]> = [
    ['script', track.scripts],
    ['file', track.files],
    ['process', track.processes],
  ];
  for (const [kind, list] of refs) {
    for (const ref of list) {
      const def =
        kind === 'script' ? vrrp.scripts.find((s) => s.name === ref.name) : kind === 'file' ? vrrp.trackFiles.find((f) => f.name === ref.name) : vrrp.trackProcesses.find((p) => p.name === ref.name);
      if (!def || !ref.definedEarlier) {
        ignored.push(`track_${kind} ${ref.name}: not defined before use`);
        continue;
      }
      if (kind === 'script') {
        const s = vrrp.scripts.find((x) => x.name === ref.name)!;
        if (s.dropped || !s.script) {
          ignored.push(`track_script ${ref.name}: the script is not run (${s.dropped ? 'no user to run it as' : 'no script line'})`);
          continue;
        }
      }
      out.push({ kind, name: ref.name, ...refWeight(ref, def), origin });
    }
  }
  for (const ref of track.bfds) unsupported.push(`track_bfd ${ref.name}: BFD is not supported`);
}

function dedupe(list: Binding[], ignored: string[]): Binding[] {
  const seen = new Set<string>();
  const out: Binding[] = [];
  for (const b of list) {
    const key = `${b.origin === 'group' ? 'group' : 'instance'} ${trackerKey(b.kind, b.name)}`;
    if (seen.has(key)) {
      if (b.origin !== 'primary') ignored.push(`duplicate track_${b.kind} ${b.name}`);
      continue;
    }
    seen.add(key);
    out.push(b);
  }
  return out;
}

function syncGroupOf(vrrp: VrrpConfig, instance: VrrpInstance): VrrpSyncGroup | undefined {
  return vrrp.syncGroups.find((g) => g.members?.some((m) => m.name === instance.name));
}

export function instanceBindings(vrrp: VrrpConfig, instance: VrrpInstance): InstanceBindings {
  const ignored: string[] = [];
  const unsupported: string[] = [];
  const raw: Binding[] = [];
  collect(vrrp, instance.track, 'instance', raw, ignored, unsupported);
  // Explicit track_interface lines come first so that one naming the primary interface keeps its weight.
  if (instance.interface && !instance.flags.dontTrackPrimary) raw.push({ kind: 'interface', name: instance.interface, weight: 0, reverse: false, origin: 'primary' });
  const group = syncGroupOf(vrrp, instance);
  if (group) collect(vrrp, group.track, 'group', raw, ignored, unsupported);
  let trackers = dedupe(raw, ignored);
  if (group && !group.trackingWeight) {
    const kept: Binding[] = [];
    for (const b of trackers) {
      if (b.weight === 0) kept.push(b);
      else if (b.kind === 'interface') {
        ignored.push(`track_interface ${b.name}: weight ignored in sync group ${group.name} (down means FAULT)`);
        kept.push({ ...b, weight: 0 });
      } else ignored.push(`track_${b.kind} ${b.name}: weighted trackers are ignored in sync group ${group.name}`);
    }
    trackers = kept;
  }
  const result: InstanceBindings = { instance: instance.name, trackers, ignored, unsupported };
  if (group) result.group = group.name;
  return result;
}

/** Bindings of every instance, in configuration order. */
export function configBindings(vrrp: VrrpConfig): InstanceBindings[] {
  return vrrp.instances.map((i) => instanceBindings(vrrp, i));
}
