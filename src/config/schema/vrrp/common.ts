// Small readers shared by the VRRP keyword tables: block names, the location
// of a block's '}', flags, optional booleans, `weight N [reverse]`, and the
// "data line option without its value" case.
import type { Loc } from '../../problems.js';
import { keywordOf, locOf, stmtLoc, type Stmt } from '../../tree.js';
import { readInteger, readScript, type NumberRange } from '../values.js';
import { closeOf, markValueBlock, readBlock } from '../reader.js';
import type { BlockSpec, KeywordHandler, ReadContext, Script } from '../types.js';
import type { KeepalivedConfig } from '../../model/index.js';
import type { NamedRef, NotifyScripts, TrackWeight, VrrpConfig } from '../../model/vrrp.js';

/**
 * Where the block of `stmt` is closed. keepalived reports the problems it
 * finds when a block ends (e.g. "No script set for vrrp_script") on the line
 * of the '}'. For a block that is never closed, the line after its last
 * statement is assumed. Call it once the block has been read: an ignored
 * '{' inside can make an earlier '}' the one that closes it (closeOf).
 */
export function endLocOf(stmt: Stmt): Loc {
  const close = closeOf(stmt);
  if (close) return locOf(close.src, close.token);
  const block = stmt.block;
  const start = stmt.open ? locOf(stmt.open.src, stmt.open.token) : stmtLoc(stmt);
  if (!block || block.length === 0) return { file: start.file, line: start.line + (stmt.open ? 1 : 0), col: 1 };
  const last = block[block.length - 1];
  const lastEnd = last.block ? endLocOf(last) : stmtLoc(last);
  return { file: lastEnd.file, line: lastEnd.line + 1, col: 1 };
}

/**
 * The name of a named block (`vrrp_instance NAME {`). keepalived wants
 * exactly one name for instances and sync groups and skips the block
 * otherwise; for the other blocks a missing name is a missing parameter.
 */
export function blockName(stmt: Stmt, ctx: ReadContext, strict: boolean): string | undefined {
  const keyword = keywordOf(stmt);
  if (strict && stmt.words.length !== 2) {
    ctx.problems.error('vrrp-block-name', stmtLoc(stmt, stmt.words.length > 2 ? 2 : 0), `'${keyword}' needs exactly one name; the block is skipped`, {
      hint: `write '${keyword} NAME {' with a name without spaces`,
    });
    return undefined;
  }
  if (stmt.words.length < 2) {
    missingParameter(ctx, stmt, 1, keyword);
    return undefined;
  }
  return stmt.words[1].v;
}

/**
 * keepalived stops reading with exit 2 when a keyword (or a route/rule
 * option such as `dev`) lacks its value. Same code as values.ts's argAt.
 */
export function missingParameter(ctx: ReadContext, stmt: Stmt, index: number, after: string): void {
  ctx.problems.error('missing-argument', stmtLoc(stmt, Math.max(0, index - 1)), `'${after}' needs a value after it`, {
    hint: `write the value after '${after}'; keepalived stops reading the configuration here`,
    exit: 2,
  });
}

/** A keyword that sets a flag and ignores any arguments (keepalived does the same). */
export function flag<T>(set: (target: T) => void): KeywordHandler<T> {
  return (_stmt, target) => set(target);
}

const TRUE_WORDS = new Set(['on', 'true', 'yes']);
const FALSE_WORDS = new Set(['off', 'false', 'no']);

/**
 * `keyword [BOOL]`: alone means true. keepalived 2.2.7 takes on/off,
 * true/false, yes/no in lower case only ('On' and 'TRUE' are refused,
 * checked); it reports other values and keeps the previous setting.
 */
export function optionalBool<T>(set: (target: T, value: boolean) => void): KeywordHandler<T> {
  return (stmt, target, ctx) => {
    const word = stmt.words[1];
    if (!word) return set(target, true);
    if (TRUE_WORDS.has(word.v)) return set(target, true);
    if (FALSE_WORDS.has(word.v)) return set(target, false);
    const lower = word.v.toLowerCase();
    ctx.problems.error('invalid-bool', stmtLoc(stmt, 1), `'${keywordOf(stmt)}' takes on/off, true/false or yes/no, not '${word.v}'`, {
      hint: TRUE_WORDS.has(lower) || FALSE_WORDS.has(lower) ? `write it in lower case: ${lower}` : `write '${keywordOf(stmt)}' alone for on, or '${keywordOf(stmt)} off'`,
    });
  };
}

/** `keyword N` with N an integer in range; out-of-range values keep the default. */
export function integer<T>(range: NumberRange, set: (target: T, value: number) => void): KeywordHandler<T> {
  return (stmt, target, ctx) => {
    const value = readInteger(stmt, ctx, 1, range);
    if (value !== undefined) set(target, value);
  };
}

export const UINT32: NumberRange = { min: 0, max: 4294967295 };
export const INT32_POSITIVE: NumberRange = { min: 1, max: 2147483647 };

/** The notify_* keywords of instances and sync groups. */
export const NOTIFY_KEYWORDS: Readonly<Record<string, keyof NotifyScripts>> = {
  notify_master: 'master',
  notify_backup: 'backup',
  notify_fault: 'fault',
  notify_stop: 'stop',
  notify: 'generic',
};

/**
 * A notify_* keyword: the first one counts, keepalived warns about and
 * ignores a second one of the same kind.
 */
export function notifyScript<T>(kind: keyof NotifyScripts, notifyOf: (target: T) => NotifyScripts): KeywordHandler<T> {
  return (stmt, target, ctx) => {
    const notify = notifyOf(target);
    if (notify[kind]) {
      ctx.problems.warning('vrrp-duplicate-notify', stmtLoc(stmt), `'${keywordOf(stmt)}' is already set; this one is ignored`, {
        hint: `keep one '${keywordOf(stmt)}' line (the first one is used: '${notify[kind]!.command}')`,
      });
      return;
    }
    const script: Script | undefined = readScript(stmt, ctx);
    if (script) notify[kind] = script;
  };
}

export interface WeightResult {
  weight?: TrackWeight;
  /** Index of the first word after the weight clause. */
  next: number;
}

export interface WeightLimits {
  /** Largest magnitude keepalived accepts (253 or 254). */
  max: number;
  /** track_interface / track_script: ±254 is accepted but lowered to ±253 with a warning. */
  clamp254?: boolean;
  /** What the messages call the tracker, e.g. "track_script chk". */
  what: string;
}

/**
 * Reads `weight N [reverse]` starting at word `index` (which is 'weight').
 * Reports a missing or bad number like keepalived (which then ignores the
 * weight, keeping the tracker).
 */
export function readTrackWeight(stmt: Stmt, ctx: ReadContext, index: number, limits: WeightLimits): WeightResult {
  const word = stmt.words[index + 1];
  if (!word) {
    ctx.problems.warning('vrrp-weight-missing', stmtLoc(stmt, index), `'weight' of ${limits.what} has no value; the weight is ignored`, {
      hint: 'write weight N, with N from -253 to 253',
    });
    return { next: index + 1 };
  }
  const range = { min: limits.clamp254 ? -254 : -limits.max, max: limits.clamp254 ? 254 : limits.max };
  const text = word.v;
  if (!/^[+-]?\d+$/.test(text) || Number(text) < range.min || Number(text) > range.max) {
    ctx.problems.warning('vrrp-weight-range', stmtLoc(stmt, index + 1), `weight '${text}' of ${limits.what} is not a whole number from -${limits.max} to ${limits.max}; the weight is ignored`);
    return { next: index + 2 };
  }
  let weight = Number(text);
  if (limits.clamp254 && Math.abs(weight) === 254) {
    ctx.problems.warning('vrrp-weight-254', stmtLoc(stmt, index + 1), `weight ${weight} of ${limits.what} is lowered to ${weight > 0 ? 253 : -253}`, {
      hint: 'the largest usable weight is 253 (priorities stop at 254 for a non-owner)',
    });
    weight = weight > 0 ? 253 : -253;
  }
  let next = index + 2;
  let reverse = false;
  if (stmt.words[next]?.v === 'reverse') {
    reverse = true;
    next++;
  }
  return { weight: { weight, reverse }, next };
}

/**
 * A keyword that opens a data block (virtual_ipaddress { ... }): every line
 * of the block goes to `spec.dataLine` with the same target.
 */
export function valueBlock<T>(spec: BlockSpec<T>, onOpen?: (target: T, stmt: Stmt, ctx: ReadContext) => void): KeywordHandler<T> {
  return markValueBlock<T>((stmt, target, ctx) => {
    reportWordsBeforeBlock(stmt, ctx);
    if (!stmt.block) {
      ctx.problems.error('missing-block', stmtLoc(stmt), `'${keywordOf(stmt)}' needs a block: '${keywordOf(stmt)} { ... }'`, {
        hint: "add '{' after the keyword, one entry per line, and '}'",
      });
      // keepalived's process that owns the block still reads the lines up to the next '}' as its values (readTopLevel).
      readBlock(spec, undefined, target, ctx);
      return;
    }
    onOpen?.(target, stmt, ctx);
    readBlock(spec, stmt.block, target, ctx);
  });
}

/**
 * The instance names of a group { } block (vrrp_sync_group, track_group),
 * every word one. An empty block is reported on its '}' and gives no list:
 * keepalived 2.2.7 then has none, so a later group { } block is read, not
 * skipped as a second one.
 */
export function groupMembers(stmt: Stmt, ctx: ReadContext, code: string, owner: string): NamedRef[] | undefined {
  const members = (stmt.block ?? []).flatMap((line) => line.words.map((w, i) => ({ name: w.v, loc: stmtLoc(line, i) })));
  if (members.length > 0) return members;
  ctx.problems.warning(code, endLocOf(stmt), `the group { } block of ${owner} is empty`, {
    hint: 'list the vrrp_instance names that should change state together',
  });
  return undefined;
}

/**
 * Words between a data block's keyword and its '{' (`track_script chk {`):
 * keepalived ignores them, with a warning ("Block ... has extra parameters").
 */
export function reportWordsBeforeBlock(stmt: Stmt, ctx: ReadContext): void {
  if (stmt.words.length < 2) return;
  const keyword = keywordOf(stmt);
  const extra = stmt.words.slice(1).map((w) => w.v).join(' ');
  ctx.problems.warning('extra-block-parameters', stmtLoc(stmt, 1), `'${keyword}' takes no words before its block; '${extra}' is ignored`, {
    hint: `write '${keyword} {' and put each entry on a line of its own inside the block`,
  });
}

const configs = new WeakMap<ReadContext, KeepalivedConfig>();

/**
 * keepalived resolves tracker names while it reads, so a tracker must be
 * defined before it is used. Top-level handlers of this part remember the
 * config being read, so that nested handlers can see what is defined so far.
 */
export function rememberConfig(ctx: ReadContext, config: KeepalivedConfig): void {
  configs.set(ctx, config);
}

export function vrrpBeingRead(ctx: ReadContext): VrrpConfig | undefined {
  return configs.get(ctx)?.vrrp;
}
