// HTTP_GET / SSL_GET and their url blocks. Verdicts checked against real
// keepalived 2.2.7; its regex keywords only log to syslog (exit 0), so ours
// are notes.
import { describe, expect, it } from 'vitest';
import type { HttpCheck } from '../../../src/config/model/check.js';
import { problemLines, readText } from '../../helpers/config.js';

/** An HTTP_GET whose url block has `urlLines` from line 8; checker lines follow the url. */
function http(urlLines: string[], checkerLines: string[] = [], type = 'HTTP_GET'): string {
  return [
    'virtual_server 198.51.100.1 80 {',
    '  lb_algo rr',
    '  lb_kind NAT',
    '  protocol TCP',
    '  real_server 203.0.113.1 80 {',
    `    ${type} {`,
    '      url {',
    ...urlLines,
    '      }',
    ...checkerLines,
    '    }',
    '  }',
    '}',
  ].join('\n');
}

function httpCheck(text: string): HttpCheck {
  const c = readText(text).config.check.virtualServers[0].realServers[0].checkers[0];
  if (c.type !== 'HTTP_GET' && c.type !== 'SSL_GET') throw new Error('not an HTTP checker');
  return c;
}

describe('url keywords', () => {
  const cases: Array<[string, string[]]> = [
    ['        digest 0123456789abcdef0123456789ABCDEF', []],
    ['        digest 0123', ['8:invalid-digest']],
    ['        digest 0123456789abcdef0123456789abcdeg', ['8:invalid-digest']],
    ['        status_code 200 201-299 301', []],
    ['        status_code 100', []],
    ['        status_code 599', []],
    ['        status_code', []],
    ['        status_code 99', ['8:invalid-status-code']],
    ['        status_code 600', ['8:invalid-status-code']],
    ['        status_code 299-200', ['8:invalid-status-code']],
    ['        status_code abc', ['8:invalid-status-code']],
    ['        status_code 200-', ['8:invalid-status-code']],
    ['        virtualhost www.example.com', []],
    ['        virtualhost', ['8:missing-value']],
    ['        regex "ok"', []],
    ['        regex', ['8:regex-setting-ignored']],
    ['        regex a b', ['8:regex-setting-ignored']],
    ['        regex_options bogus', ['8:regex-setting-ignored', '8:regex-setting-ignored']], // bad value, and no regex
    ['        regex_min_offset x', ['8:regex-setting-ignored', '8:regex-setting-ignored']], // bad value, and no regex
    ['        regex_stack 1', ['8:regex-setting-ignored', '8:regex-setting-ignored']], // bad value, and no regex
    ['        tls_compliant', ['8:unknown-keyword']],
  ];

  it.each(cases)('%s', (line, expected) => {
    expect(problemLines(readText(http([line, '        path /'])).problems).filter((p) => p.startsWith('8:'))).toEqual(expected);
  });

  it('keeps the first digest and reports the next (keepalived 2.2.7)', () => {
    const text = http(['        path /', '        digest 0123456789abcdef0123456789abcdef', '        digest fedcba9876543210fedcba9876543210']);
    expect(problemLines(readText(text).problems)).toEqual(['10:duplicate-digest']);
    expect(httpCheck(text).urls[0].digest).toBe('0123456789abcdef0123456789abcdef');
  });

  it('reads status codes as ranges, defaulting to 200-299', () => {
    expect(httpCheck(http(['        path /', '        status_code 200 301-302 x'])).urls[0].statusCodes).toEqual([[200, 200], [301, 302]]);
    expect(httpCheck(http(['        path /'])).urls[0]).toMatchObject({ statusCodes: [[200, 299]], statusCodesSet: false });
  });

  it('notes regex settings without a regex, and min offset above max', () => {
    expect(problemLines(readText(http(['        path /', '        regex_no_match'])).problems)).toEqual(['9:regex-setting-ignored']);
    expect(problemLines(readText(http(['        path /', '        regex x', '        regex_min_offset 10', '        regex_max_offset 5'])).problems)).toEqual(['10:regex-setting-ignored']);
    expect(readText(http(['        path /', '        regex_no_match'])).exitCode).toBe(0);
  });

  it.each(['path', 'digest'])("'%s' without a value is fatal (keepalived 2.2.7 exits with status 2)", (keyword) => {
    expect(readText(http([`        ${keyword}`])).problems[0]).toMatchObject({ code: 'missing-argument', exit: 2, loc: { line: 8 } });
  });
});

describe('HTTP_GET / SSL_GET keywords', () => {
  const cases: Array<[string, string[]]> = [
    ['      virtualhost a.example', []],
    ['      virtualhost', ['10:missing-value']],
    ['      http_protocol 1.1', []],
    ['      http_protocol 1.0c', []],
    ['      http_protocol 2.0', ['10:invalid-value']],
    ['      http_protocol', ['10:missing-value']],
    ['      enable_sni', []],
    ['      enable_sni maybe', ['10:invalid-bool']],
    ['      fast_recovery', []],
    ['      fast_recovery maybe', ['10:invalid-bool']],
    ['      nb_get_retry 3', ['10:deprecated-keyword']],
    ['      nb_get_retry x', ['10:deprecated-keyword', '10:invalid-number']],
    ['      tls_compliant', ['10:unknown-keyword']],
    ['      sni_name foo', ['10:unknown-keyword']],
  ];

  it.each(cases)('%s', (line, expected) => {
    expect(problemLines(readText(http(['        path /'], [line])).problems)).toEqual(expected);
  });

  it('reads nb_get_retry as retry, with a deprecation warning on its line', () => {
    const text = http(['        path /'], ['      nb_get_retry 3']);
    const r = readText(text);
    expect(r.problems[0]).toMatchObject({ severity: 'warning', code: 'deprecated-keyword', loc: { line: 10 } });
    expect(r.problems[0].hint).toContain('retry 3');
    expect(r.exitCode).toBe(5);
    expect(httpCheck(text).timers.retry).toBe(3);
  });

  it('reads the settings and defaults', () => {
    const c = httpCheck(http(['        path /health', '        virtualhost u.example'], ['      virtualhost c.example', '      http_protocol 1.0C', '      enable_sni', '      fast_recovery'], 'SSL_GET'));
    expect(c).toMatchObject({ type: 'SSL_GET', virtualhost: 'c.example', httpProtocol: '1.0C', enableSni: true, fastRecovery: true });
    expect(c.urls[0]).toMatchObject({ path: '/health', virtualhost: 'u.example' });
    expect(httpCheck(http(['        path /']))).toMatchObject({ httpProtocol: '1.0', enableSni: false, fastRecovery: false });
  });
});

describe('HTTP_GET end checks', () => {
  it('drops a url without a path, reported on the url closing line', () => {
    const r = readText(http(['        path /'], ['      url {', '        digest 0123456789abcdef0123456789abcdef', '      }']));
    expect(problemLines(r.problems)).toEqual(['12:url-without-path']);
  });

  // keepalived 2.2.7 reports these and then crashes (exit 139).
  it('drops a checker without urls, reported on its closing line', () => {
    const r = readText(http([]).replace('      url {\n      }\n', ''));
    expect(problemLines(r.problems)).toEqual(['7:checker-without-url']);
    expect(r.config.check.virtualServers[0].realServers[0].checkers[0].dropped).toBe('no url');
  });

  it('reports both when the only url has no path', () => {
    const r = readText(http(['        digest 0123456789abcdef0123456789abcdef']));
    expect(problemLines(r.problems)).toEqual(['9:url-without-path', '10:checker-without-url']);
  });
});
