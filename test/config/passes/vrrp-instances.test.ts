// The checks keepalived 2.2.7 makes on each instance after reading
// (passes/vrrp-instances.ts). keepalived names no line for them; every row's
// verdict was checked against keepalived 2.2.7 -t with eth0..eth3 present.
import { describe, expect, it } from 'vitest';
import { fakeHost, readText, verdictOf } from '../../helpers/config.js';

/** An instance on eth0 with VRID 51 and `vips`, plus `extra` lines; `globals` go into global_defs. */
function instance(extra: string, globals = '', vips = '198.51.100.1/24'): string {
  const g = globals ? `global_defs {\n${globals.split(';').map((l) => `  ${l}`).join('\n')}\n}\n` : '';
  return `${g}vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
${extra
  .split(';')
  .filter((l) => l)
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

function verdict(text: string) {
  const { exit, named } = verdictOf(text);
  return { exit, lined: named.filter((p) => p.loc).length, codes: named.filter((p) => !p.loc).map((p) => p.code) };
}

interface Row {
  name: string;
  extra: string;
  globals?: string;
  vips?: string;
  /** Our codes for keepalived's line-less complaints; none means keepalived is silent (exit 0). */
  codes: string[];
}

const rows: Row[] = [
  // Authentication.
  { name: 'AH with state MASTER below 255', extra: 'state MASTER;priority 100;authentication {;auth_type AH;auth_pass 1234;}', codes: ['vrrp-auth-ah-master'] },
  { name: 'AH with state MASTER at 255', extra: 'state MASTER;authentication {;auth_type AH;auth_pass 1234;}', codes: [] },
  { name: 'auth_type without auth_pass', extra: 'priority 100;authentication {;auth_type AH;}', codes: ['vrrp-auth-no-password'] },
  { name: 'authentication with version 3', extra: 'version 3;authentication {;auth_type PASS;auth_pass 1234;}', codes: ['vrrp-v3-auth'] },
  { name: 'authentication on IPv6 (version 3 by default)', extra: 'authentication {;auth_type PASS;auth_pass 1234;}', vips: '2001:db8::1/64', codes: ['vrrp-v3-auth'] },
  { name: 'AH on IPv6 with version 2', extra: 'version 2;authentication {;auth_type AH;auth_pass 1234;}', vips: '2001:db8::1/64', codes: ['vrrp-auth-ah-ipv6'] },
  { name: 'authentication in strict mode', extra: 'strict_mode;authentication {;auth_type PASS;auth_pass 1234;}', codes: ['vrrp-strict-auth'] },
  { name: 'authentication with global vrrp_strict', extra: 'authentication {;auth_type PASS;auth_pass 1234;}', globals: 'vrrp_strict', codes: ['vrrp-strict-auth'] },
  { name: 'strict_mode off overrides vrrp_strict', extra: 'strict_mode off;state MASTER;priority 100;authentication {;auth_type PASS;auth_pass 1234;}', globals: 'vrrp_strict', codes: [] },
  // Strict mode.
  { name: 'strict mode alone', extra: 'strict_mode', codes: [] },
  { name: 'strict: state MASTER without priority (255)', extra: 'strict_mode;state MASTER', codes: [] },
  { name: 'strict: priority 255 without state', extra: 'strict_mode;priority 255', codes: [] },
  { name: 'strict: state MASTER with priority 100', extra: 'strict_mode;state MASTER;priority 100', codes: ['vrrp-strict-state'] },
  { name: 'strict: state MASTER with priority 254', extra: 'priority 254;state MASTER;strict_mode', codes: ['vrrp-strict-state'] },
  { name: 'strict: priority 255 with state BACKUP', extra: 'priority 255;state BACKUP;strict_mode', codes: ['vrrp-strict-state'] },
  { name: 'vrrp_strict: state MASTER with priority 100', extra: 'state MASTER;priority 100', globals: 'vrrp_strict', codes: ['vrrp-strict-state'] },
  { name: 'strict: accept with VRRPv2', extra: 'strict_mode;accept', codes: ['vrrp-strict-accept-v2'] },
  { name: 'vrrp_strict: accept with VRRPv2', extra: 'accept', globals: 'vrrp_strict', codes: ['vrrp-strict-accept-v2'] },
  { name: 'vrrp_strict: accept on the address owner', extra: 'priority 255;accept', globals: 'vrrp_strict', codes: [] },
  { name: 'vrrp_strict: state MASTER below 255 and accept', extra: 'accept;state MASTER;priority 100', globals: 'vrrp_strict', codes: ['vrrp-strict-state', 'vrrp-strict-accept-v2'] },
  { name: 'accept without strict mode', extra: 'accept', codes: [] },
  { name: 'accept with version 3', extra: 'accept;version 3', codes: [] },
  { name: 'strict: unicast peers', extra: 'strict_mode;unicast_peer {;198.51.100.9;}', codes: [] },
  { name: 'strict: preempt_delay', extra: 'strict_mode;preempt_delay 5', codes: ['vrrp-strict-preempt-delay'] },
  { name: 'strict: down_timer_adverts', extra: 'strict_mode;down_timer_adverts 5', codes: ['vrrp-strict-down-timer'] },
  { name: 'strict: lower priority GARPs and higher_prio_send_advert', extra: 'strict_mode;garp_lower_prio_repeat 2;garp_lower_prio_delay 3;higher_prio_send_advert', codes: ['vrrp-strict-garp', 'vrrp-strict-garp', 'vrrp-strict-higher-prio'] },
  { name: 'strict: lower_prio_no_advert false', extra: 'strict_mode;lower_prio_no_advert false', codes: ['vrrp-strict-lower-prio'] },
  { name: 'strict: first IPv6 VIP not link-local', extra: 'strict_mode', vips: '2001:db8::1/64', codes: ['vrrp-strict-link-local'] },
  { name: 'strict: IPv6 with version 2', extra: 'strict_mode;version 2', vips: 'fe80::1/64', codes: ['vrrp-strict-ipv6-v2'] },
  // Preemption.
  { name: 'nopreempt without state', extra: 'nopreempt', codes: [] },
  { name: 'nopreempt with priority 255', extra: 'nopreempt;priority 255', codes: ['vrrp-nopreempt-owner'] },
  { name: 'nopreempt with state MASTER (priority 255 implied)', extra: 'state MASTER;nopreempt', codes: ['vrrp-nopreempt-owner'] },
  { name: 'nopreempt with state BACKUP and priority 255', extra: 'state BACKUP;priority 255;nopreempt', codes: ['vrrp-nopreempt-owner'] },
  { name: 'nopreempt with state MASTER and priority 100', extra: 'state MASTER;priority 100;nopreempt', codes: ['vrrp-nopreempt-master'] },
  { name: 'preempt_delay with nopreempt', extra: 'preempt_delay 5;nopreempt', codes: ['vrrp-preempt-delay-nopreempt'] },
  { name: 'preempt_delay with state MASTER', extra: 'state MASTER;priority 100;preempt_delay 5', codes: ['vrrp-preempt-delay-master'] },
  // Advert interval.
  { name: 'advert_int 1.5 with VRRPv2', extra: 'advert_int 1.5', codes: ['vrrp-advert-int-v2'] },
  { name: 'advert_int 0.5 with VRRPv2', extra: 'advert_int 0.5', codes: ['vrrp-advert-int-v2'] },
  { name: 'advert_int 255', extra: 'advert_int 255', codes: [] },
  { name: 'advert_int 1.5 with global vrrp_version 3', extra: 'advert_int 1.5', globals: 'vrrp_version 3', codes: [] },
  { name: 'advert_int 0.015 with VRRPv3', extra: 'version 3;advert_int 0.015', codes: ['vrrp-advert-int-v3'] },
  { name: 'advert_int 41 with VRRPv3', extra: 'version 3;advert_int 41', codes: ['vrrp-advert-int-v3'] },
  { name: 'advert_int 40.95 with VRRPv3', extra: 'version 3;advert_int 40.95', codes: [] },
  // Unicast.
  { name: 'unicast peers', extra: 'unicast_peer {;198.51.100.9;}', codes: [] },
  { name: 'unicast_src_ip without peers', extra: 'unicast_src_ip 198.51.100.3', codes: ['vrrp-unicast-no-peers'] },
  { name: 'check_unicast_src without peers', extra: 'check_unicast_src', codes: ['vrrp-unicast-no-peers'] },
  { name: 'old_unicast_checksum never without peers', extra: 'old_unicast_checksum never', codes: ['vrrp-unicast-no-peers'] },
  { name: 'an empty unicast_peer block', extra: 'unicast_peer {;}', codes: ['vrrp-unicast-no-peers'] },
  { name: 'mcast_src_ip is not a unicast keyword', extra: 'mcast_src_ip 198.51.100.3', codes: [] },
  { name: 'mcast_dst_ip with unicast peers', extra: 'unicast_src_ip 198.51.100.3;unicast_peer {;198.51.100.9;};mcast_dst_ip 224.0.0.19', codes: ['vrrp-mcast-dst-unicast'] },
  // Other.
  { name: 'vmac_xmit_base without use_vmac', extra: 'vmac_xmit_base', codes: ['vrrp-xmit-base-no-vmac'] },
  { name: 'use_vmac with vmac_xmit_base', extra: 'use_vmac vrrp.51;vmac_xmit_base', codes: [] },
  { name: 'IPv4 use_ipvlan without an address', extra: 'use_ipvlan', codes: ['vrrp-ipvlan-no-address'] },
  { name: 'use_ipvlan with an address', extra: 'use_ipvlan ipv1 198.51.100.3/24 bridge', codes: [] },
  { name: 'track_interface of the own interface', extra: 'track_interface {;eth0;}', codes: ['vrrp-track-own-interface'] },
  { name: 'weighted track_interface on the address owner', extra: 'priority 255;track_interface {;eth1 weight 5;eth2;}', codes: ['vrrp-weight-ignored'] },
  { name: 'track_interface weight 0', extra: 'track_interface {;eth1 weight 0;}', codes: [] },
];

describe('instance checks after reading (keepalived 2.2.7)', () => {
  it.each(rows)('$name', ({ extra, globals, vips, codes }) => {
    const v = verdict(instance(extra, globals, vips));
    expect(v.codes).toEqual(codes);
    expect(v.lined).toBe(0);
    expect(v.exit).toBe(codes.length > 0 ? 5 : 0);
  });
});

describe('instances that keepalived cannot complete', () => {
  it('without virtual_router_id: only that complaint', () => {
    expect(verdict('vrrp_instance VI_1 {\n  interface eth0\n  priority 255\n  nopreempt\n}\n').codes).toEqual(['vrrp-no-vrid']);
    expect(verdict('vrrp_instance VI_1 {\n}\n').codes).toEqual(['vrrp-no-vrid']);
  });
  it('virtual_router_id 0 is refused, so it is missing', () => {
    const text = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 0\n  virtual_ipaddress {\n    198.51.100.1/24\n  }\n}\n';
    const { problems } = readText(text, fakeHost());
    expect(problems.map((p) => `${p.loc?.line ?? '-'}:${p.code}`)).toEqual(['3:out-of-range', '-:vrrp-no-vrid']);
  });
  it('without interface (also with unicast peers)', () => {
    expect(verdict('vrrp_instance VI_1 {\n  virtual_router_id 51\n  virtual_ipaddress {\n    198.51.100.1/24\n  }\n}\n').codes).toEqual(['vrrp-no-interface']);
    expect(verdict('vrrp_instance VI_1 {\n  virtual_router_id 51\n  unicast_peer {\n    198.51.100.9\n  }\n  virtual_ipaddress {\n    198.51.100.1/24\n  }\n}\n').codes).toEqual(['vrrp-no-interface']);
  });
  it('on the loopback interface: its line, then no interface', () => {
    const { problems } = readText(instance('').replace('interface eth0', 'interface lo'), fakeHost());
    expect(problems.map((p) => `${p.loc?.line ?? '-'}:${p.code}`)).toEqual(['2:vrrp-loopback', '-:vrrp-no-interface']);
  });
  it('without virtual addresses', () => {
    expect(verdict('vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n}\n').codes).toEqual(['vrrp-no-vip']);
  });
});

describe('our advice (notes only)', () => {
  it('nopreempt without state BACKUP gets a note, and keepalived says nothing', () => {
    const { problems, exitCode } = readText(instance('nopreempt'), fakeHost());
    expect(exitCode).toBe(0);
    expect(problems.map((p) => `${p.severity}:${p.code}`)).toEqual(['note:vrrp-nopreempt-state']);
  });
});
