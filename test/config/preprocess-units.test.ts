// The preprocessor's building blocks: comment stripping, fgets-like line
// reading, include directives, $NAME definitions and ~SEQ/~LST parsing.
import { describe, expect, it } from 'vitest';
import { adviseBadDefinition } from '../../src/config/preprocess/advice.js';
import { splitAtBrace } from '../../src/config/preprocess/braces.js';
import { decomment, protectCommentChars } from '../../src/config/preprocess/decomment.js';
import { applyIncludeCheck, CHECK_ALL, CHECK_BRACE, CHECK_MATCH, CHECK_READ, CHECK_WILDCARD, parseInclude } from '../../src/config/preprocess/include.js';
import { Definitions, findReference, parseDefinition, randomValue, replaceReferences, type ReplaceContext } from '../../src/config/preprocess/params.js';
import { physicalLines, readPieces } from '../../src/config/preprocess/physical-lines.js';
import { parseLst, parseSeq, remainingCount, strtol } from '../../src/config/preprocess/sequence.js';

describe('decomment', () => {
  it('strips comments outside quotes and blanks at both ends', () => {
    expect(decomment('  a b # c')).toEqual({ text: 'a b', lead: 2, continued: false });
    expect(decomment('a ! b').text).toBe('a');
    expect(decomment('"a # b" # c').text).toBe('"a # b"');
    expect(decomment('a#b').text).toBe('a');
  });

  it('turns \\# and \\! into literal characters outside quotes only', () => {
    expect(decomment('a\\#b \\!c').text).toBe('a#b !c');
    expect(decomment('"a\\#b"').text).toBe('"a\\#b"');
    expect(decomment('a\\\\#b').text).toBe('a\\\\');
  });

  it('keeps a final backslash glued to the text, even after a comment (2.2.7: `cont \\` is `cont\\`)', () => {
    expect(decomment('cont \\')).toEqual({ text: 'cont\\', lead: 0, continued: true });
    expect(decomment('x # note \\')).toEqual({ text: 'x\\', lead: 0, continued: true });
  });

  it('leaves an unterminated quote open, so a # after it is no comment', () => {
    expect(decomment('a "b # c').text).toBe('a "b # c');
  });

  it('protectCommentChars is undone by decomment', () => {
    for (const t of ['a#b', 'x "#" !y', '#', 'a\\']) expect(decomment(protectCommentChars(t)).text).toBe(t);
  });
});

describe('splitting at a brace', () => {
  it('splits at the first brace outside quotes (2.2.7)', () => {
    expect(splitAtBrace('a b { c }')).toEqual({ head: 'a b', rest: '{ c }', restAt: 4 });
    expect(splitAtBrace('{  c }')).toEqual({ head: '{', rest: 'c }', restAt: 3 });
    expect(splitAtBrace('}')).toEqual({ head: '}', restAt: 1 });
    expect(splitAtBrace('"a { b" }')).toEqual({ head: '"a { b"', rest: '}', restAt: 8 });
    expect(splitAtBrace('x "a { b')).toEqual({ head: 'x "a { b', restAt: 8 });
    expect(splitAtBrace('plain  ')).toEqual({ head: 'plain', restAt: 7 });
  });
});

describe('reading lines like fgets', () => {
  it('drops only the empty tail after a final newline', () => {
    expect(physicalLines('a\nb\n')).toEqual(['a', 'b']);
    expect(physicalLines('a\nb')).toEqual(['a', 'b']);
    expect(physicalLines('')).toEqual([]);
    expect(physicalLines('\n')).toEqual(['']);
  });

  it('splits a line at 1023 bytes, with an empty piece when the newline does not fit', () => {
    const pieces = readPieces('x'.repeat(1023), 7, true);
    expect(pieces.map((p) => [p.text.length, p.line, p.col, p.splitLong])).toEqual([[1023, 7, 1, true], [0, 7, 1024, true]]);
    expect(readPieces('x'.repeat(1023), 7, false)).toHaveLength(1);
    expect(readPieces('x'.repeat(1022), 7, true)).toHaveLength(1);
  });

  it('counts bytes, not characters', () => {
    expect(readPieces('é'.repeat(600), 1, true).length).toBe(2);
  });

  it('cuts at a NUL and strips CRs', () => {
    expect(readPieces('ab\0cd', 1, true)[0]).toMatchObject({ text: 'ab', cutAtNul: true });
    expect(readPieces('ab\r\r', 1, true)[0].text).toBe('ab');
  });
});

describe('include directives', () => {
  it('parses include and its variants, taking the rest of the line as the pattern', () => {
    expect(parseInclude('include  a b.conf')).toEqual({ level: 0, pattern: 'a b.conf', patternAt: 9 });
    expect(parseInclude('includer x')?.level).toBe(CHECK_READ);
    expect(parseInclude('includem x')?.level).toBe(CHECK_READ | CHECK_MATCH);
    expect(parseInclude('includew x')?.level).toBe(CHECK_READ | CHECK_MATCH | CHECK_WILDCARD);
    expect(parseInclude('includeb x')?.level).toBe(CHECK_READ | CHECK_BRACE);
    expect(parseInclude('includea x')?.level).toBe(CHECK_ALL);
    for (const no of ['include', 'includer', 'includex x', 'included x', ' include x', 'Include x']) expect(parseInclude(no)).toBeUndefined();
  });

  it('computes include_check like the global_defs keyword', () => {
    expect(applyIncludeCheck(0, [])).toBe(CHECK_ALL);
    expect(applyIncludeCheck(0, ['match'])).toBe(CHECK_READ | CHECK_MATCH);
    expect(applyIncludeCheck(CHECK_ALL, ['-brace_match'])).toBe(CHECK_ALL & ~CHECK_BRACE);
    expect(applyIncludeCheck(0, ['read', '+wildcard_match'])).toBe(CHECK_READ | CHECK_WILDCARD);
    expect(applyIncludeCheck(0, ['read', 'match'])).toBe(CHECK_READ);
  });
});

describe('$NAME definitions', () => {
  it('parses definitions as keepalived does', () => {
    expect(parseDefinition('$A=1')).toEqual({ name: 'A', value: '1', multiline: false });
    expect(parseDefinition('$_a9=  x y')).toEqual({ name: '_a9', value: 'x y', multiline: false });
    expect(parseDefinition('$A=one \\')).toEqual({ name: 'A', value: 'one\n', multiline: true });
    expect(parseDefinition('$A= \\')).toEqual({ name: 'A', value: '', multiline: true });
    expect(parseDefinition('$A=')).toEqual({ name: 'A', value: '', multiline: false });
    for (const no of ['$A = 1', '$9=1', '$A-B=1', '$A', 'A=1']) expect(parseDefinition(no)).toBeUndefined();
  });

  it('explains why a $ line is not a definition', () => {
    expect(adviseBadDefinition('$A = 1')).toMatchObject({ hint: 'write $A=1' });
    expect(adviseBadDefinition('$A-B=1')?.message).toContain("'-' cannot be part of a name");
    expect(adviseBadDefinition('$9=1')?.message).toContain('must start with a letter');
    expect(adviseBadDefinition('$A b')).toBeUndefined();
  });

  const defs = (): Definitions => {
    const d = new Definitions({ cwd: () => '/etc', configId: 'id', random: () => 12345 });
    d.define('A', 'alpha', false);
    d.define('ML', 'l1\nl2', true);
    return d;
  };
  const ctx = (d: Definitions): ReplaceContext => ({ defs: d, multiline: { next: null, stack: [], seqDepth: 0 }, seqCount: () => 0, where: { file: 'f', line: 1, col: 1, own: false } });

  it('finds references only where keepalived does', () => {
    const d = defs();
    expect(findReference(d, '$A', 1)?.def.name).toBe('A');
    expect(findReference(d, '$A)', 1)?.def.name).toBe('A');
    expect(findReference(d, '$A"', 1)).toBeUndefined();
    expect(findReference(d, '${A}"', 1)?.braces).toBe(true);
    expect(findReference(d, '$ML x', 1)).toBeUndefined();
    expect(findReference(d, 'x $ML', 3)?.def.name).toBe('ML');
    expect(findReference(d, '${A 5}', 1)).toBeUndefined();
    expect(findReference(d, '${_RANDOM 5 9}', 1)?.params).toBe('5 9');
    expect(findReference(d, '${_RANDOM 5 }', 1)).toBeUndefined();
  });

  it('replaces and rescans, and hands over the rest of a multi-line value', () => {
    const d = defs();
    d.define('B', '[$A]', false);
    expect(replaceReferences('x ${B} $A', 1024, null, ctx(d))).toMatchObject({ text: 'x [$A] alpha', changed: true });
    d.define('B', '[${A}]', false);
    expect(replaceReferences('x ${B}', 1024, null, ctx(d)).text).toBe('x [alpha]');
    const r = replaceReferences('pre $ML', 1024, null, ctx(d));
    expect(r).toMatchObject({ text: 'pre l1', changed: true, next: { text: 'l1\nl2', pos: 3 } });
  });

  it('keeps the 2.2.7 quirk of ${A } (spaces before the brace): the } stays (2.2.7: `alpha}`)', () => {
    expect(replaceReferences('${A }', 1024, null, ctx(defs())).text).toBe('alpha}');
  });

  it('reports a substitution that never ends', () => {
    const d = defs();
    d.define('L', '$L', false);
    expect(replaceReferences('$L', 1024, null, ctx(d))).toMatchObject({ runaway: true, changed: false });
  });

  it('computes _RANDOM like keepalived: modulo the range, at most as many digits as MAX', () => {
    expect(randomValue(undefined, () => 40000)).toBe(String(40000 % 32768));
    expect(randomValue('5 7', () => 4)).toBe(String((4 % 3) + 5));
    expect(randomValue('5', () => 40000)).toBe(String((40000 % 32763) + 5).slice(0, 5));
    expect(randomValue('100 20', () => 7)).toBe('10');
  });
});

describe('~SEQ and ~LST parsing', () => {
  it('reads numbers like strtol(s, 0)', () => {
    expect(strtol(' 0x1f)', 0)).toEqual({ value: 31n, end: 5 });
    expect(strtol('010', 0)).toEqual({ value: 8n, end: 3 });
    expect(strtol('08', 0)).toEqual({ value: 0n, end: 1 });
    expect(strtol('-12,', 0)).toEqual({ value: -12n, end: 3 });
    expect(strtol('0xg', 0)).toEqual({ value: 0n, end: 1 });
    expect(strtol('abc', 0)).toEqual({ value: 0n, end: 0 });
    expect(strtol('99999999999999999999', 0).value).toBe((1n << 63n) - 1n);
  });

  const seq = (line: string) => {
    const r = parseSeq(line, (s) => s);
    return r.ok ? r.seq : r.problem;
  };

  it('fills in start and step', () => {
    expect(seq('~SEQ(i,3) t')).toMatchObject({ next: 1n, step: 1n, last: 3n, text: 't' });
    expect(seq('~SEQ(i,-2) t')).toMatchObject({ next: -1n, step: -1n, last: -2n });
    expect(seq('~SEQ(i,0)')).toMatchObject({ next: 1n, step: -1n, last: 0n, text: '' });
    expect(seq('~SEQ(i,3,1) t')).toMatchObject({ next: 3n, step: -1n, last: 1n });
    expect(seq('~SEQx(h,9,12) t')).toMatchObject({ hex: true });
  });

  it('explains what is wrong', () => {
    expect(seq('~SEQ(i,1,0,5)')).toContain('step 0 never gets from 1 to 5');
    expect(seq('~SEQ(i,1,2')).toContain("closing ')' is missing");
    expect(seq(`~SEQ(i,1,${'0'.repeat(70)}2)`)).toContain('more than 62 characters');
    expect(seq('~SEQx(i,-1,3)')).toContain('only positive');
  });

  it('counts the lines a ~SEQ makes, and sees the overflow keepalived never recovers from', () => {
    const s = (line: string) => parseSeq(line, (x) => x) as { ok: true; seq: Parameters<typeof remainingCount>[0] };
    expect(remainingCount(s('~SEQ(i,5,2,8)').seq)).toBe(2n);
    expect(remainingCount(s('~SEQ(i,0x7ffffffffffffffe,0x7fffffffffffffff)').seq)).toBeUndefined();
  });

  it('parses ~LST names and value sets', () => {
    const r = parseLst('~LST({a,b}, {1,2}, 3) text');
    expect(r).toEqual({ ok: true, seq: { kind: 'lst', names: ['a', 'b'], sets: [['1', '2'], ['3', '']], index: 0, text: 'text' } });
    expect(parseLst('~LST(v)')).toMatchObject({ ok: false });
    expect(parseLst('~LST({a},{1,2})')).toMatchObject({ ok: false, problem: expect.stringContaining('more values than there are variables') });
  });
});
