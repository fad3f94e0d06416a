// Duplicate VRIDs (passes/vrrp-vrids.ts), checked against keepalived 2.2.7.
import { describe, expect, it } from 'vitest';
import { fakeHost, readText } from '../../helpers/config.js';

interface Inst {
  name: string;
  iface?: string;
  vrid?: number;
  vip?: string;
  unicast?: boolean;
}

function config(instances: Inst[]): string {
  return instances
    .map(
      (i) =>
        `vrrp_instance ${i.name} {\n  interface ${i.iface ?? 'eth0'}\n  virtual_router_id ${i.vrid ?? 51}\n` +
        (i.unicast ? `  unicast_peer {\n    198.51.100.9\n  }\n` : '') +
        `  virtual_ipaddress {\n    ${i.vip ?? '198.51.100.1/24'}\n  }\n}\n`,
    )
    .join('');
}

function duplicates(instances: Inst[]): string[] {
  return readText(config(instances), fakeHost()).problems.filter((p) => p.code === 'vrrp-duplicate-vrid').map((p) => p.message);
}

describe('duplicate VRIDs (keepalived 2.2.7)', () => {
  it('same VRID, family and interface: one complaint per pair, no line', () => {
    const { problems, exitCode } = readText(config([{ name: 'A' }, { name: 'B', vip: '198.51.100.2/24' }, { name: 'C', vip: '198.51.100.3/24' }]), fakeHost());
    expect(exitCode).toBe(5);
    const dups = problems.filter((p) => p.code === 'vrrp-duplicate-vrid');
    expect(dups.map((p) => p.message)).toEqual([
      'A and B both use VRID 51 with IPv4 on interface eth0',
      'A and C both use VRID 51 with IPv4 on interface eth0',
      'B and C both use VRID 51 with IPv4 on interface eth0',
    ]);
    expect(dups.every((p) => p.loc === undefined)).toBe(true);
  });
  it('IPv6 instances are compared too', () => {
    expect(duplicates([{ name: 'A', vip: '2001:db8::1/64' }, { name: 'B', vip: '2001:db8::2/64' }])).toHaveLength(1);
  });
  it('other interface, or other family: no conflict', () => {
    expect(duplicates([{ name: 'A' }, { name: 'B', iface: 'eth0.1' }, { name: 'C', vip: '2001:db8::1/64' }])).toEqual([]);
  });
  it('unicast instances are not compared', () => {
    expect(duplicates([{ name: 'A', unicast: true }, { name: 'B', unicast: true }])).toEqual([]);
    expect(duplicates([{ name: 'A', unicast: true }, { name: 'B' }])).toEqual([]);
  });
  it('instances without VIPs count as IPv4', () => {
    const text = 'vrrp_instance A {\n  interface eth0\n  virtual_router_id 51\n}\nvrrp_instance B {\n  interface eth0\n  virtual_router_id 51\n}\n';
    expect(readText(text, fakeHost()).problems.filter((p) => p.code === 'vrrp-duplicate-vrid')).toHaveLength(1);
  });
});
