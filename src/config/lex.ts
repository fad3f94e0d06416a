// Splits preprocessed lines into tokens. The grammar in grammar/keepalived.peggy
// is the definition; lines made only of plain words and braces (nearly all
// lines of a real config) take a regex fast path that yields the same tokens
// (test/config/lex.test.ts checks the two agree), because the generated
// parser costs a few microseconds per line and large configs have 10^5+ lines.
import { parse as parseWithGrammar } from './generated/parser.js';

export type TokenKind = 'w' | 'q' | 'u' | '{' | '}';

export interface Token {
  /** w word, q "quoted", u unterminated "quote, { or }. */
  k: TokenKind;
  /** Text without the quotes. */
  v: string;
  /** 0-based offsets in the line: start, and end (exclusive, quotes included). */
  s: number;
  e: number;
}

export function lexLine(text: string): Token[] {
  return lexPlain(text) ?? lexWithGrammar(text);
}

export function lexWithGrammar(text: string): Token[] {
  const lines = parseWithGrammar(text.replace(/\n/g, ' ')) as Token[][];
  return lines[0] ?? [];
}

const SPACE = 32;
const TAB = 9;
const CR = 13;
const OPEN = 123;
const CLOSE = 125;
const QUOTE = 34;
const HASH = 35;
const BANG = 33;
const BACKSLASH = 92;

const scratch: Token[] = [];

/** A quote, a comment or an escape: the grammar's business. */
function isSpecial(c: number): boolean {
  return c === QUOTE || c === HASH || c === BANG || c === BACKSLASH;
}

/**
 * Words separated by blanks, and braces; a hand-written scanner because this
 * runs once per line. Undefined when the line holds a character only the
 * grammar handles.
 */
function lexPlain(text: string): Token[] | undefined {
  // Tokens are gathered in one scratch array and copied out at their exact
  // count: an array grown by push reserves 16 slots, 9 times what a typical
  // line needs, and there is one per line.
  const tokens = scratch;
  let count = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpecial(c)) return undefined;
    if (c === SPACE || c === TAB || c === CR) {
      i++;
    } else if (c === OPEN || c === CLOSE) {
      const v = c === OPEN ? '{' : '}';
      tokens[count++] = { k: v, v, s: i, e: i + 1 };
      i++;
    } else {
      const start = i;
      let d = c;
      while (i < n && d !== SPACE && d !== TAB && d !== CR && d !== OPEN && d !== CLOSE) {
        if (isSpecial(d)) return undefined;
        d = text.charCodeAt(++i);
      }
      tokens[count++] = { k: 'w', v: text.slice(start, i), s: start, e: i };
    }
  }
  return tokens.slice(0, count);
}
