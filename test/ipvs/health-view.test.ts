// keepalived's pool rules: quorum with hysteresis, alpha, inhibit_on_failure,
// sorry servers, run-time weights.
import { describe, expect, it } from 'vitest';
import type { RealServer, VirtualServer } from '../../src/config/model/check.js';
import { nextQuorumState, poolView, quorumAfter, startsUp, type HealthMap, type QuorumState } from '../../src/ipvs/health-view.js';
import { realServerKey, virtualServerId } from '../../src/ipvs/server-id.js';
import { readText } from '../helpers/config.js';

function virtualServer(body: string): VirtualServer {
  const { config, problems } = readText(`virtual_server 198.51.100.180 80 {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n${body}\n}\n`);
  expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  return config.check.virtualServers[0];
}

const rs = (n: number, extra = ''): string => `  real_server 198.51.100.${n} 80 {\n    weight 1\n${extra}    TCP_CHECK {\n      connect_timeout 3\n    }\n  }\n`;
const key = (n: number): string => `tcp 198.51.100.180:80 -> 198.51.100.${n}:80`;
const health = (entries: Record<number, boolean>): HealthMap => new Map(Object.entries(entries).map(([n, up]) => [key(Number(n)), { up }]));
const members = (vs: VirtualServer, h: HealthMap, previous?: QuorumState): string[] =>
  poolView(vs, h, previous).members.map((m) => `${m.server.address.address}${m.sorry ? ' (sorry)' : ''} w${m.weight}`);

describe('nextQuorumState', () => {
  it.each([
    // wasUp, live weight, quorum, hysteresis -> up
    [false, 2, 2, 0, true],
    [false, 1, 2, 0, false],
    [false, 2, 2, 1, false],
    [false, 3, 2, 1, true],
    [true, 1, 2, 1, true],
    [true, 0, 2, 1, false],
    [true, 1, 2, 0, false],
    [true, 0, 0, 0, false],
    [false, 0, 0, 0, true],
  ])('was %s, live %i, quorum %i, hysteresis %i -> %s', (wasUp, live, quorum, hysteresis, up) => {
    expect(nextQuorumState(wasUp, live, quorum, hysteresis)).toBe(up);
  });

  it('is weighed again only when the live weight changed (as keepalived does on events)', () => {
    // A quorum of 0 (all weights 0): weighing again each time would flip it.
    const start = quorumAfter(undefined, 0, 0, 0);
    expect(start).toEqual({ up: true, liveWeight: 0 });
    expect(quorumAfter(start, 0, 0, 0)).toBe(start);
    expect(quorumAfter({ up: true, liveWeight: 2 }, 1, 2, 0)).toEqual({ up: false, liveWeight: 1 });
  });
});

describe('keys', () => {
  it('names virtual and real servers as the checkers report them', () => {
    const vs = virtualServer(rs(21));
    expect(virtualServerId(vs)).toBe('tcp 198.51.100.180:80');
    expect(realServerKey(vs, vs.realServers[0])).toBe(key(21));
  });

  it('names fwmark and group virtual servers', () => {
    const { config } = readText(
      'virtual_server_group WEB {\n  198.51.100.72-75 80\n}\nvirtual_server group WEB {\n  protocol TCP\n  real_server 198.51.100.21 80 {\n  }\n}\nvirtual_server fwmark 7 {\n  real_server 198.51.100.21 80 {\n  }\n}\n',
    );
    expect(config.check.virtualServers.map(virtualServerId)).toEqual(['group WEB tcp', 'fwmark 7']);
  });
});

describe('poolView', () => {
  it('keeps up servers at their weight and drops down ones', () => {
    const vs = virtualServer(rs(21) + rs(22));
    expect(members(vs, new Map())).toEqual(['198.51.100.21 w1', '198.51.100.22 w1']);
    expect(members(vs, health({ 21: false }))).toEqual(['198.51.100.22 w1']);
    expect(members(vs, health({ 21: false, 22: false }))).toEqual([]);
  });

  it('keeps a failed server at weight 0 with inhibit_on_failure', () => {
    const vs = virtualServer(rs(21, '    inhibit_on_failure\n') + rs(22));
    expect(members(vs, health({ 21: false, 22: false }))).toEqual(['198.51.100.21 w0']);
  });

  it('starts alpha servers down until a check passes', () => {
    const vs = virtualServer(`  alpha\n${rs(21)}${rs(22, '    inhibit_on_failure\n')}`);
    expect(vs.realServers.map(startsUp)).toEqual([false, false]);
    expect(members(vs, new Map())).toEqual(['198.51.100.22 w0']);
    expect(members(vs, health({ 21: true, 22: true }))).toEqual(['198.51.100.21 w1', '198.51.100.22 w1']);
  });

  it('uses a weight set at run time (misc_dynamic)', () => {
    const vs = virtualServer(rs(21) + rs(22));
    const h: HealthMap = new Map([[key(21), { up: true, weight: 7 }]]);
    expect(members(vs, h)).toEqual(['198.51.100.21 w7', '198.51.100.22 w1']);
    expect(poolView(vs, h, undefined).quorum.liveWeight).toBe(8);
  });

  it('swaps in the sorry server when the quorum is lost, and back', () => {
    const vs = virtualServer(`  quorum 2\n${rs(21)}${rs(22)}  sorry_server 198.51.100.99 80\n`);
    const all = poolView(vs, new Map(), undefined);
    expect(all.quorum.up).toBe(true);
    const lost = poolView(vs, health({ 21: false }), all.quorum);
    expect({ up: lost.quorum.up, sorry: lost.sorryActive }).toEqual({ up: false, sorry: true });
    expect(members(vs, health({ 21: false }), all.quorum)).toEqual(['198.51.100.99 (sorry) w1']);
    expect(members(vs, health({}), lost.quorum)).toEqual(['198.51.100.21 w1', '198.51.100.22 w1']);
  });

  it('keeps inhibited live servers at weight 0 while the sorry server serves', () => {
    const vs = virtualServer(`  quorum 2\n${rs(21, '    inhibit_on_failure\n')}${rs(22, '    inhibit_on_failure\n')}  sorry_server 198.51.100.99 80\n`);
    const start = poolView(vs, new Map(), undefined).quorum;
    expect(members(vs, health({ 21: false }), start)).toEqual(['198.51.100.21 w0', '198.51.100.22 w0', '198.51.100.99 (sorry) w1']);
  });

  it('keeps an inhibited sorry server at weight 0 while the quorum holds', () => {
    const vs = virtualServer(`  quorum 2\n${rs(21)}${rs(22)}  sorry_server 198.51.100.99 80\n  sorry_server_inhibit\n`);
    expect(members(vs, new Map(), undefined)).toEqual(['198.51.100.21 w1', '198.51.100.22 w1', '198.51.100.99 (sorry) w0']);
    const start = poolView(vs, new Map(), undefined).quorum;
    expect(members(vs, health({ 22: false }), start)).toEqual(['198.51.100.99 (sorry) w1']);
  });

  it('keeps live servers when the quorum is lost without a sorry server', () => {
    const vs = virtualServer(`  quorum 2\n${rs(21)}${rs(22)}`);
    const view = poolView(vs, health({ 21: false }), poolView(vs, new Map(), undefined).quorum);
    expect(view.quorum.up).toBe(false);
    expect(view.members.map((m) => (m.server as RealServer).address.address)).toEqual(['198.51.100.22']);
  });

  it('needs quorum + hysteresis to gain the quorum and falls below quorum - hysteresis to lose it', () => {
    const vs = virtualServer(`  quorum 2\n  hysteresis 1\n${rs(21)}${rs(22)}${rs(23)}  sorry_server 198.51.100.99 80\n`);
    let quorum: QuorumState | undefined;
    const step = (h: Record<number, boolean>): string[] => {
      const view = poolView(vs, health(h), quorum);
      quorum = view.quorum;
      return view.members.map((m) => m.server.address.address);
    };
    expect(step({ 23: false })).toEqual(['198.51.100.99']);
    expect(step({})).toEqual(['198.51.100.21', '198.51.100.22', '198.51.100.23']);
    expect(step({ 22: false, 23: false })).toEqual(['198.51.100.21']);
    expect(step({ 21: false, 22: false, 23: false })).toEqual(['198.51.100.99']);
    expect(step({ 22: false, 23: false })).toEqual(['198.51.100.99']);
  });
});
