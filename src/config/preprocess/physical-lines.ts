// keepalived reads its files with fgets() into a 1024-byte buffer: a line of
// more than 1023 bytes (newline included) arrives as several lines, each
// processed on its own; a NUL byte ends the line early (strlen); trailing
// CR and LF characters are dropped. We reproduce that, but keep true line
// numbers and columns for every piece.

/** fgets() buffer size used by keepalived (MAXBUF). */
export const MAXBUF = 1024;

export interface RawLine {
  /** The text keepalived sees (CR stripped, cut at a NUL). */
  text: string;
  line: number;
  /** 1-based column of text[0] in the physical line. */
  col: number;
  /** Set on the pieces of a line longer than keepalived's buffer. */
  splitLong?: boolean;
  /** Set when a NUL byte cut the line. */
  cutAtNul?: boolean;
}

/** The physical lines of a file: what split('\n') gives, without the empty tail. */
export function physicalLines(content: string): string[] {
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function stripTrailingCr(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 13) end--;
  return end === text.length ? text : text.slice(0, end);
}

function cutAtNul(piece: RawLine): RawLine {
  const nul = piece.text.indexOf('\0');
  if (nul < 0) return piece;
  return { ...piece, text: stripTrailingCr(piece.text.slice(0, nul)), cutAtNul: true };
}

/** True when the line fits in one fgets() call. */
export function fitsBuffer(line: string, hasNewline: boolean): boolean {
  const extra = hasNewline ? 1 : 0;
  // UTF-16 length * 3 bounds the UTF-8 length, so most lines need no counting.
  if (line.length * 3 + extra < MAXBUF) return true;
  return Buffer.byteLength(line, 'utf8') + extra < MAXBUF;
}

/**
 * The pieces keepalived reads for one physical line (usually just one).
 * `hasNewline` is false only for a last line without a final newline.
 */
export function readPieces(line: string, lineNo: number, hasNewline: boolean): RawLine[] {
  if (fitsBuffer(line, hasNewline)) return [cutAtNul({ text: stripTrailingCr(line), line: lineNo, col: 1 })];
  const bytes = Buffer.from(line, 'utf8');
  const total = bytes.length + (hasNewline ? 1 : 0);
  const pieces: RawLine[] = [];
  let col = 1;
  for (let start = 0; start < total; start += MAXBUF - 1) {
    const end = Math.min(start + MAXBUF - 1, bytes.length);
    const text = start < bytes.length ? bytes.subarray(start, end).toString('utf8') : '';
    pieces.push(cutAtNul({ text: stripTrailingCr(text), line: lineNo, col, splitLong: true }));
    col += text.length;
  }
  return pieces;
}
