// garp_group { garp_interval S; gna_interval S; interface IF; interfaces { IF ... } }
// Sets a minimum gap between gratuitous ARPs / NAs on the listed interfaces.
// A group with neither interval is dropped when it ends ('}' line).
import type { KeepalivedConfig } from '../../model/index.js';
import { createGarpGroup, type GarpGroup } from '../../model/vrrp.js';
import { stmtLoc, type Stmt } from '../../tree.js';
import { readBlock } from '../reader.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { argAt, readDecimal } from '../values.js';
import { endLocOf, rememberConfig } from './common.js';

type Handler = KeywordHandler<GarpGroup>;

const INTERVAL = { min: 0, max: 2147.483647 };

const interfacesLine: BlockSpec<GarpGroup> = {
  name: 'interfaces',
  keywords: {},
  dataLine: (stmt, gg) => {
    // reportLoc is set to the block's '}' once the block is read.
    for (let i = 0; i < stmt.words.length; i++) gg.interfaces.push({ name: stmt.words[i].v, loc: stmtLoc(stmt, i), reportLoc: stmtLoc(stmt, i) });
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
      if (name !== undefined) gg.interfaces.push({ name, loc: stmtLoc(stmt, 1), reportLoc: stmtLoc(stmt, 1) });
    },
    interfaces: ((stmt, gg, ctx) => {
      if (!stmt.block) {
        ctx.problems.error('missing-block', stmtLoc(stmt), "'interfaces' needs a block: 'interfaces { IF ... }'");
        return;
      }
      const before = gg.interfaces.length;
      readBlock(interfacesLine, stmt.block, gg, ctx);
      const end = endLocOf(stmt);
      if (gg.interfaces.length === before) ctx.problems.warning('vrrp-garp-group-empty', end, 'the interfaces { } block of garp_group is empty');
      // keepalived looks the names up when the block ends, and reports there.
      for (const gi of gg.interfaces.slice(before)) gi.reportLoc = end;
    }) as Handler,
  },
};

/** The top-level garp_group keyword. */
export function readGarpGroup(stmt: Stmt, config: KeepalivedConfig, ctx: ReadContext): void {
  rememberConfig(ctx, config);
  const gg = createGarpGroup(stmtLoc(stmt));
  gg.endLoc = endLocOf(stmt);
  readBlock(garpGroupSpec, stmt.block, gg, ctx);
  if (gg.garpInterval === undefined && gg.gnaInterval === undefined) {
    ctx.problems.warning('vrrp-garp-group-no-delay', gg.endLoc, 'garp_group sets neither garp_interval nor gna_interval; it is dropped', {
      hint: "add 'garp_interval SECONDS' (and/or 'gna_interval SECONDS')",
    });
    return;
  }
  config.vrrp.garpGroups.push(gg);
}
