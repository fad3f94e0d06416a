// How keepalived 2.2.7 splits a script line into words (its
// alloc_strvec_quoted_escaped): blanks separate words; single and double
// quotes group, and backslash escapes work everywhere (\n, \t, \xHH, \ooo,
// \cX, ...). Script keywords are split twice: the line after the keyword
// gives [command, user, group], and the command gives the program and its
// arguments. Pure; used by the script keywords and by script security.

export type SplitResult = { ok: true; words: string[] } | { ok: false; reason: 'unterminated-quote'; quote: string } | { ok: false; reason: 'trailing-backslash' };

const BLANKS = ' \t\f\n\r\v';
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';

/** Reads the escape at text[i] (just after the backslash); returns the character and the next index. */
function readEscape(text: string, i: number): [string, number] {
  const c = text[i];
  if (c === 'x' && isHex(text[i + 1])) {
    let code = 0;
    i++;
    while (isHex(text[i])) code = ((code << 4) | parseInt(text[i++], 16)) & 0xff;
    return [String.fromCharCode(code), i];
  }
  if (c === 'c' && i + 1 < text.length) return [String.fromCharCode(text.charCodeAt(i + 1) & 0x1f), i + 2];
  if (isOctal(c)) {
    let code = 0;
    let n = 0;
    while (n < 3 && isOctal(text[i])) {
      code = (code << 3) + Number(text[i++]);
      n++;
    }
    return [String.fromCharCode(code & 0xff), i];
  }
  return [SIMPLE_ESCAPES[c] ?? c, i + 1];
}

export function splitQuotedEscaped(text: string): SplitResult {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && BLANKS.includes(text[i])) i++;
    if (i >= text.length) break;
    let word = '';
    let quote = '';
    while (i < text.length) {
      const c = text[i];
      if (c === '\\') {
        if (i + 1 >= text.length) return { ok: false, reason: 'trailing-backslash' };
        const [ch, next] = readEscape(text, i + 1);
        word += ch;
        i = next;
      } else if (quote) {
        if (c === quote) quote = '';
        else word += c;
        i++;
      } else if (c === '"' || c === "'") {
        quote = c;
        i++;
      } else if (BLANKS.includes(c)) {
        break;
      } else {
        word += c;
        i++;
      }
    }
    if (quote) return { ok: false, reason: 'unterminated-quote', quote };
    words.push(word);
  }
  return { ok: true, words };
}

/** A script line as keepalived reads it. */
export interface ScriptLine {
  /** Program and arguments. */
  args: string[];
  /** User and group written after the command (for keywords that take them). */
  user?: string;
  group?: string;
}

/**
 * Splits the text after a script keyword. With `inlineUser`, the second and
 * third words name the user and group (notify scripts, startup_script, ...);
 * otherwise they are ignored (vrrp_script's script, misc_path).
 */
export function parseScriptLine(command: string, inlineUser: boolean): { ok: true; line: ScriptLine } | Exclude<SplitResult, { ok: true }> {
  const outer = splitQuotedEscaped(command);
  if (!outer.ok) return outer;
  const inner = splitQuotedEscaped(outer.words[0] ?? '');
  if (!inner.ok) return inner;
  const line: ScriptLine = { args: inner.words };
  if (inlineUser && outer.words.length > 1) {
    line.user = outer.words[1];
    if (outer.words.length > 2) line.group = outer.words[2];
  }
  return { ok: true, line };
}
