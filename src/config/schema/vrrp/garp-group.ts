// garp_group { garp_interval S; gna_interval S; interface IF; interfaces { IF ... } }
// Sets a minimum gap between gratuitous ARPs / NAs on the listed interfaces.
// A group with neither interval is dropped when it ends ('}' line), after
// its interfaces have been looked up.
import type { KeepalivedConfig } from '../../model/index.js';
import { createGarpGroup, type GarpGroup, type GarpGroupInterface } from '../../model/vrrp.js';
import { stmtLoc, type Stmt } from '../../tree.js';
import { readBlock } from '../reader.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { argAt, readDecimal } from '../values.js';
import { endLocOf, rememberConfig, reportWordsBeforeBlock, vrrpBeingRead } from './common.js';

type Handler = KeywordHandler<GarpGroup>;

const INTERVAL = { min: 0, max: 2147.483647 };

/**
 * An interface belongs to one garp_group; keepalived ignores it (with a
 * warning) when it is listed again, in this group or an earlier one.
 */
function addInterface(gg: GarpGroup, entry: GarpGroupInterface, ctx: ReadContext): void {
  const earlier = [...(vrrpBeingRead(ctx)?.garpGroups ?? []), gg].some((g) => g.interfaces.some((i) => i.name === entry.name));
  if (earlier) {
    ctx.problems.warning('vrrp-garp-group-twice', entry.reportLoc, `interface ${entry.name} is already in a garp_group; this one is ignored`);
    return;
  }
  gg.interfaces.push(entry);
}

/** Lines of interfaces { }, collected first: keepalived looks them up when the block ends. */
const interfacesLine: BlockSpec<GarpGroupInterface[]> = {
  name: 'interfaces',
  keywords: {},
  dataLine: (stmt, list) => {
    for (let i = 0; i < stmt.words.length; i++) list.push({ name: stmt.words[i].v, loc: stmtLoc(stmt, i), reportLoc: stmtLoc(stmt, i) });
  },
};

export const garpGroupSpec: BlockSpec<GarpGroup> = {
  name: 'garp_group',
  keywords: {
    garp_interval: (stmt, gg, ctx) => {
      const value = readDecimal(stmt, ctx, 1, INTERVAL);
      if (value !== undefined) gg.garpInterval = value;
    },
    gna_interval: (stmt, gg, ctx) => {
      const value = readDecimal(stmt, ctx, 1, INTERVAL);
      if (value !== undefined) gg.gnaInterval = value;
    },
    interface: (stmt, gg, ctx) => {
      const name = argAt(stmt, ctx, 1, 'an interface name');
      if (name !== undefined) addInterface(gg, { name, loc: stmtLoc(stmt, 1), reportLoc: stmtLoc(stmt, 1) }, ctx);
    },
    interfaces: ((stmt, gg, ctx) => {
      reportWordsBeforeBlock(stmt, ctx);
      if (!stmt.block) {
        ctx.problems.error('missing-block', stmtLoc(stmt), "'interfaces' needs a block: 'interfaces { IF ... }'");
        return;
      }
      const listed: GarpGroupInterface[] = [];
      readBlock(interfacesLine, stmt.block, listed, ctx);
      const end = endLocOf(stmt);
      if (listed.length === 0) ctx.problems.warning('vrrp-garp-group-empty', end, 'the interfaces { } block of garp_group is empty');
      for (const gi of listed) addInterface(gg, { ...gi, reportLoc: end }, ctx);
    }) as Handler,
  },
};

/** The top-level garp_group keyword. */
export function readGarpGroup(stmt: Stmt, config: KeepalivedConfig, ctx: ReadContext): void {
  rememberConfig(ctx, config);
  const gg = createGarpGroup(stmtLoc(stmt));
  readBlock(garpGroupSpec, stmt.block, gg, ctx);
  gg.endLoc = endLocOf(stmt);
  if (gg.garpInterval === undefined && gg.gnaInterval === undefined) {
    ctx.problems.warning('vrrp-garp-group-no-delay', gg.endLoc, 'garp_group sets neither garp_interval nor gna_interval; it is dropped', {
      hint: "add 'garp_interval SECONDS' (and/or 'gna_interval SECONDS')",
    });
    config.vrrp.droppedGarpGroups.push(gg);
    return;
  }
  config.vrrp.garpGroups.push(gg);
}
