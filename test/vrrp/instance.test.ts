// The runtime of one instance (src/vrrp/instance.ts) with fake ports and a
// fake clock: packets in (real bytes, built with the codec), effects out in
// keepalived's order, drops counted by reason, failures of the ports turned
// into events, the VIP lease refreshed while master. No root, no sleep.

import { describe, expect, it } from 'vitest';
import { InstanceRuntime, type BatchOutcome } from '../../src/vrrp/instance.js';
import { decodeAdvert } from '../../src/vrrp/packet.js';
import type { VipDefinition } from '../../src/vrrp/params.js';
import { masterDownInterval, skewTime } from '../../src/vrrp/timing.js';
import { config, FakeTimers, fakePorts, kinds, ME, packet, PEER, ROUTE, RULE, settle, setup, VIP, VIP_ID, wire, type Call } from './runtime-fakes.js';
import { routeId, ruleId } from '../../src/vrrp/params.js';

describe('InstanceRuntime', () => {
  it('stays backup while a higher-priority master advertises, takes over one master-down interval after the last advert', async () => {
    const { rt, timers, calls } = setup();
    rt.start();
    expect(rt.state).toBe('backup');
    for (let t = 500; t <= 5_500; t += 1000) {
      await timers.advanceTo(t);
      rt.receive(packet());
    }
    await timers.advanceTo(5_500 + masterDownInterval(2, 100, 100) - 1);
    expect(rt.state).toBe('backup');
    expect(rt.stats).toMatchObject({ received: 6, accepted: 6, dropped: {} });
    await timers.advanceTo(5_500 + masterDownInterval(2, 100, 100));
    expect(rt.state).toBe('master');
    await rt.idle();
    // keepalived's order: the advert first, then the VIPs, then the GARPs.
    expect(kinds(calls)).toEqual(['notify:BACKUP', 'advert:100', 'add', 'garp', 'notify:MASTER']);
    const advert = calls.find((c) => c.kind === 'advert')!;
    expect(advert.kind === 'advert' && advert.destination).toBe('224.0.0.18');
    const decoded = decodeAdvert(advert.kind === 'advert' ? advert.message : Buffer.alloc(0), { family: 4, instance: { version: 2, authType: 1, password: '1111', intervalCs: 100, addresses: [VIP.address] } });
    expect(decoded).toMatchObject({ ok: true, advert: { vrid: 51, priority: 100, addresses: [VIP.address] } });
    expect(calls.find((c) => c.kind === 'garp')).toMatchObject({ vips: [VIP.address], count: 5 });
  });

  it('a master then advertises every advert interval and answers a lower-priority advert at once', async () => {
    const { rt, timers, calls } = setup({ priority: 200, initialState: 'MASTER' });
    rt.start();
    const t0 = masterDownInterval(2, 200, 100);
    await timers.advanceTo(t0);
    expect(rt.state).toBe('master');
    await timers.advanceTo(t0 + 3_000);
    await rt.idle();
    expect(calls.filter((c) => c.kind === 'advert').map((c) => c.t)).toEqual([t0, t0 + 1000, t0 + 2000, t0 + 3000]);
    await timers.advanceTo(t0 + 3_100);
    rt.receive(packet({ priority: 50 }));
    await rt.idle();
    expect(calls.filter((c) => c.kind === 'advert').at(-1)).toMatchObject({ t: t0 + 3_100, priority: 200 });
    expect(rt.state).toBe('master');
  });

  it('a flood of lower-priority adverts gets adverts back every time but at most one GARP burst a second', async () => {
    const { rt, timers, calls } = setup({ priority: 200, initialState: 'MASTER' });
    rt.start();
    const t0 = masterDownInterval(2, 200, 100);
    await timers.advanceTo(t0 + 10_000);
    await rt.idle();
    const before = calls.length;
    // A peer that keeps claiming master at a lower priority, 20 adverts a second for 2 s.
    for (let t = t0 + 10_050; t <= t0 + 12_000; t += 50) {
      await timers.advanceTo(t);
      rt.receive(packet({ priority: 50 }));
    }
    await rt.idle();
    const after = calls.slice(before);
    expect(after.filter((c) => c.kind === 'advert' && c.priority === 200).length).toBeGreaterThanOrEqual(39);
    const bursts = after.filter((c) => c.kind === 'garp').map((c) => c.t);
    expect(bursts.length).toBeGreaterThanOrEqual(1);
    expect(bursts.length).toBeLessThanOrEqual(2);
    expect(rt.stats.garpSkipped).toBeGreaterThan(30);
    expect(rt.state).toBe('master');
  });

  it('takes over about Skew_Time after the master\'s priority-0 advert', async () => {
    const { rt, timers, calls } = setup();
    rt.start();
    await timers.advanceTo(1_000);
    rt.receive(packet());
    await timers.advanceTo(1_800);
    rt.receive(packet({ priority: 0 }));
    await timers.advanceTo(1_800 + skewTime(2, 100, 100) - 1);
    expect(rt.state).toBe('backup');
    await timers.advanceTo(1_800 + skewTime(2, 100, 100));
    expect(rt.state).toBe('master');
    await rt.idle();
    expect(calls.find((c) => c.kind === 'advert')?.t).toBeCloseTo(2_409.375, 6);
  });

  it('counts drops by reason (password, VRID, TTL, interval, garbage) and ignores them', async () => {
    const { rt, timers, events } = setup();
    rt.start();
    await timers.advanceTo(100);
    rt.receive(packet({ authData: 'wrong' }));
    rt.receive(packet({ vrid: 52 }));
    rt.receive(packet({ ttl: 64 }));
    rt.receive(packet({ intervalCs: 200 }));
    rt.receive({ family: 4, bytes: Buffer.from('not a packet') });
    rt.receive(packet({ authData: 'wrong' }));
    expect(rt.stats.received).toBe(6);
    expect(rt.stats.accepted).toBe(0);
    expect(rt.stats.dropped).toEqual({ 'bad-auth': 2, 'unknown-vrid': 1, 'bad-ttl': 1, 'interval-mismatch': 1, 'too-short': 1 });
    // Nothing was accepted: the down timer still runs from the start.
    await timers.advanceTo(masterDownInterval(2, 100, 100));
    expect(rt.state).toBe('master');
    // Each kind is reported once until a good packet arrives (keepalived's rate limit).
    const reported = () => events.filter((e) => e.type === 'drop').map((e) => e.type === 'drop' && e.reason);
    expect(reported()).toEqual(['bad-auth', 'unknown-vrid', 'bad-ttl', 'interval-mismatch', 'too-short']);
    await rt.stop();
  });

  it('reports a kind of drop again after a good packet', async () => {
    const { rt, timers, events } = setup();
    rt.start();
    await timers.advanceTo(100);
    rt.receive(packet({ authData: 'wrong' }));
    rt.receive(packet({ authData: 'wrong' }));
    rt.receive(packet());
    rt.receive(packet({ authData: 'wrong' }));
    expect(events.filter((e) => e.type === 'drop').length).toBe(2);
    expect(rt.stats).toMatchObject({ accepted: 1, dropped: { 'bad-auth': 3 } });
    await rt.stop();
  });

  it('stops as master with a priority-0 advert and the VIPs removed before stop() resolves', async () => {
    const { rt, timers, calls } = setup({ priority: 255, initialState: 'MASTER' });
    rt.start();
    expect(rt.state).toBe('master');
    await timers.advanceTo(500);
    await rt.stop();
    expect(rt.state).toBe('stopped');
    expect(kinds(calls)).toEqual(['advert:255', 'add', 'garp', 'notify:MASTER', 'advert:0', 'remove', 'notify:STOP']);
    // No timer is left: nothing happens later.
    const before = calls.length;
    await timers.advanceTo(60_000);
    await rt.idle();
    expect(calls.length).toBe(before);
  });

  it('removes VIPs left behind by an earlier run before anything else, and does not count absent ones as errors', async () => {
    const { rt, calls, events } = setup({}, { absentOnRemove: true }, { removeStale: true });
    rt.start();
    await rt.idle();
    expect(kinds(calls)).toEqual(['remove', 'notify:BACKUP']);
    expect(rt.stats.vipErrors).toBe(0);
    expect(events).toContainEqual({ type: 'vips', action: 'remove-stale', vips: ['198.51.100.180/32'], ok: true, failures: [] });
  });

  it('turns failures of the ports into events and counters, and keeps running', async () => {
    const add: BatchOutcome = { ok: false, failures: [{ line: 'address replace 198.51.100.180/32 dev eth0', message: 'Cannot find device "eth0"', absent: false }] };
    const { rt, timers, events } = setup({ priority: 255, initialState: 'MASTER' }, { send: 'Network is unreachable', add });
    rt.start();
    await timers.advanceTo(1_000);
    await rt.idle();
    expect(rt.state).toBe('master');
    expect(rt.stats).toMatchObject({ advertsSent: 0, advertErrors: 2, vipErrors: 1 });
    expect(events).toContainEqual({ type: 'advert-failed', priority: 255, destination: '224.0.0.18', error: 'Network is unreachable' });
    expect(events).toContainEqual(expect.objectContaining({ type: 'vips', action: 'add', ok: false, failures: ['address replace 198.51.100.180/32 dev eth0: Cannot find device "eth0"'] }));
  });

  it('refreshes the VIP lease while master, and stops refreshing after leaving', async () => {
    const { rt, timers, calls } = setup({ priority: 255, initialState: 'MASTER' }, {}, { lease: true });
    rt.start();
    await timers.advanceTo(7_000);
    await rt.idle();
    const adds = calls.filter((c) => c.kind === 'add');
    expect(adds.map((c) => c.t)).toEqual([0, 2_000, 4_000, 6_000]);
    expect(adds.every((c) => c.kind === 'add' && c.lease === 8)).toBe(true);
    await rt.stop();
    await timers.advanceTo(20_000);
    await rt.idle();
    expect(calls.filter((c) => c.kind === 'add').length).toBe(4);
  });

  it('unicast VRRPv3: one advert per peer, each with its own pseudo-header checksum', async () => {
    const peers = ['198.51.100.11', '198.51.100.13'];
    const { rt, calls } = setup({
      priority: 255,
      initialState: 'MASTER',
      wire: { version: 3, authType: 0, password: undefined, unicastPeers: peers.map((address) => ({ address })), destinations: peers },
    });
    rt.start();
    await rt.idle();
    const adverts = calls.filter((c): c is Extract<Call, { kind: 'advert' }> => c.kind === 'advert');
    expect(adverts.map((a) => a.destination)).toEqual(peers);
    for (const a of adverts) {
      const d = decodeAdvert(a.message, { family: 4, src: ME, dst: a.destination, instance: { version: 3, intervalCs: 100, unicastPeers: [{ address: ME }] } });
      expect(d).toMatchObject({ ok: true, checksumForm: 'pseudo-header' });
    }
    expect(adverts[0].message.readUInt16BE(6)).not.toBe(adverts[1].message.readUInt16BE(6));
  });

  it('reload: a VIP the new config drops is removed from a master, a new one added with its GARPs', async () => {
    const { rt, calls } = setup({ priority: 255, initialState: 'MASTER' });
    rt.start();
    await rt.idle();
    const next = config({ priority: 255, initialState: 'MASTER' });
    const vip2: VipDefinition = { ...VIP, address: '198.51.100.181' };
    const id2 = '198.51.100.181/32 dev eth0';
    next.params = { ...next.params, vips: [id2] };
    next.vips = new Map([[id2, vip2]]);
    next.wire = { ...next.wire, advertAddresses: [vip2.address] };
    const before = calls.length;
    rt.reload(next);
    await rt.idle();
    expect(calls.slice(before)).toEqual([
      expect.objectContaining({ kind: 'remove', vips: ['198.51.100.180'] }),
      expect.objectContaining({ kind: 'add', vips: ['198.51.100.181'] }),
      expect.objectContaining({ kind: 'garp', vips: ['198.51.100.181'] }),
    ]);
    expect(rt.state).toBe('master');
    await rt.stop();
    // The next adverts list the new VIP only.
    const last = calls.filter((c): c is Extract<Call, { kind: 'advert' }> => c.kind === 'advert').at(-1)!;
    expect(decodeAdvert(last.message, { family: 4, instance: { version: 2, authType: 1, password: '1111', intervalCs: 100 } })).toMatchObject({ ok: true, advert: { priority: 0, addresses: ['198.51.100.181'] } });
  });

  it('virtual routes and rules: installed after the VIPs as master, removed before them (rules, routes, VIPs) on stop', async () => {
    const { rt, calls, events } = setup({ priority: 255, initialState: 'MASTER', routes: [ROUTE], rules: [RULE] });
    rt.start();
    await rt.idle();
    expect(kinds(calls)).toEqual(['advert:255', 'add', 'add-routes', 'add-rules', 'garp', 'notify:MASTER']);
    expect(calls.find((c) => c.kind === 'add-routes')).toMatchObject({ routes: [routeId(ROUTE)] });
    await rt.stop();
    expect(kinds(calls).slice(6)).toEqual(['advert:0', 'remove-rules', 'remove-routes', 'remove', 'notify:STOP']);
    expect(events).toContainEqual({ type: 'routing', what: 'rules', action: 'remove', items: [ruleId(RULE)], ok: true, failures: [] });
  });

  it('removes stale rules, routes and VIPs at start; a route already there on add or gone on removal is no failure, any other is reported', async () => {
    const absent: BatchOutcome = { ok: false, failures: [{ line: 'route del 203.0.113.0/26', message: 'RTNETLINK answers: No such process', absent: true, exists: false }] };
    const stale = setup({ routes: [ROUTE], rules: [RULE] }, { routing: absent }, { removeStale: true });
    stale.rt.start();
    await stale.rt.idle();
    expect(kinds(stale.calls)).toEqual(['remove-rules', 'remove-routes', 'remove', 'notify:BACKUP']);
    expect(stale.events).toContainEqual({ type: 'routing', what: 'routes', action: 'remove-stale', items: [routeId(ROUTE)], ok: true, failures: [] });

    const exists: BatchOutcome = { ok: false, failures: [{ line: 'route prepend 203.0.113.0/26', message: 'RTNETLINK answers: File exists', absent: false, exists: true }] };

    const owner = setup({ priority: 255, initialState: 'MASTER', routes: [ROUTE] }, { routing: exists });
    owner.rt.start();
    await owner.rt.idle();
    expect(owner.events).toContainEqual({ type: 'routing', what: 'routes', action: 'add', items: [routeId(ROUTE)], ok: true, failures: [] });

    const broken: BatchOutcome = { ok: false, failures: [{ line: 'route prepend 203.0.113.0/26', message: 'Error: Nexthop has invalid gateway.', absent: false, exists: false }] };
    const bad = setup({ priority: 255, initialState: 'MASTER', routes: [ROUTE] }, { routing: broken });
    bad.rt.start();
    await bad.rt.idle();
    expect(bad.rt.state).toBe('master');
    expect(bad.events).toContainEqual(expect.objectContaining({ type: 'routing', action: 'add', ok: false, failures: ['route prepend 203.0.113.0/26: Error: Nexthop has invalid gateway.'] }));
  });

  it('reload: a master removes the route the new config drops (still known from the old one) and adds the new one', async () => {
    const { rt, calls } = setup({ priority: 255, initialState: 'MASTER', routes: [ROUTE] });
    rt.start();
    await rt.idle();
    const route2 = { ...ROUTE, destination: '203.0.113.64/26' };
    const before = calls.length;
    rt.reload(config({ priority: 255, initialState: 'MASTER', routes: [route2] }));
    await rt.idle();
    expect(calls.slice(before)).toEqual([
      expect.objectContaining({ kind: 'remove-routes', routes: [routeId(ROUTE)] }),
      expect.objectContaining({ kind: 'add-routes', routes: [routeId(route2)] }),
    ]);
  });

  it('without a route adapter, an instance with routes says so and keeps running', async () => {
    const timers = new FakeTimers();
    const { ports } = fakePorts(timers);
    delete ports.routing;
    const events: unknown[] = [];
    const rt = new InstanceRuntime(config({ priority: 255, initialState: 'MASTER', routes: [ROUTE] }), ports, { timers, removeStaleVips: false, onEvent: (e) => events.push(e) });
    rt.start();
    await rt.idle();
    expect(rt.state).toBe('master');
    expect(events).toContainEqual({ type: 'routing', what: 'routes', action: 'add', items: [routeId(ROUTE)], ok: false, failures: ['no route adapter'] });
  });

  it('delivers notifications in order, one at a time', async () => {
    const timers = new FakeTimers();
    const { ports } = fakePorts(timers);
    const seen: string[] = [];
    let busy = false;
    ports.notify = async (n) => {
      expect(busy).toBe(false);
      busy = true;
      await new Promise((r) => setImmediate(r));
      seen.push(n.type === 'state' ? n.state : n.type);
      busy = false;
    };
    const rt = new InstanceRuntime(config({ priority: 255, initialState: 'MASTER' }), ports, { timers, removeStaleVips: false });
    rt.start();
    await rt.stop();
    expect(seen).toEqual(['MASTER', 'STOP']);
  });
});
