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
