// The desired table for configs and health states, written in ipvsadm -Sn
// form so each case reads like the table an operator would see.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/index.js';
import type { KeepalivedConfig } from '../../src/config/model/index.js';
import { desiredFrom, desiredLayout, desiredState, healthShownBy } from '../../src/ipvs/desired.js';
import type { HealthMap, QuorumStates, RealServerHealth } from '../../src/ipvs/health-view.js';
import { formatSave, parseSave } from '../../src/ipvs/table.js';
import { fakeHost, readText } from '../helpers/config.js';

const repo = join(new URL('.', import.meta.url).pathname, '..', '..');

/** The model of a config; `errors` lists the config errors the case expects (keepalived carries on past them). */
function config(text: string, errors: RegExp[] = []): KeepalivedConfig {
  const result = readText(text);
  expect(result.problems.filter((p) => p.severity === 'error').map((p) => p.message)).toEqual(errors.map((e) => expect.stringMatching(e)));
  return result.config;
}

const healthOf = (entries: Record<string, boolean | RealServerHealth>): HealthMap =>
  new Map(Object.entries(entries).map(([k, v]) => [k, typeof v === 'boolean' ? { up: v } : v]));

function save(c: KeepalivedConfig, health: Record<string, boolean | RealServerHealth> = {}, quorum: QuorumStates = new Map()): string {
  return formatSave(desiredState(c, healthOf(health), quorum).table);
}

const lines = (...l: string[]): string => l.map((x) => `${x}\n`).join('');

describe('the reference lab (conf/director1.conf, LVS-DR)', () => {
  const lab = readConfig(join(repo, 'conf', 'director1.conf'), { configId: 'director1', host: fakeHost() });
  const web = 'tcp 198.51.100.180:80';

  it('reads without errors', () => {
    expect(lab.exitCode).toBe(0);
  });

  it('puts both web servers in the VIP service while they are up', () => {
    expect(save(lab.config)).toBe(
      lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 1', '-a -t 198.51.100.180:80 -r 198.51.100.22:80 -g -w 1'),
    );
  });

  it('takes a failed web server out, and keeps the service when both fail', () => {
    expect(save(lab.config, { [`${web} -> 198.51.100.21:80`]: false })).toBe(lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.22:80 -g -w 1'));
    expect(save(lab.config, { [`${web} -> 198.51.100.21:80`]: false, [`${web} -> 198.51.100.22:80`]: false })).toBe(lines('-A -t 198.51.100.180:80 -s rr'));
  });

  it('manages both servers whatever their health, and reports the quorum', () => {
    const state = desiredState(lab.config, healthOf({ [`${web} -> 198.51.100.21:80`]: false }));
    expect([...state.managed.services]).toEqual([web]);
    expect([...state.managed.destinations]).toEqual([`${web} -> 198.51.100.21:80`, `${web} -> 198.51.100.22:80`]);
    expect([...state.quorum]).toEqual([[web, { up: true, liveWeight: 1 }]]);
    expect(state.warnings).toEqual([]);
  });
});

describe('desiredState', () => {
  it.each([
    {
      name: 'NAT maps ports; a real server without a port takes the service one',
      conf: `virtual_server 198.51.100.180 80 {\n  lb_algo wlc\n  lb_kind NAT\n  protocol TCP\n  real_server 198.51.100.21 8080 {\n    weight 3\n  }\n  real_server 198.51.100.22 {\n  }\n}\n`,
      want: lines('-A -t 198.51.100.180:80 -s wlc', '-a -t 198.51.100.180:80 -r 198.51.100.21:8080 -m -w 3', '-a -t 198.51.100.180:80 -r 198.51.100.22:80 -m -w 1'),
    },
    {
      name: 'defaults: wlc, UDP, NAT',
      conf: `virtual_server 198.51.100.180 53 {\n  real_server 198.51.100.21 53 {\n  }\n}\n`,
      want: lines('-A -u 198.51.100.180:53 -s wlc', '-a -u 198.51.100.180:53 -r 198.51.100.21:53 -m -w 1'),
    },
    {
      name: 'persistence with granularity and engine, scheduler flags',
      conf: `virtual_server 198.51.100.180 5060 {\n  lb_algo sh\n  sh-port\n  sh-fallback\n  lb_kind DR\n  protocol UDP\n  persistence_timeout 600\n  persistence_granularity 255.255.255.0\n  persistence_engine sip\n  ops\n  real_server 198.51.100.21 5060 {\n  }\n}\n`,
      want: lines('-A -u 198.51.100.180:5060 -s sh -p 600 -M 255.255.255.0 --pe sip -o -b sh-fallback,sh-port', '-a -u 198.51.100.180:5060 -r 198.51.100.21:5060 -g -w 1'),
    },
    {
      name: 'a service without a port is persistent (360 s)',
      conf: `virtual_server 198.51.100.180 {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  real_server 198.51.100.21 {\n  }\n}\n`,
      want: lines('-A -t 198.51.100.180:0 -s rr -p 360', '-a -t 198.51.100.180:0 -r 198.51.100.21:0 -g -w 1'),
    },
    {
      name: 'firewall mark: DR destinations have no port, NAT keeps it',
      conf: `virtual_server fwmark 7 {\n  lb_algo lc\n  lb_kind DR\n  real_server 198.51.100.21 80 {\n  }\n  real_server 198.51.100.22 8080 {\n    lvs_method NAT\n  }\n}\n`,
      want: lines('-A -f 7 -s lc', '-a -f 7 -r 198.51.100.21:0 -g -w 1', '-a -f 7 -r 198.51.100.22:8080 -m -w 1'),
    },
    {
      name: 'IPv6 service and real servers, written as ipvsadm prints them',
      conf: `virtual_server 2001:DB8:0::180 443 {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  persistence_timeout 60\n  persistence_granularity 64\n  real_server 2001:db8:0:0:0:0:0:21 443 {\n  }\n}\n`,
      want: lines('-A -t [2001:db8::180]:443 -s rr -p 60 -M 64', '-a -t [2001:db8::180]:443 -r [2001:db8::21]:443 -g -w 1'),
    },
    {
      name: 'IPv6 fwmark service',
      conf: `virtual_server fwmark 9 {\n  lb_algo rr\n  lb_kind DR\n  real_server 2001:db8::21 443 {\n  }\n}\n`,
      want: lines('-A -f 9 -6 -s rr', '-a -f 9 -6 -r [2001:db8::21]:0 -g -w 1'),
    },
    {
      name: 'tunnels: gue with port and checksum, ipip, and IPv6 behind an IPv4 service',
      conf: `virtual_server 198.51.100.180 80 {\n  lb_algo rr\n  lb_kind TUN type gue port 6080 csum\n  protocol TCP\n  real_server 198.51.100.21 80 {\n  }\n  real_server 198.51.100.22 80 {\n    lvs_method TUN\n  }\n  real_server 2001:db8::23 80 {\n    lvs_method TUN type gre\n  }\n}\n`,
      want: lines(
        '-A -t 198.51.100.180:80 -s rr',
        '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum',
        '-a -t 198.51.100.180:80 -r 198.51.100.22:80 -i -w 1 --tun-type ipip',
        '-a -t 198.51.100.180:80 -r [2001:db8::23]:80 -i -w 1 --tun-type gre --tun-nocsum',
      ),
    },
    {
      name: 'a group expands to one service per address and per fwmark',
      conf: `virtual_server_group WEB {\n  198.51.100.72-74 80\n  203.0.113.8 443\n  fwmark 5\n}\nvirtual_server group WEB {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  real_server 198.51.100.21 {\n  }\n  real_server 198.51.100.22 8080 {\n    lvs_method NAT\n  }\n}\n`,
      want: lines(
        '-A -t 198.51.100.72:80 -s rr',
        '-a -t 198.51.100.72:80 -r 198.51.100.21:80 -g -w 1',
        '-a -t 198.51.100.72:80 -r 198.51.100.22:8080 -m -w 1',
        '-A -t 198.51.100.73:80 -s rr',
        '-a -t 198.51.100.73:80 -r 198.51.100.21:80 -g -w 1',
        '-a -t 198.51.100.73:80 -r 198.51.100.22:8080 -m -w 1',
        '-A -t 198.51.100.74:80 -s rr',
        '-a -t 198.51.100.74:80 -r 198.51.100.21:80 -g -w 1',
        '-a -t 198.51.100.74:80 -r 198.51.100.22:8080 -m -w 1',
        '-A -t 203.0.113.8:443 -s rr',
        '-a -t 203.0.113.8:443 -r 198.51.100.21:443 -g -w 1',
        '-a -t 203.0.113.8:443 -r 198.51.100.22:8080 -m -w 1',
        '-A -f 5 -s rr',
        '-a -f 5 -r 198.51.100.21:0 -g -w 1',
        '-a -f 5 -r 198.51.100.22:8080 -m -w 1',
      ),
    },
    {
      name: 'a virtual server without real servers is left out',
      conf: `virtual_server 198.51.100.180 80 {\n  protocol TCP\n}\nvirtual_server 198.51.100.181 80 {\n  protocol TCP\n  lb_kind DR\n  real_server 198.51.100.21 80 {\n  }\n}\n`,
      want: lines('-A -t 198.51.100.181:80 -s wlc', '-a -t 198.51.100.181:80 -r 198.51.100.21:80 -g -w 1'),
      errors: [/has no real servers/],
    },
  ])('$name', ({ conf, want, errors }) => {
    expect(save(config(conf, errors))).toBe(want);
  });

  const pool = (extra: string): KeepalivedConfig =>
    config(
      `virtual_server 198.51.100.180 80 {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n${extra}  real_server 198.51.100.21 80 {\n    weight 2\n    inhibit_on_failure\n    TCP_CHECK {\n    }\n  }\n  real_server 198.51.100.22 80 {\n    weight 2\n    uthreshold 100\n    lthreshold 10\n    TCP_CHECK {\n    }\n  }\n}\n`,
    );
  const down21 = { 'tcp 198.51.100.180:80 -> 198.51.100.21:80': false };
  const down22 = { 'tcp 198.51.100.180:80 -> 198.51.100.22:80': false };

  it('keeps an inhibited failed server at weight 0 and drops the other', () => {
    expect(save(pool(''), { ...down21, ...down22 })).toBe(lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 0'));
  });

  it('carries connection limits (which -S does not print) in the table', () => {
    const d = desiredState(pool(''), new Map()).table.services[0].destinations[1];
    expect(d).toMatchObject({ upperThreshold: 100, lowerThreshold: 10 });
  });

  it('brings in the sorry server when the quorum is lost, and carries the quorum state', () => {
    const c = pool('  quorum 4\n  sorry_server 198.51.100.99 80\n');
    const start = desiredState(c, new Map());
    expect(formatSave(start.table)).toBe(lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 2', '-a -t 198.51.100.180:80 -r 198.51.100.22:80 -g -w 2'));
    const lost = desiredState(c, healthOf(down22), start.quorum);
    expect(formatSave(lost.table)).toBe(lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 0', '-a -t 198.51.100.180:80 -r 198.51.100.99:80 -g -w 1'));
    expect([...lost.managed.destinations]).toContain('tcp 198.51.100.180:80 -> 198.51.100.99:80');
    const back = desiredState(c, new Map(), lost.quorum);
    expect(formatSave(back.table)).toBe(formatSave(start.table));
  });

  it('makes the config part once: every pass on one layout is what desiredState gives', () => {
    const c = pool('  quorum 4\n  sorry_server 198.51.100.99 80\n');
    const layout = desiredLayout(c);
    const start = desiredFrom(layout, new Map());
    const lost = desiredFrom(layout, healthOf(down22), start.quorum);
    const back = desiredFrom(layout, new Map(), lost.quorum);
    expect([start, lost, back].map((d) => formatSave(d.table))).toEqual([
      formatSave(desiredState(c, new Map()).table),
      formatSave(desiredState(c, healthOf(down22), start.quorum).table),
      formatSave(desiredState(c, new Map(), lost.quorum).table),
    ]);
    expect(lost.managed).toBe(layout.managed);
    // A server at its configured weight is the same destination in every pass (its keys are made once).
    expect(back.table.services[0].destinations[1]).toBe(start.table.services[0].destinations[1]);
    // One at another weight (inhibited, set at run time) is a copy with that weight.
    expect(lost.table.services[0].destinations[0]).toMatchObject({ address: '198.51.100.21', weight: 0 });
    expect(desiredFrom(layout, healthOf({ 'tcp 198.51.100.180:80 -> 198.51.100.22:80': { up: true, weight: 9 } })).table.services[0].destinations[1]).toMatchObject({ weight: 9 });
  });

  it('gives a pool that did not change as the same service object, and makes only a changed one anew', () => {
    const c = config(
      `virtual_server 198.51.100.180 80 {\n  protocol TCP\n  lb_kind DR\n  real_server 198.51.100.21 80 {\n  }\n  real_server 198.51.100.22 80 {\n  }\n}\n` +
        `virtual_server 198.51.100.181 80 {\n  protocol TCP\n  lb_kind DR\n  real_server 198.51.100.23 80 {\n  }\n}\n`,
    );
    const layout = desiredLayout(c);
    const first = desiredFrom(layout, new Map());
    const again = desiredFrom(layout, new Map(), first.quorum);
    expect(again.table.services[0]).toBe(first.table.services[0]);
    expect(again.table.services[1]).toBe(first.table.services[1]);
    const one = desiredFrom(layout, healthOf({ 'tcp 198.51.100.180:80 -> 198.51.100.22:80': false }), again.quorum);
    expect(one.table.services[0]).not.toBe(again.table.services[0]);
    expect(one.table.services[1]).toBe(again.table.services[1]);
    // Given again, a pool is what a fresh evaluation gives.
    expect(formatSave(one.table)).toBe(formatSave(desiredState(c, healthOf({ 'tcp 198.51.100.180:80 -> 198.51.100.22:80': false }), again.quorum).table));
    const back = desiredFrom(layout, new Map(), one.quorum);
    expect(formatSave(back.table)).toBe(formatSave(first.table));
  });

  it('reports a pool\'s warnings in every pass, also when the pool is given again', () => {
    const c = config(`virtual_server_group WEB {\n  198.51.100.180 80\n  2001:db8::180 80\n}\nvirtual_server group WEB {\n  protocol TCP\n  lb_kind DR\n  real_server 198.51.100.21 80 {\n  }\n}\n`);
    const layout = desiredLayout(c);
    const first = desiredFrom(layout, new Map());
    const again = desiredFrom(layout, new Map(), first.quorum);
    expect(first.warnings).toEqual([expect.stringMatching(/real server .*198.51.100.21:80 is IPv4 in an IPv6 service/)]);
    expect(again.warnings).toEqual(first.warnings);
  });

  it('uses weights set at run time', () => {
    expect(save(pool(''), { 'tcp 198.51.100.180:80 -> 198.51.100.22:80': { up: true, weight: 9 } })).toContain('-r 198.51.100.22:80 -g -w 9');
  });

  it('starts alpha servers out of the pool (inhibited ones at weight 0)', () => {
    expect(save(pool('  alpha\n'))).toBe(lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 0'));
  });

  it('warns about what ipvsadm cannot do and leaves it out', () => {
    const c = config(
      `virtual_server 198.51.100.180 80 {\n  protocol TCP\n  lb_kind DR\n  ops\n  real_server 198.51.100.21 80 {\n  }\n  real_server 2001:db8::21 80 {\n  }\n}\nvirtual_server 198.51.100.180 80 {\n  protocol TCP\n  real_server 198.51.100.22 80 {\n  }\n}\n`,
      [/is IPv6 but the virtual server is IPv4/, /one-packet scheduling \(ops\) needs protocol UDP/],
    );
    const state = desiredState(c);
    expect(formatSave(state.table)).toBe(lines('-A -t 198.51.100.180:80 -s wlc', '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 1'));
    expect(state.warnings).toEqual([
      expect.stringMatching(/ops \(one-packet scheduling\) is for UDP services only/),
      expect.stringMatching(/service tcp 198.51.100.180:80 is already defined/),
    ]);
  });
});

describe('healthShownBy (taking over a live table)', () => {
  const conf = config(
    'virtual_server 198.51.100.180 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n' +
      [21, 22, 23, 24].map((n) => ` real_server 198.51.100.${n} 80 {\n  weight ${n === 24 ? 0 : 1}\n${n === 23 ? '  inhibit_on_failure\n' : ''} }\n`).join('') +
      '}\nvirtual_server 198.51.100.181 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n real_server 198.51.100.21 80 {\n }\n}\n',
  );

  it('reads present as up, absent or inhibited as down, and leaves out services the table does not hold', () => {
    const live = parseSave(
      [
        '-A -t 198.51.100.180:80 -s rr',
        '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 1',
        '-a -t 198.51.100.180:80 -r 198.51.100.23:80 -g -w 0',
        '-a -t 198.51.100.180:80 -r 198.51.100.24:80 -g -w 0',
        '',
      ].join('\n'),
    );
    expect(Object.fromEntries(healthShownBy(conf, live))).toEqual({
      'tcp 198.51.100.180:80 -> 198.51.100.21:80': { up: true },
      'tcp 198.51.100.180:80 -> 198.51.100.22:80': { up: false },
      'tcp 198.51.100.180:80 -> 198.51.100.23:80': { up: false },
      // Weight 0 is what it is configured with: up.
      'tcp 198.51.100.180:80 -> 198.51.100.24:80': { up: true },
    });
  });
});
