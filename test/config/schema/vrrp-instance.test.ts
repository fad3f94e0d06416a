// vrrp_instance keywords: every row is a config whose verdict (exit code and
// the lines named) was checked against real keepalived 2.2.7 -t, in a
// namespace with eth0..eth3 and eth0.1 (the fake host's interfaces).
import { describe, expect, it } from 'vitest';
import { fakeHost, readText, verdictOf } from '../../helpers/config.js';

/** An instance with a VRID, an interface and a VIP, plus `extra` lines (from line 4 on). */
function instance(extra: string, vips = '198.51.100.1/24'): string {
  return `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
${extra
  .split(';')
  .map((l) => `  ${l}`)
  .join('\n')}
  virtual_ipaddress {
${vips
  .split(';')
  .map((l) => `    ${l}`)
  .join('\n')}
  }
}
`;
}

/** keepalived's verdict as we compute it: exit code and the lines named (notes excluded). */
function verdict(text: string) {
  const { exit, lines, named } = verdictOf(text);
  return { exit, lines, lineless: named.filter((p) => !p.loc).length, codes: named.map((p) => p.code) };
}

interface Row {
  name: string;
  extra: string;
  exit: 0 | 5;
  lines?: number[];
}

describe('vrrp_instance numbers and enums (keepalived 2.2.7)', () => {
  const rows: Row[] = [
    { name: 'plain instance', extra: 'priority 100', exit: 0 },
    { name: 'priority 255 (address owner)', extra: 'priority 255', exit: 0 },
    { name: 'priority 256', extra: 'priority 256', exit: 5, lines: [4] },
    { name: 'priority 0', extra: 'priority 0', exit: 5, lines: [4] },
    { name: 'priority 1.5', extra: 'priority 1.5', exit: 5, lines: [4] },
    { name: 'priority 0x10', extra: 'priority 0x10', exit: 5, lines: [4] },
    { name: 'priority +5 and 010 are numbers', extra: 'priority +5;priority 010', exit: 0 },
    { name: 'virtual_router_id 256', extra: 'virtual_router_id 256', exit: 5, lines: [4] },
    { name: 'advert_int 0.01 is read (then rounded for v2)', extra: 'version 3;advert_int 0.01', exit: 0 },
    { name: 'advert_int 256', extra: 'advert_int 256', exit: 5, lines: [4] },
    { name: 'advert_int abc', extra: 'advert_int abc', exit: 5, lines: [4] },
    { name: 'advert_int with extra words', extra: 'advert_int 3 extra', exit: 0 },
    { name: 'version 4', extra: 'version 4', exit: 5, lines: [4] },
    { name: 'version 2.0', extra: 'version 2.0', exit: 5, lines: [4] },
    { name: 'preempt_delay 1000', extra: 'preempt_delay 1000', exit: 0 },
    { name: 'preempt_delay 1001', extra: 'preempt_delay 1001', exit: 5, lines: [4] },
    { name: 'debug 5', extra: 'debug 5', exit: 5, lines: [4] },
    { name: 'down_timer_adverts 0', extra: 'down_timer_adverts 0', exit: 5, lines: [4] },
    { name: 'down_timer_adverts 100', extra: 'down_timer_adverts 100', exit: 0 },
    { name: 'garp_master_delay 4295', extra: 'garp_master_delay 4295', exit: 5, lines: [4] },
    // read_unsigned refuses any '-', even '-0'.
    { name: 'garp_master_delay -0', extra: 'garp_master_delay -0', exit: 5, lines: [4] },
    { name: 'debug -0', extra: 'debug -0', exit: 5, lines: [4] },
    { name: 'preempt_delay -0', extra: 'preempt_delay -0', exit: 5, lines: [4] },
    { name: 'garp_master_repeat 0 is raised to 1', extra: 'garp_master_repeat 0', exit: 5, lines: [4] },
    { name: 'garp_master_refresh 4294967295', extra: 'garp_master_refresh 4294967295', exit: 0 },
    { name: 'garp_lower_prio_repeat -1', extra: 'garp_lower_prio_repeat -1', exit: 5, lines: [4] },
    { name: 'garp_extra_if without seconds', extra: 'garp_extra_if all', exit: 5, lines: [4] },
    { name: 'garp_extra_if 86401', extra: 'garp_extra_if 86401', exit: 5, lines: [4] },
    { name: 'vmac_garp_intvl is deprecated', extra: 'vmac_garp_intvl 5', exit: 5, lines: [4] },
    { name: 'kernel_rx_buf_size x', extra: 'kernel_rx_buf_size x', exit: 5, lines: [4] },
    { name: 'kernel_rx_buf_size without a value only warns', extra: 'kernel_rx_buf_size', exit: 5, lines: [4] },
    { name: 'unicast_ttl 256', extra: 'unicast_ttl 256', exit: 5, lines: [4] },
    { name: "state 'master' (lower case)", extra: 'state master', exit: 5, lines: [4] },
    { name: 'state MASTER then BACKUP', extra: 'state MASTER;state BACKUP', exit: 5, lines: [5] },
    { name: 'state BACKUP with priority 255', extra: 'state BACKUP;priority 255', exit: 0 },
  ];
  it.each(rows)('$name', ({ extra, exit, lines }) => {
    const v = verdict(instance(extra));
    expect(v.exit).toBe(exit);
    expect(v.lines).toEqual(lines ?? []);
  });
});

describe('vrrp_instance flags and booleans (keepalived 2.2.7)', () => {
  const rows: Row[] = [
    // Flags ignore their arguments.
    { name: 'accept bogus', extra: 'accept bogus', exit: 0 },
    { name: 'nopreempt bogus', extra: 'nopreempt bogus', exit: 0 },
    { name: 'dont_track_primary, track_src_ip, promote_secondaries', extra: 'dont_track_primary;track_src_ip;promote_secondaries', exit: 0 },
    { name: 'use_vmac and use_vmac_addr', extra: 'use_vmac;use_vmac_addr', exit: 0 },
    { name: 'notify_deleted alone', extra: 'notify_deleted', exit: 0 },
    // Booleans check theirs.
    { name: 'strict_mode bogus', extra: 'strict_mode bogus', exit: 5, lines: [4] },
    { name: 'smtp_alert bogus', extra: 'smtp_alert bogus', exit: 5, lines: [4] },
    { name: 'smtp_alert no', extra: 'smtp_alert no', exit: 0 },
    { name: 'skip_check_adv_addr bogus', extra: 'skip_check_adv_addr bogus', exit: 5, lines: [4] },
    { name: 'lower_prio_no_advert bogus', extra: 'lower_prio_no_advert bogus', exit: 5, lines: [4] },
    { name: 'higher_prio_send_advert bogus', extra: 'higher_prio_send_advert bogus', exit: 5, lines: [4] },
    { name: 'notify_priority_changes bogus', extra: 'notify_priority_changes bogus', exit: 5, lines: [4] },
    { name: 'old_unicast_checksum bogus (and no peers)', extra: 'old_unicast_checksum bogus', exit: 5, lines: [4] },
    // Deprecated keywords.
    { name: 'linkbeat_use_polling', extra: 'linkbeat_use_polling', exit: 5, lines: [4] },
    { name: 'lvs_sync_daemon_interface', extra: 'lvs_sync_daemon_interface eth1', exit: 5, lines: [4] },
    // Keywords of later keepalived versions are unknown to 2.2.7.
    { name: 'no_virtual_ipaddress (not in 2.2.7)', extra: 'no_virtual_ipaddress', exit: 5, lines: [4] },
    { name: 'owner_ignore_adverts (not in 2.2.7)', extra: 'owner_ignore_adverts', exit: 5, lines: [4] },
    { name: 'v3_checksum_as_v2 (not in 2.2.7)', extra: 'v3_checksum_as_v2', exit: 5, lines: [4] },
    // Interfaces.
    { name: 'interface name longer than 15 characters', extra: 'interface eth0123456789abcdef', exit: 5, lines: [4] },
    { name: 'vrf after interface', extra: 'vrf eth2', exit: 5, lines: [4] },
    { name: 'a second notify_master', extra: 'notify_master /bin/true;notify_master /bin/false', exit: 5, lines: [5] },
  ];
  it.each(rows)('$name', ({ extra, exit, lines }) => {
    const v = verdict(instance(extra));
    // notify scripts also raise script security (exit 6); only the lines matter for those rows.
    if (!extra.includes('notify_master')) expect(v.exit).toBe(exit);
    expect(v.lines).toEqual(lines ?? []);
  });
});

describe('vrrp_instance addresses and family (keepalived 2.2.7)', () => {
  it('mcast_src_ip of the other family refuses the later VIP (line of the VIP)', () => {
    const v = verdict(instance('mcast_src_ip 2001:db8::1'));
    expect(v.exit).toBe(5);
    expect(v.lines).toEqual([6]);
  });
  it('mcast_dst_ip that is not multicast', () => {
    expect(verdict(instance('mcast_dst_ip 198.51.100.7')).lines).toEqual([4]);
  });
  it('mcast_dst_ip ff02::12 makes the instance IPv6', () => {
    expect(verdict(instance('mcast_dst_ip ff02::12')).lines).toEqual([6]);
  });
  it('unicast_src_ip that is not an address', () => {
    expect(verdict(instance('unicast_src_ip x')).lines).toEqual([4]);
  });
  it('native_ipv6 after an IPv4 address is refused', () => {
    const text = `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  mcast_src_ip 198.51.100.3
  native_ipv6
  virtual_ipaddress {
    198.51.100.1/24
  }
}
`;
    expect(verdict(text).lines).toEqual([5]);
  });
  it('version 2 after an IPv6 VIP conflicts (line of version)', () => {
    const text = `vrrp_instance VI_1 {
  virtual_router_id 51
  virtual_ipaddress {
    2001:db8::1/64
  }
  version 2
  interface eth0
}
`;
    const v = verdict(text);
    expect(v.exit).toBe(5);
    expect(v.lines).toEqual([6]);
  });
  it('version 2 before an IPv6 VIP is accepted', () => {
    expect(verdict(instance('version 2', '2001:db8::1/64')).exit).toBe(0);
  });
  it('excluded VIPs may mix families', () => {
    expect(verdict(instance('virtual_ipaddress_excluded {;2001:db8::5/64;198.51.100.6/24;}')).exit).toBe(0);
  });
});

describe('vrrp_instance end-of-block checks: reported on the line of its }', () => {
  it('unicast_ttl without unicast peers', () => {
    const v = verdict(instance('unicast_ttl 5'));
    expect(v.exit).toBe(5);
    expect(v.lines).toEqual([8]);
  });
  it('use_vmac with unicast peers needs vmac_xmit_base', () => {
    const v = verdict(instance('use_vmac;unicast_peer {;198.51.100.9;}'));
    expect(v.exit).toBe(5);
    expect(v.lines).toEqual([11]);
  });
});

describe('authentication (keepalived 2.2.7)', () => {
  const rows: Row[] = [
    { name: 'PASS with 8 characters', extra: 'authentication {;auth_type PASS;auth_pass 12345678;}', exit: 0 },
    { name: 'PASS longer than 8 characters is truncated', extra: 'authentication {;auth_type PASS;auth_pass 123456789;}', exit: 5, lines: [6] },
    { name: 'auth_type in lower case', extra: 'authentication {;auth_type pass;auth_pass 1234;}', exit: 5, lines: [5] },
    { name: 'auth_pass without auth_type', extra: 'authentication {;auth_pass 1234;}', exit: 0 },
    { name: 'AH with state MASTER and no priority (owner)', extra: 'state MASTER;authentication {;auth_type AH;auth_pass 1234;}', exit: 0 },
    { name: 'unknown keyword in the block', extra: 'authentication {;auth_type PASS;auth_pass 1234;bogus;}', exit: 5, lines: [7] },
  ];
  it.each(rows)('$name', ({ extra, exit, lines }) => {
    const v = verdict(instance(extra));
    expect(v.exit).toBe(exit);
    expect(v.lines).toEqual(lines ?? []);
  });
});

describe('vrrp_instance header', () => {
  it('without a name: the block is skipped', () => {
    const v = verdict('vrrp_instance {\n  interface eth0\n  virtual_router_id 51\n}\n');
    expect(v.exit).toBe(5);
    expect(v.lines).toEqual([1]);
  });
  it('with two names: the block is skipped', () => {
    expect(verdict('vrrp_instance A B {\n  interface eth0\n}\n').lines).toEqual([1]);
  });
  it('a second instance of the same name is skipped', () => {
    const text = `${instance('priority 100')}vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 52\n}\n`;
    const v = verdict(text);
    expect(v.exit).toBe(5);
    expect(v.lines).toEqual([9]);
  });
});

describe('a keyword without its value', () => {
  // keepalived 2.2.7 stops with exit 2 ("missing a parameter"); the verdict
  // mapping of 'missing-argument' belongs to problems.ts.
  it.each(['priority', 'state', 'interface', 'advert_int', 'virtual_router_id', 'notify_master'])('%s', (keyword) => {
    const { problems } = readText(instance(keyword), fakeHost());
    expect(problems.filter((p) => p.code === 'missing-argument').map((p) => p.loc?.line)).toEqual([4]);
  });
  it('bare flags and booleans need none', () => {
    expect(verdict(instance('smtp_alert;strict_mode off;nopreempt')).exit).toBe(0);
  });
});

describe('the instance model', () => {
  it('fills in keepalived defaults', () => {
    const { config } = readText(instance('priority 100'), fakeHost());
    const inst = config.vrrp.instances[0];
    expect(inst).toMatchObject({
      name: 'VI_1',
      interface: 'eth0',
      vrid: 51,
      priority: 100,
      state: 'BACKUP',
      advertInt: 1,
      version: 2,
      family: 4,
      nopreempt: false,
      preemptDelay: 0,
      downTimerAdverts: 3,
      strictMode: false,
    });
    expect(inst.virtualIps[0].address).toEqual({ family: 4, address: '198.51.100.1', prefix: 24, explicitPrefix: true });
  });
  it('state MASTER without priority means priority 255', () => {
    const inst = readText(instance('state MASTER'), fakeHost()).config.vrrp.instances[0];
    expect(inst.priority).toBe(255);
  });
  it('priority 255 without state means MASTER', () => {
    const inst = readText(instance('priority 255'), fakeHost()).config.vrrp.instances[0];
    expect(inst.state).toBe('MASTER');
  });
  it('IPv6 instances default to version 3; global vrrp_version applies to IPv4', () => {
    const v6 = readText(instance('', '2001:db8::1/64'), fakeHost()).config.vrrp.instances[0];
    expect(v6.version).toBe(3);
    const v4 = readText(`global_defs {\n  vrrp_version 3\n}\n${instance('')}`, fakeHost()).config.vrrp.instances[0];
    expect(v4.version).toBe(3);
  });
  it('runs advert_int in whole seconds for v2 and 10 ms steps up to 40.95 s for v3', () => {
    const advert = (extra: string) => readText(instance(extra), fakeHost()).config.vrrp.instances[0].advertInt;
    expect(advert('advert_int 1.5')).toBe(2);
    expect(advert('advert_int 0.4')).toBe(1);
    expect(advert('version 3;advert_int 0.015')).toBe(0.02);
    expect(advert('version 3;advert_int 41')).toBe(40.95);
  });
  it('keeps the first 8 characters of a password', () => {
    const inst = readText(instance('authentication {;auth_type PASS;auth_pass 123456789;}'), fakeHost()).config.vrrp.instances[0];
    expect(inst.authentication).toMatchObject({ type: 'PASS', password: '12345678' });
  });
  it('reads unicast peers with TTL limits', () => {
    const inst = readText(instance('unicast_src_ip 198.51.100.3;unicast_peer {;198.51.100.9 min_ttl 5 max_ttl 10;}'), fakeHost()).config.vrrp.instances[0];
    expect(inst.srcIp?.address).toBe('198.51.100.3');
    expect(inst.unicastPeers).toMatchObject([{ address: { address: '198.51.100.9' }, minTtl: 5, maxTtl: 10 }]);
  });
  it('reads track lines with weights', () => {
    const inst = readText(instance('track_interface {;eth1 weight -20 reverse;eth2;}'), fakeHost()).config.vrrp.instances[0];
    expect(inst.track.interfaces).toMatchObject([{ name: 'eth1', weight: { weight: -20, reverse: true } }, { name: 'eth2' }]);
  });
});
