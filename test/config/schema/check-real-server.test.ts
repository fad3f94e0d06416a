// real_server and sorry_server: keywords, addresses, and what keepalived
// 2.2.7 does when a real_server block ends. Verdicts checked against it.
import { describe, expect, it } from 'vitest';
import type { RealServer } from '../../../src/config/model/check.js';
import { fakeHost, problemLines, readText } from '../../helpers/config.js';

/** A valid virtual server whose first real server has `lines` from line 6. */
function rsWith(...lines: string[]): string {
  return ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  real_server 203.0.113.1 80 {', ...lines, '  }', '}'].join('\n');
}

function firstRs(text: string): RealServer {
  return readText(text).config.check.virtualServers[0].realServers[0];
}

describe('real_server keywords', () => {
  const cases: Array<[string, string[]]> = [
    // A zero weight leaves no weight for the default quorum 1 (keepalived 2.2.7 warns twice, without a line).
    ['    weight 0', ['1:quorum-too-high', '1:hysteresis-too-high']],
    ['    weight 2147483647', []],
    ['    weight -1', ['6:invalid-number']],
    ['    weight 1.5', ['6:invalid-number']],
    ['    weight 2147483648', ['6:out-of-range']],
    ['    weight +5', []],
    ['    lvs_method DR', []],
    ['    lvs_method XX', ['6:invalid-value']],
    ['    lvs_method TUN type', ['6:invalid-tunnel-option']],
    ['    lvs_method TUN port', ['6:invalid-tunnel-option']],
    ['    lvs_method TUN port 0', ['6:out-of-range']],
    ['    lvs_method TUN type foo', ['6:invalid-tunnel-option']],
    ['    lvs_method DR type gre', []],
    ['    lb_kind DR', ['6:unknown-keyword']],
    ['    uthreshold 4294967295', []],
    ['    uthreshold -1', ['6:invalid-number']],
    ['    lthreshold x', ['6:invalid-number']],
    ['    inhibit_on_failure', []],
    ['    inhibit_on_failure no', []],
    ['    inhibit_on_failure maybe', ['6:invalid-bool']],
    ['    inhibit_on_failure On', ['6:invalid-bool']],
    ['    inhibit_on_failure 1', ['6:invalid-bool']],
    ['    alpha', []],
    ['    alpha bad', ['6:invalid-bool']],
    ['    smtp_alert bad', ['6:invalid-bool']],
    ['    virtualhost', ['6:missing-value']],
    ['    snmp_name', ['6:invalid-value']],
    ['    snmp_name x', []],
    ['    delay_loop 0', ['6:out-of-range']],
    ['    delay_loop x', ['6:invalid-number']],
    ['    connect_timeout 0', ['6:out-of-range']],
    ['    delay_before_retry x', ['6:invalid-number']],
    ['    warmup x', ['6:invalid-number']],
    ['    retry 0', ['6:out-of-range']],
    ['    retry x', ['6:invalid-number']],
    ['    nb_get_retry 3', ['6:unknown-keyword']],
  ];

  it.each(cases)('%s', (line, expected) => {
    expect(problemLines(readText(rsWith(line)).problems)).toEqual(expected);
  });

  it.each(['weight', 'lvs_method', 'uthreshold', 'notify_up', 'notify_down', 'retry', 'delay_loop', 'connect_timeout', 'warmup', 'delay_before_retry'])(
    "'%s' without a value is fatal (keepalived 2.2.7 exits with status 2)",
    (keyword) => {
      const r = readText(rsWith(`    ${keyword}`));
      expect(r.problems.map((p) => [p.loc?.line, p.code, p.exit])).toEqual([[6, 'missing-argument', 2]]);
    },
  );

  it('extra words after a value are ignored, as keepalived does', () => {
    expect(problemLines(readText(rsWith('    weight 3 extra', '    alpha off extra', '    delay_loop 3 extra')).problems)).toEqual([]);
  });

  it('reads values into the model', () => {
    const rs = firstRs(rsWith('    weight 3', '    lvs_method DR', '    uthreshold 100', '    lthreshold 10', '    inhibit_on_failure', '    alpha no', '    virtualhost www.example.com', '    delay_loop 2.5', '    retry 4'));
    expect(rs).toMatchObject({
      address: { family: 4, address: '203.0.113.1' },
      port: 80,
      weight: 3,
      forwarding: { kind: 'DR' },
      upperThreshold: 100,
      lowerThreshold: 10,
      inhibitOnFailure: true,
      alpha: false,
      virtualhost: 'www.example.com',
      timers: { delayLoop: 2.5, retry: 4 },
    });
  });

  it('keeps the first notify_up and reports the second', () => {
    const r = readText(rsWith('    notify_up /bin/true', '    notify_up /bin/false'), fakeHost({ files: { '/bin/true': {}, '/bin/false': {} } }));
    expect(problemLines(r.problems).filter((p) => p.startsWith('7:'))).toEqual(['7:duplicate-script']);
    expect(r.config.check.virtualServers[0].realServers[0].notifyUp?.command).toBe('/bin/true');
  });
});

describe('real_server address', () => {
  const vs = (rs: string) => ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', rs, '    weight bogus', '  }', '  real_server 203.0.113.9 80 {', '  }', '}'].join('\n');

  it.each([
    ['  real_server 203.0.113.1 70000 {', '5:out-of-range'],
    ['  real_server 203.0.113.2 x {', '5:invalid-number'],
    ['  real_server 203.0.113.300 80 {', '5:invalid-address'],
    ['  real_server host.example 80 {', '5:invalid-address'],
  ])('%s: skipped with its block', (line, problem) => {
    const r = readText(vs(line));
    expect(problemLines(r.problems)).toEqual([problem]);
    expect(r.config.check.virtualServers[0].realServers.map((rs) => rs.address.address)).toEqual(['203.0.113.9']);
  });

  it('reads no port (or port 0) as none, and strips a /prefix', () => {
    expect(firstRs(rsWith().replace('203.0.113.1 80', '203.0.113.1')).port).toBeUndefined();
    expect(firstRs(rsWith().replace('203.0.113.1 80', '203.0.113.1 0')).port).toBeUndefined();
    expect(firstRs(rsWith().replace('203.0.113.1 80', '203.0.113.1/24 80')).address.address).toBe('203.0.113.1');
  });

  it('treats a missing address as fatal', () => {
    expect(problemLines(readText(rsWith().replace('real_server 203.0.113.1 80', 'real_server')).problems)[0]).toBe('5:missing-argument');
  });
});

describe('address family at the end of a real_server block', () => {
  it('drops a real server of the other family, on its closing line', () => {
    const text = ['virtual_server 2001:db8::1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  real_server 2001:db8::2 80 {', '  }', '  real_server 203.0.113.1 80 {', '  }', '}'].join('\n');
    const r = readText(text);
    expect(problemLines(r.problems)).toEqual(['8:family-mismatch']);
    expect(r.config.check.virtualServers[0].realServers).toHaveLength(1);
  });

  it('lets the first real server set the family of a fwmark service', () => {
    const text = ['virtual_server fwmark 5 {', '  lb_algo rr', '  lb_kind NAT', '  real_server 203.0.113.1 {', '  }', '  real_server 2001:db8::1 {', '  }', '}'].join('\n');
    const r = readText(text);
    expect(problemLines(r.problems)).toEqual(['7:family-mismatch']);
    expect(r.config.check.virtualServers[0].family).toBe(4);
  });

  it('lets tunnelled real servers mix families', () => {
    const text = ['virtual_server fwmark 5 {', '  lb_algo rr', '  lb_kind TUN', '  real_server 203.0.113.1 {', '  }', '  real_server 2001:db8::1 {', '  }', '}'].join('\n');
    expect(problemLines(readText(text).problems)).toEqual([]);
  });

  it('copies the lb_kind written above a real server, not one written below it', () => {
    const text = ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  real_server 203.0.113.1 8080 {', '  }', '  lb_kind DR', '  real_server 203.0.113.2 8080 {', '  }', '}'].join('\n');
    const vs = readText(text).config.check.virtualServers[0];
    expect(vs.realServers.map((rs) => rs.inheritedForwarding?.kind)).toEqual(['NAT', 'DR']);
  });

  it('forgets the scripts of a dropped real server (keepalived 2.2.7: no script security verdict for them)', () => {
    const text = ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  real_server 203.0.113.1 80 {', '  }', '  real_server 2001:db8::1 80 {', '    notify_up /bin/true', '  }', '}'].join('\n');
    const r = readText(text, fakeHost({ files: { '/bin/true': {} } }));
    expect(problemLines(r.problems)).toEqual(['9:family-mismatch']);
    expect(r.exitCode).toBe(5);
  });
});

describe('sorry_server', () => {
  const vs = (...lines: string[]) => ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', ...lines, '  real_server 203.0.113.1 80 {', '  }', '}'].join('\n');

  it('reads the sorry server with its settings', () => {
    const r = readText(vs('  sorry_server 203.0.113.9 8080', '  sorry_server_inhibit', '  sorry_server_lvs_method NAT'));
    expect(problemLines(r.problems)).toEqual([]);
    expect(r.config.check.virtualServers[0].sorryServer).toMatchObject({ address: { address: '203.0.113.9' }, port: 8080, inhibit: true, forwarding: { kind: 'NAT' } });
  });

  it('reports inhibit and lvs_method before any sorry_server', () => {
    expect(problemLines(readText(vs('  sorry_server_inhibit', '  sorry_server_lvs_method DR', '  sorry_server 203.0.113.9 80')).problems)).toEqual(['5:sorry-server-missing', '6:sorry-server-missing']);
  });

  it('keeps the last sorry_server line, silently (as keepalived does)', () => {
    const r = readText(vs('  sorry_server 203.0.113.8 80', '  sorry_server 203.0.113.9 80'));
    expect(problemLines(r.problems)).toEqual([]);
    expect(r.config.check.virtualServers[0].sorryServer?.address.address).toBe('203.0.113.9');
  });

  it('drops a sorry server of the other family, on the virtual server closing line', () => {
    const r = readText(vs('  sorry_server 2001:db8::9 80'));
    expect(problemLines(r.problems)).toEqual(['8:family-mismatch']);
    expect(r.config.check.virtualServers[0].sorryServer).toBeUndefined();
  });

  it('reports a bad address and a missing one', () => {
    expect(problemLines(readText(vs('  sorry_server 203.0.113.500 80')).problems)).toEqual(['5:invalid-address']);
    expect(problemLines(readText(vs('  sorry_server')).problems)).toEqual(['5:missing-argument']);
  });
});
