// BFD_CHECK: the real server follows the state of a bfd_instance (one that
// the checker process is told about). A wrong name drops the checker at once;
// keepalived then ignores the rest of the block.
import type { BfdCheck, RealServer } from '../../model/check.js';
import { stmtLoc } from '../../tree.js';
import type { BlockSpec, KeywordHandler } from '../types.js';
import { blockEndLoc, readFlag } from './common.js';
import { checkerBase, checkerBlock } from './checkers.js';
import { bfdInstanceState } from './references.js';

const bfdKeywords: Record<string, KeywordHandler<BfdCheck>> = {
  name: (stmt, checker, ctx) => {
    if (checker.dropped) return;
    const name = stmt.words[1]?.v;
    const drop = (index: number, message: string, hint: string): void => {
      ctx.problems.error('invalid-bfd-check', stmtLoc(stmt, index), message, { hint: `${hint}; keepalived drops this checker` });
      checker.dropped = 'bad BFD name';
    };
    if (stmt.words.length !== 2) return drop(stmt.words.length > 2 ? 2 : 0, `'name' of BFD_CHECK takes exactly one bfd_instance name`, 'write name BFD_NAME');
    const state = bfdInstanceState(ctx, name);
    if (state === 'missing') return drop(1, `bfd_instance ${name} is not defined before this BFD_CHECK`, 'define bfd_instance NAME { neighbor_ip ADDR } above the virtual_server');
    if (state === 'vrrp-only') return drop(1, `bfd_instance ${name} is only for VRRP ('vrrp' without 'checker')`, "add 'checker' to the bfd_instance");
    if (checker.name !== undefined) return drop(1, `this BFD_CHECK already follows ${checker.name}`, 'use one BFD_CHECK per bfd_instance');
    checker.name = name;
  },
  alpha: (stmt, checker, ctx) => {
    if (checker.dropped) return;
    const value = readFlag(stmt, ctx);
    if (value !== undefined) checker.alpha = value;
  },
};

export const bfdCheckSpec: BlockSpec<BfdCheck> = { name: 'BFD_CHECK', keywords: bfdKeywords };

export const bfdCheckKeywords: Record<string, KeywordHandler<RealServer>> = {
  BFD_CHECK: checkerBlock<BfdCheck>(
    bfdCheckSpec,
    (stmt) => ({ type: 'BFD_CHECK', ...checkerBase(stmt) }),
    (checker, stmt, rs, ctx) => {
      if (checker.dropped) return;
      if (checker.name === undefined) {
        ctx.problems.error('invalid-bfd-check', blockEndLoc(stmt), 'BFD_CHECK has no name', { hint: 'add name BFD_NAME; keepalived drops this checker' });
        checker.dropped = 'no name';
        return;
      }
      const earlier = rs.checkers.find((c) => c.type === 'BFD_CHECK' && !c.dropped && c.name === checker.name);
      if (earlier) {
        ctx.problems.error('invalid-bfd-check', checker.locs.name ?? checker.loc, `this real server already follows bfd_instance ${checker.name} (line ${earlier.loc.line})`, {
          hint: 'remove one of the BFD_CHECKs; keepalived drops this one',
        });
        checker.dropped = 'duplicate BFD';
      }
    },
  ),
};
