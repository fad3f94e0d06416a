// The settings keepalived 2.2.7 runs with after reading, for the IPVS and
// checker code: defaults, inheritance, and its port corrections.
import { describe, expect, it } from 'vitest';
import { readText } from '../../helpers/config.js';

describe('resolveCheckSettings', () => {
  it('fills in defaults and corrections of a virtual server', () => {
    const text = ['virtual_server 198.51.100.1 {', '  quorum 9', '  hysteresis 9', '  real_server 203.0.113.1 {', '    weight 2', '  }', '  real_server 203.0.113.2 {', '  }', '}'].join('\n');
    const vs = readText(text).config.check.virtualServers[0];
    expect(vs.effective).toEqual({ scheduler: 'wlc', protocol: 'UDP', persistenceTimeout: 360, quorum: 3, hysteresis: 2, totalWeight: 3 });
  });

  it('resolves forwarding, ports and weights of real and sorry servers', () => {
    const text = [
      'virtual_server 198.51.100.1 80 {',
      '  lb_algo rr',
      '  lb_kind NAT',
      '  protocol TCP',
      '  weight 4',
      '  inhibit_on_failure',
      '  sorry_server 203.0.113.9',
      '  real_server 203.0.113.1 {',
      '  }',
      '  real_server 203.0.113.2 8080 {',
      '    lvs_method DR',
      '    alpha',
      '  }',
      '  real_server 203.0.113.2 8080 {',
      '  }',
      '}',
    ].join('\n');
    const vs = readText(text).config.check.virtualServers[0];
    expect(vs.realServers.map((rs) => rs.effective && { kind: rs.effective.forwarding.kind, port: rs.effective.port, weight: rs.effective.weight, inhibit: rs.effective.inhibitOnFailure, alpha: rs.effective.alpha })).toEqual([
      { kind: 'NAT', port: 80, weight: 4, inhibit: true, alpha: false },
      { kind: 'DR', port: 80, weight: 4, inhibit: true, alpha: true },
      undefined,
    ]);
    expect(vs.realServers[2].ignored).toBe('repeats an earlier real server');
    expect(vs.sorryServer?.effective).toMatchObject({ forwarding: { kind: 'NAT' }, port: 0 });
  });

  it('gives fwmark services no protocol and clears DR ports', () => {
    const vs = readText(['virtual_server fwmark 3 {', '  lb_algo rr', '  lb_kind DR', '  real_server 203.0.113.1 80 {', '  }', '}'].join('\n')).config.check.virtualServers[0];
    expect(vs.effective?.protocol).toBeUndefined();
    expect(vs.realServers[0].effective?.port).toBe(0);
  });

  it('marks the virtual servers keepalived ignores', () => {
    const r = readText(['virtual_server group NOPE {', '}', 'virtual_server 198.51.100.1 80 {', '}'].join('\n'));
    expect(r.config.check.virtualServers.map((vs) => vs.ignored)).toEqual(['virtual_server_group NOPE is not defined', 'no real servers']);
    expect(r.config.check.virtualServers.map((vs) => vs.effective)).toEqual([undefined, undefined]);
  });
});
