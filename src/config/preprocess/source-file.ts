// One config file being read: its lines as keepalived's fgets() loop sees
// them, and the fast path that copies lines needing no preprocessing
// straight to the output.
import type { SourceLine } from '../source.js';
import { MAXBUF, readPieces, type RawLine } from './physical-lines.js';

/** Lines that need none of the preprocessing steps: no $ @ ~ \ NUL and no include. */
const NEEDS_WORK = /[$@~\\\0]|include/;
/** Plain lines copied per call (the line after a batch takes the ordinary path). */
const PLAIN_BATCH = 512;

export class SourceFile {
  private readonly lines: string[];
  private readonly endsWithNewline: boolean;
  private index = 0;
  /** The rest of a line longer than keepalived's buffer. */
  private pending: RawLine[] = [];
  private nulNoted = false;

  constructor(
    /** The path as shown to the user (and given to the file system). */
    readonly path: string,
    /** Absolute path, to recognise include loops. */
    readonly key: string,
    content: string,
  ) {
    this.lines = content.split('\n');
    this.endsWithNewline = this.lines[this.lines.length - 1] === '';
    if (this.endsWithNewline) this.lines.pop();
  }

  /**
   * The hot path: nearly every line of a big config needs no work and goes
   * to the output as written (the lexer strips its comment). Kept small so
   * that V8 optimises the loop early. Stops before the first line that needs work.
   */
  copyPlainLines(out: SourceLine[]): void {
    if (this.pending.length) return;
    const lines = this.lines;
    const file = this.path;
    let i = this.index;
    // A batch at a time, so that lines go on to the reader while they are young.
    const end = Math.min(lines.length, i + PLAIN_BATCH);
    for (; i < end; i++) {
      let text = lines[i];
      if (text.length * 3 >= MAXBUF - 1 || NEEDS_WORK.test(text)) break;
      if (text.charCodeAt(text.length - 1) === 13) text = text.replace(/\r+$/, '');
      if (!isBlankOrComment(text)) out.push({ text, file, line: i + 1, col: 1, expanded: false });
    }
    this.index = i;
  }

  /**
   * The next piece keepalived reads, or undefined at the end. `problem` hears
   * about a line split for its length and about the first NUL byte.
   */
  nextPiece(problem: (code: 'line-too-long' | 'nul-byte', piece: RawLine, count: number) => void): RawLine | undefined {
    let piece = this.pending.shift();
    if (!piece) {
      if (this.index >= this.lines.length) return undefined;
      const lineNo = ++this.index;
      const pieces = readPieces(this.lines[lineNo - 1], lineNo, lineNo < this.lines.length || this.endsWithNewline);
      if (pieces.length > 1) problem('line-too-long', pieces[1], pieces.length);
      piece = pieces[0];
      this.pending = pieces.slice(1);
    }
    if (piece.cutAtNul && !this.nulNoted) {
      this.nulNoted = true;
      problem('nul-byte', piece, 1);
    }
    return piece;
  }
}

function isBlankOrComment(text: string): boolean {
  let i = 0;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i >= text.length || text[i] === '#' || text[i] === '!';
}
