// A sorry server equal to a real server must agree on inhibit_on_failure:
// keepalived 2.2.7 warns and copies the real server's setting.
import { describe, expect, it } from 'vitest';
import { problemLines, readText } from '../../helpers/config.js';

const vs = (...lines: string[]) => ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', ...lines, '}'].join('\n');

describe('checkSorryServer', () => {
  it.each([
    ['sorry inhibits, real server does not', vs('  sorry_server 203.0.113.1 80', '  sorry_server_inhibit', '  real_server 203.0.113.1 80 {', '  }'), ['5:sorry-server-inhibit']],
    ['real server inhibits, sorry does not', vs('  sorry_server 203.0.113.1 80', '  real_server 203.0.113.1 80 {', '    inhibit_on_failure', '  }'), ['5:sorry-server-inhibit']],
    ['both inhibit (virtual server default)', vs('  inhibit_on_failure', '  sorry_server 203.0.113.1 80', '  sorry_server_inhibit', '  real_server 203.0.113.1 80 {', '  }'), []],
    ['both without ports', vs('  sorry_server 203.0.113.1', '  sorry_server_inhibit', '  real_server 203.0.113.1 {', '  }'), ['5:sorry-server-inhibit']],
    ['a different server', vs('  sorry_server 203.0.113.9 80', '  sorry_server_inhibit', '  real_server 203.0.113.1 80 {', '  }'), []],
  ])('%s', (_name, text, expected) => {
    expect(problemLines(readText(text).problems)).toEqual(expected);
  });
});
