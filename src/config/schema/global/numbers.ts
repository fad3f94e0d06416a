// Number and boolean readers that accept exactly what keepalived 2.2.7's
// readers accept (read_unsigned, read_int, read_decimal_unsigned and
// check_true_false in lib/parser.c), so that we complain on the same inputs:
// strtoul/strtol syntax (leading blanks, an optional sign, decimal digits; an
// empty string reads as 0), whole-number ranges checked after parsing, and
// decimals counted in fixed units (e.g. microseconds) with a limited number
// of decimal places. Each reader reports a located problem and returns
// undefined when keepalived would reject the value.
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import type { ReadContext } from '../types.js';

const BLANKS = ' \t\f\n\r\v';
const UINT_MAX = 4294967295;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const ULONG_MAX = 18446744073709551615n;

interface Parsed {
  /** The digits read, with their sign. */
  value: bigint;
  /** Index just past what strtol/strtoul consumed (0 when nothing was). */
  end: number;
}

/** strtol/strtoul prefix parse, base 10: blanks, optional sign, digits. */
function parsePrefix(text: string): Parsed {
  let i = 0;
  while (i < text.length && BLANKS.includes(text[i])) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-';
    i++;
  }
  const start = i;
  while (i < text.length && text[i] >= '0' && text[i] <= '9') i++;
  if (i === start) return { value: 0n, end: 0 };
  const digits = BigInt(text.slice(start, i));
  return { value: negative ? -digits : digits, end: i };
}

export interface WholeRange {
  min: number;
  max: number;
}

export interface ReadOptions {
  /** How to name the value in messages; default the keyword. */
  what?: string;
}

function nameOf(stmt: Stmt, options: ReadOptions): string {
  return options.what ?? keywordOf(stmt);
}

function reportRange(stmt: Stmt, ctx: ReadContext, index: number, what: string, text: string, min: string, max: string, isZero = false): void {
  ctx.problems.error('out-of-range', stmtLoc(stmt, index), `'${what}' ${text} is outside the range ${min} to ${max}`, {
    hint: isZero
      ? `0 is not accepted here; remove the line to keep keepalived's default, or use a value from ${min} to ${max}`
      : `use a value from ${min} to ${max}; keepalived ignores this one and keeps its default`,
  });
}

function reportInvalid(stmt: Stmt, ctx: ReadContext, index: number, what: string, text: string, kind: string): void {
  ctx.problems.error('invalid-number', stmtLoc(stmt, index), `'${what}' takes ${kind}, not '${text}'`, {
    hint: 'write plain decimal digits (keepalived reads no hex, exponents or units); the value is ignored',
  });
}

/** keepalived's read_unsigned: a whole number >= 0 in [min, max]. */
export function parseUnsigned(stmt: Stmt, ctx: ReadContext, index: number, range: WholeRange, options: ReadOptions = {}): number | undefined {
  const text = stmt.words[index]?.v ?? '';
  const what = nameOf(stmt, options);
  let offset = 0;
  while (offset < text.length && BLANKS.includes(text[offset])) offset++;
  if (text[offset] === '-') {
    ctx.problems.error('invalid-number', stmtLoc(stmt, index), `'${what}' cannot be negative ('${text}')`, {
      hint: `use a whole number from ${range.min} to ${range.max}`,
    });
    return undefined;
  }
  const parsed = parsePrefix(text.slice(offset));
  // strtoul consumed nothing: the value is 0 only when nothing follows.
  const rest = parsed.end === 0 ? text.slice(offset) : text.slice(offset + parsed.end);
  if (rest !== '') {
    reportInvalid(stmt, ctx, index, what, text, 'a whole number');
    return undefined;
  }
  if (parsed.value > BigInt(UINT_MAX)) {
    ctx.problems.error('out-of-range', stmtLoc(stmt, index), `'${what}' ${text} is too large (at most ${UINT_MAX})`, {
      hint: `use a whole number from ${range.min} to ${range.max}`,
    });
    return undefined;
  }
  const value = Number(parsed.value);
  if (value < range.min || value > range.max) {
    reportRange(stmt, ctx, index, what, text, String(range.min), String(range.max), value === 0);
    return undefined;
  }
  return value;
}

/** keepalived's read_int: a whole number in [min, max] (within 32-bit int). */
export function parseInt32(stmt: Stmt, ctx: ReadContext, index: number, range: WholeRange, options: ReadOptions = {}): number | undefined {
  const text = stmt.words[index]?.v ?? '';
  const what = nameOf(stmt, options);
  const parsed = parsePrefix(text);
  const rest = parsed.end === 0 ? text : text.slice(parsed.end);
  if (rest !== '') {
    reportInvalid(stmt, ctx, index, what, text, 'a whole number');
    return undefined;
  }
  if (parsed.value < BigInt(INT_MIN) || parsed.value > BigInt(INT_MAX)) {
    ctx.problems.error('out-of-range', stmtLoc(stmt, index), `'${what}' ${text} does not fit a 32-bit integer`, {
      hint: `use a whole number from ${range.min} to ${range.max}`,
    });
    return undefined;
  }
  const value = Number(parsed.value);
  if (value < range.min || value > range.max) {
    reportRange(stmt, ctx, index, what, text, String(range.min), String(range.max));
    return undefined;
  }
  return value;
}

export interface DecimalRange {
  /** Limits in units of 10^-places (e.g. microseconds when places is 6). */
  min: number;
  max: number;
  /** Decimal places keepalived keeps. */
  places: number;
}

/** Renders `units` (in 10^-places) as keepalived prints limits: 0.000001. */
export function formatUnits(units: number, places: number): string {
  const scale = 10 ** places;
  const whole = Math.floor(units / scale);
  const frac = String(units % scale).padStart(places, '0');
  return places > 0 ? `${whole}.${frac}` : String(whole);
}

/**
 * keepalived's read_decimal_unsigned: a decimal number >= 0 with at most
 * `places` decimal places, returned in units of 10^-places. More places are
 * an error, but keepalived still uses the value rounded (so do we).
 */
export function parseDecimalUnits(stmt: Stmt, ctx: ReadContext, index: number, range: DecimalRange, options: ReadOptions = {}): number | undefined {
  const text = stmt.words[index]?.v ?? '';
  const what = nameOf(stmt, options);
  const min = formatUnits(range.min, range.places);
  const max = formatUnits(range.max, range.places);
  if (text.startsWith('-')) {
    ctx.problems.error('invalid-number', stmtLoc(stmt, index), `'${what}' cannot be negative ('${text}')`, {
      hint: `use a number from ${min} to ${max}`,
    });
    return undefined;
  }
  const dot = text.indexOf('.');
  let fraction = dot < 0 ? '' : text.slice(dot + 1);
  let roundUp = false;
  if (fraction.length > range.places) {
    ctx.problems.error('too-many-decimals', stmtLoc(stmt, index), `'${what}' ${text} has more than ${range.places} decimal places`, {
      hint: `keepalived rounds it to ${range.places} places; write it with at most ${range.places}`,
    });
    roundUp = fraction[range.places] >= '5';
    fraction = fraction.slice(0, range.places);
  }
  const digits = (dot < 0 ? text : text.slice(0, dot)) + fraction + '0'.repeat(range.places - fraction.length);
  const parsed = parsePrefix(digits);
  const rest = parsed.end === 0 ? digits : digits.slice(parsed.end);
  if (rest !== '' || parsed.value < 0n) {
    reportInvalid(stmt, ctx, index, what, text, 'a decimal number');
    return undefined;
  }
  const units = parsed.value + (roundUp ? 1n : 0n);
  if (units > ULONG_MAX) {
    ctx.problems.error('out-of-range', stmtLoc(stmt, index), `'${what}' ${text} is far too large`, { hint: `use a number from ${min} to ${max}` });
    return undefined;
  }
  if (units < BigInt(range.min) || units > BigInt(range.max)) {
    reportRange(stmt, ctx, index, what, text, min, max, units === 0n);
    return undefined;
  }
  return Number(units);
}

const TRUE_WORDS = new Set(['true', 'on', 'yes']);
const FALSE_WORDS = new Set(['false', 'off', 'no']);

/**
 * keepalived's check_true_false: true/on/yes or false/off/no, lower case
 * only ('Yes' and '1' are rejected). Returns undefined after reporting.
 */
export function parseBoolWord(stmt: Stmt, ctx: ReadContext, index: number, options: ReadOptions = {}): boolean | undefined {
  const text = stmt.words[index]?.v ?? '';
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  const lower = text.toLowerCase();
  const hint =
    TRUE_WORDS.has(lower) || FALSE_WORDS.has(lower)
      ? `keepalived only accepts lower case: write '${lower}'`
      : 'use true/on/yes or false/off/no (lower case), or the keyword alone for true';
  ctx.problems.error('invalid-bool', stmtLoc(stmt, index), `'${nameOf(stmt, options)}' takes true/false, on/off or yes/no, not '${text}'`, { hint });
  return undefined;
}
