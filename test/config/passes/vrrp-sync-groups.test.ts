// Sync group checks after reading (passes/vrrp-sync-groups.ts). keepalived
// 2.2.7 names no line for them; each row was checked against it.
import { describe, expect, it } from 'vitest';
import { fakeHost, readText } from '../../helpers/config.js';

const host = fakeHost({
  files: {
    '/': { isFile: false, isDirectory: true, mode: 0o40755 },
    '/bin': { isFile: false, isDirectory: true, mode: 0o40755 },
    '/bin/true': {},
  },
});

function instance(name: string, vrid: number, extra = ''): string {
  return `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n${extra}  virtual_ipaddress {\n    198.51.100.${vrid}/24\n  }\n}\n`;
}

function group(body: string, name = 'G'): string {
  return `vrrp_sync_group ${name} {\n${body}}\n`;
}

const AB = instance('A', 1) + instance('B', 2);

function codes(text: string): { exit: number; codes: string[] } {
  const { problems, exitCode } = readText(text, host);
  return { exit: exitCode, codes: problems.filter((p) => p.severity !== 'note' && !p.loc).map((p) => p.code) };
}

describe('sync group members (keepalived 2.2.7)', () => {
  const rows: { name: string; text: string; codes: string[] }[] = [
    { name: 'two members', text: group('  group {\n    A\n    B\n  }\n') + AB, codes: [] },
    { name: 'one member', text: group('  group {\n    A\n  }\n') + AB, codes: ['vrrp-sync-group-single'] },
    { name: 'an unknown member', text: group('  group {\n    A\n    C\n  }\n') + AB, codes: ['vrrp-sync-member-unknown', 'vrrp-sync-group-single'] },
    { name: 'only unknown members', text: group('  group {\n    C\n    D\n  }\n') + AB, codes: ['vrrp-sync-member-unknown', 'vrrp-sync-member-unknown', 'vrrp-sync-group-no-members'] },
    { name: 'no group block', text: group('') + instance('A', 1), codes: ['vrrp-sync-group-no-members'] },
    {
      name: 'instances in two groups',
      text: group('  group {\n    A\n    B\n  }\n') + group('  group {\n    A\n    B\n  }\n', 'H') + AB,
      codes: ['vrrp-sync-member-twice', 'vrrp-sync-member-twice', 'vrrp-sync-group-no-members'],
    },
    { name: 'a member that is an address owner', text: group('  group {\n    A\n    B\n  }\n') + instance('A', 1, '  priority 255\n') + instance('B', 2), codes: [] },
  ];
  it.each(rows)('$name', ({ text, codes: expected }) => {
    const v = codes(text);
    expect(v.codes).toEqual(expected);
    expect(v.exit).toBe(expected.length > 0 ? 5 : 0);
  });
  it('an empty group block: its } line, and the group is removed', () => {
    const { problems } = readText(group('  group {\n  }\n') + instance('A', 1), host);
    expect(problems.map((p) => `${p.loc?.line ?? '-'}:${p.code}`)).toEqual(['3:vrrp-sync-group-empty', '-:vrrp-sync-group-no-members']);
  });
});

describe('tracker weights of sync group members (keepalived 2.2.7)', () => {
  const tracked = '  track_interface {\n    eth1 weight 10\n  }\n';
  it('member weights are ignored', () => {
    expect(codes(group('  group {\n    A\n    B\n  }\n') + instance('A', 1, tracked) + instance('B', 2)).codes).toEqual(['vrrp-weight-ignored']);
  });
  it('unless the group has sync_group_tracking_weight', () => {
    expect(codes(group('  group {\n    A\n    B\n  }\n  sync_group_tracking_weight\n') + instance('A', 1, tracked) + instance('B', 2)).codes).toEqual([]);
  });
  it('unweighted trackers are fine', () => {
    expect(codes(group('  group {\n    A\n    B\n  }\n') + instance('A', 1, '  track_interface {\n    eth1\n  }\n') + instance('B', 2)).codes).toEqual([]);
  });
  it('a tracked file has weight 1 unless told otherwise', () => {
    const file = 'track_file tf {\n  file /tmp/tfile\n}\n';
    const text = file + group('  group {\n    A\n    B\n  }\n') + instance('A', 1, '  track_file {\n    tf\n  }\n') + instance('B', 2);
    expect(codes(text).codes).toEqual(['vrrp-weight-ignored']);
  });
  it('a weighted vrrp_script', () => {
    const script = 'global_defs {\n  script_user root\n  enable_script_security\n}\nvrrp_script chk {\n  script /bin/true\n  weight 5\n}\n';
    const text = script + group('  group {\n    A\n    B\n  }\n') + instance('A', 1, '  track_script {\n    chk\n  }\n') + instance('B', 2);
    expect(codes(text).codes).toEqual(['vrrp-weight-ignored']);
  });
  it("the group's own weighted trackers with an address owner member", () => {
    const text = group('  group {\n    A\n    B\n  }\n  track_interface {\n    eth1 weight 5\n  }\n') + instance('A', 1, '  priority 255\n') + instance('B', 2);
    expect(codes(text).codes).toEqual(['vrrp-sync-weight-owner']);
  });
  it('the same interface tracked by a member and its group', () => {
    const text = group('  group {\n    A\n    B\n  }\n  track_interface {\n    eth1\n  }\n') + instance('A', 1, '  track_interface {\n    eth1\n  }\n') + instance('B', 2);
    expect(codes(text).codes).toEqual(['vrrp-sync-track-both']);
  });
});
