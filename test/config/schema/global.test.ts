// global_defs and the global top-level keywords. Cases marked "ka:" state
// the verdict real keepalived 2.2.7 gave for the same global_defs line
// (keepalived -t in a namespace with eth0..eth3; exit code and the lines it
// named); 'abort' is keepalived's immediate exit 2 on a missing parameter.
import { describe, expect, it } from 'vitest';
import { ABORT_EXIT } from '../../../src/config/schema/global/builders.js';
import { globalDefsSpec } from '../../../src/config/schema/global.js';
import { problemLines, readText } from '../../helpers/config.js';

function globalDefs(body: string) {
  return readText(`global_defs {\n${body}\n}\n`);
}

interface Case {
  line: string;
  /** keepalived 2.2.7's exit code for `global_defs { LINE }`; 'abort' = its exit 2. */
  ka: 0 | 5 | 'abort';
  /** Our problem codes on line 2 (for rejected values). */
  codes?: string[];
}

// Each row was run through keepalived 2.2.7 -t.
const cases: Case[] = [
  // accepted
  { line: 'router_id LVS_DEVEL', ka: 0 },
  { line: 'notification_email_from a@example.com', ka: 0 },
  { line: 'smtp_server 198.51.100.1', ka: 0 },
  { line: 'smtp_server 198.51.100.1 2525', ka: 0 },
  { line: 'smtp_server 2001:db8::1 25', ka: 0 },
  { line: 'smtp_server localhost', ka: 0 },
  { line: 'smtp_connect_timeout 30', ka: 0 },
  { line: 'smtp_connect_timeout +5', ka: 0 },
  { line: 'smtp_alert no', ka: 0 },
  { line: 'smtp_alert on off', ka: 0 },
  { line: 'startup_script_timeout 5', ka: 0 },
  { line: 'max_auto_priority', ka: 0 },
  { line: 'max_auto_priority -1', ka: 0 },
  { line: 'max_auto_priority 99', ka: 0 },
  { line: 'dynamic_interfaces allow_if_changes', ka: 0 },
  { line: 'default_interface nosuchif', ka: 0 },
  { line: 'lvs_timeouts tcp 900 tcpfin 120 udp 300', ka: 0 },
  { line: 'lvs_timeouts tcp 2678400', ka: 0 },
  { line: 'lvs_flush_on_stop VS', ka: 0 },
  { line: 'lvs_sync_daemon eth0 inst VI_1 id 5 maxlen 1400 port 8848 ttl 2 group 224.0.0.81', ka: 0 },
  { line: 'lvs_sync_daemon eth0 VI_1', ka: 0 },
  { line: 'lvs_sync_daemon eth0 group ff02::1', ka: 0 },
  { line: 'vrrp_mcast_group4 224.0.0.18', ka: 0 },
  { line: 'vrrp_mcast_group6 ff02::12', ka: 0 },
  { line: 'vrrp_garp_master_delay 0', ka: 0 },
  { line: 'vrrp_garp_master_refresh 0', ka: 0 },
  { line: 'vrrp_garp_lower_prio_repeat 0', ka: 0 },
  { line: 'vrrp_garp_interval 0.001', ka: 0 },
  { line: 'vrrp_garp_interval 4294.967295', ka: 0 },
  { line: 'vrrp_garp_interval .5', ka: 0 },
  { line: 'vrrp_garp_interval 1.', ka: 0 },
  { line: 'vrrp_gna_interval 1.5', ka: 0 },
  { line: 'vrrp_garp_extra_if all 10', ka: 0 },
  { line: 'vrrp_down_timer_adverts 3', ka: 0 },
  { line: 'vrrp_min_garp true', ka: 0 },
  { line: 'vrrp_version 03', ka: 0 },
  { line: 'vrrp_strict foo', ka: 0 },
  { line: 'vrrp_priority -20', ka: 0 },
  { line: 'vrrp_priority +5', ka: 0 },
  { line: 'vrrp_rt_priority 50', ka: 0 },
  { line: 'vrrp_rlimit_rttime 10000', ka: 0 },
  { line: 'nftables', ka: 0 },
  { line: 'nftables_priority -100', ka: 0 },
  { line: 'nftables_ipvs_start_fwmark 1000', ka: 0 },
  { line: 'vrrp_startup_delay 100', ka: 0 },
  { line: 'vrrp_netlink_cmd_rcv_bufs 0', ka: 0 },
  { line: 'vrrp_rx_bufs_policy advert', ka: 0 },
  { line: 'vrrp_rx_bufs_policy 1000', ka: 0 },
  { line: 'umask 022', ka: 0 },
  { line: 'umask 18', ka: 0 },
  { line: 'umask 0x12', ka: 0 },
  { line: 'umask IWGRP | IWOTH', ka: 0 },
  { line: 'include_check match', ka: 0 },
  { line: 'include_check wildcard_match +brace_match', ka: 0 },
  { line: 'reload_check_config', ka: 0 },
  { line: 'tmp_config_directory /nonexistent', ka: 0 },
  { line: 'process_names', ka: 0 },
  { line: 'fifo_write_vrrp_states_on_reload x', ka: 0 },
  { line: 'enable_script_security', ka: 0 },
  { line: 'notification_email {\n a@example.com\n b@example.com c@example.com\n}', ka: 0 },
  // rejected values
  { line: 'vrrp_garp_interval 0', ka: 5, codes: ['out-of-range'] },
  { line: 'vrrp_garp_interval 5000', ka: 5, codes: ['out-of-range'] },
  { line: 'vrrp_garp_interval -1', ka: 5, codes: ['invalid-number'] },
  { line: 'vrrp_garp_interval 0x1', ka: 5, codes: ['invalid-number'] },
  { line: 'vrrp_garp_interval 1e-3', ka: 5, codes: ['invalid-number'] },
  { line: 'vrrp_garp_interval 1.1234567', ka: 5, codes: ['too-many-decimals'] },
  { line: 'vrrp_garp_interval ""', ka: 5, codes: ['out-of-range'] },
  { line: 'vrrp_startup_delay 0.0001', ka: 5, codes: ['out-of-range'] },
  { line: 'smtp_connect_timeout 0', ka: 5, codes: ['out-of-range'] },
  { line: 'smtp_connect_timeout -1', ka: 5, codes: ['invalid-number'] },
  { line: 'smtp_connect_timeout 4295', ka: 5, codes: ['out-of-range'] },
  { line: 'smtp_connect_timeout 1.5', ka: 5, codes: ['invalid-number'] },
  { line: 'smtp_connect_timeout 0x10', ka: 5, codes: ['invalid-number'] },
  { line: 'smtp_server 198.51.100.1 0', ka: 5, codes: ['out-of-range'] },
  { line: 'smtp_server example.com', ka: 5, codes: ['unresolved-host'] },
  { line: 'smtp_server 198.51.100.1/24', ka: 5, codes: ['unresolved-host'] },
  { line: 'smtp_alert maybe', ka: 5, codes: ['invalid-bool'] },
  { line: 'smtp_alert TRUE', ka: 5, codes: ['invalid-bool'] },
  { line: 'smtp_alert 1', ka: 5, codes: ['invalid-bool'] },
  { line: 'startup_script_timeout 0', ka: 5, codes: ['out-of-range'] },
  { line: 'startup_script_timeout 1001', ka: 5, codes: ['out-of-range'] },
  { line: 'max_auto_priority 100', ka: 5, codes: ['out-of-range'] },
  { line: 'max_auto_priority -2', ka: 5, codes: ['out-of-range'] },
  { line: 'min_auto_priority_delay 0', ka: 5, codes: ['out-of-range'] },
  { line: 'dynamic_interfaces foo', ka: 5, codes: ['invalid-value'] },
  { line: 'lvs_timeouts tcp', ka: 5, codes: ['missing-argument'] },
  { line: 'lvs_timeouts tcp 99999999', ka: 5, codes: ['out-of-range'] },
  { line: 'lvs_timeouts foo 3', ka: 5, codes: ['invalid-value', 'invalid-value'] },
  { line: 'lvs_flush_on_stop vs', ka: 5, codes: ['invalid-value'] },
  { line: 'lvs_sync_daemon eth0 id 256', ka: 5, codes: ['out-of-range'] },
  { line: 'lvs_sync_daemon eth0 id', ka: 5, codes: ['missing-argument'] },
  { line: 'lvs_sync_daemon eth0 group 198.51.100.1', ka: 5, codes: ['not-multicast'] },
  { line: 'lvs_sync_daemon eth0 VI_1 5', ka: 5, codes: ['old-syntax'] },
  { line: 'lvs_sync_daemon eth0 maxlen 65508', ka: 5, codes: ['out-of-range'] },
  { line: 'lvs_sync_daemon abcdefghijklmnop', ka: 5, codes: ['name-too-long'] },
  { line: 'vrrp_mcast_group4 198.51.100.1', ka: 5, codes: ['not-multicast'] },
  { line: 'vrrp_mcast_group4 ff02::12', ka: 5, codes: ['wrong-family'] },
  { line: 'vrrp_mcast_group4 abc', ka: 5, codes: ['invalid-address'] },
  { line: 'vrrp_mcast_group6 ff0e::12', ka: 5, codes: ['not-link-local'] },
  { line: 'vrrp_mcast_group6 2001:db8::1', ka: 5, codes: ['not-multicast'] },
  { line: 'vrrp_garp_master_repeat 0', ka: 5, codes: ['out-of-range'] },
  { line: 'vrrp_garp_master_delay 1.5', ka: 5, codes: ['invalid-number'] },
  { line: 'vrrp_garp_lower_prio_repeat 2147483648', ka: 5, codes: ['out-of-range'] },
  { line: 'vrrp_down_timer_adverts 101', ka: 5, codes: ['out-of-range'] },
  { line: 'vrrp_garp_extra_if 0', ka: 5, codes: ['out-of-range'] },
  { line: 'vrrp_garp_extra_if all', ka: 5, codes: ['missing-argument'] },
  { line: 'vrrp_vmac_garp_intvl 10', ka: 5, codes: ['deprecated-keyword'] },
  { line: 'vrrp_min_garp xx', ka: 5, codes: ['invalid-bool'] },
  { line: 'vrrp_version 4', ka: 5, codes: ['out-of-range'] },
  { line: 'vrrp_version x', ka: 5, codes: ['invalid-number'] },
  { line: 'vrrp_iptables IN OUT', ka: 5, codes: ['unsupported'] },
  { line: 'vrrp_priority 20', ka: 5, codes: ['out-of-range'] },
  { line: 'vrrp_priority 0x5', ka: 5, codes: ['invalid-number'] },
  { line: 'vrrp_rt_priority 0', ka: 5, codes: ['out-of-range'] },
  { line: 'vrrp_rt_priority 100', ka: 5, codes: ['out-of-range'] },
  { line: 'vrrp_cpu_affinity x', ka: 5, codes: ['invalid-number'] },
  { line: 'vrrp_cpu_affinity -1', ka: 5, codes: ['out-of-range'] },
  { line: 'vrrp_rlimit_rttime 0', ka: 5, codes: ['out-of-range'] },
  { line: 'nftables_priority 2147483648', ka: 5, codes: ['out-of-range'] },
  { line: 'nftables_ipvs_start_fwmark 0', ka: 5, codes: ['out-of-range'] },
  { line: 'vrrp_rx_bufs_policy MTU ADVERT', ka: 5, codes: ['conflicting-values'] },
  { line: 'vrrp_rx_bufs_policy 1000 MTU', ka: 5, codes: ['conflicting-values'] },
  { line: 'vrrp_rx_bufs_policy foo', ka: 5, codes: ['invalid-number'] },
  { line: 'vrrp_rx_bufs_multiplier 4 5', ka: 5, codes: ['missing-argument'] },
  { line: 'vrrp_netlink_cmd_rcv_bufs_force x', ka: 5, codes: ['invalid-bool'] },
  { line: 'snmp_socket a b', ka: 5, codes: ['unexpected-argument'] },
  { line: 'process_name abcdefghijklmnopq', ka: 5, codes: ['name-too-long'] },
  { line: 'umask 0999', ka: 5, codes: ['invalid-value'] },
  { line: 'umask 01000', ka: 5, codes: ['invalid-value'] },
  { line: 'umask 022 1', ka: 5, codes: ['unexpected-argument'] },
  { line: 'umask IWGRP|', ka: 5, codes: ['invalid-value'] },
  { line: 'umask IFOO', ka: 5, codes: ['invalid-value'] },
  { line: 'random_seed -5', ka: 5, codes: ['invalid-number'] },
  { line: 'reload_time_file /tmp/x y', ka: 5, codes: ['missing-argument'] },
  { line: 'include_check readable', ka: 5, codes: ['invalid-value'] },
  { line: 'include_check match match', ka: 5, codes: ['duplicate-value'] },
  { line: 'data_use_instance x', ka: 5, codes: ['invalid-bool'] },
  { line: 'notification_email a@example.com {\n x@example.com\n}', ka: 5, codes: ['unexpected-argument'] },
  // Without '{' the lines up to global_defs' '}' are addresses, silently (router_id included).
  { line: 'notification_email\n x@example.com', ka: 0 },
  { line: 'notification_email\n router_id x', ka: 0 },
  // missing values
  { line: 'router_id', ka: 5, codes: ['missing-argument'] },
  { line: 'script_user', ka: 5, codes: ['missing-argument'] },
  { line: 'lvs_sync_daemon', ka: 5, codes: ['missing-argument'] },
  { line: 'vrrp_cpu_affinity', ka: 5, codes: ['missing-argument'] },
  { line: 'vrrp_version', ka: 'abort', codes: ['missing-argument'] },
  { line: 'vrrp_garp_interval', ka: 'abort', codes: ['missing-argument'] },
  { line: 'smtp_server', ka: 'abort', codes: ['missing-argument'] },
  { line: 'process_name', ka: 'abort', codes: ['missing-argument'] },
  { line: 'umask', ka: 'abort', codes: ['missing-argument'] },
  { line: 'lvs_sync_daemon eth0 inst', ka: 'abort', codes: ['missing-argument'] },
  // keywords keepalived 2.2.7 does not know
  { line: 'vrrp_ipsets keepalived', ka: 5, codes: ['unknown-keyword'] },
  { line: 'json_version 2', ka: 5, codes: ['unknown-keyword'] },
  { line: 'vrrp_owner_ignore_adverts', ka: 5, codes: ['unknown-keyword'] },
  { line: 'set_supplementary_groups', ka: 5, codes: ['unknown-keyword'] },
];

describe('global_defs keywords (verdicts checked against keepalived 2.2.7)', () => {
  it.each(cases)('$line', ({ line, ka, codes }) => {
    const { problems, exitCode } = globalDefs(line);
    const expectedExit = ka === 'abort' ? ABORT_EXIT : ka;
    expect(exitCode).toBe(expectedExit);
    const onKeywordLine = problems.filter((p) => p.loc?.line === 2 && p.severity !== 'note');
    expect(onKeywordLine.map((p) => p.code)).toEqual(codes ?? []);
  });
});

describe('global_defs model', () => {
  it('keeps keepalived defaults when nothing is set', () => {
    const { config } = globalDefs('');
    const g = config.global;
    expect(g.vrrp.version).toBe(2);
    expect(g.vrrp.mcastGroup4.address).toBe('224.0.0.18');
    expect(g.vrrp.mcastGroup6.address).toBe('ff02::12');
    expect(g.vrrp.garp).toMatchObject({ masterDelaySec: 5, masterRepeat: 5, masterRefreshSec: 0, masterRefreshRepeat: 1, intervalSec: 0 });
    expect(g.vrrp.downTimerAdverts).toBe(3);
    expect(g.smtp).toMatchObject({ port: 25, connectTimeoutSec: 30, emails: [] });
    expect(g.scripts).toMatchObject({ startupTimeoutSec: 10, shutdownTimeoutSec: 10 });
    expect(g.enableScriptSecurity).toBe(false);
    expect(config.top).toMatchObject({ childWaitTime: 5, usePidDir: false });
  });

  it('reads values into grouped settings, in their units', () => {
    const { config, problems } = globalDefs(
      [
        'router_id LVS_DEVEL',
        'notification_email {',
        '  ops@example.com',
        '}',
        'smtp_server 198.51.100.1 2525',
        'smtp_connect_timeout 0',
        'vrrp_garp_interval 0.001',
        'vrrp_gna_interval 0.000001',
        'vrrp_startup_delay 1.5',
        'vrrp_garp_master_repeat 0',
        'vrrp_strict',
        'vrrp_version 3',
        'lvs_timeouts tcp 900 udp 300',
        'lvs_sync_daemon eth0 VI_1',
        'vrrp_cpu_affinity 0 1',
        'checker_rt_priority 100',
        'process_names',
        'umask IWGRP|IWOTH',
        'script_user root',
        'enable_script_security',
      ].join('\n'),
    );
    const g = config.global;
    expect(g.routerId).toBe('LVS_DEVEL');
    expect(g.smtp).toMatchObject({ server: '198.51.100.1', port: 2525, emails: ['ops@example.com'], connectTimeoutSec: 1 });
    expect(g.vrrp.garp.intervalSec).toBeCloseTo(0.001, 9);
    expect(g.vrrp.garp.naIntervalSec).toBeCloseTo(0.000001, 12);
    expect(g.vrrp.startupDelaySec).toBe(1.5);
    expect(g.vrrp.garp.masterRepeat).toBe(1);
    expect(g.vrrp.strict).toBe(true);
    expect(g.vrrp.version).toBe(3);
    expect(g.lvs.timeouts).toEqual({ tcpSec: 900, udpSec: 300 });
    expect(g.lvs.syncDaemon).toMatchObject({ interface: 'eth0', vrrpInstance: 'VI_1' });
    expect(g.processes.vrrp.cpuAffinity).toEqual([0, 1]);
    expect(g.processes.checker.realtimePriority).toBe(99);
    expect(g.processes.checker.name).toBe('keepalived_lvs');
    expect(g.umask).toBe(0o22);
    expect(g.scriptUser).toMatchObject({ user: 'root' });
    expect(g.enableScriptSecurity).toBe(true);
    expect(g.locs['vrrp_strict']?.line).toBe(12);
    // smtp_connect_timeout 0, repeat 0 and rt priority 100 are corrected with an error, as keepalived does.
    expect(problemLines(problems)).toEqual(['7:out-of-range', '11:out-of-range', '17:out-of-range']);
  });

  it('rounds a value with too many decimal places, but reports it', () => {
    const { config, problems } = globalDefs('vrrp_garp_interval 0.0000015');
    expect(problemLines(problems)).toEqual(['2:too-many-decimals']);
    expect(config.global.vrrp.garp.intervalSec).toBeCloseTo(0.000002, 12);
  });

  it('reports an empty notification_email block on its closing line', () => {
    // ka: (Line 3) Warning - empty notification_email block, exit 5
    expect(problemLines(globalDefs('notification_email {\n}').problems)).toEqual(['3:empty-block']);
    // ka: (Line 2) ... for the block closed on the same line
    expect(problemLines(globalDefs('notification_email { }').problems)).toEqual(['2:empty-block']);
  });

  it('reports keywords keepalived accepts once', () => {
    // ka: (Line 3) nftables already specified - ignoring, exit 5
    expect(problemLines(globalDefs('nftables\nnftables').problems)).toEqual(['3:duplicate-keyword']);
    // ka: (Line 3) notify_fifo already specified - ignoring /tmp/b
    expect(problemLines(globalDefs('notify_fifo /tmp/a\nnotify_fifo /tmp/b').problems)).toEqual(['3:duplicate-keyword']);
    // ka: (Line 3) lvs_sync_daemon has already been specified as eth0  - ignoring
    expect(problemLines(globalDefs('lvs_sync_daemon eth0\nlvs_sync_daemon eth1').problems)).toEqual(['3:duplicate-keyword']);
    // ka: silent (later value wins) for router_id and friends, exit 0
    expect(globalDefs('router_id a\nrouter_id b').exitCode).toBe(0);
  });

  it('suggests the closest keyword for a misspelling', () => {
    const { problems } = globalDefs('vrrp_garp_intervall 1');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'unknown-keyword', loc: { line: 2 }, hint: "did you mean 'vrrp_garp_interval'?" });
  });

  it('is case-sensitive like keepalived', () => {
    const { problems } = globalDefs('Router_id x');
    expect(problems[0]).toMatchObject({ code: 'unknown-keyword', hint: "did you mean 'router_id'?" });
  });

  it('knows exactly the 125 keywords of keepalived 2.2.7 (Debian build)', () => {
    expect(Object.keys(globalDefsSpec.keywords)).toHaveLength(125);
  });
});

describe('global top-level keywords', () => {
  it.each([
    // [config, keepalived's exit code, our problem lines] - checked against keepalived 2.2.7
    ['instance foo', 0, []],
    ['instance', 5, ['1:missing-argument']],
    ['instance a\ninstance b', 5, ['2:duplicate-keyword']],
    ['net_namespace_ipvs', 0, []],
    ['net_namespace_ipvs\nnet_namespace_ipvs x', 5, ['2:duplicate-keyword']],
    ['namespace_with_ipsets x', 0, []],
    ['use_pid_dir', 0, []],
    ['linkbeat_use_polling', 0, []],
    ['child_wait_time 10', 0, []],
    ['child_wait_time -1', 5, ['1:invalid-number']],
    ['child_wait_time 4294967296', 5, ['1:out-of-range']],
    ['child_wait_time x', 5, ['1:invalid-number']],
    ['global_defs', 0, []],
    ['global_defs foo {\n router_id a\n}', 0, []],
    ['global_defs {\n router_id a\n}\nglobal_defs {\n router_id b\n}', 0, []],
  ] as const)('%s', (text, ka, lines) => {
    const { problems, exitCode } = readText(text);
    expect(exitCode).toBe(ka);
    expect(problemLines(problems)).toEqual(lines);
  });

  it('aborts like keepalived on child_wait_time without a value', () => {
    // ka: exit 2, "(Line 1) *** Configuration line starting `child_wait_time` is missing a parameter"
    const { problems, exitCode } = readText('child_wait_time');
    expect(exitCode).toBe(ABORT_EXIT);
    expect(problemLines(problems)).toEqual(['1:missing-argument']);
  });

  it('fills the top-level settings', () => {
    const { config } = readText('net_namespace blue\ninstance inst1\nuse_pid_dir\nchild_wait_time 7\nnet_namespace_ipvs');
    expect(config.top).toMatchObject({ netNamespace: 'blue', instance: 'inst1', usePidDir: true, childWaitTime: 7, netNamespaceIpvs: '' });
  });
});
