// protocol: keepalived 2.2.7 warns when an address-based service has none
// (it uses UDP), when ops is set without UDP, and when a fwmark service has
// one (sample keepalived.conf.fwmark: "protocol specified for fwmark").
import { describe, expect, it } from 'vitest';
import { problemLines, readText } from '../../helpers/config.js';

const rs = ['  real_server 203.0.113.1 80 {', '  }', '}'];
const vs = (...lines: string[]) => ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', ...lines, ...rs].join('\n');
const fwm = (...lines: string[]) => ['virtual_server fwmark 1 {', '  lb_algo rr', '  lb_kind DR', ...lines, '  real_server 203.0.113.1 {', '  }', '}'].join('\n');

describe('checkProtocol', () => {
  it.each([
    ['address without protocol', vs(), ['1:no-protocol']],
    ['address with protocol', vs('  protocol TCP'), []],
    ['ops with TCP', vs('  protocol TCP', '  ops'), ['5:ops-needs-udp']],
    ['ops with UDP', vs('  protocol UDP', '  ops'), []],
    ['ops without protocol (UDP by default)', vs('  ops'), ['1:no-protocol']],
    ['fwmark with protocol', fwm('  protocol TCP'), ['4:protocol-for-fwmark']],
    ['fwmark without protocol', fwm(), []],
    ['fwmark with ops', fwm('  ops'), []],
  ])('%s', (_name, text, expected) => {
    const r = readText(text);
    expect(problemLines(r.problems)).toEqual(expected);
    expect(r.exitCode).toBe(expected.length ? 5 : 0);
  });

  it('treats a group with only fwmarks as a fwmark service, and one with addresses as an address service', () => {
    const group = (entry: string, ...lines: string[]) => ['virtual_server_group G {', entry, '}', 'virtual_server group G {', '  lb_algo rr', '  lb_kind NAT', ...lines, ...rs].join('\n');
    expect(problemLines(readText(group('  fwmark 3', '  protocol TCP')).problems)).toEqual(['7:protocol-for-fwmark']);
    expect(problemLines(readText(group('  198.51.100.1 80')).problems)).toEqual(['4:no-protocol']);
  });
});
