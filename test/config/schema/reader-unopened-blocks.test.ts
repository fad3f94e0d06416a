// Blocks whose '{' is missing or whose '}' another block took, as
// keepalived 2.2.7's processes read them (src/config/schema/reader.ts).
// Each case is also a fixture whose verdict the oracle test checks live:
// static-rules-swallow-routes.conf, instance-swallows-instance.conf,
// value-block-to-end-of-file.conf, sync-group-unopened-value-block.conf,
// value-block-without-brace-read-flat.conf, sync-group-running-on-second-group.conf,
// http-get-url-without-brace.conf, running-on-inside-ignored-brace.conf,
// virtual-server-without-brace-nested-blocks.conf, sync-group-value-block-swallows-instance.conf,
// static-routes-without-brace-read-flat.conf, static-routes-without-brace-other-process-block.conf,
// virtual-server-without-brace-real-server-without-brace.conf, virtual-server-without-brace-running-on.conf,
// sync-group-skipped-group-hides-instance.conf.
import { describe, expect, it } from 'vitest';
import { problemLines, readText } from '../../helpers/config.js';

const lines = (text: string[]) => text.join('\n');
const errorLines = (r: ReturnType<typeof readText>) => problemLines(r.problems.filter((p) => p.severity === 'error' && p.loc));

const INSTANCE = (name: string, vrid: number, iface: string) => [
  `vrrp_instance ${name} {`,
  '  state BACKUP',
  `  interface ${iface}`,
  `  virtual_router_id ${vrid}`,
  '  priority 100',
  '  virtual_ipaddress {',
  `    198.51.100.${vrid}/32`,
  '  }',
  '}',
];

describe("a top-level block of the same process inside one whose '{' is missing", () => {
  it('is read as lines of that block, and never defined', () => {
    const r = readText(lines(['static_rules', '  from 198.51.100.2 table 100 priority 100', 'static_routes {', '  203.0.113.0/25 dev eth0 table 100', '}']));
    expect(r.config.vrrp.staticRoutes).toEqual([]);
    // The rule line is a rule; static_routes and the route are rejected rule lines.
    expect(r.config.vrrp.staticRules).toHaveLength(1);
    expect(errorLines(r)).toEqual(expect.arrayContaining(['3:vrrp-rule-option', '4:vrrp-rule-option']));
    expect(r.exitCode).toBe(5);
  });

  it("gives its keywords to that block (a vrrp_instance inside another's)", () => {
    const r = readText(lines(['vrrp_instance VI_1', '  state BACKUP', ...INSTANCE('VI_2', 52, 'eth1')]));
    expect(r.config.vrrp.instances.map((i) => i.name)).toEqual(['VI_1']);
    expect(r.config.vrrp.instances[0].vrid).toBe(52);
  });
});

describe("a top-level virtual_server without '{'", () => {
  const REAL_SERVER = (address: string, timeout: string) => [`  real_server ${address} 8080 {`, '    weight 1', '    TCP_CHECK {', `      connect_timeout${timeout}`, '    }', '  }'];

  it('is defined, with the blocks that follow read whole into it', () => {
    const r = readText(lines(['virtual_server 198.51.100.10 80', '  delay_loop 6', ...REAL_SERVER('198.51.100.2', ' 3'), ...REAL_SERVER('198.51.100.3', ' 4'), '}']));
    const vs = r.config.check.virtualServers[0];
    expect(vs?.timers.delayLoop).toBe(6);
    expect(vs?.realServers.map((rs) => rs.address.address)).toEqual(['198.51.100.2', '198.51.100.3']);
  });

  it("reads on after the '}' that ends a block inside it whose '{' is missing too", () => {
    const r = readText(lines(['virtual_server 198.51.100.10 80', '  real_server 198.51.100.2 80', '    weight 1', '  }', '  delay_loop', '}']));
    expect(problemLines(r.problems.filter((p) => p.exit === 2))).toEqual(['5:missing-argument']);
    expect(r.exitCode).toBe(2);
  });

  it("hands the lines after a '}' that ends the innermost of several blocks without '{' to the next one out", () => {
    // virtual_server, real_server and TCP_CHECK all lack '{': foo's '}' ends TCP_CHECK, line 8 ends real_server.
    const r = readText(lines(['virtual_server 198.51.100.10 80', '  real_server 198.51.100.2 8080', '    TCP_CHECK', '      connect_port 80', '      foo {', '      }', '    weight 1', '  }', '  delay_loop', '}']));
    expect(problemLines(r.problems.filter((p) => p.exit === 2))).toEqual(['9:missing-argument']);
    expect(r.exitCode).toBe(2);
  });

  it('stops keepalived at a missing value in a later nested block (exit 2)', () => {
    const r = readText(lines(['virtual_server 198.51.100.10 80', ...REAL_SERVER('198.51.100.2', ' 3'), ...REAL_SERVER('198.51.100.3', ''), '}']));
    expect(problemLines(r.problems.filter((p) => p.exit === 2))).toEqual(['11:missing-argument']);
    expect(r.exitCode).toBe(2);
  });

  it("with a bad address, is not defined, but its lines are still read as a virtual server's (there is no block to skip)", () => {
    const r = readText(lines(['virtual_server 1000000 80', ...REAL_SERVER('198.51.100.2', ' 3'), ...REAL_SERVER('198.51.100.3', ''), '}']));
    expect(r.config.check.virtualServers).toEqual([]);
    expect(problemLines(r.problems.filter((p) => p.exit === 2))).toEqual(['11:missing-argument']);
    expect(r.exitCode).toBe(2);
  });

  it("with a bad address and its '{', is skipped whole", () => {
    const r = readText(lines(['virtual_server 1000000 80 {', ...REAL_SERVER('198.51.100.2', ''), '}']));
    expect(r.config.check.virtualServers).toEqual([]);
    expect(r.problems.filter((p) => p.exit === 2)).toEqual([]);
    expect(r.exitCode).toBe(5);
  });
});

describe("a value block without '{'", () => {
  it("at the top level reads a later block flat up to the first '}' in it: its own process's block is never defined", () => {
    const r = readText(lines(['static_routes', '  198.51.100.0/24 via 198.51.100.1 dev eth0', 'vrrp_instance VI_2 {', '  interface eth1', '  virtual_ipaddress {', '    198.51.100.11/24', '  }', '  priority', '}']));
    expect(r.config.vrrp.instances).toEqual([]);
    expect(r.config.vrrp.staticRoutes.map((route) => route.loc.line)).toEqual([2, 6]);
    // The process reading static_routes reads the rest at the top level: 'priority' is unknown there, not a missing value.
    expect(errorLines(r)).toEqual(expect.arrayContaining(['8:unknown-keyword', '9:unknown-keyword']));
    expect(r.exitCode).toBe(5);
  });

  it("at the top level ends inside another process's block, which that process defines; the first process reads on at the top level", () => {
    const r = readText(lines(['static_routes', '  198.51.100.0/24 via 198.51.100.1 dev eth0', 'virtual_server 198.51.100.10 80 {', '  real_server 198.51.100.2 80 {', '  }', '}', ...INSTANCE('VI_2', 52, 'eth1')]));
    expect(r.config.check.virtualServers.map((vs) => vs.realServers.length)).toEqual([1]);
    expect(r.config.vrrp.instances.map((i) => i.name)).toEqual(['VI_2']);
    expect(errorLines(r)).toContain('6:unknown-keyword');
  });

  it("reads a top-level block of its own process flat: that block is never defined, and the block around the values reads on after its '}'", () => {
    const r = readText(lines(['vrrp_sync_group G1', '  group', '    VI_1', 'vrrp_instance VI_2 {', '  notify_master /usr/bin/true', '}', ...INSTANCE('VI_1', 51, 'eth0')]));
    expect(r.config.vrrp.instances.map((i) => i.name)).toEqual([]);
    expect(r.config.vrrp.syncGroups[0]?.members?.map((m) => m.name)).toEqual(['VI_1', 'vrrp_instance', 'VI_2', '{', 'notify_master', '/usr/bin/true']);
    // VI_1 is read inside the sync group, whose keywords these are not; its virtual_ipaddress '}' ends the sync group.
    expect(errorLines(r)).toEqual(expect.arrayContaining(['7:unknown-keyword', '8:unknown-keyword', '11:unknown-keyword', '15:unknown-keyword']));
    expect(r.exitCode).toBe(5);
  });

  it("reads every line to the end of the file when no '}' is left", () => {
    const r = readText(lines(['vrrp_instance VI_1 {', '  state BACKUP', '  interface eth0', '  virtual_ipaddress', '    198.51.100.1/32', '  virtual_router_id 51']));
    const vi = r.config.vrrp.instances[0];
    expect(vi?.vrid).toBeUndefined();
    expect(errorLines(r)).toContain('6:vrrp-invalid-ip');
  });

  it("inside a block read on past a missing '{' takes the lines up to the next '}', then the block goes on", () => {
    const r = readText(lines(['vrrp_sync_group G1', '  group', '    VI_1', '    VI_2', '  }', '  notify_master /usr/bin/true', '}', ...INSTANCE('VI_1', 51, 'eth0'), ...INSTANCE('VI_2', 52, 'eth1')]));
    const g = r.config.vrrp.syncGroups[0];
    expect(g.members?.map((m) => m.name)).toEqual(['VI_1', 'VI_2']);
    expect(g.notify.master).toBeDefined();
  });

  it("reads a later line's '{' as a value, and the first '}' inside it ends the values", () => {
    const r = readText(lines(['vrrp_sync_group G1 {', '  group', '    VI_1', '  group {', '    VI_2', '  }', '  notify_master /usr/bin/true', '}', ...INSTANCE('VI_1', 51, 'eth0'), ...INSTANCE('VI_2', 52, 'eth1')]));
    const g = r.config.vrrp.syncGroups[0];
    expect(g.members?.map((m) => m.name)).toEqual(['VI_1', 'group', '{', 'VI_2']);
    expect(g.notify.master).toBeDefined();
  });
});

describe("a block reading on past its '}'", () => {
  it("ends the block only for the reading that skipped a second group { } (the others read its lines at the top level)", () => {
    const r = readText(lines(['vrrp_sync_group G1 {', '  group', '    VI_1', '  }', '  group {', '    VI_2', '  }', '  notify_master /usr/bin/true', '}', ...INSTANCE('VI_1', 51, 'eth0'), ...INSTANCE('VI_2', 52, 'eth1')]));
    expect(errorLines(r)).toEqual(expect.arrayContaining(['5:unknown-keyword', '6:unknown-keyword', '8:unknown-keyword']));
    expect(r.config.vrrp.syncGroups[0].notify.master).toBeUndefined();
    expect(r.exitCode).toBe(5);
  });

  it("has its end-of-block checks on the '}' that really ends it (HTTP_GET whose url took its '}')", () => {
    const r = readText(
      lines([
        'virtual_server 198.51.100.180 80 {',
        '  lb_kind DR',
        '  real_server 198.51.100.21 80 {',
        '    HTTP_GET {',
        '      url',
        '        status_code 200',
        '      }',
        '      connect_timeout 3',
        '    }',
        '  }',
        '}',
      ]),
    );
    expect(problemLines(r.problems.filter((p) => p.code === 'checker-without-url'))).toEqual(['9:checker-without-url']);
  });

  it('never defines a block of its own process nested in a block it skipped (the others read around it at the top level)', () => {
    const r = readText(lines(['vrrp_sync_group G1 {', '  group', '    VI_1', '  }', '  group {', '    VI_2', 'vrrp_instance VI_1 {', '  notify_master /usr/bin/true', '}', '  }']));
    expect(r.config.vrrp.instances).toEqual([]);
    expect(r.problems.filter((p) => p.code === 'script-security')).toEqual([]);
    expect(errorLines(r)).toEqual(expect.arrayContaining(['5:unknown-keyword', '6:unknown-keyword']));
    expect(r.exitCode).toBe(5);
  });

  it('is read at the top level by the processes that skip it by counting braces', () => {
    const r = readText(
      lines([
        'foo {',
        'virtual_server 198.51.100.50 80 {',
        '  lb_kind DR',
        '  real_server 198.51.100.21 80 {',
        '    TCP_CHECK',
        '      connect_timeout 3',
        '  }',
        '}',
        '  delay_loop 5',
        '}',
      ]),
    );
    expect(errorLines(r)).toEqual(expect.arrayContaining(['9:unknown-keyword', '10:unknown-keyword']));
    expect(r.config.check.virtualServers[0]?.timers.delayLoop).toBe(5);
  });

  it("inside an ignored '{' reads on past it too, at the top level (a missing value there stops keepalived)", () => {
    const r = readText(
      lines([
        'foo {',
        'virtual_server 198.51.100.50 80 {',
        '  lb_kind DR',
        '  real_server 198.51.100.21 80',
        '    TCP_CHECK',
        '      connect_timeout 3',
        '  }',
        '}',
        '  delay_loop',
        '}',
      ]),
    );
    expect(problemLines(r.problems.filter((p) => p.exit === 2))).toEqual(['9:missing-argument']);
    expect(r.exitCode).toBe(2);
  });
});
