// glob(3) as keepalived uses it for include (GLOB_BRACE | GLOB_MARK), on an
// in-memory file system.
import { describe, expect, it } from 'vitest';
import { compileName, expandBraces, glob, hasBrace, hasWildcard, type GlobFs } from '../../src/config/preprocess/glob.js';
import { memFs } from './preprocess-memfs.js';

function globFs(files: string[], dirs: string[] = []): GlobFs {
  const fs = memFs(Object.fromEntries(files.map((f) => [f, ''])), { dirs });
  return { readDir: fs.readDir, isDirectory: fs.isDirectory, exists: (p) => fs.fileKind!(p) !== 'missing' };
}

const FILES = ['/k/s/a1.conf', '/k/s/a2.conf', '/k/s/b0.conf', '/k/s/B1.conf', '/k/s/_x.conf', '/k/s/.hid.conf', '/k/s/a[1].conf', '/k/top.conf'];
const fs = globFs(FILES, ['/k/s/dir.conf', '/k/empty']);
const matches = (pattern: string, base = '/k'): string[] => glob(pattern, base, fs).matches;

describe('glob', () => {
  it('matches * and ? but not a leading dot, sorted; directories get a / (2.2.7)', () => {
    expect(matches('s/*.conf')).toEqual(['s/B1.conf', 's/_x.conf', 's/a1.conf', 's/a2.conf', 's/a[1].conf', 's/b0.conf', 's/dir.conf/']);
    expect(matches('s/a?.conf')).toEqual(['s/a1.conf', 's/a2.conf']);
  });

  it('lets .* match . and .. like glibc, sorting after the / mark (2.2.7)', () => {
    expect(matches('s/.*')).toEqual(['s/../', 's/./', 's/.hid.conf']);
  });

  it('handles [...] sets, ranges, negation, classes and escapes (2.2.7)', () => {
    expect(matches('s/[ab]?.conf')).toEqual(['s/a1.conf', 's/a2.conf', 's/b0.conf']);
    expect(matches('s/[^ab]?.conf')).toEqual(['s/B1.conf', 's/_x.conf']);
    expect(matches('s/[!ab]?.conf')).toEqual(['s/B1.conf', 's/_x.conf']);
    expect(matches('s/a[0-1].conf')).toEqual(['s/a1.conf']);
    expect(matches('s/[[:upper:]]*')).toEqual(['s/B1.conf']);
    expect(matches('s/a\\[1].conf')).toEqual(['s/a[1].conf']);
    expect(matches('s/\\a1.conf')).toEqual(['s/a1.conf']);
  });

  it('expands braces in order, each alternative sorted on its own (2.2.7)', () => {
    expect(matches('s/{b,a}*.conf')).toEqual(['s/b0.conf', 's/a1.conf', 's/a2.conf', 's/a[1].conf']);
    expect(matches('{s/a{2,1},top}.conf')).toEqual(['s/a2.conf', 's/a1.conf', 'top.conf']);
  });

  it('is relative to the base unless absolute, and the cwd when the base is empty', () => {
    expect(matches('/k/top.conf', '/elsewhere')).toEqual(['/k/top.conf']);
    expect(glob('top.conf', '', globFs(['/top.conf'])).matches).toEqual(['top.conf']);
  });

  it('globs directory components', () => {
    expect(matches('*/a1.conf')).toEqual(['s/a1.conf']);
    expect(matches('s/')).toEqual(['s/']);
  });

  it('counts what keepalived reports on: missing names, unreadable directories, wildcards', () => {
    expect(glob('', '/k', fs)).toMatchObject({ matches: [], missingFiles: 1 });
    expect(glob('nothere.conf', '/k', fs)).toMatchObject({ matches: [], missingFiles: 1, missingDirs: 0, haveWildcards: false });
    expect(glob('nodir/*.conf', '/k', fs)).toMatchObject({ matches: [], missingFiles: 0, missingDirs: 1, haveWildcards: true });
    expect(glob('empty/*.conf', '/k', fs)).toMatchObject({ matches: [], missingFiles: 0, missingDirs: 0, haveWildcards: true });
    expect(glob('{top,x}.conf', '/k', fs)).toMatchObject({ matches: ['top.conf'], missingFiles: 1 });
    // An unclosed [ makes glob read the directory (2.2.7: `include s/[` says nothing).
    expect(glob('s/[', '/k', fs)).toMatchObject({ matches: [], missingFiles: 0, haveWildcards: true });
  });

  it('caps a pattern with too many alternatives', () => {
    const r = glob('{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}', '/k', fs);
    expect(r.truncated).toBe(true);
    expect(r.missingFiles).toBe(1024);
  });
});

describe('glob helpers', () => {
  it('expands nested braces and takes an unbalanced one literally', () => {
    expect(expandBraces('a{b,c{d,e}}f')).toEqual(['abf', 'acdf', 'acef']);
    expect(expandBraces('a{}b')).toEqual(['ab']);
    expect(expandBraces('a{b,c')).toEqual(['a{b,c']);
    expect(expandBraces('a\\{b,c}')).toEqual(['a\\{b,c}']);
  });

  it('detects braces and wildcards, minding escapes', () => {
    expect(hasBrace('a{b}')).toBe(true);
    expect(hasBrace('a\\{b}')).toBe(false);
    expect(hasWildcard('a*')).toBe(true);
    expect(hasWildcard('a\\*')).toBe(false);
    expect(hasWildcard('a[')).toBe(true);
  });

  it('matches names in linear time, even for patterns that make regexes backtrack', () => {
    const m = compileName('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b');
    const started = Date.now();
    expect(m('a'.repeat(200))).toBe(false);
    expect(m(`${'a'.repeat(200)}b`)).toBe(true);
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('treats a reversed range as matching nothing', () => {
    expect(compileName('[z-a]')('m')).toBe(false);
  });
});
