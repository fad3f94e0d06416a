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

/** What a character is to the fast path: part of a word, a blank, a brace, or the grammar's business. */
const WORD = 0;
const BLANK = 1;
const BRACE = 2;
/** A quote, a comment or an escape. */
const SPECIAL = 3;

/** The class of each ASCII character (all others are WORD): one load per character instead of eight comparisons. */
const CLASS = new Uint8Array(128);
for (const c of ' \t\r') CLASS[c.charCodeAt(0)] = BLANK;
for (const c of '{}') CLASS[c.charCodeAt(0)] = BRACE;
for (const c of '"#!\\') CLASS[c.charCodeAt(0)] = SPECIAL;

const OPEN = 123;

const scratch: Token[] = [];

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
    const cls = c < 128 ? CLASS[c] : WORD;
    if (cls === BLANK) {
      i++;
    } else if (cls === WORD) {
      const start = i;
      for (;;) {
        if (++i >= n) break;
        const d = text.charCodeAt(i);
        const k = d < 128 ? CLASS[d] : WORD;
        if (k === WORD) continue;
        if (k === SPECIAL) return undefined;
        break;
      }
      tokens[count++] = { k: 'w', v: text.slice(start, i), s: start, e: i };
    } else if (cls === BRACE) {
      const v = c === OPEN ? '{' : '}';
      tokens[count++] = { k: v, v, s: i, e: i + 1 };
      i++;
    } else {
      return undefined;
    }
  }
  return tokens.slice(0, count);
}
