import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lexLine, lexWithGrammar } from '../../src/config/lex.js';

const words = (text: string) => lexLine(text).map((t) => `${t.k}:${t.v}`);

describe('lexLine', () => {
  it('splits words, braces and quoted strings', () => {
    expect(words('  virtual_server 198.51.100.1 80 {')).toEqual(['w:virtual_server', 'w:198.51.100.1', 'w:80', '{:{']);
    expect(words('notify "/usr/bin/x  y" z')).toEqual(['w:notify', 'q:/usr/bin/x  y', 'w:z']);
    expect(words('a{b}c')).toEqual(['w:a', '{:{', 'w:b', '}:}', 'w:c']);
  });

  it('ends a line at # or ! outside quotes only', () => {
    expect(words('router_id x # comment')).toEqual(['w:router_id', 'w:x']);
    expect(words('router_id x! comment')).toEqual(['w:router_id', 'w:x']);
    expect(words('script "a # b" ! c')).toEqual(['w:script', 'q:a # b']);
  });

  it('keeps an escaped comment character', () => {
    expect(words('auth_pass a\\#b')).toEqual(['w:auth_pass', 'w:a\\#b']);
  });

  it('marks an unterminated quote', () => {
    expect(words('router_id "abc def')).toEqual(['w:router_id', 'u:abc def']);
  });

  it('gives offsets that point back into the line', () => {
    const line = '\tpriority  100 ';
    for (const t of lexLine(line)) expect(line.slice(t.s, t.e)).toBe(t.v);
  });

  it('takes the same tokens on the fast path as the grammar does', () => {
    const plain = fc.stringMatching(/^[ \t{}a-z0-9_.:/-]{0,40}$/);
    fc.assert(
      fc.property(plain, (text) => {
        expect(lexLine(text)).toEqual(lexWithGrammar(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on any line', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        expect(Array.isArray(lexLine(text))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
