// glob(3) as keepalived calls it for `include`: GLOB_BRACE | GLOB_MARK with
// its own opendir/lstat hooks, which count directories that could not be
// opened and literal names that do not exist. keepalived's messages depend
// on those counts, so we count the same things.
//
// glibc semantics kept here: `{a,b}` alternatives are globbed one after the
// other, each alternative's matches sorted on their own; `*`, `?` and `[...]`
// never match a leading '.'; '.' and '..' are directory entries like any
// other (so `.*` matches them); a backslash quotes the next character;
// directories get a trailing '/', and sorting sees that '/'.
import path from 'node:path';

export interface GlobFs {
  readDir(path: string): string[] | undefined;
  isDirectory(path: string): boolean;
  /** lstat() succeeds. */
  exists(path: string): boolean;
}

export interface GlobResult {
  /** Matches as glob(3) returns them: relative to the base when the pattern is; directories end in '/'. */
  matches: string[];
  /** Literal names (no wildcard) that did not exist. */
  missingFiles: number;
  /** Directories that could not be read while matching a wildcard. */
  missingDirs: number;
  /** A wildcard made glob read a directory. */
  haveWildcards: boolean;
  /** Matching was cut short: too many {a,b} alternatives or directory entries. */
  truncated: boolean;
}

/** More alternatives than this is surely a mistake; glob would take ages. */
const MAX_ALTERNATIVES = 1024;
/** Directory entries looked at per glob() call: a wildcard in every path component over a big tree must not run for minutes. */
const MAX_ENTRIES = 200_000;

/** `base` is the directory relative patterns start from ('' = process cwd). */
export function glob(pattern: string, base: string, fs: GlobFs): GlobResult {
  const result: GlobResult = { matches: [], missingFiles: 0, missingDirs: 0, haveWildcards: false, truncated: false };
  if (pattern === '') {
    result.missingFiles = 1;
    return result;
  }
  const alternatives = expandBraces(pattern);
  if (alternatives.length > MAX_ALTERNATIVES) {
    alternatives.length = MAX_ALTERNATIVES;
    result.truncated = true;
  }
  const walker = new Walker(base, fs, result);
  for (const alt of alternatives) result.matches.push(...walker.globOne(alt));
  return result;
}

/** True if the pattern has an unquoted '{' (keepalived then treats missing files as a brace problem). */
export function hasBrace(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === '{') return true;
  }
  return false;
}

/** True if the name has an unquoted *, ? or [ (glob must read the directory). */
export function hasWildcard(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

function unescape(name: string): string {
  return name.includes('\\') ? name.replace(/\\(.)/gs, '$1') : name;
}

/** Index of the '}' or top-level ',' ending the alternative starting at `from`, or -1. */
function nextBraceSub(p: string, from: number): number {
  let depth = 0;
  for (let i = from; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '}') {
      if (depth === 0) return i;
      depth--;
    } else if (c === ',' && depth === 0) return i;
    else if (c === '{') depth++;
  }
  return -1;
}

/** csh-style brace expansion, in order; an unbalanced brace is taken literally. */
export function expandBraces(pattern: string, limit = MAX_ALTERNATIVES + 1): string[] {
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === '{') {
      open = i;
      break;
    }
  }
  if (open < 0) return [pattern];
  const alts: string[] = [];
  let start = open + 1;
  let end = -1;
  for (;;) {
    const stop = nextBraceSub(pattern, start);
    if (stop < 0) return [pattern];
    alts.push(pattern.slice(start, stop));
    if (pattern[stop] === '}') {
      end = stop;
      break;
    }
    start = stop + 1;
  }
  const prefix = pattern.slice(0, open);
  const suffix = pattern.slice(end + 1);
  const out: string[] = [];
  for (const alt of alts) {
    for (const expanded of expandBraces(prefix + alt + suffix, limit - out.length)) {
      out.push(expanded);
      if (out.length >= limit) return out;
    }
  }
  return out;
}

class Walker {
  private entriesSeen = 0;

  constructor(
    private readonly base: string,
    private readonly fs: GlobFs,
    private readonly result: GlobResult,
  ) {}

  private fsPath(p: string): string {
    if (p === '') return this.base === '' ? '.' : this.base;
    if (path.isAbsolute(p) || this.base === '') return p;
    return path.join(this.base, p);
  }

  /** One alternative (no braces left to expand): sorted, directories marked. */
  globOne(pattern: string): string[] {
    const found = this.walk(pattern, false);
    const marked = found.map((m) => (!m.endsWith('/') && this.fs.isDirectory(this.fsPath(m)) ? `${m}/` : m));
    return marked.sort(byBytes);
  }

  private walk(pattern: string, onlyDirs: boolean): string[] {
    const slash = pattern.lastIndexOf('/');
    const dir = slash < 0 ? '' : slash === 0 ? '/' : pattern.slice(0, slash);
    const name = slash < 0 ? pattern : pattern.slice(slash + 1);
    if (name === '') {
      // "dir/": the directory itself, if it is one.
      const dirs = hasWildcard(dir) ? this.walk(dir, true) : [unescape(dir)];
      return dirs.filter((d) => this.fs.isDirectory(this.fsPath(d))).map((d) => (d.endsWith('/') ? d : `${d}/`));
    }
    const dirs = dir !== '' && dir !== '/' && hasWildcard(dir) ? this.walk(dir, true) : [unescape(dir)];
    const out: string[] = [];
    for (const d of dirs) out.push(...this.inDir(name, d, onlyDirs));
    return out;
  }

  private inDir(name: string, dir: string, onlyDirs: boolean): string[] {
    const join = (entry: string): string => (dir === '' ? entry : dir === '/' ? `/${entry}` : `${dir}/${entry}`);
    if (!hasWildcard(name)) {
      const full = join(unescape(name));
      if (!this.fs.exists(this.fsPath(full))) {
        this.result.missingFiles++;
        return [];
      }
      return onlyDirs && !this.fs.isDirectory(this.fsPath(full)) ? [] : [full];
    }
    this.result.haveWildcards = true;
    if (this.entriesSeen > MAX_ENTRIES) {
      this.result.truncated = true;
      return [];
    }
    const entries = this.fs.readDir(this.fsPath(dir));
    if (!entries) {
      this.result.missingDirs++;
      return [];
    }
    this.entriesSeen += entries.length;
    const matcher = compileName(name);
    const out: string[] = [];
    for (const entry of ['.', '..', ...entries]) {
      if (!matcher(entry)) continue;
      const full = join(entry);
      if (onlyDirs && !this.fs.isDirectory(this.fsPath(full))) continue;
      out.push(full);
    }
    return out;
  }
}

/** C-locale strcmp order (UTF-16 order agrees with it for all but astral characters). */
function byBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const CLASSES: Record<string, (c: number) => boolean> = {
  alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  digit: (c) => c >= 48 && c <= 57,
  alnum: (c) => CLASSES.alpha(c) || CLASSES.digit(c),
  upper: (c) => c >= 65 && c <= 90,
  lower: (c) => c >= 97 && c <= 122,
  space: (c) => c === 32 || (c >= 9 && c <= 13),
  blank: (c) => c === 32 || c === 9,
  punct: (c) => c > 32 && c < 127 && !CLASSES.alnum(c),
  xdigit: (c) => CLASSES.digit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
  cntrl: (c) => c < 32 || c === 127,
  print: (c) => c >= 32 && c < 127,
  graph: (c) => c > 32 && c < 127,
};

/** One element of a name pattern: '*', or something that matches one character. */
type Element = '*' | ((c: number) => boolean);

/**
 * fnmatch(pattern, name, FNM_PERIOD) for one path component. Matching is
 * the classic star-backtracking walk (O(name x pattern)), not a RegExp,
 * so that no pattern can make it take exponential time.
 */
export function compileName(pattern: string): (name: string) => boolean {
  const elements: Element[] = [];
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < n) {
      const code = pattern.charCodeAt(i + 1);
      elements.push((x) => x === code);
      i += 2;
    } else if (c === '*') {
      if (elements[elements.length - 1] !== '*') elements.push('*');
      i++;
    } else if (c === '?') {
      elements.push(() => true);
      i++;
    } else {
      const bracket = c === '[' ? parseBracket(pattern, i) : undefined;
      if (bracket) {
        elements.push(bracket.test);
        i = bracket.end;
      } else {
        const code = pattern.charCodeAt(i);
        elements.push((x) => x === code);
        i++;
      }
    }
  }
  // FNM_PERIOD: only a literal '.' matches a leading '.'.
  const leadingDotLiteral = pattern.startsWith('.') || pattern.startsWith('\\.');
  return (name) => (name.startsWith('.') && !leadingDotLiteral ? false : matchElements(elements, name));
}

function matchElements(elements: Element[], name: string): boolean {
  let e = 0;
  let s = 0;
  let starE = -1;
  let starS = 0;
  while (s < name.length) {
    const el = elements[e];
    if (el === '*') {
      starE = e++;
      starS = s;
    } else if (el !== undefined && el(name.charCodeAt(s))) {
      e++;
      s++;
    } else if (starE >= 0) {
      e = starE + 1;
      s = ++starS;
    } else return false;
  }
  while (elements[e] === '*') e++;
  return e === elements.length;
}

/** A [...] expression starting at `open`, or undefined when it is not closed (then '[' is literal). */
function parseBracket(p: string, open: number): { test: (c: number) => boolean; end: number } | undefined {
  let i = open + 1;
  let negate = false;
  if (p[i] === '!' || p[i] === '^') {
    negate = true;
    i++;
  }
  const tests: ((c: number) => boolean)[] = [];
  let first = true;
  while (i < p.length) {
    let c = p.charCodeAt(i);
    if (p[i] === ']' && !first) {
      return { test: (x) => tests.some((t) => t(x)) !== negate, end: i + 1 };
    }
    first = false;
    if (p[i] === '[' && p[i + 1] === ':') {
      const close = p.indexOf(':]', i + 2);
      const cls = close < 0 ? undefined : CLASSES[p.slice(i + 2, close)];
      if (cls !== undefined && Object.hasOwn(CLASSES, p.slice(i + 2, close))) {
        tests.push(cls);
        i = close + 2;
        continue;
      }
    }
    if (p[i] === '\\' && i + 1 < p.length) {
      i++;
      c = p.charCodeAt(i);
    }
    i++;
    if (p[i] === '-' && i + 1 < p.length && p[i + 1] !== ']') {
      let to = p.charCodeAt(i + 1);
      i += 2;
      if (to === 92 && i < p.length) to = p.charCodeAt(i++);
      const from = c;
      tests.push((x) => x >= from && x <= to);
    } else {
      const only = c;
      tests.push((x) => x === only);
    }
  }
  return undefined;
}
