// Fake ports and a fake clock for the VRRP runtime (src/vrrp/instance.ts):
// packets built with the codec, every port call recorded with the time it
// happened, timers that only move when told to. No root, no sleep.
import { instanceParams } from '../../src/vrrp/fsm.js';
import { InstanceRuntime, type BatchOutcome, type InstancePorts, type Notification, type RuntimeEvent } from '../../src/vrrp/instance.js';
import { FakeTimers } from '../helpers/fake-timers.js';
import { encodeAdvert, encodeIpv4Packet, type AdvertFields } from '../../src/vrrp/packet.js';
import { routeId, ruleId, type RuntimeConfig, type VipDefinition, type WireSettings } from '../../src/vrrp/params.js';
import type { RouteSpec, RuleSpec } from '../../src/net/routes.js';

export const ME = '198.51.100.12';
export const PEER = '198.51.100.11';
export const VIP: VipDefinition = { address: '198.51.100.180', prefix: 32, family: 4, dev: 'eth0' };
export const VIP_ID = '198.51.100.180/32 dev eth0';
/** A virtual route whose source is the VIP (it needs the VIP in place) and a rule for the VIP. */
export const ROUTE: RouteSpec = { family: 4, destination: '203.0.113.0/26', dev: 'eth0', src: VIP.address, protocol: 'keepalived' };
export const RULE: RuleSpec = { family: 4, from: `${VIP.address}/32`, preference: 2000, action: 'table', actionValue: '100', protocol: 'keepalived' };

export { FakeTimers } from '../helpers/fake-timers.js';

/** Let the pending effects run (the runtime's queue waits a loop turn per step). */
export { turns as settle } from '../helpers/fake-timers.js';

export type Call =
  | { kind: 'advert'; t: number; destination: string; priority: number; message: Buffer }
  | { kind: 'add' | 'remove'; t: number; vips: string[]; lease?: number }
  | { kind: 'add-routes' | 'remove-routes'; t: number; routes: string[] }
  | { kind: 'add-rules' | 'remove-rules'; t: number; rules: string[] }
  | { kind: 'garp'; t: number; vips: string[]; count: number }
  | { kind: 'notify'; t: number; n: Notification };

export function fakePorts(timers: FakeTimers, failures: { send?: string; add?: BatchOutcome; absentOnRemove?: boolean; routing?: BatchOutcome } = {}) {
  const calls: Call[] = [];
  const ok: BatchOutcome = { ok: true, failures: [] };
  const ports: InstancePorts = {
    socket: {
      send: async (message, destination) => {
        calls.push({ kind: 'advert', t: timers.now(), destination, priority: message[2], message: Buffer.from(message) });
        return failures.send ? { ok: false, error: failures.send } : { ok: true };
      },
    },
    addresses: {
      addVips: async (vips, lifetime) => {
        calls.push({ kind: 'add', t: timers.now(), vips: vips.map((v) => v.address), ...(lifetime ? { lease: lifetime.validSec } : {}) });
        return failures.add ?? ok;
      },
      removeVips: async (vips) => {
        calls.push({ kind: 'remove', t: timers.now(), vips: vips.map((v) => v.address) });
        return failures.absentOnRemove ? { ok: false, failures: vips.map((v) => ({ line: `address del ${v.address}`, message: 'Address not found', absent: true })) } : ok;
      },
    },
    routing: {
      addRoutes: async (routes) => {
        calls.push({ kind: 'add-routes', t: timers.now(), routes: routes.map(routeId) });
        return failures.routing ?? ok;
      },
      removeRoutes: async (routes) => {
        calls.push({ kind: 'remove-routes', t: timers.now(), routes: routes.map(routeId) });
        return failures.routing ?? ok;
      },
      addRules: async (rules) => {
        calls.push({ kind: 'add-rules', t: timers.now(), rules: rules.map(ruleId) });
        return failures.routing ?? ok;
      },
      removeRules: async (rules) => {
        calls.push({ kind: 'remove-rules', t: timers.now(), rules: rules.map(ruleId) });
        return failures.routing ?? ok;
      },
    },
    garp: {
      send: async (targets, count) => {
        calls.push({ kind: 'garp', t: timers.now(), vips: targets.map((x) => x.address), count });
        return { sent: targets.length * count, failures: [] };
      },
    },
    notify: async (n) => {
      calls.push({ kind: 'notify', t: timers.now(), n });
    },
  };
  return { ports, calls };
}

export function wire(o: Partial<WireSettings> = {}): WireSettings {
  return {
    family: 4,
    version: 2,
    vrid: 51,
    interface: 'eth0',
    authType: 1,
    password: '1111',
    advertIntervalCs: 100,
    advertAddresses: [VIP.address],
    group: '224.0.0.18',
    unicastPeers: [],
    destinations: ['224.0.0.18'],
    sourceAddress: ME,
    checkUnicastSrc: false,
    skipCheckAdvAddr: false,
    oldUnicastChecksum: false,
    ...o,
  };
}

export function config(o: { priority?: number; initialState?: 'MASTER' | 'BACKUP'; wire?: Partial<WireSettings>; routes?: RouteSpec[]; rules?: RuleSpec[] } = {}): RuntimeConfig {
  const w = wire(o.wire);
  const routes = new Map((o.routes ?? []).map((r) => [routeId(r), r]));
  const rules = new Map((o.rules ?? []).map((r) => [ruleId(r), r]));
  return {
    params: instanceParams({
      name: 'VI_1',
      vrid: w.vrid,
      version: w.version,
      priority: o.priority ?? 100,
      initialState: o.initialState ?? 'BACKUP',
      advertIntervalCs: w.advertIntervalCs,
      vips: [VIP_ID],
      routes: [...routes.keys()],
      rules: [...rules.keys()],
      primaryAddress: ME,
      accept: true,
    }),
    wire: w,
    vips: new Map([[VIP_ID, VIP]]),
    routes,
    rules,
    corrections: [],
  };
}

/** An advert as keepalived would send it, with its IPv4 header. */
export function packet(o: Partial<AdvertFields> & { src?: string; ttl?: number } = {}): { family: 4; bytes: Buffer } {
  const fields: AdvertFields = { version: 2, family: 4, vrid: 51, priority: 150, intervalCs: 100, addresses: [VIP.address], authType: 1, authData: '1111', ...o };
  return { family: 4, bytes: encodeIpv4Packet(encodeAdvert(fields), { src: o.src ?? PEER, dst: '224.0.0.18', ttl: o.ttl ?? 255 }) };
}

export function setup(o: Parameters<typeof config>[0] = {}, failures: Parameters<typeof fakePorts>[1] = {}, options: { lease?: boolean; removeStale?: boolean } = {}) {
  const timers = new FakeTimers();
  const { ports, calls } = fakePorts(timers, failures);
  const events: RuntimeEvent[] = [];
  const rt = new InstanceRuntime(config(o), ports, {
    timers,
    onEvent: (e) => events.push(e),
    removeStaleVips: options.removeStale ?? false,
    ...(options.lease ? { vipLease: { validSec: 8, preferredSec: 8, refreshMs: 2000 } } : {}),
  });
  return { rt, timers, calls, events };
}

export const kinds = (calls: Call[]) => calls.map((c) => (c.kind === 'advert' ? `advert:${c.priority}` : c.kind === 'notify' && c.n.type === 'state' ? `notify:${c.n.state}` : c.kind));

