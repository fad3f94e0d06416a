// virtual_server_group: entry lines and the group's end checks. Verdicts
// checked against real keepalived 2.2.7.
import { describe, expect, it } from 'vitest';
import { problemLines, readText } from '../../helpers/config.js';

/** A group G with `entries` from line 2, closed on the next line, and a virtual server using it. */
function group(...entries: string[]): string {
  return ['virtual_server_group G {', ...entries, '}', 'virtual_server group G {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  persistence_timeout', '  real_server 203.0.113.1 {', '  }', '}'].join('\n');
}

describe('virtual_server_group entries', () => {
  it.each([
    ['198.51.100.1 80', { kind: 'range', family: 4, first: { address: '198.51.100.1' }, last: { address: '198.51.100.1' }, port: 80 }],
    ['198.51.100.2-10 80', { first: { address: '198.51.100.2' }, last: { address: '198.51.100.10' }, port: 80 }],
    ['198.51.100.20-198.51.100.30 443', { first: { address: '198.51.100.20' }, last: { address: '198.51.100.30' }, port: 443 }],
    ['198.51.100.20-198.51.100.20 443', { last: { address: '198.51.100.20' } }],
    ['198.51.100.0/28 443', { first: { address: '198.51.100.0' }, last: { address: '198.51.100.15' } }],
    ['198.51.100.1/32 80', { last: { address: '198.51.100.1' } }],
    ['2001:db8::1-ff 80', { family: 6, first: { address: '2001:db8::1' }, last: { address: '2001:db8::ff' } }],
    ['2001:db8::1-2001:db8::5 80', { family: 6, last: { address: '2001:db8::5' } }],
    ['2001:db8::/127 80', { family: 6, last: { address: '2001:db8::1' } }],
    ['198.51.100.1', { port: 0 }],
    ['198.51.100.1 0', { port: 0 }],
    ['198.51.100.1 80 extra', { port: 80 }],
    ['fwmark 5', { kind: 'fwmark', fwmark: 5 }],
    ['fwmark 6 inet6', { kind: 'fwmark', fwmark: 6, family: 6 }],
    ['fwmark 4294967295', { kind: 'fwmark', fwmark: 4294967295 }],
  ])('%s', (entry, expected) => {
    const r = readText(group(entry));
    // (A group of only fwmarks makes the 'protocol TCP' of its virtual server a warning, on line 7.)
    expect(problemLines(r.problems).filter((p) => p !== '7:protocol-for-fwmark')).toEqual([]);
    expect(r.config.check.virtualServerGroups[0].entries[0]).toMatchObject(expected);
  });

  // Each bad entry is reported on its line and skipped; the group then has no entries.
  it.each([
    ['198.51.100.300 80', '2:invalid-group-entry'],
    ['foo', '2:invalid-group-entry'],
    ['198.51.100.1-2001:db8::1 80', '2:invalid-group-entry'],
    ['198.51.100.10-5 80', '2:invalid-group-entry'],
    ['198.51.100.10-10 80', '2:invalid-group-entry'],
    ['198.51.100.1- 80', '2:invalid-group-entry'],
    ['198.51.100.1-256 80', '2:invalid-group-entry'],
    ['198.51.100.1-x 80', '2:invalid-group-entry'],
    ['198.51.100.10-198.51.100.5 80', '2:invalid-group-entry'],
    ['2001:db8::1-10000 80', '2:invalid-group-entry'],
    ['2001:db8::5-1 80', '2:invalid-group-entry'],
    ['2001:db8::5-2001:db8::1 80', '2:invalid-group-entry'],
    ['198.51.100.1/33 80', '2:invalid-group-entry'],
    ['198.51.100.8/0 80', '2:invalid-group-entry'],
    ['198.51.100.1/24 80', '2:invalid-group-entry'],
    ['2001:db8::1/64 80', '2:invalid-group-entry'],
    ['198.51.100.1 70000', '2:out-of-range'],
    ['198.51.100.1 x', '2:invalid-number'],
    ['fwmark x', '2:invalid-number'],
    ['fwmark -1', '2:invalid-number'],
    ['fwmark 1 inet7', '2:invalid-value'],
  ])('%s is skipped', (entry, line) => {
    const r = readText(group(entry));
    expect(problemLines(r.problems)).toEqual([line, '3:empty-group', '4:undefined-group']);
  });

  it("treats 'fwmark' without a number as fatal (keepalived 2.2.7 exits with status 2)", () => {
    const r = readText(group('fwmark'));
    expect(r.problems.find((p) => p.code === 'missing-argument')).toMatchObject({ loc: { line: 2 }, exit: 2 });
  });
});

describe('virtual_server_group block', () => {
  it('drops an empty group, reported on its closing line', () => {
    const r = readText(group());
    expect(problemLines(r.problems)).toEqual(['2:empty-group', '3:undefined-group']);
    expect(r.config.check.virtualServerGroups).toEqual([]);
  });

  it('drops a group mixing IPv4, IPv6 and a fwmark without family', () => {
    const r = readText(group('198.51.100.1 80', '2001:db8::1 80', 'fwmark 3'));
    expect(problemLines(r.problems)).toEqual(['5:mixed-group', '6:undefined-group']);
  });

  it('keeps such a group when the fwmark names its family', () => {
    const r = readText(group('198.51.100.1 80', '2001:db8::1 80', 'fwmark 3 inet'));
    expect(problemLines(r.problems)).toEqual([]);
    expect(r.config.check.virtualServerGroups[0].entries).toHaveLength(3);
  });

  it('needs a name and a block, and takes nothing else (each is fatal in keepalived 2.2.7)', () => {
    expect(problemLines(readText('virtual_server_group {\n}').problems)).toEqual(['1:missing-argument']);
    expect(problemLines(readText('virtual_server_group G x {\n 198.51.100.1 80\n}').problems)).toEqual(['1:missing-argument']);
    expect(problemLines(readText('virtual_server_group G\n').problems)).toEqual(['1:missing-argument']);
  });

  it('may be defined after the virtual server that uses it', () => {
    const text = ['virtual_server group G {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  real_server 203.0.113.1 80 {', '  }', '}', 'virtual_server_group G {', '  198.51.100.1 80', '}'].join('\n');
    expect(problemLines(readText(text).problems)).toEqual([]);
  });
});
