import { describe, expect, it } from 'vitest';
import { noteUnterminatedLastLines } from '../../src/config/last-line.js';
import type { ConfigFs } from '../../src/config/preprocess.js';
import { Problems } from '../../src/config/problems.js';

const fsOf = (files: Record<string, string>): ConfigFs => ({ readFile: (p) => files[p], readDir: () => undefined, isDirectory: () => false });

describe('noteUnterminatedLastLines', () => {
  it('names the line above a problem on the last line of a file without a final newline (keepalived 2.2.7 parent numbering)', () => {
    const problems = new Problems();
    problems.error('extra-close-brace', { file: 'k.conf', line: 4, col: 1 }, "extra '}'");
    noteUnterminatedLastLines(problems, fsOf({ 'k.conf': 'global_defs {\n  router_id x\n}\n}' }));
    expect(problems.list.map((p) => `${p.loc?.line}:${p.severity}`)).toEqual(['4:error', '3:note']);
    expect(problems.list[1].exit).toBe(0);
  });

  it('adds nothing when the file ends with a newline, or the problem is elsewhere', () => {
    const problems = new Problems();
    problems.error('x', { file: 'a.conf', line: 4, col: 1 }, 'x');
    problems.error('y', { file: 'b.conf', line: 1, col: 1 }, 'y');
    noteUnterminatedLastLines(problems, fsOf({ 'a.conf': 'a\nb\nc\n}\n', 'b.conf': 'a\nb' }));
    expect(problems.list).toHaveLength(2);
  });
});
