// Interfaces the VRRP configuration names (passes/vrrp-interfaces.ts).
// keepalived 2.2.7 reports each missing one on its line, then once without
// a line, and its VRRP process stops: no later VRRP check, and no VRRP
// script security (exit 5 where 6 would follow otherwise). Checked against
// keepalived 2.2.7 -t in a namespace with eth0..eth3 and eth0.1.
import { describe, expect, it } from 'vitest';
import { missingVrrpInterfaces, VRRP_STOPPED_CODE } from '../../../src/config/passes/vrrp-interfaces.js';
import { fakeHost, readText, verdictOf } from '../../helpers/config.js';

const host = fakeHost({
  files: {
    '/': { isFile: false, isDirectory: true, mode: 0o40755 },
    '/bin': { isFile: false, isDirectory: true, mode: 0o40755 },
    '/bin/true': {},
  },
});

/** An instance on `iface` with a notify script (lines 1-8) and `extra` lines from line 4; `after` follows it. */
function config(iface: string, extra = '', after = ''): string {
  return `vrrp_instance VI_1 {
  interface ${iface}
  virtual_router_id 51
${extra
  .split(';')
  .filter((l) => l)
  .map((l) => `  ${l}`)
  .join('\n')}${extra ? '\n' : ''}  notify_master /bin/true
  virtual_ipaddress {
    198.51.100.1/24
  }
}
${after}`;
}

function verdict(text: string) {
  const { exit: exitCode, named, config: model } = verdictOf(text, host);
  const lines = [...new Set(named.filter((p) => p.loc && p.code === 'vrrp-interface-missing').map((p) => p.loc!.line))];
  return { exit: exitCode, lines, stopped: model.vrrp.stoppedAtMissingInterface, codes: named.map((p) => p.code) };
}

describe('missing interfaces stop the VRRP checks (keepalived 2.2.7)', () => {
  const rows: { name: string; text: string; line: number }[] = [
    { name: 'instance interface', text: config('eth9'), line: 2 },
    { name: 'track_interface', text: config('eth0', 'track_interface {;eth9;}'), line: 5 },
    { name: 'VIP dev', text: config('eth0').replace('198.51.100.1/24', '198.51.100.1/24 dev eth9'), line: 6 },
    { name: 'excluded VIP dev', text: config('eth0', 'virtual_ipaddress_excluded {;198.51.100.9/24 dev eth9;}'), line: 5 },
    { name: 'virtual route dev', text: config('eth0', 'virtual_routes {;203.0.113.0/24 dev eth9;}'), line: 5 },
    { name: 'virtual route nexthop dev', text: config('eth0', 'virtual_routes {;203.0.113.0/24 dev eth1 nexthop via 198.51.100.254 dev eth9;}'), line: 5 },
    { name: 'virtual rule oif', text: config('eth0', 'virtual_rules {;from 198.51.100.0/24 oif eth9 table 1 priority 5;}'), line: 5 },
    { name: 'garp_group interface', text: config('eth0', '', 'garp_group {\n  garp_interval 1\n  interface eth9\n}\n'), line: 11 },
    { name: 'garp_group interfaces block (reported on its })', text: config('eth0', '', 'garp_group {\n  garp_interval 0.1\n  interfaces {\n    eth1\n    eth9\n  }\n}\n'), line: 14 },
    { name: 'static_ipaddress dev', text: config('eth0', '', 'static_ipaddress {\n  198.51.100.7/24 dev eth9\n}\n'), line: 10 },
    { name: 'static_routes dev', text: config('eth0', '', 'static_routes {\n  203.0.113.0/24 dev eth9\n}\n'), line: 10 },
    { name: 'sync group track_interface', text: config('eth0', '', 'vrrp_sync_group G {\n  group {\n    VI_1\n  }\n  track_interface {\n    eth9\n  }\n}\n'), line: 14 },
  ];
  it.each(rows)('$name', ({ text, line }) => {
    const v = verdict(text);
    expect(v.exit).toBe(5);
    expect(v.lines).toEqual([line]);
    expect(v.stopped).toBe(true);
    expect(v.codes).toContain(VRRP_STOPPED_CODE);
  });

  it('later instance checks are not made', () => {
    const after = 'vrrp_instance VI_2 {\n  interface eth0\n  virtual_router_id 51\n  priority 255\n  nopreempt\n}\n';
    const v = verdict(config('eth9', '', after));
    expect(v.codes.filter((c) => c.startsWith('vrrp-') && c !== 'vrrp-interface-missing' && c !== VRRP_STOPPED_CODE)).toEqual([]);
  });
  it('problems found while reading are still reported', () => {
    const v = verdict(config('eth9', 'priority 300'));
    expect(v.codes).toContain('out-of-range');
  });
});

describe('interface lists that do not stop anything (keepalived 2.2.7)', () => {
  it('linkbeat_interfaces: warned, and script security still applies (exit 6)', () => {
    const { problems, exitCode } = readText(config('eth0', '', 'linkbeat_interfaces {\n  eth9\n}\n'), host);
    expect(exitCode).toBe(6);
    expect(problems.find((p) => p.code === 'vrrp-linkbeat-interface')?.loc?.line).toBe(10);
  });
  it('interface_up_down_delays: warned, exit 6', () => {
    const { problems, exitCode } = readText(config('eth0', '', 'interface_up_down_delays {\n  eth9 1 2\n}\n'), host);
    expect(exitCode).toBe(6);
    expect(problems.find((p) => p.code === 'vrrp-delay-interface')?.loc?.line).toBe(10);
  });
  it('use_vmac naming an existing interface', () => {
    const { problems } = readText(config('eth0', 'use_vmac eth1'), host);
    expect(problems.find((p) => p.code === 'vrrp-vmac-name-taken')?.loc?.line).toBe(4);
  });
  it('the loopback interface is refused on its line, without stopping (exit 6 with a script)', () => {
    const { problems, exitCode } = readText(config('lo'), host);
    expect(exitCode).toBe(6);
    expect(problems.find((p) => p.code === 'vrrp-loopback')?.loc?.line).toBe(2);
  });
});

describe('missingVrrpInterfaces', () => {
  it('lists nothing when the host does not say which interfaces exist', () => {
    const { config: model } = readText(config('eth9'), fakeHost({ interfaces: undefined }));
    expect(missingVrrpInterfaces(model, fakeHost({ interfaces: undefined }))).toEqual([]);
    expect(model.vrrp.stoppedAtMissingInterface).toBe(false);
  });
  it('names each use', () => {
    const { config: model } = readText(config('eth9', 'track_interface {;eth8;}'), host);
    expect(missingVrrpInterfaces(model, host).map((u) => `${u.name}@${u.loc.line}`)).toEqual(['eth9@2', 'eth8@5']);
  });
});
