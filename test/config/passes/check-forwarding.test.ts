// No forwarding method anywhere: keepalived 2.2.7 warns once and uses NAT.
import { describe, expect, it } from 'vitest';
import { problemLines, readText } from '../../helpers/config.js';

const vs = (...lines: string[]) => ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  protocol TCP', ...lines, '}'].join('\n');

describe('checkForwardingDefault', () => {
  it.each([
    ['nothing set', vs('  real_server 203.0.113.1 80 {', '  }'), ['1:no-forwarding-method']],
    ['every real server sets one', vs('  real_server 203.0.113.1 80 {', '    lvs_method NAT', '  }'), []],
    ['a sorry server without one', vs('  sorry_server 203.0.113.9 80', '  real_server 203.0.113.1 80 {', '    lvs_method NAT', '  }'), ['1:no-forwarding-method']],
    ['lb_kind after the real servers', vs('  real_server 203.0.113.1 80 {', '  }', '  lb_kind NAT'), []],
  ])('%s', (_name, text, expected) => {
    expect(problemLines(readText(text).problems)).toEqual(expected);
  });
});
