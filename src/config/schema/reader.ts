// Walks statements with a BlockSpec: looks each keyword up, hands it to its
// handler, and reports unknown keywords (with "did you mean") and blocks
// given to keywords that take none. Handlers never see an unknown keyword.
import { didYouMean } from '../suggest.js';
import { keywordOf, stmtLoc, type Stmt } from '../tree.js';
import type { BlockSpec, KeywordHandler, Located, ReadContext } from './types.js';

const hasOwn = Object.prototype.hasOwnProperty;

export function readBlock<T>(spec: BlockSpec<T>, stmts: readonly Stmt[] | undefined, target: T, ctx: ReadContext): void {
  if (!stmts) return;
  for (const stmt of stmts) readStatement(spec, stmt, target, ctx);
}

export function readStatement<T>(spec: BlockSpec<T>, stmt: Stmt, target: T, ctx: ReadContext): void {
  const keyword = keywordOf(stmt);
  if (spec.dataLine) {
    spec.dataLine(stmt, target, ctx);
    return;
  }
  const handler: KeywordHandler<T> | undefined = hasOwn.call(spec.keywords, keyword) ? spec.keywords[keyword] : undefined;
  if (!handler) {
    reportUnknownKeyword(spec, stmt, ctx);
    return;
  }
  const located = target as unknown as Partial<Located>;
  if (located.locs) located.locs[keyword] = stmtLoc(stmt);
  handler(stmt, target, ctx);
}

function reportUnknownKeyword<T>(spec: BlockSpec<T>, stmt: Stmt, ctx: ReadContext): void {
  const keyword = keywordOf(stmt);
  const where = spec.name === 'top level' ? 'at the top level' : `in ${spec.name}`;
  const home = ctx.keywordHomes?.get(keyword);
  let hint = didYouMean(keyword, Object.keys(spec.keywords));
  if (!hint && home && home !== spec.name) hint = `'${keyword}' belongs in ${home}`;
  if (stmt.block) hint = (hint ? hint + '; ' : '') + 'its block is skipped';
  ctx.problems.error('unknown-keyword', stmtLoc(stmt), `unknown keyword '${keyword}' ${where}`, hint ? { hint } : {});
}

/** A handler for keywords whose block is read by another spec into a fresh node. */
export function subBlock<P, C>(spec: BlockSpec<C>, create: (stmt: Stmt, ctx: ReadContext) => C | undefined, attach: (parent: P, child: C, stmt: Stmt) => void): KeywordHandler<P> {
  return (stmt, parent, ctx) => {
    const child = create(stmt, ctx);
    if (child === undefined) return;
    if (!stmt.block) {
      ctx.problems.error('missing-block', stmtLoc(stmt), `'${keywordOf(stmt)}' needs a block: '${keywordOf(stmt)} ... { ... }'`, {
        hint: "add '{' after the keyword's arguments, and '}' after its contents",
      });
    }
    readBlock(spec, stmt.block, child, ctx);
    attach(parent, child, stmt);
  };
}
