// Brace mistakes that keepalived's processes read each their own way
// (see src/config/schema/reader.ts). Verdicts and lines checked against
// keepalived 2.2.7 -t (fixtures sync-group-second-group.conf and
// global-defs-without-brace.conf).
import { describe, expect, it } from 'vitest';
import { problemLines, readText } from '../../helpers/config.js';

const INSTANCES = [
  'vrrp_instance VI_1 {',
  '  state BACKUP',
  '  interface eth0',
  '  virtual_router_id 51',
  '  priority 100',
  '  virtual_ipaddress {',
  '    198.51.100.180/32',
  '  }',
  '}',
  'vrrp_instance VI_2 {',
  '  state BACKUP',
  '  interface eth1',
  '  virtual_router_id 52',
  '  priority 100',
  '  virtual_ipaddress {',
  '    198.51.100.181/32',
  '  }',
  '}',
];

describe('a second group { } block in a vrrp_sync_group', () => {
  const text = ['vrrp_sync_group G1 {', '  group {', '    VI_1', '  }', '  group {', '    VI_2', '  }', '  notify_master /usr/bin/true', '}', ...INSTANCES].join('\n');

  it("is skipped, and its '}' ends the sync group: the lines after it are read at the top level", () => {
    const r = readText(text);
    expect(problemLines(r.problems.filter((p) => p.severity !== 'note' && p.loc))).toEqual(['5:vrrp-sync-group-twice', '8:unknown-keyword', '9:unknown-keyword']);
    expect(r.exitCode).toBe(5);
    const g = r.config.vrrp.syncGroups[0];
    expect(g.members?.map((m) => m.name)).toEqual(['VI_1']);
    // notify_master stood after the early end: not the sync group's.
    expect(g.notify.master).toBeUndefined();
  });

  it('reads the sync group as before when there is one group block', () => {
    const one = text.replace('  group {\n    VI_2\n  }\n', '');
    const r = readText(one);
    expect(r.problems.filter((p) => p.code === 'unknown-keyword')).toEqual([]);
    expect(r.config.vrrp.syncGroups[0].notify.master).toBeDefined();
  });
});

describe("global_defs without '{'", () => {
  const text = [
    'global_defs',
    '    router_id LVS_DEVEL',
    'virtual_server 198.51.100.1 80 {',
    '    delay_loop 6',
    '    real_server 203.0.113.1 80 {',
    '        TCP_CHECK {',
    '            connect_timeout 3',
    '        }',
    '        weight 2',
    '    }',
    '    persistence_timeout 50',
    '}',
  ].join('\n');

  it('names the lines the parent reads as global_defs keywords up to the first }, and what it reads at the top level after it', () => {
    const r = readText(text);
    const messages = r.problems.filter((p) => p.code === 'unknown-keyword').map((p) => `${p.loc?.line}: ${p.message}`);
    expect(messages).toEqual([
      // The other processes skip global_defs and read its line at the top level.
      "2: unknown keyword 'router_id' at the top level",
      "3: unknown keyword 'virtual_server' in global_defs",
      "4: unknown keyword 'delay_loop' in global_defs",
      "5: unknown keyword 'real_server' in global_defs",
      "6: unknown keyword 'TCP_CHECK' in global_defs",
      "7: unknown keyword 'connect_timeout' in global_defs",
      // TCP_CHECK's '}' (line 8) ended global_defs for the parent.
      "9: unknown keyword 'weight' at the top level for the process that reads global_defs",
      "10: '}' closes nothing here for the process that reads global_defs",
      "11: unknown keyword 'persistence_timeout' at the top level for the process that reads global_defs",
      "12: '}' closes nothing here for the process that reads global_defs",
    ]);
    expect(r.exitCode).toBe(5);
    // The checker process reads the virtual server whole.
    const vs = r.config.check.virtualServers[0];
    expect(vs.realServers).toHaveLength(1);
  });

  it("keeps global_defs' own blocks (notification_email { }) inside it", () => {
    const r = readText(['global_defs', '  notification_email {', '    root@example.org', '  }', '  router_id x', 'virtual_server 198.51.100.1 80 {', '  delay_loop 6', '}'].join('\n'));
    const inGlobal = r.problems.filter((p) => p.message.endsWith('in global_defs')).map((p) => p.loc?.line);
    expect(inGlobal).toEqual([6, 7]);
  });
});

describe("a value block without '{' that takes its vrrp_instance's '}'", () => {
  const text = [
    'vrrp_instance VI_1 {',
    '    state MASTER',
    '    interface eth0',
    '    virtual_router_id 51',
    '    priority 100',
    '    virtual_ipaddress',
    '        198.51.100.16',
    '    }',
    '    virtual_routes {',
    '        198.51.100.0/24 dev eth0',
    '        203.0.113.0/24 dev',
    '    }',
    '}',
  ].join('\n');

  it('lets the VRRP process read the next top-level lines as the instance\'s: the route without a value after dev is fatal', () => {
    const r = readText(text);
    expect(r.exitCode).toBe(2);
    expect(problemLines(r.problems.filter((p) => p.exit === 2))).toEqual(['11:missing-argument']);
    // The other processes read virtual_routes at the top level.
    expect(r.problems.some((p) => p.loc?.line === 9 && p.message === "unknown keyword 'virtual_routes' at the top level")).toBe(true);
    const inst = r.config.vrrp.instances[0];
    expect(inst.virtualIps).toHaveLength(1);
    // The VRRP process's instance has the route block that stood after its '}'.
    expect(inst.virtualRoutes).toHaveLength(1);
  });
});

describe("a top-level value block without '{' (static_rules)", () => {
  it('is read by the VRRP process up to the next }: a rule without its priority value is fatal', () => {
    const r = readText(['static_rules', '  from 198.51.100.1 table 100 priority', '}'].join('\n'));
    expect(r.exitCode).toBe(2);
    expect(problemLines(r.problems.filter((p) => p.exit === 2))).toEqual(['2:missing-argument']);
  });
});

describe("global_defs without '{': its keywords are the parent's, which every process gets", () => {
  it('takes enable_script_security from the line after it', () => {
    const r = readText(['global_defs', '    enable_script_security', '}'].join('\n'));
    expect(r.config.global.enableScriptSecurity).toBe(true);
  });
});

describe("a block keyword without '{' that its own process never reads", () => {
  it('reports no fatal missing value from that process', () => {
    // A stray '{' in the group hides everything after it from the VRRP process.
    const r = readText(['virtual_server_group G {', '  198.51.100.10 {', '}', 'vrrp_instance VI_1', '  priority', '}'].join('\n'));
    expect(r.problems.filter((p) => p.exit === 2)).toEqual([]);
  });
});

describe('a keyword without its value, which stops keepalived', () => {
  it('leaves where the earlier value was set: the missing interface is reported on the line that named it', () => {
    const r = readText(['vrrp_instance VI_1 {', '  interface eth9', '  interface', '  virtual_router_id 51', '}'].join('\n'));
    expect(r.problems.find((p) => p.code === 'vrrp-interface-missing')?.loc?.line).toBe(2);
    expect(r.exitCode).toBe(2);
  });
});

describe('a second group { } block in a track_group', () => {
  it("is skipped the same way: its '}' ends the track_group, whose own '}' then closes nothing", () => {
    const r = readText(['track_group TG {', '  group {', '    VI_1', '  }', '  group {', '    VI_2', '  }', '}', ...INSTANCES].join('\n'));
    expect(problemLines(r.problems.filter((p) => p.loc && p.loc.line <= 8))).toEqual(['5:track-group-twice', '8:unknown-keyword']);
    expect(r.config.vrrp.trackGroups[0].members?.map((m) => m.name)).toEqual(['VI_1']);
  });
});

// global_defs is the parent process's part: both children skip it by counting
// braces, and the parent skips the VRRP and checker blocks the same way.
describe('a global_defs whose braces do not balance (router_id {)', () => {
  const text = [
    'global_defs {',
    '  router_id {',
    '}',
    'vrrp_instance VI_1 {',
    '  interface eth0',
    '  virtual_router_id',
    '  priority 100',
    '  bogus_vrrp 1',
    '}',
    'virtual_server 198.51.100.1 80 {',
    '  bogus_check 1',
    '  real_server 198.51.100.2 80 {',
    '  }',
    '}',
  ].join('\n');

  it('hides everything below it from both children: keepalived -t exits 5, naming line 2 only', () => {
    // keepalived 2.2.7: "(Line 2) routerid name missing", "(Line 2) Unexpected '{'", 1 missing '}'; exit 5.
    const r = readText(text);
    expect(r.exitCode).toBe(5);
    expect(r.problems.filter((p) => p.exit === 2)).toEqual([]);
    const named = r.problems.filter((p) => p.severity !== 'note' && p.loc).map((p) => p.loc?.line);
    expect(named).toContain(2);
    expect(named.filter((line) => line !== undefined && line > 3)).toEqual([]);
    // One note per unbalanced block, on the first statement it hides.
    expect(r.problems.filter((p) => p.code === 'unread-after-unbalanced-block').map((p) => p.loc?.line)).toEqual([4]);
    expect(r.config.vrrp.instances).toEqual([]);
  });

  it('is read by the children as before once its braces balance: the missing virtual_router_id is fatal', () => {
    // keepalived 2.2.7: "(Line 6) ... missing a parameter after keyword `virtual_router_id`"; exit 2.
    const r = readText(text.replace('  router_id {\n}', '  router_id x\n}'));
    expect(r.exitCode).toBe(2);
    expect(r.problems.filter((p) => p.exit === 2).map((p) => p.loc?.line)).toEqual([6]);
  });
});

describe('a global_defs below a vrrp_instance whose braces do not balance', () => {
  it('is never read by the parent, which skips the instance by counting braces', () => {
    // keepalived 2.2.7 names line 6 only (the '{' read as an address) and 1 missing '}'; exit 5.
    const text = [
      'vrrp_instance VI_1 {',
      '  interface eth0',
      '  virtual_router_id 5',
      '  priority 100',
      '  virtual_ipaddress {',
      '    198.51.100.1 {',
      '  }',
      '}',
      'global_defs {',
      '  router_id',
      '  bogus_global 1',
      '}',
    ].join('\n');
    const r = readText(text);
    expect(r.exitCode).toBe(5);
    const named = r.problems.filter((p) => p.severity !== 'note' && p.loc).map((p) => p.loc?.line);
    expect(named).toContain(6);
    expect(named.filter((line) => line !== undefined && line >= 9)).toEqual([]);
    expect(r.problems.find((p) => p.code === 'unread-after-unbalanced-block')?.loc?.line).toBe(9);
  });
});

// A value block reads its lines flat: a '{' inside is one more value, and the
// first '}' ends the value block, so each later '}' closes one level further out.
describe("a '{' inside a value block (notification_email, a sync group's group)", () => {
  it("makes notification_email end at the first '}': the lines after it are global_defs keywords again", () => {
    // keepalived 2.2.7: "(Line 6) Unknown keyword 'bogus_global'", 1 missing '}'; exit 5.
    const text = [
      'global_defs {',
      '  notification_email {',
      '    ops@example.com {',
      '  }',
      '  router_id r1',
      '  bogus_global 1',
      '}',
      'vrrp_instance VI_1 {',
      '  interface eth0',
      '  virtual_router_id 5',
      '  priority 100',
      '}',
    ].join('\n');
    const r = readText(text);
    expect(r.exitCode).toBe(5);
    expect(r.problems.filter((p) => p.code === 'unknown-keyword').map((p) => p.loc?.line)).toEqual([6]);
    expect(r.problems.filter((p) => p.code === 'unexpected-block')).toEqual([]);
    expect(r.config.global.smtp.emails).toEqual(['ops@example.com', '{']);
    expect(r.config.global.routerId).toBe('r1');
  });

  it("makes the sync group's group take the words up to the first '}' as members, '{' included", () => {
    // keepalived 2.2.7: "Virtual router { specified in sync group G1 doesn't exist",
    // and notify_master (line 6) is the sync group's: exit 6, scripts without script security.
    const text = ['vrrp_sync_group G1 {', '  group {', '    VI_1 {', '    VI_2', '  }', '  notify_master /bin/true', '}', ...INSTANCES].join('\n');
    const r = readText(text);
    // (The exit 6 itself comes from the script-security pass on the real host; the CLI agrees with keepalived there.)
    expect(r.problems.filter((p) => p.exit === 2)).toEqual([]);
    const g = r.config.vrrp.syncGroups[0];
    expect(g.members?.map((m) => m.name)).toEqual(['VI_1', '{', 'VI_2']);
    expect(g.notify.master).toBeDefined();
    expect(r.problems.filter((p) => p.code === 'unknown-keyword')).toEqual([]);
  });

  it("reads a sync group's group without '{' up to the next '}' silently, as keepalived does", () => {
    // keepalived 2.2.7: no "Missing '{'"; that '}' also ends the sync group, so
    // bogus_sg is unknown (line 5) and the last '}' is extra (line 6); exit 5.
    const text = ['vrrp_sync_group G1 {', '  group', '    VI_1 VI_2', '  }', '  bogus_sg 1', '}', ...INSTANCES].join('\n');
    const r = readText(text);
    expect(r.exitCode).toBe(5);
    expect(r.problems.filter((p) => p.code === 'missing-block')).toEqual([]);
    expect(r.config.vrrp.syncGroups[0].members?.map((m) => m.name)).toEqual(['VI_1', 'VI_2']);
    const named = r.problems.filter((p) => p.severity !== 'note' && p.loc && p.loc.line <= 6).map((p) => p.loc?.line);
    expect([...new Set(named)].sort()).toEqual([5, 6]);
  });
});

describe("a block keyword without '{' inside a checker block (keepalived 2.2.7 -t verdicts)", () => {
  it("reads the lines up to the first unmatched '}' as the real_server's: that '}' ends it and the next one the virtual_server", () => {
    const text = [
      'virtual_server 198.51.100.10 80 {',
      '  lb_algo rr',
      '  real_server 198.51.100.1 80',
      '    weight 2',
      '    TCP_CHECK {',
      '      connect_timeout 3',
      '    }',
      '    bogus1',
      '  }',
      '  bogus2',
      '}',
      'bogus3',
    ].join('\n');
    const r = readText(text);
    // keepalived: Missing '{' on line 4, bogus1 (in real_server), bogus2 (in virtual_server), extra '}' on 11, bogus3; exit 5.
    expect(problemLines(r.problems.filter((p) => p.severity === 'error')).sort()).toEqual(['10:unknown-keyword', '10:unknown-keyword', '11:extra-close-brace', '12:unknown-keyword', '4:missing-block', '8:unknown-keyword']);
    expect(r.problems.find((p) => p.loc?.line === 8)?.message).toBe("unknown keyword 'bogus1' in real_server");
    expect(r.exitCode).toBe(5);
    const vs = r.config.check.virtualServers[0];
    expect(vs.realServers).toHaveLength(1);
    expect(vs.realServers[0].weight).toBe(2);
    expect(vs.realServers[0].checkers.map((c) => c.type)).toEqual(['TCP_CHECK']);
  });

  it("makes url without '{' end at HTTP_GET's '}': the real_server's '}' then ends the virtual_server for the other processes only", () => {
    const text = [
      'virtual_server 198.51.100.10 80 {',
      '  protocol TCP',
      '  real_server 198.51.100.1 80 {',
      '    weight 1',
      '    HTTP_GET {',
      '      url',
      '        path /health',
      '        status_code 200',
      '      }',
      '      connect_timeout 2',
      '    }',
      '  }',
      '  real_server 198.51.100.2 80 {',
      '    weight 3',
      '  }',
      '}',
    ].join('\n');
    const r = readText(text);
    // keepalived: Missing '{' on line 7 and the extra '}' on 16 (checker); real_server, weight and '}' unknown on 13-15 (the others); exit 5.
    expect(problemLines(r.problems.filter((p) => p.severity === 'error')).sort()).toEqual(['13:unexpected-block', '13:unknown-keyword', '14:unknown-keyword', '15:unknown-keyword', '16:extra-close-brace', '7:missing-block']);
    expect(r.exitCode).toBe(5);
    // The checker process reads on in the virtual server: both real servers, the url with its path.
    const rs = r.config.check.virtualServers[0].realServers;
    expect(rs.map((s) => s.weight)).toEqual([1, 3]);
    expect(rs[0].checkers.map((c) => c.type)).toEqual(['HTTP_GET']);
  });

  it("still reads the lines of a real_server dropped for its address when its '{' is missing", () => {
    const text = [
      'virtual_server 198.51.100.10 80 {',
      '  protocol TCP',
      '  real_server 198.51.100.1 BACKUP',
      '    weight 70000',
      '    TCP_CHECK {',
      '      connect_timeout 0',
      '    }',
      '  }',
      '}',
    ].join('\n');
    const r = readText(text);
    // keepalived: the bad port (3), Missing '{' (4), connect_timeout 0 out of range (6), extra '}' (9), no real servers; exit 5.
    expect(problemLines(r.problems.filter((p) => p.severity === 'error' && p.loc?.line !== 1)).sort()).toEqual(['3:invalid-number', '4:missing-block', '6:out-of-range', '9:extra-close-brace']);
    expect(r.exitCode).toBe(5);
    expect(r.config.check.virtualServers[0].realServers).toHaveLength(0);
  });
});

describe("a vrrp_instance without '{' whose virtual_ipaddress { } holds another block", () => {
  it("ends the addresses at the first '}': the VRRP process reads the next lines as the instance's, where priority without a value is fatal", () => {
    const text = [
      'vrrp_instance VI_1',
      '    state BACKUP',
      '    interface eth0',
      '    virtual_router_id 51',
      '    virtual_ipaddress {',
      '    authentication {',
      '        auth_type PASS',
      '        auth_pass',
      '    }',
      '  priority',
      '        198.51.100.180/32',
      '    }',
      '}',
    ].join('\n');
    const r = readText(text);
    // keepalived: Missing '{' on line 2, the lines inside virtual_ipaddress are bad addresses, priority (line 10) stops it: exit 2.
    expect(r.exitCode).toBe(2);
    expect(problemLines(r.problems.filter((p) => p.exit === 2))).toEqual(['10:missing-argument']);
  });
});
