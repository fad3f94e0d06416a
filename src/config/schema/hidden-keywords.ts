// keepalived reads one keyword per line: a handler takes the values it needs
// and the words after them are dropped without a word (`path / status_code
// 404` sets the path, and the checker then expects 200). keepalived -t says
// nothing, so this is our advice, a note: it never changes the verdict. Only
// words that are keywords of the same block are named, so that ordinary
// trailing words (comments without '#', units) make no noise.
import { locOf, stmtLoc, type Stmt } from '../tree.js';
import type { ReadContext } from './types.js';

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Notes each keyword of `keywords` that stands among the values of `stmt`
 * (from word 1 on), with the words up to the next such keyword.
 */
export function noteHiddenKeywords(stmt: Stmt, keywords: Readonly<Record<string, unknown>>, ctx: ReadContext): void {
  const words = stmt.words;
  let start = -1;
  for (let i = 1; i <= words.length; i++) {
    const hidden = i < words.length && words[i].k === 'w' && hasOwn.call(keywords, words[i].v);
    if (!hidden && i < words.length) continue;
    if (start > 0) report(stmt, start, i, ctx);
    start = i;
  }
}

function report(stmt: Stmt, from: number, to: number, ctx: ReadContext): void {
  const words = stmt.words.slice(from, to);
  const text = words.map((w) => w.v).join(' ');
  const loc = { ...stmtLoc(stmt, from), endCol: locOf(stmt.src, words[words.length - 1]).endCol };
  ctx.problems.note('hidden-keyword', loc, `'${text}' is ignored: keepalived reads one keyword per line; put it on a line of its own`, {
    hint: `keepalived takes the values of '${stmt.words[0].v}' from this line and drops the words after them without a message`,
  });
}
