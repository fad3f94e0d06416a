// Readers for keyword arguments shared by the parts: a required argument,
// numbers, the rest of a line, scripts. Each returns undefined after
// reporting a located problem, so the caller keeps its default, as
// keepalived does.
import { keywordOf, stmtLoc, type Stmt } from '../tree.js';
import { splitScript } from '../script.js';
import type { ReadContext, Script } from './types.js';

export function argAt(stmt: Stmt, ctx: ReadContext, index: number, what = 'a value'): string | undefined {
  const word = stmt.words[index];
  if (word) return word.v;
  ctx.problems.error('missing-argument', stmtLoc(stmt), `'${keywordOf(stmt)}' needs ${what}`, {
    hint: `write it after the keyword: '${keywordOf(stmt)} ${what === 'a value' ? 'VALUE' : what.replace(/^an? /, '').toUpperCase()}'`,
  });
  return undefined;
}

export interface NumberRange {
  min: number;
  max: number;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/** keepalived reads a value that cannot be negative with read_unsigned / read_decimal_unsigned, which refuse any '-', even '-0'. */
function refusesSign(stmt: Stmt, ctx: ReadContext, index: number, text: string, range: NumberRange): boolean {
  if (range.min < 0 || !text.startsWith('-')) return false;
  ctx.problems.error('invalid-number', stmtLoc(stmt, index), `'${keywordOf(stmt)}' cannot be negative ('${text}')`, { hint: `use a number from ${range.min} to ${range.max}` });
  return true;
}

/** An integer in [min, max]. */
export function readInteger(stmt: Stmt, ctx: ReadContext, index: number, range: NumberRange): number | undefined {
  const text = argAt(stmt, ctx, index, 'a number');
  if (text === undefined) return undefined;
  if (refusesSign(stmt, ctx, index, text, range)) return undefined;
  if (!INTEGER.test(text)) {
    ctx.problems.error('invalid-number', stmtLoc(stmt, index), `'${keywordOf(stmt)}' takes a whole number, not '${text}'`, {
      hint: `use a whole number from ${range.min} to ${range.max}`,
    });
    return undefined;
  }
  return inRange(stmt, ctx, index, Number(text), range);
}

/**
 * A decimal number of seconds with at most microsecond precision, the form of
 * keepalived's timers (advert_int 0.5, delay_loop 2.5).
 */
export function readDecimal(stmt: Stmt, ctx: ReadContext, index: number, range: NumberRange): number | undefined {
  const text = argAt(stmt, ctx, index, 'a number');
  if (text === undefined) return undefined;
  if (refusesSign(stmt, ctx, index, text, range)) return undefined;
  if (!DECIMAL.test(text)) {
    ctx.problems.error('invalid-number', stmtLoc(stmt, index), `'${keywordOf(stmt)}' takes a number, not '${text}'`, {
      hint: `use a number from ${range.min} to ${range.max}`,
    });
    return undefined;
  }
  return inRange(stmt, ctx, index, Number(text), range);
}

function inRange(stmt: Stmt, ctx: ReadContext, index: number, value: number, range: NumberRange): number | undefined {
  if (value < range.min || value > range.max) {
    ctx.problems.error('out-of-range', stmtLoc(stmt, index), `'${keywordOf(stmt)}' ${value} is outside the range ${range.min} to ${range.max}`, {
      hint: 'the value is ignored and the default is kept',
    });
    return undefined;
  }
  return value;
}

/** The rest of the statement's line after the keyword, as written. */
export function restOfLine(stmt: Stmt, fromWord = 1): string {
  const first = stmt.words[fromWord];
  const last = stmt.words[stmt.words.length - 1];
  if (!first || !last) return '';
  return stmt.src.text.slice(first.s, last.e);
}

/** Reads a script keyword (notify_*, script, misc_path, ...) and records it for script security. */
export function readScript(stmt: Stmt, ctx: ReadContext, options: { user?: string; group?: string } = {}): Script | undefined {
  if (stmt.words.length < 2) {
    argAt(stmt, ctx, 1, 'a script path');
    return undefined;
  }
  const command = restOfLine(stmt);
  const script: Script = { command, argv: splitScript(command), loc: stmtLoc(stmt, 1), keyword: keywordOf(stmt) };
  if (options.user !== undefined) script.user = options.user;
  if (options.group !== undefined) script.group = options.group;
  ctx.scripts.push(script);
  return script;
}
