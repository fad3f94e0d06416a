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
  private readonly content: string;
  /** Offset in content of the first line not read yet. */
  private pos = 0;
  /** Lines read so far: the next line is number lineNo + 1. */
  private lineNo = 0;
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
    // Lines are cut out of the content as they are read, not split up front:
    // 10^5 line strings made at once outlive several young-generation
    // collections, each of which copies them (measured: about 10 MB less promoted
    // for a 300,000-line config).
    this.content = content;
  }

  /** Where the line at `pos` ends (its '\n', or the end of the content). */
  private lineEnd(pos: number): number {
    const nl = this.content.indexOf('\n', pos);
    return nl < 0 ? this.content.length : nl;
  }

  /**
   * The hot path: nearly every line of a big config needs no work and goes
   * to the output as written (the lexer strips its comment). Kept small so
   * that V8 optimises the loop early. Stops before the first line that needs work.
   */
  copyPlainLines(out: SourceLine[]): void {
    if (this.pending.length) return;
    const content = this.content;
    const file = this.path;
    let pos = this.pos;
    let lineNo = this.lineNo;
    // A batch at a time, so that lines go on to the reader while they are young.
    for (let copied = 0; copied < PLAIN_BATCH && pos < content.length; copied++) {
      const end = this.lineEnd(pos);
      let text = content.slice(pos, end);
      if (text.length * 3 >= MAXBUF - 1 || NEEDS_WORK.test(text)) break;
      if (text.charCodeAt(text.length - 1) === 13) text = text.replace(/\r+$/, '');
      lineNo++;
      if (!isBlankOrComment(text)) out.push({ text, file, line: lineNo, col: 1, expanded: false });
      pos = end + 1;
    }
    this.pos = pos;
    this.lineNo = lineNo;
  }

  /**
   * The next piece keepalived reads, or undefined at the end. `problem` hears
   * about a line split for its length and about the first NUL byte.
   */
  nextPiece(problem: (code: 'line-too-long' | 'nul-byte', piece: RawLine, count: number) => void): RawLine | undefined {
    let piece = this.pending.shift();
    if (!piece) {
      if (this.pos >= this.content.length) return undefined;
      const end = this.lineEnd(this.pos);
      const line = this.content.slice(this.pos, end);
      this.pos = end + 1;
      const pieces = readPieces(line, ++this.lineNo, end < this.content.length);
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
