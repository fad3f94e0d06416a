// vrrp_sync_group NAME { group { INSTANCE ... } track_* { } notify_* ... }
// Members are resolved after reading (instances may come later in the file);
// see passes/vrrp-sync-groups.ts.
import type { KeepalivedConfig } from '../../model/index.js';
import { createSyncGroup, type VrrpSyncGroup } from '../../model/vrrp.js';
import { stmtLoc, type Stmt } from '../../tree.js';
import { markValueBlock, readBlock, skipBlockEndingEnclosing } from '../reader.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { blockName, endLocOf, flag, groupMembers, NOTIFY_KEYWORDS, notifyScript, optionalBool, rememberConfig, reportWordsBeforeBlock } from './common.js';
import { trackKeywords } from './track.js';

type Handler = KeywordHandler<VrrpSyncGroup>;

/** group { A B ... }: every word names an instance. */
const group: Handler = (stmt, sg, ctx) => {
  reportWordsBeforeBlock(stmt, ctx);
  if (sg.members) {
    ctx.problems.warning('vrrp-sync-group-twice', stmtLoc(stmt), `sync group ${sg.name} already has a group { } block; this one is skipped`, {
      hint: `list all member instances in one group { } block: keepalived skips this block, and its '}' then ends sync group ${sg.name}, so the lines after it are read at the top level`,
    });
    skipBlockEndingEnclosing(stmt);
    return;
  }
  if (!stmt.block) {
    ctx.problems.error('missing-block', stmtLoc(stmt), "'group' needs a block: 'group { INSTANCE ... }'");
    return;
  }
  const members = groupMembers(stmt, ctx, 'vrrp-sync-group-empty', `sync group ${sg.name}`);
  if (members) sg.members = members;
};

const notifyKeywords: Record<string, Handler> = {};
for (const [keyword, kind] of Object.entries(NOTIFY_KEYWORDS)) notifyKeywords[keyword] = notifyScript(kind, (g: VrrpSyncGroup) => g.notify);

export const syncGroupSpec: BlockSpec<VrrpSyncGroup> = {
  name: 'vrrp_sync_group',
  keywords: {
    // Measured: without '{' keepalived silently takes the lines up to the next '}' as members, and a '{' inside is one more member.
    group: markValueBlock(group, (sg) => !sg.members),
    ...trackKeywords,
    ...notifyKeywords,
    smtp_alert: optionalBool((g, v) => (g.smtpAlert = v)),
    global_tracking: (stmt, sg, ctx) => {
      ctx.problems.warning('deprecated-keyword', stmtLoc(stmt), "'global_tracking' is deprecated", {
        hint: "use 'sync_group_tracking_weight', or put track_interface/track_script/track_file in the sync group",
      });
      sg.trackingWeight = true;
    },
    sync_group_tracking_weight: flag((g) => (g.trackingWeight = true)),
    notify_priority_changes: optionalBool((g, v) => (g.notifyPriorityChanges = v)),
  },
};

/** The top-level vrrp_sync_group keyword. */
export function readSyncGroup(stmt: Stmt, config: KeepalivedConfig, ctx: ReadContext): void {
  rememberConfig(ctx, config);
  const name = blockName(stmt, ctx, true);
  if (name === undefined) return;
  if (config.vrrp.syncGroups.some((g) => g.name === name)) {
    ctx.problems.error('vrrp-duplicate-sync-group', stmtLoc(stmt, 1), `vrrp_sync_group ${name} is already defined; this block is skipped`);
    return;
  }
  const sg = createSyncGroup(name, stmtLoc(stmt, 1));
  if (!stmt.block) ctx.problems.error('missing-block', stmtLoc(stmt), "'vrrp_sync_group' needs a block: 'vrrp_sync_group NAME { group { ... } }'");
  readBlock(syncGroupSpec, stmt.block, sg, ctx);
  sg.endLoc = endLocOf(stmt);
  config.vrrp.syncGroups.push(sg);
}
