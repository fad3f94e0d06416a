// The number a track_file holds, read as keepalived 2.2.7 reads it
// (track_file.c process_track_file): the first 127 bytes through strtol with
// base 0 (leading blanks and a sign allowed; 0x.. hexadecimal, 0.. octal;
// anything after the number ignored; no number at all is 0), clamped to
// -254..254. A missing or unreadable file counts as 0. Pure.

const MAX_BYTES = 127;
const LIMIT = 254;

export function parseTrackFileValue(content: string | Buffer | undefined): number {
  if (content === undefined) return 0;
  const text = (typeof content === 'string' ? content : content.toString('latin1')).slice(0, MAX_BYTES);
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (!m) return 0;
  const digits = m[2];
  let magnitude: number;
  if (/^0[xX]/.test(digits)) magnitude = parseInt(digits.slice(2), 16);
  else if (digits.length > 1 && digits.startsWith('0')) magnitude = parseInt(digits.slice(1), 8);
  else magnitude = parseInt(digits, 10);
  const value = m[1] === '-' ? -magnitude : magnitude;
  return Math.max(-LIMIT, Math.min(LIMIT, value));
}
