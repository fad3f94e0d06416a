// Builds the block structure of a config from lexed lines: a statement is the
// words of one line, with the statements between a following '{' and its '}'
// as its block. Brace mistakes become problems here, with their locations,
// instead of a parse failure, so the rest of the file is still checked.
import { lexLine, type Token } from './lex.js';
import type { Loc, Problems } from './problems.js';
import type { SourceLine } from './source.js';

export interface BraceRef {
  src: SourceLine;
  token: Token;
}

export interface Stmt {
  src: SourceLine;
  /** Words and quoted strings of the statement; words[0] is the keyword. */
  words: Token[];
  /** Statements between '{' and '}' when the keyword was followed by a block. */
  block?: Stmt[];
  /** Where the block's '{' stands (it may be on a later line than the keyword). */
  open?: BraceRef;
  /** Where the block's '}' stands; absent when the block is never closed. */
  close?: BraceRef;
}

const owners = new WeakMap<readonly Stmt[], Stmt>();

/** The statement whose block `body` is. */
export function ownerOf(body: readonly Stmt[]): Stmt | undefined {
  return owners.get(body);
}

export function locOf(src: SourceLine, token?: Token): Loc {
  if (!token) return { file: src.file, line: src.line, col: src.col };
  return { file: src.file, line: src.line, col: src.col + token.s, endCol: src.col + token.e };
}

/** Location of word `index` of a statement (the keyword when omitted). */
export function stmtLoc(stmt: Stmt, index = 0): Loc {
  return locOf(stmt.src, stmt.words[index] ?? stmt.words[stmt.words.length - 1]);
}

export function keywordOf(stmt: Stmt): string {
  return stmt.words[0]?.v ?? '';
}

interface OpenBlock {
  owner: Stmt;
  body: Stmt[];
}

export function buildTree(lines: readonly SourceLine[], problems: Problems): Stmt[] {
  const root: Stmt[] = [];
  const stack: OpenBlock[] = [];
  let body = root;
  // The last statement of the current body, while a '{' may still attach to it.
  let last: Stmt | undefined;

  for (const src of lines) {
    const tokens = lexLine(src.text);
    let words: Token[] = [];
    const flush = (): void => {
      if (words.length === 0) return;
      if (words[0].k === 'u' || words.some((w) => w.k === 'u')) {
        const bad = words.find((w) => w.k === 'u')!;
        problems.error('unterminated-quote', locOf(src, bad), `unterminated quoted string "${bad.v}`, {
          hint: 'close the string with a double quote on the same line',
        });
      }
      last = { src, words };
      body.push(last);
      words = [];
    };
    for (const token of tokens) {
      if (token.k === '{') {
        flush();
        if (last && !last.block) {
          last.block = [];
          owners.set(last.block, last);
          last.open = { src, token };
          stack.push({ owner: last, body });
          body = last.block;
        } else {
          problems.error('stray-open-brace', locOf(src, token), "'{' does not follow a keyword that opens a block", {
            hint: "put the keyword before '{', or remove the '{'",
          });
          const orphan: Stmt = { src, words: [{ k: 'w', v: '{', s: token.s, e: token.e }], block: [], open: { src, token } };
          owners.set(orphan.block!, orphan);
          body.push(orphan);
          stack.push({ owner: orphan, body });
          body = orphan.block!;
        }
        last = undefined;
      } else if (token.k === '}') {
        flush();
        const open = stack.pop();
        if (!open) {
          problems.error('extra-close-brace', locOf(src, token), "extra '}' with no block to close", {
            hint: "remove this '}', or look above for a block that was closed too early",
          });
        } else {
          open.owner.close = { src, token };
          body = open.body;
        }
        last = undefined;
      } else {
        words.push(token);
      }
    }
    flush();
  }
  for (let i = stack.length - 1; i >= 0; i--) {
    const { owner } = stack[i];
    const at = owner.open ? locOf(owner.open.src, owner.open.token) : stmtLoc(owner);
    const what = owner.words[0]?.v === '{' ? 'block' : `'${owner.words.map((w) => w.v).join(' ')}'`;
    problems.error('unclosed-block', at, `${what} is never closed: missing '}'`, {
      hint: `add '}' to close the block opened at line ${at.line}`,
    });
  }
  return root;
}
