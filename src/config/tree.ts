// Builds the block structure of a config from lexed lines: a statement is the
// words of one line, with the statements between a following '{' and its '}'
// as its block. Brace mistakes become problems here, with their locations,
// instead of a parse failure, so the rest of the file is still checked.
import { lexLine, type Token } from './lex.js';
import type { Loc, Problems } from './problems.js';
import { arrayLineSource, type LineSource, type SourceLine } from './source.js';

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
  /** Cache of stmtLoc(stmt). */
  keywordLoc?: Loc;
}

/** A block remembers its statement (a WeakMap of every block cost more than the lexing). */
type Block = Stmt[] & { owner?: Stmt };

function newBlock(owner: Stmt): Stmt[] {
  const block: Block = [];
  block.owner = owner;
  return block;
}

/** The statement whose block `body` is. */
export function ownerOf(body: readonly Stmt[]): Stmt | undefined {
  return (body as Block).owner;
}

/** Every statement gets all fields at once: one object shape keeps the reader's property reads fast. */
function newStmt(src: SourceLine, words: Token[]): Stmt {
  return { src, words, block: undefined, open: undefined, close: undefined, keywordLoc: undefined };
}

function truncate(tokens: Token[], length: number): Token[] {
  tokens.length = length;
  return tokens;
}

export function locOf(src: SourceLine, token?: Token): Loc {
  if (!token) return { file: src.file, line: src.line, col: src.col };
  return { file: src.file, line: src.line, col: src.col + token.s, endCol: src.col + token.e };
}

/** Location of word `index` of a statement (the keyword when omitted). */
export function stmtLoc(stmt: Stmt, index = 0): Loc {
  // The keyword's place is asked for several times per statement (the node,
  // its parent's locs, problems): one shared object, since Locs are never changed.
  if (index === 0) return (stmt.keywordLoc ??= locOf(stmt.src, stmt.words[0]));
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
  return [...topLevelStatements(arrayLineSource(lines), problems)];
}

/**
 * The top-level statements one at a time, each complete with its block, so
 * that a large config is read block by block and its tokens die young
 * (building the whole tree first doubled the memory and time of a 10,000
 * virtual server config).
 */
export function* topLevelStatements(lines: LineSource, problems: Problems): Generator<Stmt> {
  const root: Stmt[] = [];
  const stack: OpenBlock[] = [];
  let body = root;
  // The last statement of the current body, while a '{' may still attach to it.
  let last: Stmt | undefined;

  const addStatement = (src: SourceLine, words: Token[]): void => {
    for (const w of words) {
      if (w.k === 'u') {
        problems.error('unterminated-quote', locOf(src, w), `unterminated quoted string "${w.v}`, {
          hint: 'close the string with a double quote on the same line',
        });
      }
    }
    last = newStmt(src, words);
    body.push(last);
  };

  let yielded = 0;
  // A statement is dropped from `root` as it is handed out, so that its tree
  // dies young instead of surviving scavenges until the next splice.
  const takeRoot = (i: number): Stmt => {
    const stmt = root[i];
    (root as Array<Stmt | undefined>)[i] = undefined;
    return stmt;
  };
  for (let src = lines.nextLine(); src !== undefined; src = lines.nextLine()) {
    // Everything before the last top-level statement is complete: a '{' can only attach to the last one.
    if (root.length - yielded > 1) {
      while (root.length - yielded > 1) yield takeRoot(yielded++);
      if (yielded > 1024) {
        root.splice(0, yielded);
        yielded = 0;
      }
    }
    const tokens = lexLine(src.text);
    let from = 0;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      if (token.k !== '{' && token.k !== '}') continue;
      // A line that ends with its only brace ("real_server ... {") keeps its token array.
      if (i > from) addStatement(src, from === 0 && i === tokens.length - 1 ? truncate(tokens, i) : tokens.slice(from, i));
      from = i + 1;
      if (token.k === '{') {
        if (last && !last.block) {
          last.block = newBlock(last);
          last.open = { src, token };
          stack.push({ owner: last, body });
          body = last.block;
        } else {
          problems.error('stray-open-brace', locOf(src, token), "'{' does not follow a keyword that opens a block", {
            hint: "put the keyword before '{', or remove the '{'",
          });
          const orphan = newStmt(src, [{ k: 'w', v: '{', s: token.s, e: token.e }]);
          orphan.open = { src, token };
          orphan.block = newBlock(orphan);
          body.push(orphan);
          stack.push({ owner: orphan, body });
          body = orphan.block!;
        }
      } else {
        const open = stack.pop();
        if (!open) {
          problems.error('extra-close-brace', locOf(src, token), "extra '}' with no block to close", {
            hint: "remove this '}', or look above for a block that was closed too early",
          });
        } else {
          open.owner.close = { src, token };
          body = open.body;
        }
      }
      last = undefined;
    }
    if (from === 0) {
      if (tokens.length > 0) addStatement(src, tokens);
    } else if (from < tokens.length) {
      addStatement(src, tokens.slice(from));
    }
  }
  while (yielded < root.length) yield takeRoot(yielded++);
  for (let i = stack.length - 1; i >= 0; i--) {
    const { owner } = stack[i];
    const at = owner.open ? locOf(owner.open.src, owner.open.token) : stmtLoc(owner);
    const what = owner.words[0]?.v === '{' ? 'block' : `'${owner.words.map((w) => w.v).join(' ')}'`;
    problems.error('unclosed-block', at, `${what} is never closed: missing '}'`, {
      hint: `add '}' to close the block opened at line ${at.line}`,
    });
  }
}
