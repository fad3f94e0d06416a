// vrrp_script users, and the tracker names used by instances and sync
// groups. keepalived does both while reading (so these problems are
// reported even when it stops at a missing interface):
// - a vrrp_script whose `user` does not exist, or that has no default user
//   (script_user unknown; or enable_script_security without a
//   keepalived_script user), is dropped;
// - track_script/track_file/track_process/track_bfd lines must name a
//   tracker defined earlier in the file (and not dropped); a name listed
//   twice is ignored the second time.
import type { KeepalivedConfig } from '../model/index.js';
import type { Trackers, VrrpScript } from '../model/vrrp.js';
import { trackerRefs, trackKeyword, type TrackerKind } from '../schema/vrrp/track.js';
import { resolveScriptUsers, type ScriptUse } from './script-security.js';
import type { Pass, PassContext } from './types.js';

/**
 * Marks the vrrp_scripts keepalived drops for want of a user, using the
 * global part's model of how keepalived picks script users, and reports
 * them where keepalived does: the `user` line, or the block's '}'.
 */
function checkScriptUser(script: VrrpScript, use: ScriptUse | undefined, ctx: PassContext): void {
  if (!use?.dropped) return;
  script.dropped = true;
  if (use.dropped === 'bad-user' && script.user) {
    const { user, group, loc } = script.user;
    const missing = ctx.host.user(user) ? `group ${group}` : `user ${user}`;
    ctx.problems.warning('vrrp-script-user', loc, `${missing} of vrrp_script ${script.name} does not exist; the script is dropped`, {
      hint: 'name an existing user (and group) to run the script as',
    });
  } else if (use.dropped === 'no-default-user') {
    ctx.problems.warning('vrrp-script-no-user', script.endLoc, `vrrp_script ${script.name} has no user to run as; it is dropped`, {
      hint: "add 'user NAME' to the vrrp_script, or fix the default script user (script_user in global_defs, or create the user keepalived_script)",
    });
  }
}

const KINDS: TrackerKind[] = ['script', 'file', 'process', 'bfd'];

function definedNames(config: KeepalivedConfig, kind: TrackerKind): Set<string> {
  const vrrp = config.vrrp;
  switch (kind) {
    case 'script':
      return new Set(vrrp.scripts.filter((s) => !s.dropped).map((s) => s.name));
    case 'file':
      return new Set(vrrp.trackFiles.map((t) => t.name));
    case 'process':
      return new Set(vrrp.trackProcesses.map((t) => t.name));
    case 'bfd':
      return new Set(vrrp.bfdInstances.map((t) => t.name));
  }
}

function checkRefs(owner: string, track: Trackers, defined: Record<TrackerKind, Set<string>>, ctx: PassContext): void {
  for (const kind of KINDS) {
    const seen = new Set<string>();
    const keyword = trackKeyword(kind);
    for (const ref of trackerRefs(track, kind)) {
      if (!ref.definedEarlier || !defined[kind].has(ref.name)) {
        const later = ref.definedEarlier ? '' : ' (before this line)';
        ctx.problems.warning('vrrp-track-not-found', ref.loc, `${keyword} ${ref.name} of ${owner} is not defined${later}; it is ignored`, {
          hint: kind === 'bfd' ? `define bfd_instance ${ref.name} { } above this block` : `define the ${kind === 'script' ? 'vrrp_script' : kind === 'file' ? 'track_file' : 'vrrp_track_process'} ${ref.name} block above this block (keepalived needs it first)`,
        });
        continue;
      }
      if (seen.has(ref.name)) {
        ctx.problems.warning('vrrp-track-duplicate', ref.loc, `${keyword} ${ref.name} is already listed for ${owner}; this line is ignored`);
        continue;
      }
      seen.add(ref.name);
    }
  }
}

export const checkVrrpScriptsAndTrackers: Pass = (config, ctx) => {
  const uses = new Map(resolveScriptUsers(config, ctx.scripts, ctx.host).map((u) => [u.script, u] as const));
  for (const script of config.vrrp.scripts) checkScriptUser(script, script.script && uses.get(script.script), ctx);
  const defined = { script: definedNames(config, 'script'), file: definedNames(config, 'file'), process: definedNames(config, 'process'), bfd: definedNames(config, 'bfd') };
  for (const inst of config.vrrp.instances) checkRefs(inst.name, inst.track, defined, ctx);
  for (const sg of config.vrrp.syncGroups) checkRefs(`sync group ${sg.name}`, sg.track, defined, ctx);
};
