// ~SEQ and ~LST line loops (keepalived 2.2.7, measured):
//   ~SEQ(var, end) / ~SEQ(var, start, end) / ~SEQ(var, start, step, end) TEXT
//   ~SEQx(...) prints hex (positive numbers only)
//   ~LST(var, v1, v2, ...) / ~LST({a,b}, {1,2}, {3,4}) TEXT
// repeat TEXT once per value with the variable(s) defined. Numbers are read
// like strtol(s, 0): 0x.. is hex, a leading 0 is octal ("08" is invalid).
// With one number, start and step are 1 (or -1 towards a negative end).
// The ~SEQ numbers may use $NAME; ~LST values are taken as written.

export type Sequence =
  | { kind: 'seq'; name: string; next: bigint; last: bigint; step: bigint; hex: boolean; text: string }
  | { kind: 'lst'; names: string[]; sets: string[][]; index: number; text: string };

export type SequenceParse = { ok: true; seq: Sequence } | { ok: false; problem: string; hint?: string };

export const LONG_MAX = (1n << 63n) - 1n;
export const LONG_MIN = -(1n << 63n);
/** keepalived copies the ~SEQ numbers into a 64-byte buffer. */
const SEQ_BUF = 64;

const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
const blanks = (s: string, p: number): number => {
  while (s[p] === ' ' || s[p] === '\t') p++;
  return p;
};
const upTo = (s: string, p: number, stops: string): number => {
  while (p < s.length && !stops.includes(s[p])) p++;
  return p;
};

/** strtol(s + at, &end, 0), saturating at the C long range. */
export function strtol(s: string, at: number): { value: bigint; end: number } {
  let p = at;
  while (isSpace(s[p])) p++;
  let negative = false;
  if (s[p] === '+' || s[p] === '-') {
    negative = s[p] === '-';
    p++;
  }
  let radix = 10;
  if (s[p] === '0' && (s[p + 1] === 'x' || s[p + 1] === 'X') && /[0-9a-fA-F]/.test(s[p + 2] ?? '')) {
    radix = 16;
    p += 2;
  } else if (s[p] === '0') radix = 8;
  const digit = radix === 16 ? /[0-9a-fA-F]/ : radix === 8 ? /[0-7]/ : /[0-9]/;
  const start = p;
  while (p < s.length && digit.test(s[p])) p++;
  if (p === start) return { value: 0n, end: at };
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : '';
  let value = BigInt(prefix + s.slice(start, p));
  if (negative) value = -value;
  if (value > LONG_MAX) value = LONG_MAX;
  if (value < LONG_MIN) value = LONG_MIN;
  return { value, end: p };
}

const SEQ_FORMS = 'write ~SEQ(var, end), ~SEQ(var, start, end) or ~SEQ(var, start, step, end) followed by the line to repeat';

/**
 * Parses a line starting `~SEQ`. `expand` applies $NAME expansion to the
 * numbers (keepalived allows that, within 63 characters).
 */
export function parseSeq(line: string, expand: (numbers: string) => string): SequenceParse {
  let p = 4;
  const hex = line[p] === 'x';
  if (hex) p++;
  p = blanks(line, p);
  if (line[p] !== '(') return { ok: false, problem: `'${line}' is not a valid ~SEQ: '(' expected after ~SEQ${hex ? 'x' : ''}`, hint: SEQ_FORMS };
  p = blanks(line, p + 1);
  const varStart = p;
  p = upTo(line, p, ' \t,)');
  const name = line.slice(varStart, p);
  p = blanks(line, p);
  if (p >= line.length || line[p] === ')' || p === varStart) {
    return { ok: false, problem: `'${line}' is not a valid ~SEQ: a variable name and at least one number are needed`, hint: SEQ_FORMS };
  }
  p = blanks(line, p + 1);
  const close = line.indexOf(')', p);
  if (close < 0 || close + 2 - p > SEQ_BUF) {
    const why = close < 0 ? "the closing ')' is missing" : 'the numbers take more than 62 characters';
    return { ok: false, problem: `'${line}' is not a valid ~SEQ: ${why}` };
  }
  const numbers = expand(line.slice(p, close + 1));
  const bad = (): SequenceParse => ({ ok: false, problem: `'${line}' is not a valid ~SEQ: the numbers cannot be read`, hint: `${SEQ_FORMS}; numbers are decimal, 0x hex or 0 octal` });
  let start: bigint;
  let step: bigint;
  let end: bigint;
  const one = strtol(numbers, 0);
  let q = blanks(numbers, one.end);
  if (numbers[q] === ')') {
    end = one.value;
    step = end < 1n ? -1n : 1n;
    start = end < 0n ? -1n : 1n;
  } else {
    if (numbers[q] !== ',') return bad();
    const two = strtol(numbers, q + 1);
    q = blanks(numbers, two.end);
    if (numbers[q] === ')') {
      start = one.value;
      end = two.value;
      step = start <= end ? 1n : -1n;
    } else {
      if (numbers[q] !== ',') return bad();
      const three = strtol(numbers, q + 1);
      q = blanks(numbers, three.end);
      if (numbers[q] !== ')') return bad();
      start = one.value;
      step = two.value;
      end = three.value;
      if (step === 0n || (start < end && step < 0n) || (start > end && step > 0n)) {
        return { ok: false, problem: `'${line}' is not a valid ~SEQ: step ${step} never gets from ${start} to ${end}` };
      }
    }
  }
  if (hex && (start < 0n || end < 0n)) return { ok: false, problem: `'${line}' is not a valid ~SEQx: ~SEQx takes only positive numbers` };
  const text = line.slice(blanks(line, close + 1));
  return { ok: true, seq: { kind: 'seq', name, next: start, last: end, step, hex, text } };
}

const LST_FORMS = 'write ~LST(var, v1, v2, ...) or ~LST({var1,var2}, {v1,v2}, {v3,v4}) followed by the line to repeat';

/** Parses a line starting `~LST`. */
export function parseLst(line: string): SequenceParse {
  const bad = (why: string): SequenceParse => ({ ok: false, problem: `'${line}' is not a valid ~LST: ${why}`, hint: LST_FORMS });
  let p = blanks(line, 4);
  if (line[p] !== '(') return bad("'(' expected after ~LST");
  p = blanks(line, p + 1);
  let endChar = ',';
  if (line[p] === '{') {
    endChar = '}';
    p = blanks(line, p + 1);
  }
  const names: string[] = [];
  for (;;) {
    const s = p;
    p = upTo(line, p, ' \t,}');
    names.push(line.slice(s, p));
    p = blanks(line, p);
    if (line[p] === endChar) break;
    if (line[p] !== ',') return bad('the variable names cannot be read');
    p = blanks(line, p + 1);
  }
  if (line[p] === '}') p = blanks(line, p + 1);
  if (line[p] !== ',') return bad('no values after the variable names');
  p = blanks(line, p + 1);
  const sets: string[][] = [];
  for (;;) {
    endChar = ',';
    if (line[p] === '{') {
      endChar = '}';
      p = blanks(line, p + 1);
    }
    const values: string[] = [];
    for (;;) {
      const s = p;
      p = upTo(line, p, ' \t,})');
      values.push(line.slice(s, p));
      p = blanks(line, p);
      if (line[p] === endChar || (line[p] === ')' && endChar === ',')) break;
      if (line[p] !== ',') return bad('the values cannot be read');
      p = blanks(line, p + 1);
      if (values.length >= names.length) {
        return { ok: false, problem: `'${line}' is not a valid ~LST: a set has more values than there are variables (${names.length})` };
      }
    }
    // Missing values are empty.
    while (values.length < names.length) values.push('');
    sets.push(values);
    if (line[p] === '}' && endChar === '}') p = blanks(line, p + 1);
    if (line[p] === ')') break;
    if (line[p] !== ',') return bad("',' or ')' expected after a value");
    p = blanks(line, p + 1);
  }
  const text = line.slice(blanks(line, p + 1));
  return { ok: true, seq: { kind: 'lst', names, sets, index: 0, text } };
}

/** Number of lines a ~SEQ still produces, or undefined if keepalived would never stop (long overflow). */
export function remainingCount(seq: Extract<Sequence, { kind: 'seq' }>): bigint | undefined {
  const span = seq.last - seq.next;
  const count = span / seq.step + 1n;
  const lastValue = seq.next + (count - 1n) * seq.step;
  const after = lastValue + seq.step;
  // keepalived's `next += step` wraps around instead of passing the end.
  if (after > LONG_MAX || after < LONG_MIN) return undefined;
  return count;
}
