// virtual_server: header forms and every keyword of the block. Each verdict
// was checked against real keepalived 2.2.7 (`keepalived -t`): a line listed
// here is a line keepalived names (or, for notes, one it is silent about).
import { describe, expect, it } from 'vitest';
import type { VirtualServer } from '../../../src/config/model/check.js';
import { problemLines, readText } from '../../helpers/config.js';

/** A complete virtual server with `lines` at line 2 onwards; the rest is valid. */
function vsWith(...lines: string[]): string {
  return ['virtual_server 198.51.100.1 80 {', ...lines, '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  real_server 203.0.113.1 80 {', '  }', '}'].join('\n');
}

function firstVs(text: string): VirtualServer {
  const vs = readText(text).config.check.virtualServers[0];
  if (!vs) throw new Error('no virtual server read');
  return vs;
}

describe('virtual_server header', () => {
  it.each([
    ['virtual_server 198.51.100.1 80 {', { kind: 'address', address: { family: 4, address: '198.51.100.1' }, port: 80 }],
    ['virtual_server 2001:db8::1 443 {', { kind: 'address', address: { family: 6, address: '2001:db8::1' }, port: 443 }],
    ['virtual_server fwmark 7 {', { kind: 'fwmark', fwmark: 7 }],
    ['virtual_server group web {', { kind: 'group', group: 'web' }],
    // keepalived strips a /prefix or -range from a virtual server address (2.2.7: accepted silently).
    ['virtual_server 198.51.100.1/24 80 {', { kind: 'address', address: { family: 4, address: '198.51.100.1' }, port: 80 }],
  ])('%s', (head, key) => {
    const r = readText(`${head}\n}`);
    expect(r.config.check.virtualServers[0].key).toEqual(key);
  });

  it('reads a missing or zero port as port 0 (keepalived then makes the service persistent)', () => {
    expect(firstVs('virtual_server 198.51.100.1 {\n}').key).toMatchObject({ port: 0 });
    expect(firstVs('virtual_server 198.51.100.1 000 {\n}').key).toMatchObject({ port: 0 });
  });

  // keepalived 2.2.7 skips the whole block of a virtual server it cannot read: nothing inside is reported.
  it.each([
    ['virtual_server 198.51.100.300 80 {', '1:invalid-address'],
    ['virtual_server localhost 80 {', '1:invalid-address'],
    ['virtual_server 198.51.100.1 70000 {', '1:out-of-range'],
    ['virtual_server 198.51.100.1 http {', '1:invalid-number'],
    ['virtual_server 198.51.100.1 -1 {', '1:invalid-number'],
    ['virtual_server fwmark x {', '1:invalid-number'],
    ['virtual_server fwmark 4294967296 {', '1:out-of-range'],
  ])('%s is skipped whole', (head, line) => {
    const r = readText(`${head}\n  lb_algo bogus\n}`);
    expect(problemLines(r.problems)).toEqual([line]);
    expect(r.config.check.virtualServers).toEqual([]);
    expect(r.exitCode).toBe(5);
  });

  it('treats a missing address as fatal (keepalived exits at once with status 2)', () => {
    const r = readText('virtual_server {\n}');
    expect(problemLines(r.problems)).toEqual(['1:missing-argument']);
    expect(r.problems[0].exit).toBe(2);
  });
});

describe('virtual_server keywords', () => {
  // [line at 2, problems expected on line 2] - all checked against keepalived 2.2.7.
  const cases: Array<[string, string[]]> = [
    ['  lb_algo wrr', []],
    ['  lb_algo twos', []],
    ['  lvs_sched sed', []],
    ['  lb_algo foo', ['2:invalid-value']],
    ['  lb_algo RR', ['2:invalid-value']],
    ['  lb_kind DR', []],
    ['  lvs_method TUN type gue port 6080 csum', []],
    ['  lvs_method TUN type gre csum', []],
    ['  lb_kind dr', ['2:invalid-value']],
    ['  lvs_method TUN type gue', ['2:invalid-tunnel-option']],
    ['  lvs_method TUN type ipip csum', ['2:invalid-tunnel-option']],
    ['  lvs_method TUN type gre remcsum', ['2:invalid-tunnel-option']],
    ['  lvs_method TUN port 33', ['2:invalid-tunnel-option']],
    ['  lvs_method TUN foo', ['2:invalid-tunnel-option']],
    ['  lvs_method NAT extra', ['2:invalid-tunnel-option']],
    ['  protocol udp', []],
    ['  protocol Sctp', []],
    ['  protocol icmp', ['2:invalid-value']],
    ['  delay_loop 1.5', []],
    ['  delay_loop .5', []],
    ['  delay_loop 0', ['2:out-of-range']],
    ['  delay_loop -1', ['2:invalid-number']],
    ['  delay_loop 1e3', ['2:invalid-number']],
    ['  delay_loop 1.2345678', ['2:invalid-number']],
    ['  connect_timeout 4294.967295', []],
    ['  connect_timeout 4295', ['2:out-of-range']],
    ['  connect_timeout 0', ['2:out-of-range']],
    ['  delay_before_retry 0', []],
    ['  warmup 0', []],
    ['  warmup -3', ['2:invalid-number']],
    ['  retry 1', []],
    ['  retry 0', ['2:out-of-range']],
    ['  retry 4294967296', ['2:out-of-range']],
    ['  retry 1.5', ['2:invalid-number']],
    ['  persistence_timeout', []],
    ['  persistence_timeout 2678400', []],
    ['  persistence_timeout 2678401', ['2:out-of-range']],
    ['  persistence_timeout 0', ['2:out-of-range']],
    ['  persistence_granularity 255.255.255.0', []],
    ['  persistence_granularity 24', []],
    ['  persistence_granularity x', ['2:invalid-value']],
    ['  persistence_engine sip', []],
    ['  persistence_engine abcdefghijklmnopqrstuvwxyz', ['2:invalid-value']],
    ['  ip_family inet', []],
    ['  ip_family inet6', ['2:family-mismatch']],
    ['  ip_family foo', ['2:invalid-value']],
    ['  ha_suspend', []],
    ['  ha_suspend x', []],
    ['  alpha', []],
    ['  omega', []],
    ['  inhibit_on_failure', []],
    ['  smtp_alert', []],
    ['  smtp_alert no', []],
    ['  smtp_alert bad', ['2:invalid-bool']],
    ['  virtualhost www.example.com', []],
    ['  virtualhost', ['2:missing-value']],
    ['  snmp_name web', []],
    ['  snmp_name', ['2:invalid-value']],
    ['  snmp_name a b', ['2:invalid-value']],
    ['  quorum 0', ['2:out-of-range']],
    ['  quorum x', ['2:invalid-number']],
    ['  hysteresis -1', ['2:invalid-number']],
    ['  weight 2147483647', []],
    ['  weight 0', ['2:out-of-range']],
    ['  weight 2147483648', ['2:out-of-range']],
    // ops with TCP: keepalived 2.2.7 reports it (without a line) and turns ops off.
    ['  ops', ['2:ops-needs-udp']],
    ['  flag-1', []],
    ['  hashed', ['2:flag-needs-scheduler']],
    ['  sh-port', ['2:flag-needs-scheduler']],
    ['  mh-fallback', ['2:flag-needs-scheduler']],
    ['  sorry_server 203.0.113.9 80', []],
    ['  sorry_server 203.0.113.500 80', ['2:invalid-address']],
    ['  sorry_server_inhibit', ['2:sorry-server-missing']],
    ['  sorry_server_lvs_method DR', ['2:sorry-server-missing']],
    ['  tls_compliant', ['2:unknown-keyword']],
    ['  TCP_CHECK', ['2:unknown-keyword']],
  ];

  it.each(cases)('%s', (line, expected) => {
    const r = readText(vsWith(line));
    expect(problemLines(r.problems).filter((p) => p.startsWith('2:'))).toEqual(expected);
  });

  it.each(['lb_algo', 'lb_kind', 'protocol', 'delay_loop', 'retry', 'quorum', 'hysteresis', 'weight', 'ip_family', 'persistence_engine', 'persistence_granularity', 'sorry_server', 'quorum_up', 'lvs_method'])(
    "'%s' without a value stops keepalived (exit 2 in 2.2.7)",
    (keyword) => {
      const r = readText(vsWith(`  sorry_server 203.0.113.9 80\n  ${keyword}`).replace('sorry_server 203.0.113.9 80\n  sorry_server', 'sorry_server'));
      expect(r.problems.filter((p) => p.code === 'missing-argument').map((p) => p.exit)).toEqual([2]);
    },
  );

  it('keeps the last valid value and keepalived defaults', () => {
    const vs = firstVs(vsWith('  delay_loop 3', '  delay_loop x', '  weight 5'));
    expect(vs.timers.delayLoop).toBe(3);
    expect(vs.weight).toBe(5);
    expect(vs).toMatchObject({ quorum: 1, hysteresis: 0, alpha: false, omega: false, haSuspend: false, inhibitOnFailure: false });
    expect(vs.scheduler).toBe('rr');
    expect(vs.forwarding).toMatchObject({ kind: 'NAT', tunnelType: 'ipip', tunnelChecksum: 'nocsum' });
  });

  it('falls back to quorum 1 when quorum is bad (keepalived does not keep the old value)', () => {
    expect(firstVs(vsWith('  quorum 3', '  quorum 0')).quorum).toBe(1);
  });

  it('reads tunnel settings', () => {
    expect(firstVs('virtual_server fwmark 1 {\n  lvs_method TUN type gue port 6080 csum\n}').forwarding).toMatchObject({ kind: 'TUN', tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'csum' });
  });

  it('keeps the method but not the options when tunnel options are bad', () => {
    // vsWith adds lb_kind NAT after the line: read the line alone.
    const r = readText('virtual_server fwmark 1 {\n  lvs_method TUN type gue\n}');
    expect(r.config.check.virtualServers[0].forwarding).toMatchObject({ kind: 'TUN', tunnelType: 'ipip' });
  });

  it('persistence_granularity implies persistence and sets the family of a fwmark service', () => {
    const vs = firstVs('virtual_server fwmark 1 {\n  persistence_granularity 64\n}');
    expect(vs).toMatchObject({ persistenceTimeout: 360, persistenceGranularity: '64', family: 6 });
  });

  it('sets sh-port only after lb_algo sh, and mh flags only with mh (2.2.7 order rules)', () => {
    const r = readText(vsWith('  sh-port', '  lb_algo sh', '  sh-port', '  mh-port').replace('  lb_algo rr\n', ''));
    expect(problemLines(r.problems)).toEqual(['2:flag-needs-scheduler']);
    expect(r.config.check.virtualServers[0].flags).toMatchObject({ shPort: true, mhPort: false });
  });

  it('does not report hashed with the sh scheduler (2.2.7 ignores it silently)', () => {
    const r = readText(vsWith('  lb_algo sh', '  hashed').replace('  lb_algo rr\n', ''));
    expect(problemLines(r.problems)).toEqual([]);
  });

  it('reports a second quorum_up and keeps the first script', () => {
    const r = readText(vsWith('  quorum_up /bin/true', '  quorum_up /bin/false'));
    expect(problemLines(r.problems)).toContain('3:duplicate-script');
    expect(r.config.check.virtualServers[0].quorumUp?.command).toBe('/bin/true');
  });

  it('reports ip_family against the address family of the servers read so far', () => {
    const r = readText(['virtual_server fwmark 1 {', '  ip_family inet6', '  ip_family inet', '  lb_algo rr', '  lb_kind NAT', '  real_server 2001:db8::2 {', '  }', '}'].join('\n'));
    expect(problemLines(r.problems)).toEqual(['3:family-mismatch']);
    expect(r.config.check.virtualServers[0].family).toBe(6);
  });
});
