// A service without a port is only valid when persistent: keepalived 2.2.7
// reports it and sets persistence.
import { describe, expect, it } from 'vitest';
import { problemLines, readText } from '../../helpers/config.js';

const rs = ['  real_server 203.0.113.1 80 {', '  }', '}'];

describe('checkZeroPort', () => {
  it.each([
    ['no port', ['virtual_server 198.51.100.1 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', ...rs], ['1:zero-port']],
    ['port 0, UDP', ['virtual_server 198.51.100.1 0 {', '  lb_algo rr', '  lb_kind NAT', '  protocol UDP', ...rs], ['1:zero-port']],
    ['no port, persistent', ['virtual_server 198.51.100.1 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  persistence_timeout', ...rs], []],
    ['no port, granularity implies persistence', ['virtual_server 198.51.100.1 0 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  persistence_granularity 255.255.255.0', ...rs], []],
    ['group entry without port', ['virtual_server_group G {', '  198.51.100.1 0', '}', 'virtual_server group G {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', ...rs], ['4:zero-port']],
    ['group entry without port, persistent', ['virtual_server_group G {', '  198.51.100.1 0', '}', 'virtual_server group G {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  persistence_timeout 60', ...rs], []],
    ['fwmark service', ['virtual_server fwmark 2 {', '  lb_algo rr', '  lb_kind NAT', '  real_server 203.0.113.1 {', '  }', '}'], []],
  ])('%s', (_name, lines, expected) => {
    expect(problemLines(readText(lines.join('\n')).problems)).toEqual(expected);
  });
});
