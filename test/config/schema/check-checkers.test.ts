// The keywords all checkers share (connection, timing, alpha,
// log_all_failures), the end-of-checker connection check, and timer
// inheritance. Verdicts checked against real keepalived 2.2.7.
import { describe, expect, it } from 'vitest';
import type { Checker } from '../../../src/config/model/check.js';
import { problemLines, readText } from '../../helpers/config.js';

/** A TCP_CHECK (or `type`) with `lines` from line 7, closed on the next line. */
function checker(type: string, ...lines: string[]): string {
  return ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  real_server 203.0.113.1 80 {', `    ${type} {`, ...lines, '    }', '  }', '}'].join('\n');
}

function firstChecker(text: string): Checker {
  return readText(text).config.check.virtualServers[0].realServers[0].checkers[0];
}

describe('common checker keywords', () => {
  const cases: Array<[string, string[]]> = [
    ['      connect_ip 203.0.113.5', []],
    ['      connect_ip 203.0.113.500', ['7:invalid-address']],
    ['      connect_ip host.example', ['7:invalid-address']],
    ['      connect_port 8080', []],
    ['      connect_port 0', ['7:out-of-range']],
    ['      connect_port 65536', ['7:out-of-range']],
    ['      connect_port x', ['7:invalid-number']],
    ['      bindto 203.0.113.200', []],
    ['      bindto bad', ['7:invalid-address']],
    ['      bindto 2001:db8::1', ['7:family-mismatch']],
    ['      bind_port 5000', []],
    ['      bind_port 0', ['7:out-of-range']],
    ['      bind_if eth0', []],
    ['      bind_if nosuch0', []],
    ['      bind_if abcdefghijklmnop', ['7:invalid-value']],
    ['      connect_timeout 2.5', []],
    ['      connect_timeout 0', ['7:out-of-range']],
    ['      fwmark 0', []],
    ['      fwmark -1', ['7:invalid-number']],
    ['      fwmark x', ['7:invalid-number']],
    ['      retry 0', []],
    ['      retry -1', ['7:invalid-number']],
    ['      delay_before_retry 0', []],
    ['      delay_before_retry -1', ['7:invalid-number']],
    ['      warmup x', ['7:invalid-number']],
    ['      delay_loop 10', []],
    ['      delay_loop 0', ['7:out-of-range']],
    ['      alpha', []],
    ['      alpha x', ['7:invalid-bool']],
    ['      log_all_failures', []],
    ['      log_all_failures x', ['7:invalid-bool']],
    // keepalived 2.2.7 calls it unknown here (exit 5); we read it as retry with a deprecation warning (exit 5 too).
    ['      nb_get_retry 2', ['7:deprecated-keyword']],
    ['      misc_path /bin/true', ['7:unknown-keyword']],
  ];

  it.each(cases)('TCP_CHECK %s', (line, expected) => {
    expect(problemLines(readText(checker('TCP_CHECK', line)).problems)).toEqual(expected);
  });

  it.each(['connect_ip', 'connect_port', 'bindto', 'bind_port', 'bind_if', 'connect_timeout', 'fwmark', 'retry', 'delay_before_retry', 'warmup', 'delay_loop'])(
    "'%s' without a value is fatal (keepalived 2.2.7 exits with status 2)",
    (keyword) => {
      const r = readText(checker('TCP_CHECK', `      ${keyword}`));
      expect(r.problems.map((p) => [p.loc?.line, p.code, p.exit])).toEqual([[7, 'missing-argument', 2]]);
    },
  );

  it.each(['PING_CHECK', 'HTTP_GET', 'SSL_GET', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK'])('%s has the connection keywords', (type) => {
    const url = type.endsWith('_GET') ? ['      url {', '        path /', '      }'] : [];
    const r = readText(checker(type, '      connect_ip 203.0.113.5', '      connect_port 81', '      bindto 203.0.113.200', '      bind_if eth0', '      fwmark 3', ...url));
    expect(problemLines(r.problems)).toEqual([]);
  });

  it('MISC_CHECK has the timing keywords but no connection', () => {
    const r = readText(checker('MISC_CHECK', '      misc_path /bin/true', '      retry 2', '      delay_loop 3', '      warmup 1', '      delay_before_retry 1', '      connect_timeout 3', '      connect_ip 203.0.113.5'));
    expect(problemLines(r.problems).filter((p) => !p.includes('script'))).toEqual(['12:unknown-keyword', '13:unknown-keyword']);
  });

  it('reads the settings', () => {
    const c = firstChecker(checker('TCP_CHECK', '      connect_ip 203.0.113.5', '      connect_port 8080', '      bindto 203.0.113.200', '      bind_port 5000', '      bind_if eth0', '      connect_timeout 2.5', '      fwmark 7', '      retry 0', '      alpha', '      log_all_failures no'));
    expect(c).toMatchObject({
      type: 'TCP_CHECK',
      connection: { connectIp: { address: '203.0.113.5' }, connectPort: 8080, bindTo: { address: '203.0.113.200' }, bindPort: 5000, bindIf: 'eth0', fwmark: 7 },
      timers: { connectTimeout: 2.5, retry: 0 },
      alpha: true,
      logAllFailures: false,
    });
  });

  it('compares the families of bindto and connect_ip in the order written', () => {
    const r = readText(checker('TCP_CHECK', '      bindto 203.0.113.9', '      connect_ip 2001:db8::1', '      connect_ip 203.0.113.8'));
    expect(problemLines(r.problems)).toEqual(['8:family-mismatch']);
    const c = firstChecker(checker('TCP_CHECK', '      bindto 203.0.113.9', '      connect_ip 2001:db8::1', '      connect_ip 203.0.113.8'));
    expect(c.type === 'TCP_CHECK' && c.connection.connectIp?.address).toBe('203.0.113.8');
  });
});

describe('link-local destinations', () => {
  const v6 = (rs: string, ...lines: string[]) => ['virtual_server 2001:db8::1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', `  real_server ${rs} 80 {`, ...lines, '  }', '}'].join('\n');

  it.each(['TCP_CHECK', 'PING_CHECK', 'SMTP_CHECK', 'UDP_CHECK', 'DNS_CHECK'])('%s to a link-local real server needs bind_if (reported on its closing line)', (type) => {
    const r = readText(v6('fe80::5', `    ${type} {`, '    }'));
    expect(problemLines(r.problems)).toEqual(['7:link-local-needs-bind-if']);
    expect(r.config.check.virtualServers[0].realServers[0].checkers[0].dropped).toBeDefined();
  });

  it('applies to connect_ip too, and bind_if satisfies it', () => {
    expect(problemLines(readText(v6('2001:db8::5', '    TCP_CHECK {', '      connect_ip fe80::1', '    }')).problems)).toEqual(['8:link-local-needs-bind-if']);
    expect(problemLines(readText(v6('2001:db8::5', '    TCP_CHECK {', '      connect_ip fe80::1', '      bind_if eth0', '    }')).problems)).toEqual([]);
  });

  it('does not apply to a link-local bindto or to MISC_CHECK', () => {
    expect(problemLines(readText(v6('2001:db8::5', '    TCP_CHECK {', '      bindto fe80::1', '    }')).problems)).toEqual([]);
    const misc = readText(v6('fe80::5', '    MISC_CHECK {', '      misc_path /nonexistent', '    }'));
    expect(misc.problems.filter((p) => p.code === 'link-local-needs-bind-if')).toEqual([]);
    expect(misc.exitCode).toBe(0);
  });
});

describe('timer inheritance', () => {
  const layered = ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  delay_loop 20', '  retry 4', '  real_server 203.0.113.1 80 {', '    connect_timeout 7', '    warmup 2'];

  it('takes checker, then real server, then virtual server, then the default', () => {
    const c = firstChecker([...layered, '    TCP_CHECK {', '      retry 2', '    }', '  }', '}'].join('\n'));
    expect(c.resolved).toEqual({
      delayLoop: 20,
      retry: 2,
      delayBeforeRetry: 1,
      warmup: 2,
      connectTimeout: 7,
      source: { delayLoop: 'virtual_server', retry: 'checker', delayBeforeRetry: 'default', warmup: 'real_server', connectTimeout: 'real_server' },
    });
  });

  it('uses keepalived 2.2.7 defaults per checker type', () => {
    const resolvedOf = (type: string, ...lines: string[]) => firstChecker(checker(type, ...lines)).resolved;
    expect(resolvedOf('TCP_CHECK')).toMatchObject({ delayLoop: 60, retry: 1, delayBeforeRetry: 1, warmup: 60, connectTimeout: 5 });
    expect(resolvedOf('HTTP_GET', '      url {', '        path /', '      }')).toMatchObject({ retry: 1, delayBeforeRetry: 3 });
    expect(resolvedOf('DNS_CHECK', '      delay_loop 9')).toMatchObject({ retry: 3, delayBeforeRetry: 9 });
    const misc = resolvedOf('MISC_CHECK', '      misc_path /nonexistent');
    expect(misc).toMatchObject({ retry: 0 });
    expect(misc.connectTimeout).toBeUndefined();
  });

  it('remembers which values were written where', () => {
    const c = firstChecker(checker('TCP_CHECK', '      delay_loop 5'));
    expect(c.timers).toEqual({ delayLoop: 5 });
    expect(c.resolved.source.delayLoop).toBe('checker');
    expect(c.resolved.warmup).toBe(5);
  });
});

describe('nb_get_retry (keepalived 1.x)', () => {
  it('is read as retry in every checker, so an old config keeps its retry count', () => {
    for (const type of ['TCP_CHECK', 'HTTP_GET', 'SMTP_CHECK', 'UDP_CHECK', 'DNS_CHECK']) {
      const lines = type === 'HTTP_GET' ? ['      url {', '        path /', '      }', '      nb_get_retry 4'] : ['      nb_get_retry 4'];
      expect(firstChecker(checker(type, ...lines)).resolved.retry, type).toBe(4);
    }
  });
});
