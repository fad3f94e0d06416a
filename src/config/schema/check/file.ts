// FILE_CHECK: the weight of the real server follows a number in a file
// watched by a top-level track_file. No timers, no connection.
import type { FileCheck, RealServer } from '../../model/check.js';
import { stmtLoc } from '../../tree.js';
import type { BlockSpec, KeywordHandler } from '../types.js';
import { blockEndLoc, hasArg, missingValue, requireArg } from './common.js';
import { checkerBase, checkerBlock } from './checkers.js';
import { trackFileDefined } from './references.js';

const WEIGHT_LIMIT = 2147483647;

const fileKeywords: Record<string, KeywordHandler<FileCheck>> = {
  track_file: (stmt, checker, ctx) => {
    const name = requireArg(stmt, ctx, 1, 'a track_file name');
    if (name === undefined) return;
    if (trackFileDefined(ctx, name) === false) {
      ctx.problems.error('unknown-track-file', stmtLoc(stmt, 1), `track_file ${name} is not defined before this FILE_CHECK`, {
        hint: 'define track_file NAME { file PATH } above the virtual_server (keepalived only sees earlier ones)',
      });
      return;
    }
    checker.trackFile = name;
  },
  weight: (stmt, checker, ctx) => {
    if (!hasArg(stmt)) return missingValue(stmt, ctx, 'a weight', 'N [reverse]');
    const text = stmt.words[1].v;
    const value = /^\s*[+-]?\d+$/.test(text) ? Number(text) : NaN;
    if (!(Math.abs(value) <= WEIGHT_LIMIT)) {
      ctx.problems.error('out-of-range', stmtLoc(stmt, 1), `FILE_CHECK weight '${text}' is not a whole number from -${WEIGHT_LIMIT} to ${WEIGHT_LIMIT}`, { hint: 'the line is ignored' });
      return;
    }
    const option = stmt.words[2]?.v;
    if (option !== undefined && option !== 'reverse' && option !== 'noreverse') {
      ctx.problems.error('invalid-value', stmtLoc(stmt, 2), `unknown weight option '${option}'`, { hint: "use 'reverse' (or nothing); the line is ignored" });
      return;
    }
    checker.weight = value;
    checker.reverse = option === 'reverse';
  },
};

export const fileCheckSpec: BlockSpec<FileCheck> = { name: 'FILE_CHECK', keywords: fileKeywords };

export const fileCheckKeywords: Record<string, KeywordHandler<RealServer>> = {
  FILE_CHECK: checkerBlock<FileCheck>(
    fileCheckSpec,
    (stmt) => ({ type: 'FILE_CHECK', ...checkerBase(stmt), reverse: false }),
    (checker, stmt, _rs, ctx) => {
      if (checker.trackFile !== undefined) return;
      ctx.problems.error('file-check-without-file', blockEndLoc(stmt), 'FILE_CHECK has no (defined) track_file', {
        hint: 'add track_file NAME naming a track_file block defined above; keepalived ignores this checker',
      });
      checker.dropped = 'no track_file';
    },
  ),
};
