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

const SPECIAL = /["#!\\]/;

export function lexLine(text: string): Token[] {
  if (!SPECIAL.test(text)) return lexPlain(text);
  return lexWithGrammar(text);
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

/** Words separated by blanks, and braces; a hand-written scanner because this runs once per line. */
function lexPlain(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === SPACE || c === TAB || c === CR) {
      i++;
    } else if (c === OPEN || c === CLOSE) {
      const v = c === OPEN ? '{' : '}';
      tokens.push({ k: v, v, s: i, e: i + 1 });
      i++;
    } else {
      const start = i;
      let d = c;
      while (i < n && d !== SPACE && d !== TAB && d !== CR && d !== OPEN && d !== CLOSE) d = text.charCodeAt(++i);
      tokens.push({ k: 'w', v: text.slice(start, i), s: start, e: i });
    }
  }
  return tokens;
}
