// ha_suspend with firewall marks: keepalived 2.2.7 reports it and clears it.
import { describe, expect, it } from 'vitest';
import { problemLines, readText } from '../../helpers/config.js';

const rs = ['  real_server 203.0.113.1 80 {', '  }', '}'];

describe('checkHaSuspend', () => {
  it.each([
    ['fwmark service', ['virtual_server fwmark 4 {', '  lb_algo rr', '  lb_kind NAT', '  ha_suspend', ...rs], ['4:ha-suspend-fwmark']],
    ['group with a fwmark', ['virtual_server_group G {', '  198.51.100.1 80', '  fwmark 3 inet', '}', 'virtual_server group G {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  ha_suspend', ...rs], ['9:ha-suspend-fwmark']],
    ['address service', ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  ha_suspend', ...rs], []],
  ])('%s', (_name, lines, expected) => {
    expect(problemLines(readText(lines.join('\n')).problems)).toEqual(expected);
  });
});
