// MISC_CHECK: run a script; exit 0 is success (with misc_dynamic, exit codes
// 2..255 set the weight to code - 2). The script is recorded for the script
// security pass only when the block ends, because keepalived keeps the last
// misc_path and drops a checker without one.
import type { MiscCheck, RealServer } from '../../model/check.js';
import { stmtLoc, type Stmt } from '../../tree.js';
import type { BlockSpec, KeywordHandler } from '../types.js';
import { readScript } from '../values.js';
import { blockEndLoc, hasArg, missingValue, readUnsigned } from './common.js';
import { checkerBase, checkerBlock, checkerCommonKeywords } from './checkers.js';

/** misc_timeout is whole seconds held in microseconds in an unsigned int. */
const MAX_MISC_TIMEOUT = 4294;

const pathStatements = new WeakMap<MiscCheck, Stmt>();

const miscKeywords: Record<string, KeywordHandler<MiscCheck>> = {
  ...checkerCommonKeywords<MiscCheck>({ connectTimeout: false }),
  misc_path: (stmt, checker) => {
    // keepalived reads no path from a bare misc_path: the checker then has none.
    if (hasArg(stmt)) pathStatements.set(checker, stmt);
    else pathStatements.delete(checker);
  },
  misc_timeout: (stmt, checker, ctx) => {
    const seconds = readUnsigned(stmt, ctx, 1, { min: 0, max: MAX_MISC_TIMEOUT });
    if (seconds !== undefined) checker.timeout = seconds;
  },
  misc_dynamic: (_stmt, checker) => {
    checker.dynamic = true;
  },
  user: (stmt, checker, ctx) => {
    if (!hasArg(stmt)) return missingValue(stmt, ctx, 'a user name', 'USER [GROUP]');
    checker.user = { user: stmt.words[1].v, loc: stmtLoc(stmt, 1) };
    if (stmt.words[2]) checker.user.group = stmt.words[2].v;
  },
};

export const miscCheckSpec: BlockSpec<MiscCheck> = { name: 'MISC_CHECK', keywords: miscKeywords };

export const miscCheckKeywords: Record<string, KeywordHandler<RealServer>> = {
  MISC_CHECK: checkerBlock<MiscCheck>(
    miscCheckSpec,
    (stmt) => ({ type: 'MISC_CHECK', ...checkerBase(stmt), dynamic: false }),
    (checker, stmt, _rs, ctx) => {
      const pathStmt = pathStatements.get(checker);
      if (!pathStmt) {
        ctx.problems.error('misc-without-path', blockEndLoc(stmt), 'MISC_CHECK has no misc_path', {
          hint: 'add misc_path /path/to/script [ARGS]; keepalived drops this checker',
        });
        checker.dropped = 'no misc_path';
        return;
      }
      const script = readScript(pathStmt, ctx, checker.user ? { user: checker.user.user, ...(checker.user.group ? { group: checker.user.group } : {}) } : {});
      if (!script) return;
      // keepalived settles the script's user when the block ends, and reports user problems there.
      script.blockEnd = blockEndLoc(stmt);
      checker.script = script;
    },
  ),
};
