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
const PLAIN_TOKEN = /[{}]|[^ \t\r{}]+/g;

export function lexLine(text: string): Token[] {
  if (!SPECIAL.test(text)) return lexPlain(text);
  return lexWithGrammar(text);
}

export function lexWithGrammar(text: string): Token[] {
  const lines = parseWithGrammar(text.replace(/\n/g, ' ')) as Token[][];
  return lines[0] ?? [];
}

function lexPlain(text: string): Token[] {
  const tokens: Token[] = [];
  PLAIN_TOKEN.lastIndex = 0;
  for (let m = PLAIN_TOKEN.exec(text); m !== null; m = PLAIN_TOKEN.exec(text)) {
    const v = m[0];
    const k: TokenKind = v === '{' ? '{' : v === '}' ? '}' : 'w';
    tokens.push({ k, v, s: m.index, e: m.index + v.length });
  }
  return tokens;
}
