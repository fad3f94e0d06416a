// Readers for keyword arguments: numbers, timers, booleans, enums, addresses,
// scripts. Each returns undefined after reporting a located problem, so the
// caller keeps its default, as keepalived does.
import { parseIp, parseIpPrefix, type IpAddress, type IpPrefix } from '../ip.js';
import { didYouMean } from '../suggest.js';
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

/** An integer in [min, max]. */
export function readInteger(stmt: Stmt, ctx: ReadContext, index: number, range: NumberRange): number | undefined {
  const text = argAt(stmt, ctx, index, 'a number');
  if (text === undefined) return undefined;
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

const TRUE_WORDS = new Set(['on', 'true', 'yes']);
const FALSE_WORDS = new Set(['off', 'false', 'no']);

/** A flag keyword alone means true; otherwise on|off|true|false|yes|no, in lower case as keepalived requires. */
export function readBool(stmt: Stmt, ctx: ReadContext, index = 1): boolean | undefined {
  const word = stmt.words[index];
  if (!word) return true;
  const text = word.v;
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  const lower = word.v.toLowerCase();
  const hint = TRUE_WORDS.has(lower) || FALSE_WORDS.has(lower) ? `keepalived accepts only lower case: write '${lower}'` : undefined;
  ctx.problems.error('invalid-bool', stmtLoc(stmt, index), `'${keywordOf(stmt)}' takes on/off, true/false or yes/no, not '${word.v}'`, hint ? { hint } : {});
  return undefined;
}

export interface EnumOptions {
  caseInsensitive?: boolean;
}

export function readEnum<T extends string>(stmt: Stmt, ctx: ReadContext, index: number, values: readonly T[], options: EnumOptions = {}): T | undefined {
  const text = argAt(stmt, ctx, index, `one of ${values.join(', ')}`);
  if (text === undefined) return undefined;
  const found = options.caseInsensitive ? values.find((v) => v.toLowerCase() === text.toLowerCase()) : values.find((v) => v === text);
  if (found !== undefined) return found;
  const hint = didYouMean(text, values) ?? `use one of: ${values.join(', ')}`;
  ctx.problems.error('invalid-value', stmtLoc(stmt, index), `'${keywordOf(stmt)}' does not accept '${text}'`, { hint });
  return undefined;
}

export function readIp(stmt: Stmt, ctx: ReadContext, index: number): IpAddress | undefined {
  const text = argAt(stmt, ctx, index, 'an IP address');
  if (text === undefined) return undefined;
  const ip = parseIp(text);
  if (!ip) ctx.problems.error('invalid-address', stmtLoc(stmt, index), `'${text}' is not a valid IPv4 or IPv6 address`);
  return ip;
}

export function readIpPrefix(stmt: Stmt, ctx: ReadContext, index: number): IpPrefix | undefined {
  const text = argAt(stmt, ctx, index, 'an IP address');
  if (text === undefined) return undefined;
  const ip = parseIpPrefix(text);
  if (!ip) ctx.problems.error('invalid-address', stmtLoc(stmt, index), `'${text}' is not a valid IP address or ADDRESS/PREFIX`);
  return ip;
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
