// Repeated virtual servers and groups: keepalived 2.2.7 is silent (exit 0),
// so these are notes.
import { describe, expect, it } from 'vitest';
import { problemLines, readText } from '../../helpers/config.js';

const vs = (head: string, protocol = 'TCP') => [head, '  lb_algo rr', '  lb_kind NAT', `  protocol ${protocol}`, '  real_server 203.0.113.1 80 {', '  }', '}'];

describe('checkDuplicateServices', () => {
  it.each([
    ['the same address, port and protocol', [...vs('virtual_server 198.51.100.1 80 {'), ...vs('virtual_server 198.51.100.1 80 {')], ['8:duplicate-virtual-server']],
    ['another protocol', [...vs('virtual_server 198.51.100.1 80 {'), ...vs('virtual_server 198.51.100.1 80 {', 'UDP')], []],
    ['another port', [...vs('virtual_server 198.51.100.1 80 {'), ...vs('virtual_server 198.51.100.1 81 {')], []],
    ['a group of the same name', ['virtual_server_group G {', '  198.51.100.1 80', '}', 'virtual_server_group G {', '  198.51.100.2 80', '}', ...vs('virtual_server group G {')], ['4:duplicate-group']],
  ])('%s', (_name, lines, expected) => {
    const r = readText(lines.join('\n'));
    expect(problemLines(r.problems)).toEqual(expected);
    expect(r.exitCode).toBe(0);
  });
});
