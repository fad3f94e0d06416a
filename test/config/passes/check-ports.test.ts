// Ports with DR / TUN, and with firewall marks. keepalived 2.2.7 reports
// each (without a line) and corrects the port; NAT may change ports.
import { describe, expect, it } from 'vitest';
import { problemLines, readText } from '../../helpers/config.js';

const vs = (head: string, kind: string, ...lines: string[]) => [head, '  lb_algo rr', `  lb_kind ${kind}`, ...(head.includes('fwmark') ? [] : ['  protocol TCP']), ...lines, '}'].join('\n');
const rs = (spec: string, ...lines: string[]) => [`  real_server ${spec} {`, ...lines, '  }'];

describe('checkPorts', () => {
  it.each([
    ['DR, other port', vs('virtual_server 198.51.100.1 80 {', 'DR', ...rs('203.0.113.1 8080')), ['5:port-mismatch']],
    ['TUN, other port', vs('virtual_server 198.51.100.1 80 {', 'TUN', ...rs('203.0.113.1 8080')), ['5:port-mismatch']],
    ['DR, same port', vs('virtual_server 198.51.100.1 80 {', 'DR', ...rs('203.0.113.1 80')), []],
    ['DR, no port', vs('virtual_server 198.51.100.1 80 {', 'DR', ...rs('203.0.113.1')), []],
    ['NAT, other port', vs('virtual_server 198.51.100.1 80 {', 'NAT', ...rs('203.0.113.1 8080')), []],
    ['real server overrides to DR', vs('virtual_server 198.51.100.1 80 {', 'NAT', ...rs('203.0.113.1 8080', '    lvs_method DR')), ['5:port-mismatch']],
    ['IPv6, DR', vs('virtual_server 2001:db8::1 443 {', 'DR', ...rs('2001:db8::2 8443')), ['5:port-mismatch']],
    ['sorry server, DR', vs('virtual_server 198.51.100.1 80 {', 'DR', '  sorry_server 203.0.113.9 8080', ...rs('203.0.113.1 80')), ['5:port-mismatch']],
    ['fwmark, DR, real server port', vs('virtual_server fwmark 1 {', 'DR', ...rs('203.0.113.1 80')), ['4:port-with-fwmark']],
    ['fwmark, DR, sorry server port', vs('virtual_server fwmark 9 {', 'DR', '  sorry_server 203.0.113.9 80', ...rs('203.0.113.1')), ['4:port-with-fwmark']],
    ['fwmark, NAT, real server port', vs('virtual_server fwmark 1 {', 'NAT', ...rs('203.0.113.1 8080')), []],
  ])('%s', (_name, text, expected) => {
    const r = readText(text);
    expect(problemLines(r.problems)).toEqual(expected);
    expect(r.exitCode).toBe(expected.length ? 5 : 0);
  });

  it('checks every address entry of a group, and its fwmarks', () => {
    const text = ['virtual_server_group G {', '  198.51.100.1 80', '  198.51.100.2 443', '  fwmark 9 inet', '}', vs('virtual_server group G {', 'DR', ...rs('203.0.113.1 80'), ...rs('203.0.113.2'))].join('\n');
    // 203.0.113.1:80 has a port (fwmark entry) and differs from entry 443; 203.0.113.2 has no port.
    expect(problemLines(readText(text).problems)).toEqual(['10:port-with-fwmark', '10:port-mismatch']);
  });

  it('uses the lb_kind written above each real server', () => {
    const text = vs('virtual_server 198.51.100.1 80 {', 'NAT', ...rs('203.0.113.1 8080'), '  lb_kind DR', ...rs('203.0.113.2 8080'));
    expect(problemLines(readText(text).problems)).toEqual(['8:port-mismatch']);
  });
});
