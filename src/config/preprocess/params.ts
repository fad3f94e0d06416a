// $NAME definitions and their expansion, as keepalived 2.2.7 does them
// (lib/parser.c, checked against the binary):
// - `$NAME=VALUE` at the start of a line (no blank before '='); a value
//   ending in '\' continues on the next lines ("multi-line definition").
// - `$NAME` is expanded only when followed by a blank, ',', ')' or the end of
//   the line; `${NAME}` anywhere. A multi-line definition only at the very end
//   of a line: its first line replaces the reference and the others follow.
// - Expansion rescans the substituted text, so definitions nest; a value that
//   refers to itself makes keepalived loop forever, so we stop and report.
// - A line may not grow beyond 1023 characters: keepalived then stops
//   expanding and keeps what it has.
// - ${_RANDOM MIN MAX} takes numbers; when the result is shorter than the
//   reference, keepalived 2.2.7 moves only one character of the following
//   text (a bug we reproduce: `"${_RANDOM 5 7}"` becomes `"5"_RANDOM 5 7}"`).

export interface Definition {
  name: string;
  value: string;
  multiline: boolean;
  /** Predefined names whose value is computed at each use. */
  compute?: (params: string | undefined) => string;
  /** Numbers accepted after the name inside ${...}; only _RANDOM takes any. */
  maxParams: number;
  predefined: boolean;
}

export interface PredefinedContext {
  /** Directory of the file being read (keepalived: its working directory). */
  cwd(): string;
  configId: string;
  /** An integer in [0, 2^31), like random(3). */
  random(): number;
}

const isAlpha = (c: string | undefined): boolean => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
export const isNameStart = (c: string | undefined): boolean => isAlpha(c) || c === '_';
export const isNameChar = (c: string | undefined): boolean => isAlpha(c) || isDigit(c) || c === '_';

export class Definitions {
  private readonly byName = new Map<string, Definition>();

  constructor(ctx: PredefinedContext) {
    const add = (name: string, value: string, compute?: Definition['compute'], maxParams = 0): void => {
      this.byName.set(name, { name, value, multiline: false, compute, maxParams, predefined: true });
    };
    add('_PWD', '', () => ctx.cwd());
    add('_INSTANCE', '', () => ctx.configId);
    add('_RANDOM', '', (params) => randomValue(params, ctx.random), 2);
    add('_HASH', '#');
    add('_BANG', '!');
  }

  get(name: string): Definition | undefined {
    return this.byName.get(name);
  }

  /** A `$NAME=` line: replaces the value, and a predefined name's computation. */
  define(name: string, value: string, multiline: boolean): Definition {
    let def = this.byName.get(name);
    if (def) {
      def.compute = undefined;
      def.value = value;
      def.multiline = multiline;
      def.predefined = false;
    } else {
      def = { name, value, multiline, maxParams: 0, predefined: false };
      this.byName.set(name, def);
    }
    return def;
  }

  /** A ~SEQ / ~LST variable taking its next value (keeps the multi-line flag, as keepalived does). */
  assign(name: string, value: string): void {
    const def = this.byName.get(name);
    if (def) {
      def.compute = undefined;
      def.value = value;
    } else this.byName.set(name, { name, value, multiline: false, maxParams: 0, predefined: false });
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

/** `$NAME=VALUE` (keepalived's check_definition), or undefined if the line is not one. */
export function parseDefinition(line: string): { name: string; value: string; multiline: boolean } | undefined {
  if (line[0] !== '$' || !isNameStart(line[1])) return undefined;
  let p = 2;
  while (p < line.length && line[p] !== '=') {
    if (!isNameChar(line[p])) return undefined;
    p++;
  }
  if (line[p] !== '=') return undefined;
  const name = line.slice(1, p);
  p++;
  while (line[p] === ' ' || line[p] === '\t') p++;
  const v = line.slice(p);
  if (!v.endsWith('\\')) return { name, value: v, multiline: false };
  let len = v.length;
  while (len >= 2 && (v[len - 2] === ' ' || v[len - 2] === '\t')) len--;
  // The '\' becomes the end of the first line of the value.
  return { name, value: len < 2 ? '' : `${v.slice(0, len - 1)}\n`, multiline: true };
}

export interface Reference {
  def: Definition;
  braces: boolean;
  /** Digits and blanks after the name inside ${...}. */
  params?: string;
  /** Index of the last digit of params. */
  paramsEnd: number;
}

/** keepalived's find_definition for a use at `at` (just after the '$'). */
export function findReference(defs: Definitions, text: string, at: number): Reference | undefined {
  let i = at;
  const braces = text[i] === '{';
  if (braces) i++;
  if (!isNameStart(text[i])) return undefined;
  let p = i + 1;
  while (p < text.length && isNameChar(text[p])) p++;
  const len = p - i;
  let paramsStart = -1;
  let paramsEnd = -1;
  if (braces) {
    while (p < text.length && (text[p] === ' ' || isDigit(text[p]))) {
      if (text[p] !== ' ') {
        if (paramsStart < 0) paramsStart = p;
        paramsEnd = p;
      }
      p++;
    }
    if (paramsStart >= 0 && paramsEnd + 1 !== p) return undefined;
    if (text[p] !== '}') return undefined;
  } else if (p < text.length && !' \t,)'.includes(text[p])) return undefined;
  const atEnd = braces ? i + len + 1 === text.length : i + len === text.length;
  const def = defs.get(text.slice(i, i + len));
  if (!def || (def.multiline && !atEnd)) return undefined;
  if (paramsStart >= 0 && !def.maxParams) return undefined;
  return { def, braces, params: paramsStart >= 0 ? text.slice(paramsStart, paramsEnd + 1) : undefined, paramsEnd };
}

/** Where the following lines of a multi-line value are read from. */
export interface MultilinePtr extends Where {
  text: string;
  pos: number;
}

/** Where a line came from: the origin given to the lines a multi-line value adds. */
export interface Where {
  file: string;
  line: number;
  col: number;
  /** Read by keepalived's child in its own second reading of a file (see reader.ts). */
  own: boolean;
}

export interface MultilineState {
  /** The rest of the multi-line value being expanded (keepalived's next_ptr). */
  next: MultilinePtr | null;
  /** Outer expansions interrupted by a nested multi-line one. */
  stack: { ptr: MultilinePtr; seqDepth: number }[];
  /** Sequences started before the expansion wait until it is done. */
  seqDepth: number;
}

export interface ReplaceContext {
  defs: Definitions;
  multiline: MultilineState;
  seqCount(): number;
  /** Where the text is, for the lines that follow a multi-line expansion. */
  where: Where;
}

export interface ReplaceResult {
  text: string;
  /** Something was substituted and no limit was hit (keepalived's return value). */
  changed: boolean;
  /** The line would have exceeded keepalived's buffer: expansion stopped part way. */
  overflow: boolean;
  /** Substitution did not terminate (keepalived would hang). */
  runaway: boolean;
  /** ${_RANDOM MIN MAX} text-moving bug changed the rest of the line. */
  mangled: boolean;
  /** The multi-line pointer to use afterwards. */
  next: MultilinePtr | null;
}

/** Substitutions per line before we call it an endless loop; a 1023-character line needs at most ~512. */
const MAX_SUBSTITUTIONS = 5000;

/** keepalived's replace_param: expands every reference in `text`, rescanning substituted text. */
export function replaceReferences(text: string, maxLen: number, next: MultilinePtr | null, ctx: ReplaceContext): ReplaceResult {
  let lenUsed = text.length;
  let cur = 0;
  let found = false;
  let mangled = false;
  let nextPtr: MultilinePtr | null = null;
  let ptr = next;
  let count = 0;
  const result = (changed: boolean, extra: Partial<ReplaceResult> = {}): ReplaceResult => ({
    text,
    changed,
    overflow: false,
    runaway: false,
    mangled,
    next: changed ? nextPtr : next,
    ...extra,
  });
  for (;;) {
    cur = text.indexOf('$', cur);
    if (cur < 0 || cur + 1 >= text.length) break;
    const ref = findReference(ctx.defs, text, cur + 1);
    if (!ref) {
      cur++;
      continue;
    }
    if (++count > MAX_SUBSTITUTIONS) return result(false, { runaway: true });
    found = true;
    const def = ref.def;
    const extra = ref.braces ? 2 : 0;
    nextPtr = ptr;
    if (def.multiline && ptr) ctx.multiline.stack.push({ ptr, seqDepth: ctx.multiline.seqDepth });
    if (def.multiline) ctx.multiline.seqDepth = ctx.seqCount();
    if (def.compute) def.value = def.compute(ref.params);
    let replacedLen = def.name.length;
    let replacing: string;
    if (def.multiline) {
      const nl = def.value.indexOf('\n');
      replacing = nl < 0 ? def.value : def.value.slice(0, nl);
      // (No newline: a ~SEQ variable reusing a multi-line name; nothing follows.)
      nextPtr = { text: def.value, pos: nl < 0 ? def.value.length : nl + 1, ...ctx.where, col: ctx.where.col + cur };
      ptr = nextPtr;
    } else {
      if (ref.params !== undefined) replacedLen = ref.paramsEnd - (cur + 1) + (extra ? 0 : 1);
      replacing = def.value;
    }
    const total = replacedLen + 1 + extra;
    if (lenUsed + replacing.length - total >= maxLen) return result(false, { overflow: true });
    if (total > replacing.length && ref.params !== undefined) {
      // keepalived copies only the character after the '}' into place.
      const after = ref.paramsEnd + 2;
      const tail = after < text.length ? text[after] + text.slice(cur + replacing.length + 1) : '';
      if (after < text.length) mangled = true;
      text = text.slice(0, cur) + replacing + tail;
    } else {
      text = text.slice(0, cur) + replacing + text.slice(cur + total);
    }
    lenUsed += replacing.length - total;
    // A value starting with '~' (a ~SEQ in a definition) ends the scan.
    if (/^[ \t]*~/.test(def.value)) break;
  }
  return result(found);
}

const ULONG_MAX = (1n << 64n) - 1n;

/** strtoul() of a string of digits, saturating like C. */
function toUnsigned(digits: string): bigint {
  const v = BigInt(digits);
  return v > ULONG_MAX ? ULONG_MAX : v;
}

/** ${_RANDOM [MIN [MAX]]}: printed with at most as many digits as MAX has, like keepalived. */
export function randomValue(params: string | undefined, random: () => number): string {
  let min = 0n;
  let max = 32767n;
  if (params !== undefined) {
    const nums = params.trim().split(/ +/);
    min = toUnsigned(nums[0]);
    if (nums.length > 1) max = toUnsigned(nums[1]);
  }
  const mod = 1n << 64n;
  const range = (max - min + 1n + mod) % mod;
  const r = BigInt(random());
  let val = ((range === 0n ? r : r % range) + min) % mod;
  if (val >= 1n << 63n) val -= mod;
  const signedMax = max >= 1n << 63n ? max - mod : max;
  const width = (signedMax < 0n ? -signedMax : signedMax).toString().length;
  return val.toString().slice(0, width);
}
