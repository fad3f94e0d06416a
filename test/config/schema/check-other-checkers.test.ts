// SMTP_CHECK, MISC_CHECK, DNS_CHECK, UDP_CHECK, PING_CHECK, FILE_CHECK,
// BFD_CHECK and the top-level SSL block. Verdicts checked against real
// keepalived 2.2.7.
import { describe, expect, it } from 'vitest';
import type { Checker } from '../../../src/config/model/check.js';
import { parseHexBytes } from '../../../src/config/schema/check/udp.js';
import { fakeHost, problemLines, readText } from '../../helpers/config.js';

/** `before` lines, then a virtual server whose real server has a `type` checker with `lines` from line before.length + 7. */
function checker(type: string, lines: string[], before: string[] = []): string {
  return [...before, 'virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  real_server 203.0.113.1 80 {', `    ${type} {`, ...lines, '    }', '  }', '}'].join('\n');
}

function only<T extends Checker['type']>(text: string, type: T, host = fakeHost()): Extract<Checker, { type: T }> {
  const c = readText(text, host).config.check.virtualServers[0].realServers[0].checkers[0];
  if (c.type !== type) throw new Error(`expected ${type}`);
  return c as Extract<Checker, { type: T }>;
}

const withScripts = fakeHost({ files: { '/bin/true': {}, '/bin/false': {} } });

describe('SMTP_CHECK', () => {
  it('reads helo_name and host blocks', () => {
    const text = checker('SMTP_CHECK', ['      helo_name mail.example', '      host {', '        connect_ip 203.0.113.7', '        connect_port 25', '        retry 4', '      }']);
    expect(problemLines(readText(text).problems)).toEqual([]);
    const c = only(text, 'SMTP_CHECK');
    expect(c.heloName).toBe('mail.example');
    expect(c.hosts.map((h) => h.connection)).toEqual([{ connectIp: { family: 4, address: '203.0.113.7' }, connectPort: 25 }]);
    // Timing keywords in a host block set the checker's.
    expect(c.timers.retry).toBe(4);
  });

  it('defaults the HELO name', () => {
    expect(only(checker('SMTP_CHECK', []), 'SMTP_CHECK').heloName).toBe('smtpchecker.keepalived.org');
  });

  it('reports a missing helo name and bad host settings', () => {
    const text = checker('SMTP_CHECK', ['      helo_name', '      host {', '        connect_ip bad', '        foo', '      }']);
    expect(problemLines(readText(text).problems)).toEqual(['7:missing-value', '9:invalid-address', '10:unknown-keyword']);
  });

  it('needs bind_if for a link-local host, on the host closing line', () => {
    const text = checker('SMTP_CHECK', ['      host {', '        connect_ip fe80::7', '      }']).replace(/198\.51\.100\.1/, '2001:db8::1').replace('203.0.113.1 80', '2001:db8::5 80');
    expect(problemLines(readText(text).problems)).toEqual(['9:link-local-needs-bind-if']);
  });
});

describe('MISC_CHECK', () => {
  it('reads the script, timeout, dynamic flag and user', () => {
    const c = only(checker('MISC_CHECK', ['      misc_path "/bin/true arg"', '      misc_timeout 5', '      misc_dynamic', '      user root root']), 'MISC_CHECK', withScripts);
    expect(c).toMatchObject({ script: { argv: ['/bin/true', 'arg'], keyword: 'misc_path', user: 'root', group: 'root' }, timeout: 5, dynamic: true, user: { user: 'root', group: 'root' } });
    expect(c.script?.blockEnd?.line).toBe(11);
  });

  it('keeps the last misc_path and records one script', () => {
    const r = readText(checker('MISC_CHECK', ['      misc_path /bin/true', '      misc_path /bin/false']), withScripts);
    const c = r.config.check.virtualServers[0].realServers[0].checkers[0];
    expect(c.type === 'MISC_CHECK' && c.script?.command).toBe('/bin/false');
  });

  it.each([
    [['      misc_timeout 5'], ['8:misc-without-path']],
    [['      misc_path'], ['8:misc-without-path']],
    [['      misc_path /bin/true', '      misc_timeout 4294'], []],
    [['      misc_path /bin/true', '      misc_timeout 4295'], ['8:out-of-range']],
    [['      misc_path /bin/true', '      misc_timeout -1'], ['8:invalid-number']],
    [['      misc_path /bin/true', '      misc_dynamic maybe'], []],
    [['      misc_path /bin/true', '      user'], ['8:missing-value']],
    [['      misc_path /bin/true', '      user nosuchuser'], ['8:unknown-script-user']],
    [['      misc_path /bin/true', '      connect_ip 203.0.113.5'], ['8:unknown-keyword']],
  ])('%j', (lines, expected) => {
    // Script security (exit 6 without enable_script_security) is another pass: only our codes here.
    const codes = problemLines(readText(checker('MISC_CHECK', lines), withScripts).problems).filter((p) => !/script-|security/.test(p) || p.endsWith('unknown-script-user'));
    expect(codes).toEqual(expected);
  });

  it('misc_timeout without a value is fatal (keepalived 2.2.7 exits with status 2)', () => {
    expect(readText(checker('MISC_CHECK', ['      misc_path /bin/true', '      misc_timeout']), withScripts).problems[0]).toMatchObject({ code: 'missing-argument', exit: 2 });
  });
});

describe('DNS_CHECK', () => {
  it('reads type (any case) and name; defaults SOA and the root', () => {
    expect(only(checker('DNS_CHECK', ['      type aaaa', '      name www.example.com']), 'DNS_CHECK')).toMatchObject({ queryType: 'AAAA', name: 'www.example.com' });
    expect(only(checker('DNS_CHECK', []), 'DNS_CHECK')).toMatchObject({ queryType: 'SOA', name: '.' });
  });

  it.each([
    [['      type BOGUS'], ['7:invalid-value']],
    [['      name .example'], ['7:invalid-value']],
    [['      name a..b'], ['7:invalid-value']],
    [['      name .'], []],
    // keepalived 2.2.7 looks one character past the start as past each dot: a one-character first label is "empty".
    [['      name a.example'], ['7:invalid-value']],
    [['      name 1.5'], ['7:invalid-value']],
    [['      name a'], []],
    [['      name ab.example.'], []],
    [['      name ok.example', '      name again.example'], ['8:duplicate-setting']],
  ])('%j', (lines, expected) => {
    expect(problemLines(readText(checker('DNS_CHECK', lines)).problems)).toEqual(expected);
  });

  it.each(['type', 'name'])("'%s' without a value is fatal", (keyword) => {
    expect(readText(checker('DNS_CHECK', [`      ${keyword}`])).problems[0]).toMatchObject({ code: 'missing-argument', exit: 2, loc: { line: 7 } });
  });
});

describe('UDP_CHECK', () => {
  it.each([
    [['      payload 0123abcd'], []],
    [['      payload 012'], []],
    [['      payload xyz'], ['7:invalid-hex']],
    [['      payload 00ff'], ['7:invalid-hex']],
    [['      payload'], ['7:missing-value']],
    [['      require_reply'], []],
    [['      require_reply 0x'], []],
    [['      require_reply zz'], ['7:invalid-hex']],
    [['      require_reply ff'], ['7:invalid-hex']],
    [['      min_reply_length x'], ['7:invalid-number']],
    [['      max_reply_length -1'], ['7:invalid-number']],
    [['      min_reply_length 100', '      max_reply_length 10'], ['9:reply-length-range']],
  ])('%j', (lines, expected) => {
    expect(problemLines(readText(checker('UDP_CHECK', lines)).problems)).toEqual(expected);
  });

  it('reads payload and reply patterns', () => {
    expect(only(checker('UDP_CHECK', ['      payload 01 02', '      require_reply 0a1x', '      max_reply_length 64']), 'UDP_CHECK')).toMatchObject({
      payload: [1, 2],
      requireReply: true,
      replyData: [0x0a, 0x10],
      replyMask: [0, 0x0f],
      minReplyLength: 0,
      maxReplyLength: 64,
    });
  });

  it('parses hex strings like keepalived', () => {
    expect(parseHexBytes('012', false)).toEqual({ data: [0x01, 0x02] });
    expect(parseHexBytes('ab cd', false)).toEqual({ data: [0xab, 0xcd] });
    expect(parseHexBytes('ff00', false)).toEqual({ data: [0xff, 0x00] });
    expect(parseHexBytes('00ff', false)).toBeUndefined();
    expect(parseHexBytes('xx', false)).toBeUndefined();
    expect(parseHexBytes('xx', true)).toEqual({ data: [0], mask: [0xff] });
    expect(parseHexBytes('', true)).toBeUndefined();
  });
});

describe('PING_CHECK', () => {
  it('takes the common keywords', () => {
    const text = checker('PING_CHECK', ['      retry 2', '      connect_timeout 1']);
    expect(problemLines(readText(text).problems)).toEqual([]);
    expect(only(text, 'PING_CHECK').timers).toEqual({ retry: 2, connectTimeout: 1 });
  });
});

describe('FILE_CHECK', () => {
  const trackFile = ['track_file tf1 {', '  file /tmp/tf1', '}'];

  it('follows a track_file defined above it', () => {
    const text = checker('FILE_CHECK', ['      track_file tf1', '      weight 3 reverse'], trackFile);
    expect(problemLines(readText(text).problems)).toEqual([]);
    expect(only(text, 'FILE_CHECK')).toMatchObject({ trackFile: 'tf1', weight: 3, reverse: true });
  });

  it('does not see a track_file defined below it (keepalived reads in order)', () => {
    const text = [...checker('FILE_CHECK', ['      track_file tf1']).split('\n'), ...trackFile].join('\n');
    expect(problemLines(readText(text).problems)).toEqual(['7:unknown-track-file', '8:file-check-without-file']);
  });

  it.each([
    [['      weight 3'], ['11:file-check-without-file']],
    [['      track_file tf1', '      weight 300'], []],
    [['      track_file tf1', '      weight -300'], []],
    [['      track_file tf1', '      weight x'], ['11:out-of-range']],
    [['      track_file tf1', '      weight'], ['11:missing-value']],
    [['      track_file tf1', '      weight 3 foo'], ['11:invalid-value']],
    [['      track_file tf1', '      retry 3', '      alpha'], ['11:unknown-keyword', '12:unknown-keyword']],
  ])('%j', (lines, expected) => {
    expect(problemLines(readText(checker('FILE_CHECK', lines, trackFile)).problems)).toEqual(expected);
  });
});

describe('BFD_CHECK', () => {
  const bfd = ['bfd_instance b1 {', '  neighbor_ip 203.0.113.1', '}'];

  it('follows a bfd_instance defined above it', () => {
    const text = checker('BFD_CHECK', ['      name b1', '      alpha'], bfd);
    expect(problemLines(readText(text).problems)).toEqual([]);
    expect(only(text, 'BFD_CHECK')).toMatchObject({ name: 'b1', alpha: true });
  });

  it.each([
    [['      name nope'], ['10:invalid-bfd-check']],
    [[], ['10:invalid-bfd-check']],
    [['      name a b'], ['10:invalid-bfd-check']],
    [['      name'], ['10:invalid-bfd-check']],
    // After a bad name keepalived ignores the rest of the block.
    [['      name b1', '      name b1', '      alpha x'], ['11:invalid-bfd-check']],
    [['      retry 3', '      name b1'], ['10:unknown-keyword']],
  ])('%j', (lines, expected) => {
    expect(problemLines(readText(checker('BFD_CHECK', lines, bfd)).problems)).toEqual(expected);
  });

  it('does not see a bfd_instance that is only for VRRP', () => {
    const vrrpOnly = ['bfd_instance b1 {', '  neighbor_ip 203.0.113.1', '  vrrp', '}'];
    expect(problemLines(readText(checker('BFD_CHECK', ['      name b1'], vrrpOnly)).problems)).toEqual(['11:invalid-bfd-check']);
  });

  it('reports a real server following the same bfd_instance twice, on the second name', () => {
    const text = [...bfd, 'virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  real_server 203.0.113.1 80 {', '    BFD_CHECK {', '      name b1', '    }', '    BFD_CHECK {', '      name b1', '    }', '  }', '}'].join('\n');
    expect(problemLines(readText(text).problems)).toEqual(['13:invalid-bfd-check']);
  });
});

describe('SSL block', () => {
  it('reads the settings', () => {
    const r = readText('SSL {\n  password secret\n  ca /etc/ssl/ca.pem\n  certificate /etc/ssl/c.pem\n  key /etc/ssl/k.pem\n}');
    expect(problemLines(r.problems)).toEqual([]);
    expect(r.config.check.ssl).toMatchObject({ password: 'secret', ca: '/etc/ssl/ca.pem', certificate: '/etc/ssl/c.pem', key: '/etc/ssl/k.pem' });
  });

  it('reports repeats, missing values and unknown keywords (keepalived 2.2.7)', () => {
    const r = readText('SSL {\n  password a\n  password b\n  ca\n  foo\n}\nSSL {\n}');
    expect(problemLines(r.problems)).toEqual(['3:duplicate-setting', '4:missing-value', '5:unknown-keyword', '7:duplicate-block']);
  });
});
