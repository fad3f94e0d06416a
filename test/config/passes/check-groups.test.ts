// virtual_server group NAME naming no virtual_server_group: keepalived 2.2.7
// drops the virtual server silently (exit 0), so we only advise.
import { describe, expect, it } from 'vitest';
import { problemLines, readText } from '../../helpers/config.js';

describe('checkGroupReferences', () => {
  it.each([
    ['no group at all', ['virtual_server group NOPE {', '  ops', '}'], ['1:undefined-group'], 0],
    ['a defined group', ['virtual_server_group G {', '  198.51.100.1 80', '}', 'virtual_server group G {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  real_server 203.0.113.1 80 {', '  }', '}'], [], 0],
    ['a group keepalived dropped as empty', ['virtual_server_group E {', '}', 'virtual_server group E {', '  lb_algo rr', '  real_server 203.0.113.1 80 {', '  }', '}'], ['2:empty-group', '3:undefined-group'], 5],
  ])('%s', (_name, lines, expected, exit) => {
    const r = readText(lines.join('\n'));
    expect(problemLines(r.problems)).toEqual(expected);
    expect(r.exitCode).toBe(exit);
  });

  it('skips every other check of such a virtual server, as keepalived does', () => {
    const r = readText(['virtual_server group NOPE {', '  ops', '  quorum 9', '}'].join('\n'));
    expect(r.problems.map((p) => p.severity)).toEqual(['note']);
  });
});
