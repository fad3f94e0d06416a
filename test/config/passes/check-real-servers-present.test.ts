// A virtual server without real servers: keepalived 2.2.7 reports it
// (without a line) and ignores the virtual server.
import { describe, expect, it } from 'vitest';
import { problemLines, readText } from '../../helpers/config.js';

describe('checkRealServersPresent', () => {
  it.each([
    ['no real_server', ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '}'], ['1:no-real-servers']],
    ['only skipped real servers', ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  protocol TCP', '  real_server 203.0.113.300 80 {', '  }', '}'], ['4:invalid-address', '1:no-real-servers']],
    ['only real servers of the other family', ['virtual_server fwmark 1 {', '  ip_family inet6', '  lb_algo rr', '  lb_kind NAT', '  real_server 203.0.113.1 {', '  }', '}'], ['6:family-mismatch', '1:no-real-servers']],
    ['one real server', ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  real_server 203.0.113.1 80 {', '  }', '}'], []],
  ])('%s', (_name, lines, expected) => {
    expect(problemLines(readText(lines.join('\n')).problems)).toEqual(expected);
  });

  it('skips the later checks of such a virtual server (no protocol / scheduler warnings)', () => {
    const r = readText(['virtual_server 198.51.100.1 80 {', '}'].join('\n'));
    expect(problemLines(r.problems)).toEqual(['1:no-real-servers']);
    expect(r.exitCode).toBe(5);
  });
});
