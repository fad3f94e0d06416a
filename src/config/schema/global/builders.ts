// Small handler builders for one-line keywords, so that keyword tables read
// as data: `vrrp_strict: flag((g) => ...)`, `smtp_connect_timeout: unsigned(...)`.
// They follow keepalived's conventions: flag keywords ignore extra words,
// booleans default to true when the value is left out, and a missing value
// is either reported or - for the keywords whose keepalived handler reads
// the value without checking - makes keepalived stop reading altogether.
import type { ExitCode } from '../../problems.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import type { KeywordHandler, ReadContext } from '../types.js';
import { parseBoolWord, parseDecimalUnits, parseInt32, parseUnsigned, type DecimalRange, type WholeRange } from './numbers.js';

/**
 * keepalived 2.2.7 exits with status 2 as soon as one of these keywords has
 * no value ("Configuration line starting `X` is missing a parameter"),
 * without reading the rest of the file. (The reader already handles a
 * keyword alone on its line; this covers values missing later in a line.)
 */
export const ABORT_EXIT: ExitCode = 2;

/**
 * What a missing value means: 'abort' (keepalived stops reading, see
 * ABORT_EXIT), 'error' (keepalived reports it and ignores the line), or
 * 'none' (the keyword is fine alone).
 */
export type Missing = 'abort' | 'error' | 'none';

export type Setter<T, V> = (target: T, value: V, stmt: Stmt, ctx: ReadContext) => void;

/** Reports a missing value per `missing`; true when the value is there. */
export function hasValue(stmt: Stmt, ctx: ReadContext, index: number, missing: Missing, what = 'a value'): boolean {
  if (stmt.words.length > index) return true;
  if (missing === 'none') return false;
  const keyword = keywordOf(stmt);
  const at = stmtLoc(stmt, stmt.words.length - 1);
  if (missing === 'abort') {
    ctx.problems.error('missing-argument', at, `'${keyword}' needs ${what}; keepalived stops reading the configuration here`, {
      hint: `write ${what} after '${keyword}'; keepalived -t exits at once on this line`,
      exit: ABORT_EXIT,
    });
  } else {
    ctx.problems.error('missing-argument', at, `'${keyword}' needs ${what}`, {
      hint: `write ${what} after '${keyword}'; keepalived ignores the line`,
    });
  }
  return false;
}

/** A keyword that switches something on; keepalived ignores anything after it. */
export function flag<T>(set: (target: T) => void): KeywordHandler<T> {
  return (_stmt, target) => set(target);
}

/** A keyword with an optional true/false word (keepalived's check_true_false); alone it means true. */
export function bool<T>(set: Setter<T, boolean>): KeywordHandler<T> {
  return (stmt, target, ctx) => {
    if (stmt.words.length < 2) {
      set(target, true, stmt, ctx);
      return;
    }
    const value = parseBoolWord(stmt, ctx, 1);
    if (value !== undefined) set(target, value, stmt, ctx);
  };
}

export interface NumberSpec {
  missing: Missing;
  /** Words for messages, e.g. "a number of seconds". */
  what?: string;
}

/** A whole number >= 0 in range (keepalived's read_unsigned). */
export function unsigned<T>(range: WholeRange & NumberSpec, set: Setter<T, number>): KeywordHandler<T> {
  return (stmt, target, ctx) => {
    if (!hasValue(stmt, ctx, 1, range.missing, range.what ?? 'a number')) return;
    const value = parseUnsigned(stmt, ctx, 1, range);
    if (value !== undefined) set(target, value, stmt, ctx);
  };
}

/** A whole number in range (keepalived's read_int). */
export function integer<T>(range: WholeRange & NumberSpec, set: Setter<T, number>): KeywordHandler<T> {
  return (stmt, target, ctx) => {
    if (!hasValue(stmt, ctx, 1, range.missing, range.what ?? 'a number')) return;
    const value = parseInt32(stmt, ctx, 1, range);
    if (value !== undefined) set(target, value, stmt, ctx);
  };
}

/** A decimal number in fixed units (keepalived's read_decimal_unsigned); `set` gets the units. */
export function decimal<T>(range: DecimalRange & NumberSpec, set: Setter<T, number>): KeywordHandler<T> {
  return (stmt, target, ctx) => {
    if (!hasValue(stmt, ctx, 1, range.missing, range.what ?? 'a number')) return;
    const value = parseDecimalUnits(stmt, ctx, 1, range);
    if (value !== undefined) set(target, value, stmt, ctx);
  };
}

/** A keyword whose first word is kept as text; later words are ignored, as keepalived does. */
export function word<T>(missing: Missing, set: Setter<T, string>, what = 'a value'): KeywordHandler<T> {
  return (stmt, target, ctx) => {
    if (!hasValue(stmt, ctx, 1, missing, what)) return;
    set(target, stmt.words[1].v, stmt, ctx);
  };
}

/**
 * Wraps a handler so that a second use of the keyword is reported and
 * ignored, for the keywords keepalived refuses to set twice.
 */
export function once<T>(isSet: (target: T) => boolean, handler: KeywordHandler<T>, what?: (target: T) => string): KeywordHandler<T> {
  return (stmt, target, ctx) => {
    if (isSet(target)) {
      const keyword = keywordOf(stmt);
      const earlier = what ? ` (already ${what(target)})` : '';
      ctx.problems.error('duplicate-keyword', stmtLoc(stmt), `'${keyword}' is given twice${earlier}; keepalived ignores this one`, {
        hint: `keep one '${keyword}' line`,
      });
      return;
    }
    handler(stmt, target, ctx);
  };
}

/** An old keyword name keepalived still accepts without complaint: our advice only. */
export function noteRenamed(stmt: Stmt, ctx: ReadContext, newName: string): void {
  ctx.problems.note('deprecated-keyword', stmtLoc(stmt), `'${keywordOf(stmt)}' is an old name of '${newName}'`, { hint: `write '${newName}'` });
}
