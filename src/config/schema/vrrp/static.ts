// Top-level blocks that configure addresses, routes and rules keepalived
// keeps in place whatever the VRRP state (static_ipaddress, static_routes,
// static_rules), the track_group blocks they may name, and the interface
// lists linkbeat_interfaces { } and interface_up_down_delays { }.
import type { KeepalivedConfig } from '../../model/index.js';
import type { TrackGroup, VrrpConfig } from '../../model/vrrp.js';
import { stmtLoc, type Stmt } from '../../tree.js';
import { markValueBlock, readBlock, skipBlockEndingEnclosing } from '../reader.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { readAddressLine } from './address.js';
import { blockName, groupMembers, rememberConfig, reportWordsBeforeBlock, valueBlock } from './common.js';
import { readRouteLine } from './route.js';
import { readRuleLine } from './rule.js';

/** A track_group named by a static line must be defined earlier (keepalived looks it up while reading). */
function checkTrackGroup(stmt: Stmt, vrrp: VrrpConfig, name: string | undefined, ctx: ReadContext): void {
  if (name === undefined || vrrp.trackGroups.some((g) => g.name === name)) return;
  const index = stmt.words.findIndex((w) => w.v === 'track_group');
  ctx.problems.warning('vrrp-track-group-unknown', stmtLoc(stmt, index + 1), `track_group ${name} is not defined (before this line); it is ignored`, {
    hint: 'define track_group NAME { group { INSTANCE ... } } above this block',
  });
}

const staticAddressLine: BlockSpec<VrrpConfig> = {
  name: 'static_ipaddress',
  keywords: {},
  dataLine: (stmt, vrrp, ctx) => {
    const ip = readAddressLine(stmt, ctx, { isStatic: true });
    if (!ip) return;
    checkTrackGroup(stmt, vrrp, ip.trackGroup, ctx);
    vrrp.staticAddresses.push(ip);
  },
};

const staticRouteLine: BlockSpec<VrrpConfig> = {
  name: 'static_routes',
  keywords: {},
  dataLine: (stmt, vrrp, ctx) => {
    const route = readRouteLine(stmt, ctx, { isStatic: true });
    if (!route) return;
    checkTrackGroup(stmt, vrrp, route.trackGroup, ctx);
    vrrp.staticRoutes.push(route);
  },
};

const staticRuleLine: BlockSpec<VrrpConfig> = {
  name: 'static_rules',
  keywords: {},
  dataLine: (stmt, vrrp, ctx) => {
    const rule = readRuleLine(stmt, ctx, { isStatic: true });
    if (!rule) return;
    checkTrackGroup(stmt, vrrp, rule.trackGroup, ctx);
    vrrp.staticRules.push(rule);
  },
};

/** linkbeat_interfaces { IF ... }: one interface a line. */
const linkbeatLine: BlockSpec<VrrpConfig> = {
  name: 'linkbeat_interfaces',
  keywords: {},
  dataLine: (stmt, vrrp, ctx) => {
    if (stmt.words.length > 1) {
      ctx.problems.warning('vrrp-linkbeat-extra', stmtLoc(stmt, 1), `linkbeat_interfaces takes one interface a line; '${stmt.words.slice(1).map((w) => w.v).join(' ')}' is ignored`);
    }
    vrrp.linkbeatInterfaces.push({ name: stmt.words[0].v, loc: stmtLoc(stmt) });
  },
};

/** interface_up_down_delays { IF UP_SECONDS [DOWN_SECONDS] } */
const upDownLine: BlockSpec<VrrpConfig> = {
  name: 'interface_up_down_delays',
  keywords: {},
  dataLine: (stmt, vrrp, ctx) => {
    const delays: number[] = [];
    for (let i = 1; i < Math.min(stmt.words.length, 3); i++) {
      const text = stmt.words[i].v;
      if (!/^(\d+\.?\d*|\.\d+)$/.test(text)) {
        ctx.problems.warning('invalid-number', stmtLoc(stmt, i), `'${text}' is not a number of seconds; the delays of ${stmt.words[0].v} are ignored`);
        return;
      }
      delays.push(Number(text));
    }
    if (delays.length === 0) return;
    vrrp.interfaceDelays.push({ name: stmt.words[0].v, loc: stmtLoc(stmt), upDelay: delays[0], downDelay: delays[1] ?? delays[0] });
  },
};

/**
 * track_group NAME { group { INSTANCE ... } }. keepalived reads group { }
 * as a value block, as a sync group's (measured: a '{' inside it is one more
 * value, and its first '}' ends it).
 */
const trackGroupSpec: BlockSpec<TrackGroup> = {
  name: 'track_group',
  keywords: {
    group: markValueBlock<TrackGroup>((stmt, tg, ctx) => {
      reportWordsBeforeBlock(stmt, ctx);
      if (tg.members) {
        // keepalived 2.2.7 words it as for a sync group.
        ctx.problems.warning('track-group-twice', stmtLoc(stmt), `track_group ${tg.name} already has a group { } block; this one is skipped`, {
          hint: `list all member instances in one group { } block: keepalived skips this block, and its '}' then ends track_group ${tg.name}, so the lines after it are read at the top level`,
        });
        skipBlockEndingEnclosing(stmt);
        return;
      }
      const members = groupMembers(stmt, ctx, 'track-group-empty', `track_group ${tg.name}`);
      if (members) tg.members = members;
    }, (tg) => !tg.members),
  },
};

/** A top-level data block read into config.vrrp. */
function dataBlock(spec: BlockSpec<VrrpConfig>): KeywordHandler<KeepalivedConfig> {
  const read = valueBlock(spec);
  return (stmt, config, ctx) => {
    rememberConfig(ctx, config);
    read(stmt, config.vrrp, ctx);
  };
}

function readTrackGroup(stmt: Stmt, config: KeepalivedConfig, ctx: ReadContext): void {
  rememberConfig(ctx, config);
  const name = blockName(stmt, ctx, true);
  if (name === undefined) return;
  if (config.vrrp.trackGroups.some((g) => g.name === name)) {
    ctx.problems.error('vrrp-duplicate-track-group', stmtLoc(stmt, 1), `track_group ${name} is already defined; this block is skipped`);
    return;
  }
  const tg: TrackGroup = { name, loc: stmtLoc(stmt, 1), locs: {} };
  readBlock(trackGroupSpec, stmt.block, tg, ctx);
  config.vrrp.trackGroups.push(tg);
}

export const staticTopLevel: Record<string, KeywordHandler<KeepalivedConfig>> = {
  static_ipaddress: dataBlock(staticAddressLine),
  static_routes: dataBlock(staticRouteLine),
  static_rules: dataBlock(staticRuleLine),
  linkbeat_interfaces: dataBlock(linkbeatLine),
  interface_up_down_delays: dataBlock(upDownLine),
  track_group: readTrackGroup,
};

export const staticBlocks: BlockSpec<any>[] = [trackGroupSpec];
