// No lb_algo: keepalived 2.2.7 warns and uses wlc.
import { describe, expect, it } from 'vitest';
import { problemLines, readText } from '../../helpers/config.js';

const vs = (scheduler: string) => ['virtual_server 198.51.100.1 80 {', scheduler, '  lb_kind NAT', '  protocol TCP', '  real_server 203.0.113.1 80 {', '  }', '}'].join('\n');

describe('checkScheduler', () => {
  it.each([
    ['none', vs(''), ['1:no-scheduler']],
    ['only an invalid one', vs('  lb_algo foo'), ['2:invalid-value', '1:no-scheduler']],
    ['rr', vs('  lb_algo rr'), []],
  ])('%s', (_name, text, expected) => {
    const r = readText(text);
    expect(problemLines(r.problems)).toEqual(expected);
    expect(r.config.check.virtualServers[0].scheduler).toBe(expected.length ? undefined : 'rr');
  });
});
