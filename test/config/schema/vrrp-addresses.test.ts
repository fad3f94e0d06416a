// Data lines of addresses, routes and rules (virtual_ipaddress,
// virtual_routes, virtual_rules, static_*). Every verdict was checked
// against real keepalived 2.2.7 -t with eth0..eth3 and eth0.1 present.
import { describe, expect, it } from 'vitest';
import { fakeHost, readText, verdictOf } from '../../helpers/config.js';

/** An instance whose block `block` holds `lines` (';'-separated); its first data line is line 8. */
function inBlock(block: string, lines: string): string {
  return `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  virtual_ipaddress {
    198.51.100.1/24
  }
  ${block} {
${lines
  .split(';')
  .map((l) => `    ${l}`)
  .join('\n')}
  }
}
`;
}

/** virtual_ipaddress with `lines`; the first data line is line 5. */
function vips(lines: string): string {
  return `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  virtual_ipaddress {
${lines
  .split(';')
  .map((l) => `    ${l}`)
  .join('\n')}
  }
}
`;
}

/** A top-level data block; its first line is line 2. */
function topBlock(block: string, lines: string): string {
  return `${block} {\n${lines
    .split(';')
    .map((l) => `  ${l}`)
    .join('\n')}\n}\n`;
}

function verdict(text: string) {
  const { exit, lines } = verdictOf(text);
  return { exit, lines };
}

interface Row {
  line: string;
  exit: 0 | 5;
  /** Lines keepalived names; default: the data line when exit is 5. */
  lines?: number[];
}

describe('virtual_ipaddress lines (keepalived 2.2.7)', () => {
  const rows: Row[] = [
    { line: '198.51.100.1/24 brd 198.51.100.255 dev eth1 scope link label eth0:1', exit: 0 },
    { line: '198.51.100.1/24 broadcast 198.51.100.255', exit: 0 },
    { line: '198.51.100.1/24 brd + ', exit: 0 },
    { line: '198.51.100.1/24 brd -', exit: 0 },
    { line: '198.51.100.1/24 no_track;198.51.100.2/24 use_vmac;198.51.100.3/24 home;198.51.100.4/24 -nodad', exit: 0 },
    { line: '2001:db8::1/64 mngtmpaddr noprefixroute autojoin', exit: 0 },
    { line: '198.51.100.1/24 preferred_lft forever;198.51.100.2/24 preferred_lft 0', exit: 0 },
    { line: '198.51.100.1 peer 198.51.100.9', exit: 0 },
    { line: '198.51.100.1/24 scope site;198.51.100.2/24 scope host;198.51.100.3/24 scope nowhere;198.51.100.4/24 scope 5', exit: 0 },
    { line: '198.51.100.1/', exit: 0 },
    { line: '198.51.100.1/0;198.51.100.2/024', exit: 0 },
    { line: '::ffff:198.51.100.1/64', exit: 0 },
    { line: 'fe80::1/64;2001:db8::1/64', exit: 0 },
    { line: '198.51.100.1/24;198.51.100.1/24', exit: 0 },
    { line: '198.51.100.1/24 dev lo', exit: 0 },
    { line: '198.51.100.1/33', exit: 5 },
    { line: '198.51.100.1/x', exit: 5 },
    { line: '2001:db8::1/129', exit: 5 },
    // A skipped address leaves the instance without VIPs (a line-less complaint too).
    { line: '198.51.100.256', exit: 5 },
    { line: '198.51.100.1-5/24', exit: 5 },
    { line: 'foo', exit: 5 },
    { line: '198.51.100.1/24 scope foo', exit: 5 },
    { line: '198.51.100.1/24 label verylonglabelname_xx', exit: 5 },
    { line: '198.51.100.1/24 bogus', exit: 5 },
    { line: '198.51.100.1/24 nodad', exit: 5 },
    { line: '198.51.100.1/24 track_group foo', exit: 5 },
    { line: '198.51.100.1/24 brd', exit: 5 },
    { line: '198.51.100.1/24 dev', exit: 5 },
    { line: '198.51.100.1/24 scope', exit: 5 },
    { line: '198.51.100.1/24 preferred_lft', exit: 5 },
    { line: '198.51.100.1/24 preferred_lft x', exit: 5 },
    { line: '198.51.100.1/24 dev eth1 dev eth2', exit: 5 },
    { line: '198.51.100.1/24 brd 1.2.3', exit: 5 },
    { line: '198.51.100.1/32 brd +', exit: 5 },
    { line: '2001:db8::1/64 brd 2001:db8::ff', exit: 5 },
    { line: '2001:db8::1/64 scope link', exit: 5 },
    { line: '2001:db8::1/64 label foo', exit: 5 },
    { line: '198.51.100.1/24 peer 198.51.100.9', exit: 5 },
    { line: '198.51.100.1 peer 198.51.100.9/24', exit: 5 },
    { line: '198.51.100.1 peer 2001:db8::1', exit: 5 },
    { line: '198.51.100.1 peer 198.51.100.9 brd 198.51.100.255', exit: 5 },
    { line: '198.51.100.1 peer 198.51.100.9 peer 198.51.100.10', exit: 5 },
    // The second VIP has the other family: refused on its line.
    { line: '198.51.100.1/24;2001:db8::1/64', exit: 5, lines: [6] },
  ];
  it.each(rows)('$line', ({ line, exit, lines }) => {
    const v = verdict(vips(line));
    expect(v.exit).toBe(exit);
    expect(v.lines).toEqual(lines ?? (exit === 5 ? [5] : []));
  });

  it('reads options into the model', () => {
    const { config } = readText(vips('198.51.100.1/24 brd + dev eth1 scope link label eth1:vip no_track'), fakeHost());
    expect(config.vrrp.instances[0].virtualIps[0]).toMatchObject({ broadcast: '+', dev: 'eth1', scope: 'link', label: 'eth1:vip', flags: ['no_track'] });
  });
});

describe('virtual_routes lines (keepalived 2.2.7)', () => {
  const rows: Row[] = [
    { line: '203.0.113.0/24 dev eth1', exit: 0 },
    { line: '203.0.113.0/24 via 198.51.100.254 dev eth1', exit: 0 },
    { line: 'src 198.51.100.1 203.0.113.0/24 dev eth1', exit: 0 },
    { line: '203.0.113.0/24 src 198.51.100.1 dev eth1', exit: 0 },
    { line: '203.0.113.0/24 via 198.51.100.254 no_track', exit: 0 },
    { line: '2001:db8:1::/64 dev eth1', exit: 0 },
    { line: 'default via 198.51.100.254 dev eth1', exit: 0 },
    { line: '203.0.113.0/24 dev eth1 table 100;203.0.113.0/24 dev eth1 table main;203.0.113.0/24 dev eth1 table 4294967296', exit: 0 },
    { line: '203.0.113.0/24 dev eth1 metric 5 mtu 1400;203.0.113.0/24 dev eth1 priority 5;203.0.113.0/24 dev eth1 preference 5', exit: 0 },
    { line: '203.0.113.0/24 dev eth1 scope link;prohibit 203.0.113.0/24 dev eth1;local 203.0.113.0/24 dev eth1', exit: 0 },
    { line: '203.0.113.0/24 dev eth1 onlink;203.0.113.0/24 dev eth1 tos 10;203.0.113.0/24 dev eth1 oif eth2', exit: 0 },
    // Without dev keepalived cannot track the route.
    { line: '203.0.113.0/24 via 198.51.100.254', exit: 5 },
    { line: 'blackhole 203.0.113.0/24', exit: 5 },
    { line: 'throw 203.0.113.0/24', exit: 5 },
    { line: '203.0.113.0/24 nexthop via 198.51.100.254 dev eth1 weight 2 nexthop dev eth2', exit: 5 },
    // Deprecated spellings.
    { line: '203.0.113.0/24 gw 198.51.100.254 dev eth1', exit: 5 },
    { line: '203.0.113.0/24 via 198.51.100.254 dev eth1 or 198.51.100.253', exit: 5 },
    // Bad values and words.
    { line: '203.0.113.0/24 dev eth1 table foo', exit: 5 },
    { line: '203.0.113.0/24 dev eth1 metric x', exit: 5 },
    { line: '203.0.113.0/24 dev eth1 metric 4294967296', exit: 5 },
    { line: '203.0.113.0/24 dev eth1 mtu x', exit: 5 },
    { line: '203.0.113.0/24 dev eth1 bogus', exit: 5 },
    { line: '203.0.113.0/24 dev eth1 proto static', exit: 5 },
    { line: '203.0.113.0/24 dev eth1 track_group foo', exit: 5 },
    { line: '203.0.113.0/24 dev eth1 scope bogus', exit: 5 },
    { line: '203.0.113.0/24 dev eth1 protocol bogus', exit: 5 },
    { line: '203.0.113.0/24 dev eth1 protocol static', exit: 5 },
    { line: '203.0.113.0/24 dev eth1 src x', exit: 5 },
    { line: '203.0.113.0/24 via x dev eth1', exit: 5 },
    { line: '203.0.113.0/24 via 2001:db8::1 dev eth1', exit: 5 },
    // A bad src / via / or address drops the route at once: the rest of the line is not read (a valueless word after it is no exit 2).
    { line: '203.0.113.0/24 via 0 or', exit: 5 },
    { line: '203.0.113.0/24 src bogus metric', exit: 5 },
    { line: '203.0.113.0/24 via 198.51.100.1 or nope dev', exit: 5 },
    { line: '203.0.113.0/33 dev eth1', exit: 5 },
    { line: 'foo dev eth1', exit: 5 },
    { line: 'dev eth1', exit: 5 },
    { line: 'inet6 203.0.113.0/24 dev eth1', exit: 5 },
    // A route type (by name, or a number up to 255) takes the next word as the destination, anywhere.
    { line: '41 203.0.113.0/24 dev eth1', exit: 0 },
    { line: '203.0.113.0/24 dev eth1 blackhole 198.51.100.0/24', exit: 0 },
    { line: '203.0.113.0/24 dev eth1 41 198.51.100.0/24', exit: 0 },
    { line: '203.0.113.0/24 dev eth1 1.2.3.4', exit: 0 },
    { line: '203.0.113.0/24 dev eth1 0x10 198.51.100.0/24;203.0.113.0/24 dev eth1 020 198.51.100.0/24;203.0.113.0/24 dev eth1 +5 198.51.100.0/24', exit: 0 },
    { line: '203.0.113.0/24 dev eth1 0x100 198.51.100.0/24', exit: 5 },
    { line: '203.0.113.0/24 dev eth1 08 198.51.100.0/24', exit: 5 },
    { line: '203.0.113.0/24 via 198.51.100.1 dev eth0 256', exit: 5 },
    { line: '203.0.113.0/24 dev eth1 0 x', exit: 5 },
    { line: '203.0.113.0/24 dev eth1 default', exit: 5 },
    { line: 'default dev eth1', exit: 0 },
    // The first address settles the family: a later destination of the other family drops the route.
    { line: '203.0.113.0/24 2001:db8::1 198.51.100.254 dev eth1', exit: 5 },
    { line: 'src 198.51.100.1 2001:db8:1::/64 dev eth1', exit: 5 },
    { line: '2001:db8:1::/64 203.0.113.0/24 dev eth1', exit: 5 },
  ];
  it.each(rows)('$line', ({ line, exit, lines }) => {
    const v = verdict(inBlock('virtual_routes', line));
    expect(v.exit).toBe(exit);
    expect(v.lines).toEqual(lines ?? (exit === 5 ? [8] : []));
  });

  it.each(['203.0.113.0/24 dev', '203.0.113.0/24 via', '203.0.113.0/24 dev eth1 metric', '203.0.113.0/24 dev eth1 41', '203.0.113.0/24 dev eth1 blackhole', 'unicast 203.0.113.0/24 dev eth1 local'])('%s: a missing value (keepalived exits 2)', (line) => {
    const { problems } = readText(inBlock('virtual_routes', line), fakeHost());
    expect(problems.filter((p) => p.code === 'missing-argument').map((p) => p.loc?.line)).toEqual([8]);
  });
});

describe('virtual_rules lines (keepalived 2.2.7)', () => {
  const rows: Row[] = [
    { line: 'from 198.51.100.0/24 table 1 priority 100', exit: 0 },
    { line: 'from 198.51.100.0/24 table 1 preference 100', exit: 0 },
    // No preference: keepalived picks one and warns.
    { line: 'from 198.51.100.0/24 table 1', exit: 5 },
    { line: 'from 198.51.100.0/24 table 1;from 198.51.100.0/25 table 1', exit: 5, lines: [8, 9] },
    // 'pref' is not a keepalived 2.2.7 rule option.
    { line: 'from 198.51.100.0/24 table 1 pref 100', exit: 5 },
    // fwmark M[/MASK], read with strtoul base 0: 32 bits each, no '-', 0x hex or 0 octal.
    { line: 'fwmark 0xffffffff/0XF table 1 priority 100;fwmark 010 table 1 priority 101;fwmark +5/ table 1 priority 102', exit: 0 },
    { line: 'fwmark 4294967296 table 1 priority 100', exit: 5 },
    { line: 'fwmark 16/0x1ffffffff table 1 priority 100', exit: 5 },
    { line: 'fwmark 08 table 1 priority 100', exit: 5 },
    { line: 'fwmark 5/-1 table 1 priority 100', exit: 5 },
    { line: 'from 198.51.100.0/24 table foo priority 100', exit: 5 },
    { line: 'from 198.51.100.0/24 table 0 priority 100', exit: 5 },
    { line: 'from 198.51.100.0/24 table 1 table 2 priority 100', exit: 5 },
    { line: 'from 198.51.100.0/24 to 2001:db8::/32 table 1 priority 100', exit: 5 },
    { line: 'to 192.168.100./24 table 1 priority 100', exit: 5 },
    // keepalived 2.2.7 takes the word after inet/inet6 as read: only a word it can spare works.
    { line: 'inet6 inet6 from 2001:db8::1 table 1 priority 100', exit: 0 },
    { line: 'table 1 priority 100 inet6', exit: 0 },
    { line: 'inet6 from 2001:db8::1 table 1 priority 100', exit: 5 },
    { line: 'inet6 fwmark 1 table 1 priority 100', exit: 5 },
    { line: 'inet6 inet6 from 198.51.100.1 table 1 priority 100', exit: 5 },
    { line: 'not from 198.51.100.0/24 table 1 priority 100', exit: 0 },
  ];
  it.each(rows)('$line', ({ line, exit, lines }) => {
    const v = verdict(inBlock('virtual_rules', line));
    expect(v.exit).toBe(exit);
    expect(v.lines).toEqual(lines ?? (exit === 5 ? [8] : []));
  });
});

describe('static_ipaddress, static_routes, static_rules, track_group (keepalived 2.2.7)', () => {
  it('a static route without dev is not tracked', () => {
    expect(verdict(topBlock('static_routes', '203.0.113.0/24 via 198.51.100.254'))).toEqual({ exit: 5, lines: [2] });
  });
  it('static routes with dev, and no_track', () => {
    expect(verdict(topBlock('static_routes', '203.0.113.0/24 dev eth1;203.0.113.0/24 dev eth1 no_track')).exit).toBe(0);
  });
  it('a static rule without preference', () => {
    expect(verdict(topBlock('static_rules', 'from 198.51.100.0/24 table 1'))).toEqual({ exit: 5, lines: [2] });
  });
  it('static addresses: a bad address, and an undefined track_group', () => {
    const v = verdict(topBlock('static_ipaddress', '198.51.100.50/24 dev eth1;198.51.100.51/24;x dev eth1;198.51.100.52/24 dev eth1 track_group foo'));
    expect(v).toEqual({ exit: 5, lines: [4, 5] });
  });
  it('a track_group defined before it is used', () => {
    const text = `track_group TG {\n  group {\n    VI_1\n    VI_X\n  }\n}\n${topBlock('static_ipaddress', '198.51.100.52/24 dev eth1 track_group TG')}`;
    expect(verdict(text).exit).toBe(0);
  });
  it('track_group without a name, and twice', () => {
    expect(verdict('track_group {\n  group {\n    A\n  }\n}\n')).toEqual({ exit: 5, lines: [1] });
    expect(verdict('track_group T {\n}\ntrack_group T {\n}\n')).toEqual({ exit: 5, lines: [3] });
  });
});

describe('what the model keeps of a route or rule line', () => {
  it('a rule keeps inet6 (its family without addresses) and not (inverted)', () => {
    const { config } = readText(topBlock('static_rules', 'fwmark 1 table 1 priority 100 inet6;not from 198.51.100.0/24 table 2 priority 101'));
    const [six, inverted] = config.vrrp.staticRules;
    expect(six).toMatchObject({ family: 6, invert: false, options: { fwmark: '1' }, action: { kind: 'table', value: '1' } });
    expect(inverted).toMatchObject({ invert: true, from: { address: '198.51.100.0', prefix: 24 }, preference: 101 });
  });
  it("a route keeps 'lock' with its value, and takes a route type by its number", () => {
    const { config } = readText(topBlock('static_routes', '198.51.100.0/24 dev eth1 table 100 mtu lock 1400;6 203.0.113.0/25 table 100'));
    const [locked, numbered] = config.vrrp.staticRoutes;
    expect(locked.options).toEqual({ mtu: 'lock 1400' });
    expect(numbered.type).toBe('blackhole');
  });
  it("'lock' without its value stops keepalived's reading (exit 2)", () => {
    expect(verdict(topBlock('static_routes', '198.51.100.0/24 dev eth1 table 100 mtu lock'))).toEqual({ exit: 2, lines: [2] });
  });
});
