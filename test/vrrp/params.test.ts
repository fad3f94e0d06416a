// From a keepalived config to the runtime's settings (src/vrrp/params.ts):
// configs are read with the real config reader, then mapped; every
// correction keepalived 2.2.7 makes in vrrp_complete_instance is checked.

import { describe, expect, it } from 'vitest';
import type { KeepalivedConfig } from '../../src/config/model/index.js';
import { DEFAULT_GARP } from '../../src/vrrp/fsm.js';
import { configRules, rulePreferences, runtimeConfig, staticEntries, vipId, type RuntimeConfig } from '../../src/vrrp/params.js';
import { readText } from '../helpers/config.js';

const ADDR = '198.51.100.11';

function config(text: string): KeepalivedConfig {
  return readText(text).config;
}

function map(text: string, interfaceAddress: string | undefined = ADDR, name?: string): RuntimeConfig {
  const c = config(text);
  const instance = name ? c.vrrp.instances.find((i) => i.name === name)! : c.vrrp.instances[0];
  const r = runtimeConfig({ instance, global: c.global, ...(interfaceAddress ? { interfaceAddress } : {}) });
  if (!r.ok) throw new Error(r.error);
  return r;
}

const instance = (body: string, globals = ''): string => `global_defs {
${globals}}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
${body}
  virtual_ipaddress {
    198.51.100.180/32
  }
}
`;

describe('the lab configuration (v2, PASS, advert_int 1, one VIP)', () => {
  const LAB = instance(`  state MASTER
  priority 150
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass 1111
  }`);

  it('maps onto the reducer\'s parameters with keepalived\'s defaults', () => {
    const r = map(LAB);
    expect(r.params).toEqual({
      name: 'VI_1',
      vrid: 51,
      version: 2,
      priority: 150,
      advertIntervalCs: 100,
      initialState: 'MASTER',
      nopreempt: false,
      preemptDelayMs: 0,
      downTimerAdverts: 3,
      accept: true,
      lowerPrioNoAdvert: false,
      higherPrioSendAdvert: false,
      notifyPriorityChanges: false,
      garp: DEFAULT_GARP,
      vips: ['198.51.100.180/32 dev eth0'],
      routes: [],
      rules: [],
      primaryAddress: ADDR,
    });
    expect(r.corrections).toEqual([]);
  });

  it('describes the adverts: PASS with the password, multicast to 224.0.0.18 from the interface address', () => {
    expect(map(LAB).wire).toEqual({
      family: 4,
      version: 2,
      vrid: 51,
      interface: 'eth0',
      authType: 1,
      password: '1111',
      advertIntervalCs: 100,
      advertAddresses: ['198.51.100.180'],
      group: '224.0.0.18',
      unicastPeers: [],
      destinations: ['224.0.0.18'],
      sourceAddress: ADDR,
      checkUnicastSrc: false,
      skipCheckAdvAddr: false,
      oldUnicastChecksum: false,
    });
  });

  it('names each VIP by address/prefix and device, with what ip needs to install it', () => {
    const r = map(instance('', '').replace('198.51.100.180/32', '198.51.100.180/24 brd + dev eth1 scope link label eth1:vip -nodad no_track'));
    const [def] = [...r.vips.values()];
    expect(def).toEqual({ address: '198.51.100.180', prefix: 24, family: 4, dev: 'eth1', broadcast: '+', scope: 'link', label: 'eth1:vip', flags: ['nodad'] });
    expect(r.params.vips).toEqual([vipId(def)]);
    expect(vipId(def)).toBe('198.51.100.180/24 dev eth1');
  });
});

describe('addresses and destinations', () => {
  it('installs excluded VIPs too, but lists only virtual_ipaddress of the instance\'s family in adverts', () => {
    const r = map(
      instance('').replace(
        '    198.51.100.180/32\n  }',
        '    198.51.100.180/32\n    198.51.100.181/32\n  }\n  virtual_ipaddress_excluded {\n    203.0.113.5/32\n    2001:db8::5/64\n  }',
      ),
    );
    expect(r.wire.advertAddresses).toEqual(['198.51.100.180', '198.51.100.181']);
    expect(r.params.vips).toEqual(['198.51.100.180/32 dev eth0', '198.51.100.181/32 dev eth0', '203.0.113.5/32 dev eth0', '2001:db8::5/64 dev eth0']);
  });

  it('unicast: adverts go to each peer, from unicast_src_ip, with the unicast TTL and source checks', () => {
    const r = map(instance(`  unicast_src_ip 198.51.100.12
  unicast_ttl 10
  check_unicast_src
  unicast_peer {
    198.51.100.11
    198.51.100.13 min_ttl 250 max_ttl 255
  }`));
    expect(r.wire).toMatchObject({
      sourceAddress: '198.51.100.12',
      unicastTtl: 10,
      checkUnicastSrc: true,
      destinations: ['198.51.100.11', '198.51.100.13'],
      unicastPeers: [{ address: '198.51.100.11' }, { address: '198.51.100.13', minTtl: 250, maxTtl: 255 }],
    });
    expect(r.params.primaryAddress).toBe('198.51.100.12');
  });

  it('multicast: mcast_dst_ip, else the global vrrp_mcast_group4', () => {
    expect(map(instance('  mcast_dst_ip 224.0.0.19')).wire.destinations).toEqual(['224.0.0.19']);
    expect(map(instance('', '  vrrp_mcast_group4 224.0.0.20\n')).wire.destinations).toEqual(['224.0.0.20']);
  });

  it('IPv6: VRRPv3 by default, the link-local interface address as source, ff02::12', () => {
    const text = `vrrp_instance V6 {
  interface eth0
  virtual_router_id 53
  advert_int 0.2
  virtual_ipaddress {
    fe80::53:1/64
    2001:db8::180/64
  }
}
`;
    const r = map(text, 'fe80::1');
    expect(r.wire).toMatchObject({ family: 6, version: 3, advertIntervalCs: 20, group: 'ff02::12', sourceAddress: 'fe80::1', advertAddresses: ['fe80::53:1', '2001:db8::180'] });
  });

  it('fails as a value without a VRID, without an interface, or without any source address', () => {
    const c = config(instance('').replace('  virtual_router_id 51\n', ''));
    expect(runtimeConfig({ instance: c.vrrp.instances[0], global: c.global, interfaceAddress: ADDR })).toMatchObject({ ok: false, error: expect.stringContaining('virtual_router_id') });
    const d = config(instance(''));
    expect(runtimeConfig({ instance: d.vrrp.instances[0], global: d.global })).toMatchObject({ ok: false, error: expect.stringContaining('no source address') });
    const e = config(instance('').replace('  interface eth0\n', ''));
    expect(runtimeConfig({ instance: e.vrrp.instances[0], global: e.global, interfaceAddress: ADDR })).toMatchObject({ ok: false, error: expect.stringContaining('no interface') });
  });
});

describe('keepalived 2.2.7 corrections (vrrp_complete_instance)', () => {
  it('a missing priority is 255 with state MASTER (the owner), 100 otherwise', () => {
    expect(map(instance('  state MASTER')).params).toMatchObject({ priority: 255, initialState: 'MASTER' });
    expect(map(instance('')).params).toMatchObject({ priority: 100, initialState: 'BACKUP' });
    expect(map(instance('  priority 255')).params).toMatchObject({ priority: 255, initialState: 'MASTER' });
  });

  it('nopreempt is cleared with state MASTER and for the owner; preempt_delay with state MASTER and with nopreempt', () => {
    const m = map(instance('  state MASTER\n  priority 150\n  nopreempt\n  preempt_delay 10'));
    expect(m.params).toMatchObject({ nopreempt: false, preemptDelayMs: 0 });
    expect(m.corrections).toEqual(['VI_1: nopreempt cleared with state MASTER', 'VI_1: preempt_delay cleared (state MASTER)']);
    expect(map(instance('  priority 255\n  state BACKUP\n  nopreempt')).params.nopreempt).toBe(false);
    expect(map(instance('  nopreempt\n  preempt_delay 10')).params).toMatchObject({ nopreempt: true, preemptDelayMs: 0 });
    expect(map(instance('  preempt_delay 10')).params).toMatchObject({ nopreempt: false, preemptDelayMs: 10_000 });
  });

  it('authentication: dropped for VRRPv3 and without a password; AH makes state MASTER start as BACKUP', () => {
    expect(map(instance('  version 3\n  authentication {\n    auth_type PASS\n    auth_pass 1111\n  }')).wire.authType).toBe(0);
    const noPass = map(instance('  authentication {\n    auth_type PASS\n  }'));
    expect(noPass.wire.authType).toBe(0);
    expect(noPass.wire.password).toBeUndefined();
    const ah = map(instance('  state MASTER\n  priority 150\n  authentication {\n    auth_type AH\n    auth_pass secret\n  }'));
    expect(ah.wire.authType).toBe(2);
    expect(ah.params.initialState).toBe('BACKUP');
    expect(ah.corrections).toContain('VI_1: AH authentication: initial state MASTER cleared');
  });

  it('strict mode: state follows ownership, no auth, no preempt_delay, 3 down adverts, no lower-priority GARPs or adverts, no accept for v2', () => {
    const r = map(
      instance(
        `  state MASTER
  priority 150
  preempt_delay 5
  down_timer_adverts 5
  garp_lower_prio_repeat 3
  higher_prio_send_advert
  accept
  authentication {
    auth_type PASS
    auth_pass 1111
  }`,
        '  vrrp_strict\n',
      ),
    );
    expect(r.params).toMatchObject({
      initialState: 'BACKUP',
      preemptDelayMs: 0,
      downTimerAdverts: 3,
      lowerPrioNoAdvert: true,
      higherPrioSendAdvert: false,
      accept: false,
      garp: { lowerPrioRepeat: 0, lowerPrioDelayMs: 0 },
    });
    expect(r.wire.authType).toBe(0);
    expect(r.corrections.length).toBeGreaterThanOrEqual(6);
  });

  it('accept mode defaults to on, off under strict mode; an owner keeps it', () => {
    expect(map(instance('')).params.accept).toBe(true);
    expect(map(instance('  no_accept')).params.accept).toBe(false);
    expect(map(instance('', '  vrrp_strict\n')).params.accept).toBe(false);
    expect(map(instance('  priority 255\n  accept', '  vrrp_strict\n')).params.accept).toBe(true);
  });
});

describe('global defaults', () => {
  it('GARP settings come from vrrp_garp_* unless the instance sets them; lower-priority ones default to the master ones', () => {
    const r = map(instance('  garp_master_repeat 2\n  garp_master_refresh 60', '  vrrp_garp_master_delay 10\n  vrrp_garp_master_repeat 3\n'));
    expect(r.params.garp).toEqual({ masterDelayMs: 10_000, masterRepeat: 2, masterRefreshMs: 60_000, masterRefreshRepeat: 1, lowerPrioDelayMs: 10_000, lowerPrioRepeat: 3 });
  });

  it('vrrp_min_garp: one GARP, no second burst, no refresh repeats, unless those were set', () => {
    expect(map(instance('', '  vrrp_min_garp\n')).params.garp).toMatchObject({ masterDelayMs: 0, masterRepeat: 1, masterRefreshRepeat: 0 });
    expect(map(instance('', '  vrrp_garp_master_repeat 3\n  vrrp_min_garp\n')).params.garp).toMatchObject({ masterDelayMs: 0, masterRepeat: 3 });
  });

  it('down_timer_adverts, lower/higher priority advert behaviour, priority-change notices and address checks follow global_defs', () => {
    const r = map(
      instance('', '  vrrp_down_timer_adverts 5\n  vrrp_lower_prio_no_advert\n  vrrp_higher_prio_send_advert\n  vrrp_notify_priority_changes\n  vrrp_skip_check_adv_addr\n  vrrp_check_unicast_src\n'),
    );
    expect(r.params).toMatchObject({ downTimerAdverts: 5, lowerPrioNoAdvert: true, higherPrioSendAdvert: true, notifyPriorityChanges: true });
    expect(r.wire).toMatchObject({ skipCheckAdvAddr: true, checkUnicastSrc: true });
  });

  it('VRRPv3 keeps centiseconds; v2 intervals are whole seconds', () => {
    expect(map(instance('  version 3\n  advert_int 0.1')).params.advertIntervalCs).toBe(10);
    expect(map(instance('  advert_int 1.5')).params.advertIntervalCs).toBe(200);
  });
});

describe('virtual_routes and virtual_rules (keepalived 2.2.7 alloc_route / alloc_rule, as measured with ip route / ip rule)', () => {
  const routed = (routes: string, rules = '') => instance(`  virtual_routes {\n${routes}\n  }${rules ? `\n  virtual_rules {\n${rules}\n  }` : ''}`);

  it('a route carries protocol keepalived, its gateway, device, table, metric, type and source as written', () => {
    const r = map(
      routed(`    203.0.113.0/26 via 198.51.100.1 dev eth0
    203.0.113.64/26 via 198.51.100.1 dev eth0 table 100 metric 5
    src 198.51.100.180 203.0.113.192/27 dev eth0
    blackhole 203.0.113.224/27 table 100
    2001:db8:1::/48 via 2001:db8::1 dev eth0`),
    );
    expect([...r.routes.values()]).toEqual([
      { family: 4, destination: '203.0.113.0/26', via: '198.51.100.1', dev: 'eth0', protocol: 'keepalived' },
      { family: 4, destination: '203.0.113.64/26', via: '198.51.100.1', dev: 'eth0', table: '100', metric: 5, protocol: 'keepalived' },
      { family: 4, destination: '203.0.113.192/27', src: '198.51.100.180', dev: 'eth0', protocol: 'keepalived' },
      { family: 4, type: 'blackhole', destination: '203.0.113.224/27', table: '100', protocol: 'keepalived' },
      { family: 6, destination: '2001:db8:1::/48', via: '2001:db8::1', dev: 'eth0', protocol: 'keepalived' },
    ]);
    expect(r.params.routes).toEqual([...r.routes.keys()]);
    expect(r.params.routes[0]).toBe('203.0.113.0/26 via 198.51.100.1 dev eth0 proto keepalived');
  });

  it('a tracked route always gets protocol keepalived; only a no_track route keeps the protocol it names', () => {
    const r = map(routed('    203.0.113.0/26 dev eth0 protocol static\n    203.0.113.64/26 dev eth0 protocol static no_track\n    203.0.113.128/26 dev eth0 no_track'));
    expect([...r.routes.values()].map((x) => x.protocol)).toEqual(['keepalived', 'static', 'keepalived']);
  });

  it('the deprecated `via A or B` becomes two nexthops; scope universe is spelt global; onlink and further options pass through', () => {
    const r = map(routed('    203.0.113.0/26 via 198.51.100.1 or 198.51.100.2 dev eth0\n    203.0.113.64/26 via 198.51.100.1 dev eth0 scope universe onlink mtu 1400'));
    const [or, opts] = [...r.routes.values()];
    expect(or).toMatchObject({ nexthops: [{ via: '198.51.100.1' }, { via: '198.51.100.2' }], dev: 'eth0' });
    expect(or.via).toBeUndefined();
    expect(opts).toMatchObject({ scope: 'global', onlink: true, options: { mtu: '1400' } });
  });

  it('a rule carries its selectors, preference, action and protocol keepalived (none when no_track names none)', () => {
    const r = map(
      routed(
        '    203.0.113.0/26 dev eth0',
        `    from 198.51.100.180 table 100 preference 2000
    to 203.0.113.0/24 table 100 priority 2001 no_track
    from 2001:db8::180 table 100 preference 2002
    iif eth0 fwmark 7 goto 32766 preference 2003`,
      ),
    );
    expect([...r.rules.values()]).toEqual([
      { family: 4, from: '198.51.100.180/32', preference: 2000, action: 'table', actionValue: '100', protocol: 'keepalived' },
      { family: 4, to: '203.0.113.0/24', preference: 2001, action: 'table', actionValue: '100' },
      { family: 6, from: '2001:db8::180/128', preference: 2002, action: 'table', actionValue: '100', protocol: 'keepalived' },
      { family: 4, iif: 'eth0', preference: 2003, action: 'goto', actionValue: '32766', protocol: 'keepalived', options: { fwmark: '7' } },
    ]);
    expect(r.params.rules[0]).toBe('2000: from 198.51.100.180/32 proto keepalived table 100');
  });

  it('measured with keepalived 2.2.7: rules without a preference get 16384, 16383, ... in reading order, static_rules and every instance counted together', () => {
    const text = `static_rules {
  from 203.0.113.128/26 table 100
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  virtual_ipaddress {
    198.51.100.180/32
  }
  virtual_rules {
    fwmark 7 table 100
    to 203.0.113.64/26 table 100 preference 50
    to 203.0.113.0/26 table 100
  }
}
`;
    const c = config(text);
    const prefs = rulePreferences(configRules(c.vrrp));
    const r = runtimeConfig({ instance: c.vrrp.instances[0], global: c.global, interfaceAddress: ADDR, rulePreferences: prefs });
    if (!r.ok) throw new Error(r.error);
    expect([...r.rules.values()].map((x) => x.preference)).toEqual([16383, 50, 16382]);
    expect([...staticEntries(c.vrrp, c.global).rules.values()].map((x) => x.preference)).toEqual([16384]);
  });
});

describe('static_ipaddress, static_routes, static_rules', () => {
  it('become the specs of the adapters; an address without dev goes on default_interface (eth0 unless set)', () => {
    const c = config(`global_defs {
  default_interface eth1
}
static_ipaddress {
  203.0.113.50/32 dev eth0
  203.0.113.51/32
}
static_routes {
  203.0.113.128/26 via 198.51.100.1 dev eth0 table 100
}
static_rules {
  from 203.0.113.128/26 table 100 preference 1000
}
`);
    const s = staticEntries(c.vrrp, c.global);
    expect([...s.addresses.keys()]).toEqual(['203.0.113.50/32 dev eth0', '203.0.113.51/32 dev eth1']);
    expect([...s.routes.values()]).toEqual([{ family: 4, destination: '203.0.113.128/26', via: '198.51.100.1', dev: 'eth0', table: '100', protocol: 'keepalived' }]);
    expect([...s.rules.values()]).toEqual([{ family: 4, from: '203.0.113.128/26', preference: 1000, action: 'table', actionValue: '100', protocol: 'keepalived' }]);
  });
});
