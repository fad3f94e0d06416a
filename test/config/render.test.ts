import { describe, expect, it } from 'vitest';
import { Problems } from '../../src/config/problems.js';
import { orderProblems, renderProblem, summarize } from '../../src/config/render.js';

describe('renderProblem', () => {
  it('prints FILE:LINE:COL, the line, a caret under the span and the hint', () => {
    const problems = new Problems();
    const p = problems.error('unknown-keyword', { file: 'k.conf', line: 3, col: 3, endCol: 10 }, "unknown keyword 'prority' in vrrp_instance", {
      hint: "did you mean 'priority'?",
    });
    const text = renderProblem(p, () => '  prority 100', { mainFile: 'k.conf' });
    expect(text.split('\n')).toEqual([
      "k.conf:3:3: error: unknown keyword 'prority' in vrrp_instance",
      '3 |   prority 100',
      '  |   ^^^^^^^',
      "  = hint: did you mean 'priority'?",
    ]);
  });

  it('names the main file for a problem without a place', () => {
    const p = new Problems().warning('x', undefined, 'sync group G has no instances');
    expect(renderProblem(p, () => undefined, { mainFile: 'main.conf' })).toBe('main.conf: warning: sync group G has no instances');
  });
});

describe('orderProblems', () => {
  it('sorts by place and prints each problem once', () => {
    const problems = new Problems();
    problems.error('b', { file: 'a', line: 5, col: 1 }, 'five');
    problems.error('a', { file: 'a', line: 2, col: 1 }, 'two');
    problems.error('b', { file: 'a', line: 5, col: 1 }, 'five');
    problems.warning('c', undefined, 'global');
    expect(orderProblems(problems.list).map((p) => p.message)).toEqual(['two', 'five', 'global']);
  });
});

describe('summarize', () => {
  it('counts by severity and explains the exit code', () => {
    const problems = new Problems();
    problems.error('a', undefined, 'x');
    problems.note('b', undefined, 'y');
    expect(summarize(problems.list, 5)).toBe('1 error, 1 note; exit 5: keepalived would run, with the problems above');
  });
});
