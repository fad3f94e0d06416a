// keepalived reads a VRRP block line by line and reports what it finds when
// a block ends on the '}' that ended it, which can be an earlier '}' than the
// block's own (after an ignored '{'); it reads a rule's words in order and
// drops the rule at the first contradiction; and it looks up a garp_group's
// interfaces before it drops a group without intervals. Every expectation
// below was measured with keepalived 2.2.7 -t (see the fixtures
// block-end-after-ignored-brace.conf, rules-family-mixed-first.conf and
// garp-group-dropped-missing-interface.conf, checked against it live).
import { describe, expect, it } from 'vitest';
import { problemLines, readText, verdictOf } from '../../helpers/config.js';

describe("checks made when a block ends are reported on the '}' that ended it (keepalived 2.2.7)", () => {
  const cases = [
    { block: 'vrrp_script chk', code: 'vrrp-script-no-script', body: '  script "/bin/true"' },
    { block: 'track_file tf', code: 'vrrp-track-file-no-file', body: '  file /tmp/x' },
    { block: 'vrrp_track_process tp', code: 'vrrp-track-process-no-process', body: '  process sshd' },
    { block: 'bfd_instance b1', code: 'vrrp-bfd-no-neighbor', body: '  neighbor_ip 198.51.100.7' },
  ];
  it.each(cases)('$block: an unknown keyword with a block makes its } end the enclosing block', ({ block, code, body }) => {
    const text = `${block} {\n  misspelt_block {\n}\n${body}\n}\n`;
    const lines = problemLines(readText(text).problems);
    expect(lines).toContain(`3:${code}`);
    expect(lines).toContain('5:unknown-keyword');
  });
  it('a vrrp_instance: its end checks too', () => {
    const text = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  unicast_ttl 5\n  misspelt_block {\n}\n}\n';
    expect(problemLines(readText(text).problems)).toContain('6:vrrp-unicast-ttl');
  });
});

describe('rule lines: the first contradiction of families drops the rule (keepalived 2.2.7)', () => {
  const rule = (line: string) => verdictOf(`static_rules {\n  ${line}\n}\n`);
  it.each([
    'inet6 inet6 from 198.51.100.1 table 105 priority',
    'from 198.51.100.1 to 2001:db8::1 table 5 priority',
    'from 198.51.100.1 inet6 x table 100 priority',
  ])('%s: dropped before the value missing at the end is reached (exit 5, not 2)', (line) => {
    const v = rule(line);
    expect(v.exit).toBe(5);
    expect(v.named.map((p) => p.code)).toEqual(['vrrp-rule-family']);
    expect(v.config.vrrp.staticRules).toEqual([]);
  });
  it('inet after inet6 contradicts it too', () => {
    const v = rule('inet6 x inet y from 198.51.100.3 table 100 priority 1');
    expect(v.named.map((p) => p.code)).toEqual(['vrrp-rule-family']);
    expect(v.named[0].message).toContain("'inet'");
  });
  it('one family throughout is kept', () => {
    const v = rule('inet6 x from 2001:db8::1 to 2001:db8::2 table 100 priority 1');
    expect(v.exit).toBe(0);
    expect(v.config.vrrp.staticRules).toHaveLength(1);
  });
});

describe('a garp_group without intervals is dropped after its interfaces were looked up (keepalived 2.2.7)', () => {
  it('a missing interface of a dropped group stops the VRRP checks, so script security gives no exit 6', () => {
    const text = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  notify_master /bin/true\n}\ngarp_group {\n  interface eth9\n}\n';
    const v = verdictOf(text);
    expect(v.exit).toBe(5);
    expect(problemLines(v.named)).toEqual(expect.arrayContaining(['7:vrrp-interface-missing', '8:vrrp-garp-group-no-delay']));
    expect(v.config.vrrp.garpGroups).toEqual([]);
    expect(v.config.vrrp.stoppedAtMissingInterface).toBe(true);
  });
});

describe('an empty group { } block leaves no group list (keepalived 2.2.7)', () => {
  const instance = (n: number) => `vrrp_instance VI_${n} {\n  interface eth${n}\n  virtual_router_id ${n}\n  virtual_ipaddress {\n    198.51.100.${n}\n  }\n}\n`;
  const instances = instance(1) + instance(2);
  it('a sync group reads the next group { } block as its members', () => {
    const v = verdictOf(`vrrp_sync_group G {\n  group {\n  }\n  group {\n    VI_1\n    VI_2\n  }\n}\n${instances}`);
    expect(problemLines(v.named)).toEqual(['3:vrrp-sync-group-empty']);
    expect(v.config.vrrp.syncGroups[0].members?.map((m) => m.name)).toEqual(['VI_1', 'VI_2']);
  });
  it('so does a track_group', () => {
    const v = verdictOf(`track_group TG {\n  group {\n  }\n  group {\n    VI_1\n  }\n}\n${instances}`);
    expect(problemLines(v.named)).toEqual(['3:track-group-empty']);
    expect(v.config.vrrp.trackGroups[0].members?.map((m) => m.name)).toEqual(['VI_1']);
  });
  it('an empty block alone: no members, and the sync group is removed', () => {
    const v = verdictOf(`vrrp_sync_group G {\n  group {\n  }\n}\n${instances}`);
    expect(v.config.vrrp.syncGroups[0].members).toBeUndefined();
    expect(v.named.map((p) => p.code)).toContain('vrrp-sync-group-no-members');
  });
});

describe("track_group's group { } is a value block (keepalived 2.2.7)", () => {
  it("a '{' inside it is a value, and its first '}' ends it: the instance after the track_group's '}' is read at the top level", () => {
    const text = 'track_group TG {\n  group {\n    VI_1 {\n    }\n  }\n  vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 1\n    virtual_ipaddress {\n      198.51.100.1\n    }\n  }\n}\n';
    const v = verdictOf(text);
    expect(v.config.vrrp.instances.map((i) => i.name)).toEqual(['VI_1']);
    expect(problemLines(v.named)).toEqual(['13:unknown-keyword']);
  });
});
