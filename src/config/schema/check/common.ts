// Argument readers for the checker part, matching how keepalived 2.2.7's
// checker parser reads values (measured against the binary):
// - numbers are base-10 unsigned, a leading '+' is fine, '-' is an error;
// - timers are seconds with at most 6 decimals ('.5' and '5.' are fine);
// - booleans are exactly true/on/yes or false/off/no (lower case only);
// - addresses: the family follows from a ':' anywhere in the word, and the
//   part from the first '-' or '/' on is ignored.
// Each reader reports a located problem and returns undefined on bad input,
// so the caller keeps its current value, as keepalived does.
import { isDottedQuad, parseIp, type IpAddress } from '../../ip.js';
import type { ExitCode, Loc } from '../../problems.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import { readBlock, reportMissingBlock, whenBlockEnds } from '../reader.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { endLocOf } from '../vrrp/common.js';
import { bigIntToIp, ipToBigInt } from './ip-math.js';

export const UINT_MAX = 4294967295;
/** keepalived's timers count microseconds in an unsigned long, minus one spare value. */
export const TIMER_MAX_SECONDS = 18446744073709.551614;
/** connect_timeout is held in an unsigned int of microseconds. */
export const CONNECT_TIMEOUT_MAX_SECONDS = 4294.967295;
export const ONE_MICROSECOND = 0.000001;

export interface Range {
  min: number;
  max: number;
}

/** True when the statement has a word at `index`. */
export function hasArg(stmt: Stmt, index = 1): boolean {
  return stmt.words.length > index;
}

/**
 * keepalived 2.2.7 exits at once with status 2 when a keyword lacks a value
 * its handler reads without checking ("... is missing a parameter"). The
 * reader catches a keyword alone on its line (schema/missing-value.ts); this
 * is for the other words keepalived cannot do without.
 */
export const ABORT_EXIT: ExitCode = 2;

/** Reports a value keepalived cannot do without: it stops reading the file there. */
export function abortMissing(stmt: Stmt, ctx: ReadContext, message: string, hint: string, index = stmt.words.length - 1): void {
  ctx.problems.error('missing-argument', stmtLoc(stmt, index), message, { hint: `${hint}; keepalived -t stops at this line`, exit: ABORT_EXIT });
}

/** The word at `index`, or (when absent) keepalived's fatal "missing a parameter". */
export function requireArg(stmt: Stmt, ctx: ReadContext, index: number, what: string): string | undefined {
  const word = stmt.words[index];
  if (word) return word.v;
  const after = stmt.words[index - 1]?.v ?? keywordOf(stmt);
  abortMissing(stmt, ctx, `'${after}' needs ${what} after it`, `write ${what} after '${after}'`);
  return undefined;
}

/**
 * For keywords whose handler checks for a value itself: a missing value is
 * reported and the line ignored, without aborting like requireArg.
 */
export function missingValue(stmt: Stmt, ctx: ReadContext, what: string, placeholder = 'VALUE'): void {
  const kw = keywordOf(stmt);
  ctx.problems.error('missing-value', stmtLoc(stmt), `'${kw}' needs ${what}`, {
    hint: `write '${kw} ${placeholder}'; keepalived ignores the line`,
  });
}

/**
 * Where the block of `stmt` ends: keepalived names the line of a block's
 * closing '}' for the checks it makes when the block ends. The VRRP part's
 * helper knows how to find it (recorded '}', else the line after the last
 * statement); it belongs in tree.ts, shared by both parts.
 */
export function blockEndLoc(stmt: Stmt): Loc {
  return endLocOf(stmt);
}

// ---------------------------------------------------------------------------
// Numbers

export type UnsignedParse = { value: number } | { error: 'negative' | 'invalid' | 'too-large' };

/** keepalived's read_unsigned: optional blanks and '+', then decimal digits. */
export function parseUnsigned(text: string): UnsignedParse {
  const plain = plainDigits(text);
  if (plain !== undefined) return plain > UINT_MAX ? { error: 'too-large' } : { value: plain };
  const t = text.replace(/^[ \t\n\r\f\v]+/, '');
  if (t.startsWith('-')) return { error: 'negative' };
  if (!/^\+?\d+$/.test(t)) return { error: 'invalid' };
  const value = Number(t.replace(/^\+/, ''));
  if (value > UINT_MAX) return { error: 'too-large' };
  return { value };
}

/** The value of 1 to 15 decimal digits and nothing else (nearly every number in a config), else undefined. */
function plainDigits(text: string): number | undefined {
  const n = text.length;
  if (n === 0 || n > 15) return undefined;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    value = value * 10 + d;
  }
  return value;
}

function rangeHint(range: Range): string {
  return `use a whole number from ${range.min} to ${range.max}`;
}

/** A whole number in [min, max] at word `index`. */
export function readUnsigned(stmt: Stmt, ctx: ReadContext, index: number, range: Range): number | undefined {
  const text = requireArg(stmt, ctx, index, 'a number');
  if (text === undefined) return undefined;
  return checkUnsigned(stmt, ctx, index, text, range);
}

/** Like readUnsigned for text that is not a plain word of the statement (e.g. a port after a keyword). */
export function checkUnsigned(stmt: Stmt, ctx: ReadContext, index: number, text: string, range: Range, what?: string): number | undefined {
  // Nearly every number is plain digits in range: no result object, and the message words only when there is a problem.
  const plain = plainDigits(text);
  if (plain !== undefined && plain >= range.min && plain <= range.max) return plain;
  return reportUnsigned(stmt, ctx, index, text, range, what ?? `'${keywordOf(stmt)}'`);
}

function reportUnsigned(stmt: Stmt, ctx: ReadContext, index: number, text: string, range: Range, what: string): number | undefined {
  const parsed = parseUnsigned(text);
  if ('value' in parsed && parsed.value >= range.min && parsed.value <= range.max) return parsed.value;
  const loc = stmtLoc(stmt, index);
  if ('error' in parsed) {
    const why = parsed.error === 'negative' ? 'cannot be negative' : parsed.error === 'invalid' ? 'takes a whole number' : 'is too large';
    ctx.problems.error(parsed.error === 'too-large' ? 'out-of-range' : 'invalid-number', loc, `${what} ${why}, not '${text}'`, { hint: rangeHint(range) });
    return undefined;
  }
  if (parsed.value < range.min || parsed.value > range.max) {
    ctx.problems.error('out-of-range', loc, `${what} ${parsed.value} is outside the range ${range.min} to ${range.max}`, {
      hint: 'the value is ignored',
    });
    return undefined;
  }
  return parsed.value;
}

export type TimerParse = { micros: bigint; tooPrecise: boolean } | { error: 'negative' | 'invalid' };

/** keepalived's timer syntax: seconds with up to 6 decimals, counted in microseconds. */
export function parseTimer(text: string): TimerParse {
  if (text.startsWith('-')) return { error: 'negative' };
  const dot = text.indexOf('.');
  let decimals = dot < 0 ? 0 : text.length - dot - 1;
  let roundUp = false;
  const tooPrecise = decimals > 6;
  if (tooPrecise) {
    roundUp = text[dot + 7] >= '5';
    decimals = 6;
  }
  let digits = dot < 0 ? text : text.slice(0, dot) + text.slice(dot + 1, dot + 1 + decimals);
  digits += '0'.repeat(6 - decimals);
  digits = digits.replace(/^[ \t\n\r\f\v]+/, '').replace(/^\+/, '');
  if (!/^\d*$/.test(digits)) return { error: 'invalid' };
  const micros = BigInt(digits === '' ? '0' : digits) + (roundUp ? 1n : 0n);
  return { micros, tooPrecise };
}

/** How a timer range reads in a message: "more than 0", "0 or more", "more than 0 and at most 4294.967295". */
function describeTimerRange(range: Range): string {
  const low = range.min === ONE_MICROSECOND ? 'more than 0' : range.min === 0 ? '0 or more' : `at least ${range.min}`;
  return range.max === TIMER_MAX_SECONDS ? low : `${low} and at most ${range.max}`;
}

/** A timer in seconds in [min, max] at word `index` (delay_loop 2.5). */
export function readTimer(stmt: Stmt, ctx: ReadContext, index: number, range: Range): number | undefined {
  const text = requireArg(stmt, ctx, index, 'a number of seconds');
  if (text === undefined) return undefined;
  // Whole seconds are exact as a number: no microsecond arithmetic needed.
  const whole = text.length <= 9 ? plainDigits(text) : undefined;
  if (whole !== undefined && whole >= range.min && whole <= range.max) return whole;
  const kw = keywordOf(stmt);
  const loc = stmtLoc(stmt, index);
  const expected = `seconds, ${describeTimerRange(range)}, with at most 6 decimals`;
  const parsed = parseTimer(text);
  if ('error' in parsed) {
    const why = parsed.error === 'negative' ? 'cannot be negative' : 'takes a number of seconds';
    ctx.problems.error('invalid-number', loc, `'${kw}' ${why}, not '${text}'`, { hint: `use ${expected}` });
    return undefined;
  }
  if (parsed.tooPrecise) {
    ctx.problems.error('invalid-number', loc, `'${kw}' ${text} has more than 6 decimals`, {
      hint: 'keepalived counts microseconds and rounds the rest',
    });
  }
  const seconds = Number(parsed.micros) / 1e6;
  if (seconds < range.min || seconds > range.max) {
    ctx.problems.error('out-of-range', loc, `'${kw}' ${text} is out of range: it must be ${describeTimerRange(range)} seconds`, {
      hint: 'keepalived ignores the value',
    });
    return undefined;
  }
  return seconds;
}

// ---------------------------------------------------------------------------
// Booleans

const TRUE_WORDS = new Set(['true', 'on', 'yes']);
const FALSE_WORDS = new Set(['false', 'off', 'no']);

/**
 * A flag keyword alone means true; otherwise true/on/yes or false/off/no.
 * keepalived compares these case-sensitively ('On' is an error).
 */
export function readFlag(stmt: Stmt, ctx: ReadContext, index = 1): boolean | undefined {
  const word = stmt.words[index];
  if (!word) return true;
  if (TRUE_WORDS.has(word.v)) return true;
  if (FALSE_WORDS.has(word.v)) return false;
  const lower = word.v.toLowerCase();
  const hint = TRUE_WORDS.has(lower) || FALSE_WORDS.has(lower) ? `write it in lower case: '${lower}'` : 'use yes/no, on/off or true/false, or the keyword alone for yes';
  ctx.problems.error('invalid-bool', stmtLoc(stmt, index), `'${keywordOf(stmt)}' does not accept '${word.v}'`, { hint });
  return undefined;
}

// ---------------------------------------------------------------------------
// Addresses and ports

/**
 * An address as keepalived's inet_stosockaddr reads it: IPv6 when the word
 * has a ':', and anything from the first '-' or '/' is ignored.
 */
export function parseInetAddress(text: string): IpAddress | undefined {
  // A plain dotted quad (nearly every address) has nothing to cut.
  if (isDottedQuad(text)) return { family: 4, address: text };
  const family = text.includes(':') ? 6 : 4;
  const cut = text.search(/[-/]/);
  const base = cut < 0 ? text : text.slice(0, cut);
  if (base.includes('%')) return undefined;
  const ip = parseIp(base);
  return ip && ip.family === family ? ip : undefined;
}

const PORT_RANGE: Range = { min: 1, max: 65535 };

/**
 * A port word after the address of a `server` (real server, ...): all zeros
 * (or empty) means "no port", else 1..65535. Returns null for no port,
 * undefined after a problem.
 */
export function readPortWord(stmt: Stmt, ctx: ReadContext, index: number, server: string): number | null | undefined {
  const text = stmt.words[index]?.v;
  if (text === undefined) return null;
  const plain = plainDigits(text);
  if (plain !== undefined && plain >= PORT_RANGE.min && plain <= PORT_RANGE.max) return plain;
  if (/^0*$/.test(text)) return null;
  return checkUnsigned(stmt, ctx, index, text, PORT_RANGE, `the port of the ${server}`);
}

/** IPv6 link-local (fe80::/10). */
export function isLinkLocal(ip: IpAddress): boolean {
  return ip.family === 6 && /^fe[89ab]/i.test(ip.address);
}

/** inet_aton-style IPv4 (as getaddrinfo accepts a numeric host): 1 to 4 parts, decimal, octal or hex. */
export function parseInetAton(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return undefined;
  const values: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) v = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) v = parseInt(p, 8);
    else if (/^[1-9]\d*$/.test(p)) v = parseInt(p, 10);
    else return undefined;
    values.push(v);
  }
  const last = values[values.length - 1];
  const head = values.slice(0, -1);
  if (head.some((v) => v > 255)) return undefined;
  const lastMax = 2 ** (8 * (5 - values.length)) - 1;
  if (last > lastMax) return undefined;
  let n = 0;
  head.forEach((v, i) => (n += v * 2 ** (8 * (3 - i))));
  return n + last;
}

/**
 * `KEYWORD IP [PORT]` of virtual_server, real_server and sorry_server. A
 * port of 0 or none means no port. Reports and returns undefined when
 * keepalived would skip the server.
 */
export function readServerAddress(stmt: Stmt, ctx: ReadContext, what: string, addressIndex = 1): { address: IpAddress; port?: number } | undefined {
  const text = requireArg(stmt, ctx, addressIndex, 'an IP address');
  if (text === undefined) return undefined;
  const port = readPortWord(stmt, ctx, addressIndex + 1, what);
  if (port === undefined) return undefined;
  const address = parseInetAddress(text);
  if (!address) {
    ctx.problems.error('invalid-address', stmtLoc(stmt, addressIndex), `'${text}' is not a valid IPv4 or IPv6 address for the ${what}`, {
      hint: 'write a numeric address (host names are not resolved)',
    });
    return undefined;
  }
  return port === null ? { address } : { address, port };
}

const canonical = new WeakMap<IpAddress, string>();

/** One text per address, however it was written (IPv6 has many spellings). */
function canonicalAddress(ip: IpAddress): string {
  if (ip.family === 4) return ip.address; // dotted quads have one spelling
  let text = canonical.get(ip);
  if (text === undefined) {
    text = bigIntToIp(ipToBigInt(ip), 6).address;
    canonical.set(ip, text);
  }
  return text;
}

/**
 * Address and written port: how keepalived tells real servers apart (it
 * compares them before it fills in missing ports).
 */
export function serverKey(server: { address: IpAddress; port?: number }): string {
  return `${canonicalAddress(server.address)} ${server.port ?? 0}`;
}

/** Up to this many servers, comparing each pair costs less than building a key string per server. */
export const PAIRWISE_MAX = 16;

/** serverKey(a) === serverKey(b), without building the keys. */
export function sameServer(a: { address: IpAddress; port?: number }, b: { address: IpAddress; port?: number }): boolean {
  return (a.port ?? 0) === (b.port ?? 0) && canonicalAddress(a.address) === canonicalAddress(b.address);
}

/**
 * `items` without spare room. An array grown by push keeps room for about 16
 * more elements, and the model's arrays live as long as the config: a large
 * config has 10^4 to 10^5 of them holding one to four elements (the real
 * servers of a virtual server, the checkers of a real server).
 */
export function exactSize<T>(items: T[]): T[] {
  return items.length === 0 ? items : items.slice();
}

// ---------------------------------------------------------------------------
// Blocks

/** Reads a nested block (a checker, url, host) into a node that may depend on its parent. */
export function nestedBlock<P, C>(spec: BlockSpec<C>, create: (stmt: Stmt, parent: P, ctx: ReadContext) => C, finish: (parent: P, child: C, stmt: Stmt, ctx: ReadContext) => void, topLevel = false): KeywordHandler<P> {
  return (stmt, parent, ctx) => {
    const child = create(stmt, parent, ctx);
    if (!stmt.block && topLevel) {
      // At the top level the checker process reads the lines that follow into the block anyway (readTopLevel).
      reportMissingBlock(stmt, ctx);
      readBlock(spec, undefined, child, ctx);
      return finish(parent, child, stmt, ctx);
    }
    // Without a block keepalived reads the next lines in the outer block, so
    // there is nothing to finish or add.
    if (!stmt.block) return reportMissingBlock(stmt, ctx);
    readBlock(spec, stmt.block, child, ctx);
    whenBlockEnds(stmt, ctx, () => finish(parent, child, stmt, ctx));
  };
}
