// FILE_CHECK: the real server follows a number in a file named by a
// track_file block (keepalived's track_file.c, check_file.c).
//
// The file's first 127 bytes are read as a C integer (strtol base 0: leading
// blanks, a sign, 0x for hex, a leading 0 for octal; what follows the number
// is ignored, no number at all is 0). A missing file counts as 0. A number
// outside the 32-bit range is ignored and the last value stays.
// - weight 0: the checker is down while the value is non-zero (with reverse:
//   while it is zero).
// - any other weight: the checker stays up and the real server's weight moves
//   by value x weight (negated with reverse), from its configured weight.
// keepalived watches the file with inotify; here the file is read at every
// check (index.ts runs FILE_CHECK every second without retries).
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import type { Checker, CheckResult } from './types.js';

/** keepalived's IPVS_WEIGHT_MAX. */
const WEIGHT_MAX = 2147483647;

/** strtol(text, NULL, 0) as glibc reads it; undefined when it overflows a 64-bit long. */
export function parseCLong(text: string): number | undefined {
  const m = /^[\t\n\v\f\r ]*([+-]?)(0[xX](?=[0-9a-fA-F])[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)?/.exec(text)!;
  const digits = m[2];
  if (digits === undefined) return 0;
  const radix = /^0[xX]/.test(digits) ? 16 : digits.length > 1 && digits.startsWith('0') ? 8 : 10;
  const body = radix === 16 ? digits.slice(2) : digits;
  const big = BigInt(radix === 16 ? `0x${body}` : radix === 8 ? `0o${body}` : body) * (m[1] === '-' ? -1n : 1n);
  if (big > 2n ** 63n - 1n || big < -(2n ** 63n)) return undefined;
  return Number(big);
}

/** The value a track file holds now: undefined when it holds an invalid number. */
export function readTrackFileValue(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0; // missing or unreadable: 0, as keepalived
  }
  try {
    const buf = Buffer.alloc(127);
    const n = readSync(fd, buf, 0, buf.length, 0);
    if (n <= 0) return 0;
    const v = parseCLong(buf.subarray(0, n).toString('latin1'));
    if (v === undefined || v < -(2 ** 31) || v > 2 ** 31) return undefined;
    return v;
  } catch {
    return 0;
  } finally {
    closeSync(fd);
  }
}

export interface FileCheckOptions {
  /** The track_file's name, for messages. */
  trackName: string;
  path: string;
  /** Multiplier; 0 means up / down. */
  weight: number;
  reverse: boolean;
  /** The real server's configured weight, which a non-zero weight moves from. */
  baseWeight: number;
  /** track_file's init_file: write this value at the first check if the file is missing (or always with overwrite). */
  init?: { value: number; overwrite: boolean };
}

/** The verdict for a value. */
export function fileVerdict(value: number, o: Pick<FileCheckOptions, 'trackName' | 'path' | 'weight' | 'reverse' | 'baseWeight'>): CheckResult {
  const where = `FILE ${o.trackName} (${o.path}) = ${value}`;
  if (o.weight === 0) {
    const fault = (value !== 0) !== o.reverse;
    return fault
      ? { ok: false, reason: `${where}: ${o.reverse ? 'zero (reverse)' : 'non-zero'}` }
      : { ok: true, reason: `${where}` };
  }
  const delta = clamp(value * o.weight * (o.reverse ? -1 : 1), -WEIGHT_MAX, WEIGHT_MAX);
  const weight = clamp(o.baseWeight + delta, 0, WEIGHT_MAX);
  return { ok: true, reason: `${where}: weight ${o.baseWeight} ${delta < 0 ? '-' : '+'} ${Math.abs(delta)} = ${weight}`, weight };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

export class FileChecker implements Checker {
  readonly type = 'FILE_CHECK';
  readonly target: string;
  private last = 0;
  private initialised = false;

  constructor(private readonly options: FileCheckOptions) {
    this.target = options.path;
  }

  run(signal: AbortSignal): Promise<CheckResult> {
    const o = this.options;
    if (signal.aborted) return Promise.resolve({ ok: false, reason: `FILE ${o.trackName}: aborted` });
    if (!this.initialised) {
      this.initialised = true;
      if (o.init) {
        try {
          writeFileSync(o.path, `${o.init.value}\n`, { flag: o.init.overwrite ? 'w' : 'wx' });
        } catch {
          // Exists already (no overwrite), or cannot be written: read what is there.
        }
      }
    }
    const value = readTrackFileValue(o.path);
    const result = fileVerdict(value ?? this.last, o);
    if (value === undefined) return Promise.resolve({ ...result, reason: `${result.reason} (invalid number in the file ignored)` });
    this.last = value;
    return Promise.resolve(result);
  }
}
