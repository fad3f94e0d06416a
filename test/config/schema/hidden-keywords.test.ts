// Keywords hidden after another keyword's values: keepalived reads one keyword
// per line and drops the rest silently (-t says nothing), so we note it,
// without changing the verdict.
import { describe, expect, it } from 'vitest';
import type { HttpCheck } from '../../../src/config/model/check.js';
import { readText } from '../../helpers/config.js';

const HTTP = (urlLine: string) =>
  [
    'virtual_server 198.51.100.1 80 {',
    '  lb_algo rr',
    '  lb_kind NAT',
    '  protocol TCP',
    '  real_server 203.0.113.1 80 {',
    '    HTTP_GET {',
    urlLine,
    '    }',
    '  }',
    '}',
  ].join('\n');

function hidden(text: string) {
  const r = readText(text);
  return { r, notes: r.problems.filter((p) => p.code === 'hidden-keyword') };
}

describe('keywords hidden after a keyword\'s values', () => {
  it('notes status_code on the line of path, at its column, and keeps the verdict', () => {
    const { r, notes } = hidden(HTTP('      url { path /nowhere status_code 404 }'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      severity: 'note',
      exit: 0,
      loc: { file: 'test.conf', line: 7, col: 27, endCol: 42 },
      message: "'status_code 404' is ignored: keepalived reads one keyword per line; put it on a line of its own",
    });
    expect(r.exitCode).toBe(0);
    // What keepalived does: the path is set, the status code is not.
    const url = (r.config.check.virtualServers[0].realServers[0].checkers[0] as HttpCheck).urls[0];
    expect(url.path).toBe('/nowhere');
    expect(url.statusCodesSet).toBe(false);
  });

  it('names each hidden keyword with its own words', () => {
    const { notes } = hidden(HTTP('      url { path / status_code 404 digest 0123456789abcdef0123456789abcdef }'));
    expect(notes.map((n) => n.message.split(' is ignored')[0])).toEqual(["'status_code 404'", "'digest 0123456789abcdef0123456789abcdef'"]);
  });

  it('works in any block: a vrrp_instance keyword after priority', () => {
    const { r, notes } = hidden(
      ['vrrp_instance VI_1 {', '  state BACKUP', '  interface eth0', '  virtual_router_id 51', '  priority 100 advert_int 3', '  virtual_ipaddress {', '    198.51.100.180/32', '  }', '}'].join('\n'),
    );
    expect(notes.map((n) => `${n.loc?.line}:${n.loc?.col}`)).toEqual(['5:16']);
    expect(r.config.vrrp.instances[0].advertInt).toBe(1);
    expect(r.config.vrrp.instances[0].priority).toBe(100);
  });

  it('says nothing about trailing words that are no keyword of the block', () => {
    expect(hidden(HTTP('      url { path /nowhere extra words }')).notes).toEqual([]);
    // A keyword of another block is no hidden keyword here either.
    expect(hidden(HTTP('      url { path /nowhere lb_algo }')).notes).toEqual([]);
  });

  it('leaves script keywords alone: their words are the command line', () => {
    const text = ['vrrp_script chk {', '  script /usr/bin/test weight 2', '}'].join('\n');
    expect(hidden(text).notes).toEqual([]);
  });

  it('leaves the words before a block keyword\'s brace alone', () => {
    expect(hidden(HTTP('      url path {\n path /\n }')).notes).toEqual([]);
  });
});
