// Tracker blocks (vrrp_script, track_file, vrrp_track_process, bfd_instance),
// the track_* lines of instances and sync groups, vrrp_sync_group keywords,
// garp_group, linkbeat_interfaces and interface_up_down_delays. Every
// verdict was checked against real keepalived 2.2.7 -t (eth0..eth3, eth0.1).
import { describe, expect, it } from 'vitest';
import { fakeHost, readText, verdictOf } from '../../helpers/config.js';

/** The oracle namespace's host, with /bin/true and /bin/false (scripts are checked). */
const host = fakeHost({
  files: {
    '/': { isFile: false, isDirectory: true, mode: 0o40755 },
    '/bin': { isFile: false, isDirectory: true, mode: 0o40755 },
    '/bin/true': {},
    '/bin/false': {},
  },
});

function verdict(text: string) {
  const { exit, lines } = verdictOf(text, host);
  return { exit, lines };
}

/** `block NAME {` with `lines` (';'-separated) from line 2 on, closed on the next line. */
function block(header: string, lines: string): string {
  return `${header} {\n${lines
    .split(';')
    .filter((l) => l !== '')
    .map((l) => `  ${l}`)
    .join('\n')}\n}\n`;
}

/** global_defs making scripts acceptable (lines 1-4), then a vrrp_script (5-7), then an instance tracking `track`. */
function tracked(kind: string, track: string, definitions = 'vrrp_script chk {\n  script "/bin/true"\n}\n'): string {
  return `global_defs {
  enable_script_security
  script_user root
}
${definitions}vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  virtual_ipaddress {
    198.51.100.1/24
  }
  ${kind} {
    ${track}
  }
}
`;
}

describe('vrrp_script (keepalived 2.2.7)', () => {
  it('accepts every keyword', () => {
    const text = block('vrrp_script chk', 'script "/bin/true";interval 2;timeout 3;weight -10 reverse;rise 2;fall 2;user root;init_fail');
    const { config } = readText(`global_defs {\n  enable_script_security\n}\n${text}`, fakeHost());
    expect(config.vrrp.scripts[0]).toMatchObject({ name: 'chk', interval: 2, timeout: 3, weight: -10, weightReverse: true, rise: 2, fall: 2, initFail: true, user: { user: 'root' } });
  });
  const rows: { name: string; lines: string; named: number[] }[] = [
    { name: 'zero interval and timeout are raised to 1', lines: 'script "/bin/true";interval 0;timeout 0', named: [3, 4] },
    { name: 'fractions are not accepted', lines: 'script "/bin/true";interval 1.5;timeout 1.5;rise 1.5', named: [3, 4, 5] },
    { name: 'interval and timeout above 4294', lines: 'script "/bin/true";interval 4295;timeout 4295', named: [3, 4] },
    { name: 'weight outside -253..253', lines: 'script "/bin/true";weight 300;weight -254', named: [3, 4] },
    { name: 'weight with an unknown option', lines: 'script "/bin/true";weight 253 foo', named: [3] },
    { name: 'rise and fall 0', lines: 'script "/bin/true";rise 0;fall 0', named: [3, 4] },
    { name: 'fall beyond 32 bits', lines: 'script "/bin/true";fall 99999999999', named: [3] },
    { name: 'no script: dropped at the }', lines: 'interval 2', named: [3] },
  ];
  it.each(rows)('$name', ({ lines, named }) => {
    const v = verdict(`global_defs {\n  enable_script_security\n  script_user root\n}\n${block('vrrp_script chk', lines)}`);
    expect(v.exit).toBe(5);
    expect(v.lines).toEqual(named.map((n) => n + 4));
  });
  it("end-of-block problems go on the line of the '}', wherever it stands", () => {
    const secured = 'global_defs {\n  enable_script_security\n  script_user root\n}\n';
    expect(verdict(`${secured}vrrp_script chk { interval 2 }\n`)).toEqual({ exit: 5, lines: [5] });
    expect(verdict(`${secured}vrrp_script chk {\n  interval 2\n\n  # comment\n\n}\n`)).toEqual({ exit: 5, lines: [10] });
  });
  it('a second script replaces the first, which is never run nor checked (vrrp-script-script-replaced.conf)', () => {
    const instance = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  track_script {\n    chk\n  }\n}\n';
    // Without script security the first script would be a violation (exit 6); the second does not exist, so none runs.
    const v = readText(`${block('vrrp_script chk', 'script "/bin/true";script "/nonexistent/x"')}${instance}`, host);
    expect(v.config.vrrp.scripts[0]?.script?.command).toBe('"/nonexistent/x"');
    expect(v.exitCode).toBe(5);
    expect(v.problems.filter((p) => p.code === 'script-security')).toEqual([]);
  });
  it('a second vrrp_script of the same name is accepted', () => {
    expect(verdict(`global_defs {\n  enable_script_security\n  script_user root\n}\n${block('vrrp_script chk', 'script /bin/true')}${block('vrrp_script chk', 'script /bin/false')}`).exit).toBe(0);
  });
});

describe('track_script lines (keepalived 2.2.7)', () => {
  const rows: { track: string; exit: 0 | 5 }[] = [
    { track: 'chk', exit: 0 },
    { track: 'chk weight 10', exit: 0 },
    { track: 'chk weight -253', exit: 0 },
    { track: 'chk weight 10 reverse', exit: 0 },
    { track: 'chk weight 10 reverse extra', exit: 0 },
    { track: 'chk weight', exit: 5 },
    { track: 'chk weight 254', exit: 5 },
    { track: 'chk weight x', exit: 5 },
    { track: 'chk weight 1.5', exit: 5 },
    { track: 'chk weight 10 bogus', exit: 5 },
    { track: 'chk bogus', exit: 5 },
    { track: 'nosuch', exit: 5 },
  ];
  it.each(rows)('$track', ({ track, exit }) => {
    const v = verdict(tracked('track_script', track));
    expect(v.exit).toBe(exit);
    expect(v.lines).toEqual(exit === 5 ? [15] : []);
  });
  it('the script must be defined before it is tracked', () => {
    const text = `global_defs {\n  enable_script_security\n  script_user root\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    198.51.100.1/24\n  }\n  track_script {\n    chk\n  }\n}\nvrrp_script chk {\n  script "/bin/true"\n}\n`;
    expect(verdict(text)).toEqual({ exit: 5, lines: [12] });
  });
  it('a script listed twice', () => {
    expect(verdict(tracked('track_script', 'chk\n    chk weight 2'))).toEqual({ exit: 5, lines: [16] });
  });
});

describe('track_interface lines (keepalived 2.2.7)', () => {
  const rows: { track: string; exit: 0 | 5 }[] = [
    { track: 'eth1', exit: 0 },
    { track: 'eth1 weight 10', exit: 0 },
    { track: 'eth1 weight 5 reverse', exit: 0 },
    { track: 'lo', exit: 0 },
    { track: 'eth1 weight', exit: 5 },
    { track: 'eth1 weight 254', exit: 5 },
    { track: 'eth1 weight 255', exit: 5 },
    { track: 'eth1 weight x', exit: 5 },
    { track: 'eth1 bogus', exit: 5 },
    { track: 'eth1 weight 5 bogus', exit: 5 },
    { track: 'eth1\n    eth1', exit: 5 },
  ];
  it.each(rows)('$track', ({ track, exit }) => {
    const v = verdict(tracked('track_interface', track));
    expect(v.exit).toBe(exit);
    expect(v.lines.length).toBe(exit === 5 ? 1 : 0);
  });
});

describe('track_file and vrrp_track_process blocks and lines (keepalived 2.2.7)', () => {
  it('track_file with every keyword, and the old name', () => {
    expect(verdict(block('track_file tf', 'file /tmp/tfile;weight 10 reverse;init_file 5 overwrite')).exit).toBe(0);
    expect(verdict(block('vrrp_track_file tf', 'file /tmp/tfile')).exit).toBe(0);
  });
  it('track_file mistakes', () => {
    expect(verdict(block('track_file tf', 'file /tmp/a;file /tmp/b;weight 300;weight 5;init_file x bogus'))).toEqual({ exit: 5, lines: [3, 4, 6] });
    expect(verdict(block('track_file tf', 'weight 5'))).toEqual({ exit: 5, lines: [3] });
    expect(verdict(block('track_file tf', 'file /tmp/a;weight'))).toEqual({ exit: 5, lines: [3] });
    expect(verdict(block('track_file tf', 'file /tmp/a;weight 5 bogus'))).toEqual({ exit: 5, lines: [3] });
  });
  it('a second weight once the weight was changed from the default', () => {
    expect(verdict(block('track_file tf', 'file /tmp/a;weight 1;weight 5')).exit).toBe(0);
    expect(verdict(block('track_file tf', 'file /tmp/a;weight 3;weight 5'))).toEqual({ exit: 5, lines: [4] });
    expect(verdict(block('vrrp_track_process tp', 'process sshd;weight 0;weight 5')).exit).toBe(0);
    expect(verdict(block('vrrp_track_process tp', 'process sshd;weight 2;weight 5'))).toEqual({ exit: 5, lines: [4] });
    expect(verdict(block('vrrp_script chk', 'script /bin/true;weight 2;weight 5')).exit).toBe(0);
  });
  it('file and param_match without a value only warn or pass', () => {
    expect(verdict(block('track_file tf', 'file'))).toEqual({ exit: 5, lines: [2, 3] });
    expect(verdict(block('vrrp_track_process tp', 'process sshd;param_match')).exit).toBe(0);
  });
  it('vrrp_track_process with every keyword', () => {
    expect(verdict(block('vrrp_track_process tp', 'process sshd;param_match initial;weight 10 reverse;quorum 1;quorum_max 3;delay 2;terminate_delay 2;fork_delay 2;full_command')).exit).toBe(0);
  });
  it('vrrp_track_process mistakes, and no process at the }', () => {
    const v = verdict(block('vrrp_track_process tp', 'param_match bogus;weight 300;quorum 0;quorum_max 70000;delay 0;terminate_delay 4000'));
    expect(v).toEqual({ exit: 5, lines: [2, 3, 4, 5, 6, 7, 8] });
  });
  const defs = 'track_file tf {\n  file /tmp/tfile\n}\nvrrp_track_process tp {\n  process sshd\n}\n';
  it.each([
    ['track_file', 'tf weight 10 reverse', 0],
    ['track_file', 'tf weight 300', 5],
    ['track_file', 'tf weight', 5],
    ['track_file', 'tf weight 10 foo', 5],
    ['track_file', 'tf bogus', 5],
    ['track_file', 'nosuch', 5],
    ['track_process', 'tp weight 10', 0],
    ['track_process', 'tp weight 300', 5],
    ['track_process', 'tp weight', 5],
    ['track_process', 'nosuch', 5],
    ['track_bfd', 'nosuch', 5],
  ] as const)('%s { %s }', (kind, track, exit) => {
    const v = verdict(tracked(kind, track, defs));
    expect(v.exit).toBe(exit);
    expect(v.lines).toEqual(exit === 5 ? [18] : []);
  });
});

describe('vrrp_sync_group keywords (keepalived 2.2.7)', () => {
  const members = 'vrrp_instance A {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    198.51.100.1/24\n  }\n}\nvrrp_instance B {\n  interface eth0\n  virtual_router_id 2\n  virtual_ipaddress {\n    198.51.100.2/24\n  }\n}\n';
  it('group on one line', () => {
    expect(verdict(`vrrp_sync_group G { group { A B } }\n${members}`).exit).toBe(0);
  });
  it('every keyword', () => {
    const v = verdict(`${block('vrrp_sync_group G', 'group {;A;B;};track_interface {;eth1;};smtp_alert;notify_priority_changes;sync_group_tracking_weight')}${members}`);
    expect(v.exit).toBe(0);
  });
  it('global_tracking is deprecated', () => {
    expect(verdict(`${block('vrrp_sync_group G', 'group {;A;B;};global_tracking')}${members}`)).toEqual({ exit: 5, lines: [6] });
  });
  it('an empty group block is reported on its }', () => {
    expect(verdict(`${block('vrrp_sync_group G', 'group {;}')}${members}`)).toEqual({ exit: 5, lines: [3] });
  });
  it('a second group block', () => {
    const v = verdict(`${block('vrrp_sync_group G', 'group {;A;B;};group {;A;}')}${members}`);
    expect(v.exit).toBe(5);
    expect(v.lines).toContain(6);
  });
  it('bare instance names outside group { } are unknown keywords', () => {
    expect(verdict(`${block('vrrp_sync_group G', 'group {;A;};B')}${members}`).lines).toEqual([5]);
  });
  it('no name, and defined twice', () => {
    expect(verdict(`${block('vrrp_sync_group', 'group {;A;B;}')}${members}`)).toEqual({ exit: 5, lines: [1] });
    const twice = `${block('vrrp_sync_group G', 'group {;A;B;}')}${block('vrrp_sync_group G', 'group {;A;B;}')}${members}`;
    expect(verdict(twice)).toEqual({ exit: 5, lines: [7] });
  });
  it('tracks of the group must exist too', () => {
    expect(verdict(`${block('vrrp_sync_group G', 'group {;A;B;};track_script {;nosuch;};track_file {;nof;}')}${members}`)).toEqual({ exit: 5, lines: [7, 10] });
  });
});

describe('garp_group, linkbeat_interfaces, interface_up_down_delays (keepalived 2.2.7)', () => {
  it('garp_group with intervals and interfaces', () => {
    expect(verdict(block('garp_group', 'garp_interval 0.001;gna_interval 0.002;interface eth1')).exit).toBe(0);
    expect(verdict(block('garp_group', 'garp_interval 0;interface eth1')).exit).toBe(0);
    expect(verdict(block('garp_group', 'garp_interval 1.5;interface eth1;interface eth2')).exit).toBe(0);
  });
  it('garp_group without any interval is dropped at its }', () => {
    expect(verdict(block('garp_group', 'interface eth1'))).toEqual({ exit: 5, lines: [3] });
    expect(verdict(block('garp_group', 'garp_interval 99999;gna_interval -1;interface eth1'))).toEqual({ exit: 5, lines: [2, 3, 5] });
  });
  it('an interface in two garp groups, or twice in one', () => {
    expect(verdict(`${block('garp_group', 'garp_interval 1;interface eth1')}${block('garp_group', 'garp_interval 1;interface eth1')}`)).toEqual({ exit: 5, lines: [7] });
    expect(verdict(block('garp_group', 'garp_interval 1;interfaces {;eth1;eth1;}'))).toEqual({ exit: 5, lines: [6] });
  });
  it('an empty interfaces block', () => {
    expect(verdict(block('garp_group', 'garp_interval 0.1;interfaces {;}'))).toEqual({ exit: 5, lines: [4] });
  });
  it('linkbeat_interfaces: unknown interface and extra words', () => {
    expect(verdict(block('linkbeat_interfaces', 'eth1;eth9;eth2 extra'))).toEqual({ exit: 5, lines: [3, 4] });
  });
  it('interface_up_down_delays: unknown interface and bad numbers', () => {
    expect(verdict(block('interface_up_down_delays', 'eth1 1 2;eth9 1;eth2;eth3 1 2 3;eth0 x y'))).toEqual({ exit: 5, lines: [3, 6] });
  });
});

describe('bfd_instance (keepalived 2.2.7, kept light)', () => {
  it('accepts every keyword', () => {
    const text = block('bfd_instance B1', 'neighbor_ip 198.51.100.9;source_ip 198.51.100.1;min_rx 10;min_tx 10;idle_tx 1000;multiplier 5;passive;ttl 255;max_hops 5;weight 10 reverse;vrrp;checker');
    expect(verdict(text).exit).toBe(0);
  });
  it('ranges', () => {
    const text = `${block('bfd_instance B1', 'neighbor_ip 198.51.100.9;min_rx 0')}${block('bfd_instance B2', 'neighbor_ip 198.51.100.8;min_tx 0;idle_tx 0;multiplier 256;ttl 0;max_hops 256')}`;
    expect(verdict(text)).toEqual({ exit: 5, lines: [3, 7, 8, 9, 10, 11] });
  });
  it('after a malformed neighbor only weight and unknown keywords are reported', () => {
    expect(verdict(block('bfd_instance B1', 'neighbor_ip x;source_ip y;min_rx 0;weight 300;multihop'))).toEqual({ exit: 5, lines: [2, 5, 6] });
  });
  it('no neighbor, a duplicate name or neighbor, mixed families: on the }', () => {
    expect(verdict(block('bfd_instance B1', 'min_rx 10'))).toEqual({ exit: 5, lines: [3] });
    expect(verdict(`${block('bfd_instance B1', 'neighbor_ip 198.51.100.9')}${block('bfd_instance B1', 'neighbor_ip 198.51.100.8')}`)).toEqual({ exit: 5, lines: [4] });
    expect(verdict(`${block('bfd_instance B1', 'neighbor_ip 198.51.100.9')}${block('bfd_instance B2', 'neighbor_ip 198.51.100.9')}`)).toEqual({ exit: 5, lines: [6] });
    expect(verdict(block('bfd_instance B1', 'neighbor_ip 198.51.100.9;source_ip 2001:db8::1'))).toEqual({ exit: 5, lines: [4] });
  });
  it('a name longer than 31 characters', () => {
    expect(verdict(block('bfd_instance B1234567890123456789012345678901234567890', 'neighbor_ip 198.51.100.9'))).toEqual({ exit: 5, lines: [1] });
  });
  it('track_bfd: defined before, listed twice', () => {
    const text = `${block('bfd_instance B1', 'neighbor_ip 198.51.100.9')}vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    198.51.100.1/24\n  }\n  track_bfd {\n    B1 weight 10\n    B1\n    B2\n  }\n}\n`;
    expect(verdict(text)).toEqual({ exit: 5, lines: [12, 13] });
  });
});
