// One config file being read: its lines as keepalived's fgets() loop sees
// them, and the fast path that copies lines needing no preprocessing
// straight to the output.
import type { SourceLine } from '../source.js';
import { MAXBUF, readPieces, type RawLine } from './physical-lines.js';

/**
 * What makes a line need preprocessing: one of these characters, or the word
 * include. Every other line is copied to the output as written.
 */
const WORK_MARKS = ['$', '@', '~', '\\', '\0', 'include'];
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
  /**
   * Where each of WORK_MARKS next occurs at or after the read position
   * (content.length when nowhere): found by one indexOf per mark and
   * occurrence, instead of a regex test per line.
   */
  private readonly nextMark: number[];

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
    this.nextMark = WORK_MARKS.map(() => -1);
  }

  /** The first offset at or after `pos` where a line needing work may start its mark. */
  private firstMarkFrom(pos: number): number {
    const content = this.content;
    const marks = this.nextMark;
    let first = content.length;
    for (let m = 0; m < marks.length; m++) {
      let at = marks[m];
      if (at < pos) {
        at = content.indexOf(WORK_MARKS[m], pos);
        marks[m] = at = at < 0 ? content.length : at;
      }
      if (at < first) first = at;
    }
    return first;
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
    let mark = this.firstMarkFrom(pos);
    // A batch at a time, so that lines go on to the reader while they are young.
    for (let copied = 0; copied < PLAIN_BATCH && pos < content.length; copied++) {
      const end = this.lineEnd(pos);
      if (mark < end) {
        mark = this.firstMarkFrom(pos);
        if (mark < end) break;
      }
      if ((end - pos) * 3 >= MAXBUF - 1) break;
      let text = content.slice(pos, end);
      if (text.charCodeAt(text.length - 1) === CR) text = text.replace(/\r+$/, '');
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

const SPACE = 32;
const TAB = 9;
const CR = 13;
const HASH = 35;
const BANG = 33;

function isBlankOrComment(text: string): boolean {
  let i = 0;
  let c = text.charCodeAt(0);
  while (c === SPACE || c === TAB) c = text.charCodeAt(++i);
  return i >= text.length || c === HASH || c === BANG;
}
