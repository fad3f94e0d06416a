// The include directive and its strictness. keepalived 2.2.7 knows `include`
// and, with a one-letter suffix, includer / includem / includew / includeb /
// includea; `-e` and the global `include_check` keyword make plain includes
// strict too. Each level decides which file problems stop keepalived (with
// -t it then exits 6, measured) instead of only being mentioned (exit 0).

/** Error if a match is a directory, unreadable, not a regular non-executable file. */
export const CHECK_READ = 0x01;
/** Error if a name without wildcards does not exist. */
export const CHECK_MATCH = 0x02;
/** Error if a wildcard matches nothing. */
export const CHECK_WILDCARD = 0x04;
/** Error if one alternative of a {a,b} pattern is missing (and then nothing is included). */
export const CHECK_BRACE = 0x08;
export const CHECK_ALL = CHECK_READ | CHECK_MATCH | CHECK_WILDCARD | CHECK_BRACE;

const SUFFIX_LEVELS: Record<string, number> = {
  r: CHECK_READ,
  m: CHECK_READ | CHECK_MATCH,
  w: CHECK_READ | CHECK_MATCH | CHECK_WILDCARD,
  b: CHECK_READ | CHECK_BRACE,
  a: CHECK_ALL,
};

export interface IncludeDirective {
  /** CHECK_* bits of the directive itself. */
  level: number;
  /** The glob pattern: the rest of the line, spaces and quotes included. */
  pattern: string;
  /** Offset of the pattern in the line. */
  patternAt: number;
}

/** C isspace() in the C locale. */
const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';

/** keepalived's test for an include line (after its other preprocessing). */
export function parseInclude(line: string): IncludeDirective | undefined {
  if (!line.startsWith('include') || line.length === 7) return undefined;
  let level: number;
  let at: number;
  if (isSpace(line[7])) {
    level = 0;
    at = 8;
  } else if (SUFFIX_LEVELS[line[7]] !== undefined && isSpace(line[8])) {
    level = SUFFIX_LEVELS[line[7]];
    at = 9;
  } else return undefined;
  while (line[at] === ' ' || line[at] === '\t') at++;
  return { level, pattern: line.slice(at), patternAt: at };
}

/**
 * The include_check value after a `include_check [+|-]WORD...` line, as
 * keepalived's global_defs handler computes it (unknown words are ignored;
 * reporting them is the global_defs reader's job).
 */
export function applyIncludeCheck(current: number, words: readonly string[]): number {
  if (words.length === 0) return CHECK_ALL;
  const names: Record<string, number> = {
    read: CHECK_READ,
    match: CHECK_MATCH,
    wildcard_match: CHECK_WILDCARD,
    brace_match: CHECK_BRACE,
  };
  let value = current;
  words.forEach((word, i) => {
    const sign = word[0] === '-' || word[0] === '+' ? word[0] : '';
    if (!sign) {
      if (i > 0) return;
      value = 0;
    }
    const flag = names[sign ? word.slice(1) : word] ?? 0;
    if (!flag) return;
    if (!sign) value = CHECK_READ | flag;
    else if (sign === '+') value |= flag;
    else value &= ~flag;
  });
  return value;
}
