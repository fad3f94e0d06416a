// The same address and port twice: keepalived 2.2.7 keeps the first
// (whatever lvs_method, weight or virtualhost the second has).
import { describe, expect, it } from 'vitest';
import { fakeHost, problemLines, readText } from '../../helpers/config.js';

const vs = (...rs: string[]) => ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', ...rs, '}'].join('\n');

describe('checkDuplicateRealServers', () => {
  it.each([
    ['same address and port', vs('  real_server 203.0.113.1 80 {', '  }', '  real_server 203.0.113.1 80 {', '    lvs_method DR', '  }'), ['7:duplicate-real-server']],
    ['different weight', vs('  real_server 203.0.113.1 80 {', '    weight 2', '  }', '  real_server 203.0.113.1 80 {', '    weight 3', '  }'), ['8:duplicate-real-server']],
    // keepalived compares before filling in the port: no port differs from port 80.
    ['with and without port', vs('  real_server 203.0.113.1 80 {', '  }', '  real_server 203.0.113.1 {', '  }'), []],
    ['IPv6 written two ways', vs('  real_server 2001:db8::1 80 {', '  }', '  real_server 2001:0db8:0::1 80 {', '  }').replace('198.51.100.1', '2001:db8::100'), ['7:duplicate-real-server']],
    ['different ports', vs('  real_server 203.0.113.1 80 {', '  }', '  real_server 203.0.113.1 81 {', '  }'), []],
  ])('%s', (_name, text, expected) => {
    expect(problemLines(readText(text).problems)).toEqual(expected);
  });

  it("forgets the duplicate's scripts (keepalived 2.2.7: exit 5, not 6)", () => {
    const r = readText(vs('  real_server 203.0.113.1 80 {', '  }', '  real_server 203.0.113.1 80 {', '    notify_up /bin/true', '  }'), fakeHost({ files: { '/bin/true': {} } }));
    expect(problemLines(r.problems)).toEqual(['7:duplicate-real-server']);
    expect(r.exitCode).toBe(5);
  });

  it('finds a repeat among many real servers (past the pairwise comparison)', () => {
    const many = Array.from({ length: 20 }, (_, i) => [`  real_server 203.0.113.${i + 1} 80 {`, '  }']).flat();
    const r = readText(vs(...many, '  real_server 203.0.113.3 80 {', '    notify_up /bin/true', '  }'), fakeHost({ files: { '/bin/true': {} } }));
    // 4 header lines, 20 servers of 2 lines: the repeat is on line 45.
    expect(problemLines(r.problems)).toEqual(['45:duplicate-real-server']);
    expect(r.exitCode).toBe(5);
    expect(r.config.check.virtualServers[0].realServers[20].ignored).toBe('repeats an earlier real server');
  });
});
