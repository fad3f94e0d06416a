// The runtime of ONE VRRP instance: it owns the instance's timer, feeds
// events to the pure reducer (fsm.ts), decodes received packets with the codec
// (packet.ts) and carries the reducer's effects out through the ports it is
// given (the raw socket, the address and route adapters, the GARP sender, a
// notify callback). Time comes from injected timer functions, so tests drive
// it with a fake clock.
//
// Ordering, as keepalived does it: an advert goes out at once (the old master
// must hear it before our GARPs); address, route and rule changes and GARPs
// go through one queue, so a GARP is sent only after its VIP is on the
// interface, a route whose source is a VIP is added after the VIP, and a
// removal never overtakes an addition. A GARP burst does not hold the queue
// up. Nothing the ports report is thrown: failures become events and counters.

import { createInstance, step, type Effect, type InstanceEvent, type InstanceState, type NotifyState, type StateName } from './fsm.js';
import { decodeAdvert, decodeIpv4Packet, encodeAdvert, parseIpv4Packet, type DecodeResult, type InstanceView } from './packet.js';
import type { RouteSpec, RuleSpec } from '../net/routes.js';
import type { RuntimeConfig, VipDefinition } from './params.js';

// ---------------------------------------------------------------------------
// Ports: the shapes of the adapters in src/net (structural, so the adapters
// plug in directly and tests pass fakes).

export type SendOutcome = { ok: true } | { ok: false; error: string };

/** RouteAdapter: virtual and static routes and rules. */
export interface RoutingPort {
  addRoutes(routes: readonly RouteSpec[]): Promise<BatchOutcome>;
  removeRoutes(routes: readonly RouteSpec[]): Promise<BatchOutcome>;
  addRules(rules: readonly RuleSpec[]): Promise<BatchOutcome>;
  removeRules(rules: readonly RuleSpec[]): Promise<BatchOutcome>;
}

export interface BatchOutcome {
  ok: boolean;
  failures: readonly { line: string; message: string; absent: boolean; exists?: boolean }[];
  error?: string;
}

export interface GarpOutcome {
  sent: number;
  failures: readonly { message: string }[];
}

export interface VipLease {
  validSec: number;
  preferredSec: number;
}

export interface InstancePorts {
  /** The VRRP socket of the instance's interface and family (VrrpSocket). */
  socket: { send(message: Uint8Array, destination: string): Promise<SendOutcome> };
  /** AddressAdapter. */
  addresses: {
    addVips(vips: readonly VipDefinition[], lifetime?: VipLease): Promise<BatchOutcome>;
    removeVips(vips: readonly VipDefinition[]): Promise<BatchOutcome>;
  };
  /** RouteAdapter: virtual_routes and virtual_rules. Without it an instance that has some reports an error. */
  routing?: RoutingPort;
  /** GarpSender. */
  garp: { send(targets: readonly { address: string; family: 4 | 6; dev: string }[], count: number): Promise<GarpOutcome> };
  /** Notify scripts / FIFO: called in order, one at a time. */
  notify?: (n: Notification) => void | Promise<void>;
}

export type Notification =
  | { type: 'state'; instance: string; state: NotifyState; priority: number }
  | { type: 'group-state'; group: string; state: NotifyState }
  | { type: 'priority'; instance: string; priority: number }
  | { type: 'master-rx-lower-pri'; instance: string; source: string; priority: number };

export interface Timers {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface RuntimeOptions {
  timers?: Timers;
  /** Called with everything that happens (for logs, dumps, tests). */
  onEvent?: (e: RuntimeEvent) => void;
  /**
   * Install VIPs with a lease that the master refreshes every refreshMs, so a
   * master that dies without cleanup loses them by itself. Default: no lease.
   */
  vipLease?: VipLease & { refreshMs: number };
  /**
   * Remove the configured VIPs, virtual routes and rules at start (a previous
   * run killed with -9 may have left them behind). Default true.
   */
  removeStaleVips?: boolean;
}

export type RuntimeEvent =
  | { type: 'state'; from: StateName; to: StateName; priority: number }
  | { type: 'reason'; from: StateName; to: StateName; code: string; message: string }
  | { type: 'advert-sent'; priority: number; reason: string; destination: string }
  | { type: 'advert-failed'; priority: number; destination: string; error: string }
  | { type: 'drop'; reason: string; detail: string; source?: string }
  | { type: 'vips'; action: 'add' | 'remove' | 'refresh' | 'remove-stale'; vips: string[]; ok: boolean; failures: string[] }
  | { type: 'routing'; what: 'routes' | 'rules'; action: 'add' | 'remove' | 'remove-stale'; items: string[]; ok: boolean; failures: string[] }
  | { type: 'garp'; vips: string[]; count: number; sent: number; failures: string[] }
  | { type: 'notify'; notification: Notification }
  | { type: 'unsupported'; what: string }
  | { type: 'error'; where: string; message: string };

export interface Counters {
  /** Packets handed to receive(). */
  received: number;
  /** Adverts that passed every check and went to the state machine. */
  accepted: number;
  /** Dropped packets by reason (the codec's drop reasons). */
  dropped: Record<string, number>;
  advertsSent: number;
  advertErrors: number;
  vipErrors: number;
  garpSent: number;
  garpErrors: number;
  /** Lower-priority GARP bursts not sent because one was sent less than a second before. */
  garpSkipped: number;
  /** State changes, by target state. */
  transitions: Record<string, number>;
}

/** A received packet: the whole IPv4 packet, or the VRRP message of an IPv6 one. */
export interface IncomingPacket {
  family: 4 | 6;
  bytes: Uint8Array;
  /** IPv6: the source the kernel reported (IPv4 takes it from the header). */
  source?: string;
}

const LOWER_PRIO_GARP_MIN_GAP_MS = 1000;

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What a sync group is to its members: the one that steps their state machines. */
export interface GroupStepper {
  dispatch(member: string, event: InstanceEvent): void;
}

export class InstanceRuntime {
  private fsm: InstanceState;
  private group: GroupStepper | undefined;
  private lowerPrioGarpAt = -Infinity;
  private lowerPrioGarpBusy = false;
  private readonly timers: Timers;
  private timer: unknown = undefined;
  private leaseTimer: unknown = undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly inflight = new Set<Promise<unknown>>();
  private notifyChain: Promise<void> = Promise.resolve();
  /** Drop reasons reported since the last good packet. */
  private readonly reportedDrops = new Set<string>();
  private readonly counters: Counters = {
    received: 0,
    accepted: 0,
    dropped: {},
    advertsSent: 0,
    advertErrors: 0,
    vipErrors: 0,
    garpSent: 0,
    garpErrors: 0,
    garpSkipped: 0,
    transitions: {},
  };

  constructor(
    private config: RuntimeConfig,
    private readonly ports: InstancePorts,
    private readonly options: RuntimeOptions = {},
  ) {
    this.timers = options.timers ?? realTimers;
    this.fsm = createInstance(config.params);
  }

  get name(): string {
    return this.config.params.name;
  }

  get state(): StateName {
    return this.fsm.state;
  }

  /** The reducer's state (read-only snapshot). */
  get snapshot(): InstanceState {
    return this.fsm;
  }

  get stats(): Readonly<Counters> {
    return this.counters;
  }

  /** Start: remove stale VIPs, routes and rules (see RuntimeOptions), then run the start-up rules. */
  start(startupDelayMs = 0): void {
    if (this.options.removeStaleVips ?? true) {
      const { vips, routes, rules } = this.config;
      if (rules.size > 0) this.enqueue(() => this.changeRouting('rules', 'remove-stale', [...rules.keys()]));
      if (routes.size > 0) this.enqueue(() => this.changeRouting('routes', 'remove-stale', [...routes.keys()]));
      if (vips.size > 0) this.enqueue(() => this.changeVips('remove-stale', [...vips.values()]));
    }
    this.dispatch({ type: 'start', startupDelayMs });
  }

  /**
   * Stop (RFC 5798 6.4.3 Shutdown): a master sends priority 0 and removes its
   * VIPs unless release is false. Resolves when every effect has been carried out.
   */
  async stop(release = true): Promise<void> {
    this.dispatch({ type: 'shutdown', release });
    this.clearTimer();
    this.stopLease();
    await this.idle();
  }

  /**
   * New settings for the same instance (config reload). VIPs, routes and
   * rules the new config drops stay known, so that the reducer's removal of
   * them can be carried out.
   */
  reload(config: RuntimeConfig): void {
    const merged = <T>(old: Map<string, T>, next: Map<string, T>): Map<string, T> => new Map([...old, ...next]);
    const { vips, routes, rules } = this.config;
    this.config = { ...config, vips: merged(vips, config.vips), routes: merged(routes, config.routes), rules: merged(rules, config.rules) };
    this.dispatch({ type: 'reload', params: config.params });
  }

  /** Feed any event (tracker changes, faults, sync group orders). A sync group member's events go through its group. */
  dispatch(event: InstanceEvent): void {
    if (this.group) return this.group.dispatch(this.name, event);
    const r = step(this.fsm, event, this.timers.now());
    this.adopt(r.state, r.effects, r.deadline);
  }

  /** Become a member of a sync group (before start): the group steps this instance from now on. */
  joinGroup(group: GroupStepper, state: InstanceState): void {
    this.group = group;
    this.fsm = state;
  }

  /** Take a new fsm state (from our own step or from the sync group's) and carry out its effects. */
  adopt(state: InstanceState, effects: readonly Effect[], deadline: number | null): void {
    const before = this.fsm;
    this.fsm = state;
    if (state.state !== before.state) {
      this.counters.transitions[state.state] = (this.counters.transitions[state.state] ?? 0) + 1;
      this.emit({ type: 'state', from: before.state, to: state.state, priority: state.priority });
    }
    for (const e of effects) this.apply(e);
    this.armTimer(deadline);
    this.syncLease();
  }

  /** A packet from the socket: decoded and checked, then fed to the state machine, or counted as dropped. */
  receive(packet: IncomingPacket): void {
    this.counters.received++;
    let result: DecodeResult;
    let source: string | undefined;
    if (packet.family === 4) {
      const ip = parseIpv4Packet(packet.bytes);
      source = ip.ok ? ip.header.src : undefined;
      result = decodeIpv4Packet(packet.bytes, { instance: (vrid) => this.view(vrid, source) });
    } else {
      source = packet.source;
      const ctx = { family: 6 as const, instance: (vrid: number) => this.view(vrid, source) };
      result = decodeAdvert(packet.bytes, source === undefined ? ctx : { ...ctx, src: source });
    }
    if (!result.ok) {
      this.counters.dropped[result.reason] = (this.counters.dropped[result.reason] ?? 0) + 1;
      // Like keepalived, report each kind of error once until a good packet arrives.
      if (!this.reportedDrops.has(result.reason)) {
        this.reportedDrops.add(result.reason);
        this.emit(source === undefined ? { type: 'drop', reason: result.reason, detail: result.detail } : { type: 'drop', reason: result.reason, detail: result.detail, source });
      }
      return;
    }
    if (source === undefined) {
      this.counters.dropped['no-source'] = (this.counters.dropped['no-source'] ?? 0) + 1;
      return;
    }
    this.reportedDrops.clear();
    this.counters.accepted++;
    this.dispatch({ type: 'advert-received', priority: result.advert.priority, source, advertIntervalCs: result.advert.intervalCs });
  }

  /** Resolves when no effect is pending (address queue, adverts in flight, GARPs, notifies). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [this.queue, this.notifyChain, ...this.inflight];
      await Promise.all(pending);
      if (this.inflight.size === 0 && pending[0] === this.queue && pending[1] === this.notifyChain) return;
    }
  }

  // --- decoding ---------------------------------------------------------------

  private view(vrid: number, source: string | undefined): InstanceView | undefined {
    const w = this.config.wire;
    if (vrid !== w.vrid) return undefined;
    const view: InstanceView = {
      version: w.version,
      authType: w.authType,
      intervalCs: w.advertIntervalCs,
      addresses: w.advertAddresses,
      // skip_check_adv_addr: adverts from the current master skip the address checks.
      checkAddresses: !(w.skipCheckAdvAddr && source !== undefined && this.fsm.master?.address === source),
      unicastPeers: w.unicastPeers,
      checkUnicastSrc: w.checkUnicastSrc,
      mcastGroup4: w.family === 4 ? w.group : undefined,
    };
    if (w.password !== undefined) view.password = w.password;
    return view;
  }

  // --- effects ------------------------------------------------------------------

  private apply(e: Effect): void {
    switch (e.type) {
      case 'send-advert':
        return this.sendAdvert(e.priority, e.reason);
      case 'add-vips':
        return this.enqueue(() => this.changeVips('add', this.definitions(e.vips)));
      case 'remove-vips':
        return this.enqueue(() => this.changeVips('remove', this.definitions(e.vips)));
      case 'add-routes':
        return this.enqueue(() => this.changeRouting('routes', 'add', e.routes));
      case 'remove-routes':
        return this.enqueue(() => this.changeRouting('routes', 'remove', e.routes));
      case 'add-rules':
        return this.enqueue(() => this.changeRouting('rules', 'add', e.rules));
      case 'remove-rules':
        return this.enqueue(() => this.changeRouting('rules', 'remove', e.rules));
      case 'send-garp': {
        // A master answers every lower-priority advert with a burst; under a
        // flood of them (a peer that keeps claiming master) that would be a
        // process storm: at most one such burst per second, none while one runs.
        if (e.reason === 'lower-priority') {
          const now = this.timers.now();
          if (this.lowerPrioGarpBusy || now - this.lowerPrioGarpAt < LOWER_PRIO_GARP_MIN_GAP_MS) {
            this.counters.garpSkipped++;
            return;
          }
          this.lowerPrioGarpAt = now;
          this.lowerPrioGarpBusy = true;
        }
        const defs = this.definitions(e.vips);
        const lowerPrio = e.reason === 'lower-priority';
        return this.enqueue(() => {
          // Started after the queued address changes, not waited for.
          this.track(
            this.sendGarp(defs, e.count).finally(() => {
              if (lowerPrio) this.lowerPrioGarpBusy = false;
            }),
          );
        });
      }
      case 'notify':
        return this.notify({ type: 'state', instance: this.name, state: e.state, priority: e.priority });
      case 'notify-priority':
        return this.notify({ type: 'priority', instance: this.name, priority: e.priority });
      case 'notify-master-rx-lower-pri':
        return this.notify({ type: 'master-rx-lower-pri', instance: this.name, source: e.source, priority: e.priority });
      case 'set-accept':
        return this.emit({ type: 'unsupported', what: `accept mode change to ${e.accept} (no firewall rules are managed yet)` });
      case 'log-reason':
        return this.emit({ type: 'reason', from: e.from, to: e.to, code: e.code, message: e.message });
    }
  }

  private sendAdvert(priority: number, reason: string): void {
    const w = this.config.wire;
    for (const destination of w.destinations) {
      let message: Buffer;
      try {
        // v3 over IPv4 needs the pseudo-header; old_unicast_checksum puts the group in it.
        const dst = w.oldUnicastChecksum && w.unicastPeers.length > 0 ? w.group : destination;
        message = encodeAdvert(
          {
            version: w.version,
            family: w.family,
            vrid: w.vrid,
            priority,
            intervalCs: w.advertIntervalCs,
            addresses: w.advertAddresses,
            authType: w.authType,
            authData: w.password ?? '',
          },
          w.family === 4 ? { src: w.sourceAddress, dst } : {},
        );
      } catch (err) {
        this.counters.advertErrors++;
        this.emit({ type: 'advert-failed', priority, destination, error: (err as Error).message });
        continue;
      }
      this.track(
        this.ports.socket.send(message, destination).then((r) => {
          if (r.ok) {
            this.counters.advertsSent++;
            this.emit({ type: 'advert-sent', priority, reason, destination });
          } else {
            this.counters.advertErrors++;
            this.emit({ type: 'advert-failed', priority, destination, error: r.error });
          }
        }),
      );
    }
  }

  private async changeVips(action: 'add' | 'remove' | 'refresh' | 'remove-stale', defs: VipDefinition[]): Promise<void> {
    if (defs.length === 0) return;
    const lease = this.options.vipLease;
    const r = action === 'add' || action === 'refresh'
      ? await this.ports.addresses.addVips(defs, lease ? { validSec: lease.validSec, preferredSec: lease.preferredSec } : undefined)
      : await this.ports.addresses.removeVips(defs);
    // Removing what is not there is the point of the stale clean-up, and harmless otherwise.
    const failures = r.failures.filter((f) => !f.absent).map((f) => `${f.line}: ${f.message}`);
    if (r.error) failures.push(r.error);
    if (failures.length > 0) this.counters.vipErrors++;
    this.emit({ type: 'vips', action, vips: defs.map((d) => `${d.address}/${d.prefix}`), ok: failures.length === 0, failures });
  }

  /**
   * Add or remove virtual routes or rules. Adding one that is there already
   * and removing one that is gone are what was asked for, not failures.
   */
  private async changeRouting(what: 'routes' | 'rules', action: 'add' | 'remove' | 'remove-stale', ids: readonly string[]): Promise<void> {
    const known = what === 'routes' ? this.config.routes : this.config.rules;
    const items = ids.filter((id) => known.has(id));
    for (const id of ids) if (!known.has(id)) this.emit({ type: 'error', where: what, message: `unknown ${what === 'routes' ? 'route' : 'rule'} ${id}` });
    if (items.length === 0) return;
    const port = this.ports.routing;
    if (!port) {
      this.emit({ type: 'routing', what, action, items, ok: false, failures: ['no route adapter'] });
      return;
    }
    const adding = action === 'add';
    let r: BatchOutcome;
    if (what === 'routes') {
      const specs = items.map((id) => this.config.routes.get(id)!);
      r = await (adding ? port.addRoutes(specs) : port.removeRoutes(specs));
    } else {
      const specs = items.map((id) => this.config.rules.get(id)!);
      r = await (adding ? port.addRules(specs) : port.removeRules(specs));
    }
    const failures = r.failures.filter((f) => !(adding ? f.exists : f.absent)).map((f) => `${f.line}: ${f.message}`);
    if (r.error) failures.push(r.error);
    this.emit({ type: 'routing', what, action, items, ok: failures.length === 0, failures });
  }

  private async sendGarp(defs: VipDefinition[], count: number): Promise<void> {
    const r = await this.ports.garp.send(
      defs.map((d) => ({ address: d.address, family: d.family, dev: d.dev })),
      count,
    );
    this.counters.garpSent += r.sent;
    this.counters.garpErrors += r.failures.length;
    this.emit({ type: 'garp', vips: defs.map((d) => d.address), count, sent: r.sent, failures: r.failures.map((f) => f.message) });
  }

  /**
   * Notifications start after the address changes queued before them (a
   * notify_master script finds the VIPs in place, as with keepalived), one at
   * a time and in order, without holding the address queue up.
   */
  private notify(n: Notification): void {
    this.emit({ type: 'notify', notification: n });
    const fn = this.ports.notify;
    if (!fn) return;
    this.enqueue(() => {
      this.notifyChain = this.notifyChain.then(async () => {
        try {
          await fn(n);
        } catch (err) {
          this.emit({ type: 'error', where: 'notify', message: (err as Error).message });
        }
      });
    });
  }

  private definitions(ids: readonly string[]): VipDefinition[] {
    const defs: VipDefinition[] = [];
    for (const id of ids) {
      const d = this.config.vips.get(id);
      if (d) defs.push(d);
      else this.emit({ type: 'error', where: 'vips', message: `unknown VIP ${id}` });
    }
    return defs;
  }

  private enqueue(task: () => void | Promise<void>): void {
    // One turn of the event loop first, so that an advert sent in the same
    // step leaves before an address change (spawning `ip` blocks for a while).
    this.queue = this.queue.then(nextTurn).then(task).catch((err: unknown) => {
      this.emit({ type: 'error', where: 'address queue', message: (err as Error).message });
    });
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => {
      this.emit({ type: 'error', where: 'effect', message: (err as Error).message });
    });
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }

  // --- timers -------------------------------------------------------------------

  private armTimer(deadline: number | null): void {
    this.clearTimer();
    if (deadline === null) return;
    const delay = Math.max(0, deadline - this.timers.now());
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.dispatch({ type: 'timer' });
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** While master with VIPs installed, refresh their lease. */
  private syncLease(): void {
    const lease = this.options.vipLease;
    const want = lease !== undefined && this.fsm.state === 'master' && this.fsm.vipsSet;
    if (!want) return this.stopLease();
    if (this.leaseTimer !== undefined) return;
    const tick = (): void => {
      this.leaseTimer = this.timers.setTimeout(tick, lease!.refreshMs);
      this.enqueue(() => this.changeVips('refresh', this.definitions(this.fsm.params.vips)));
    };
    this.leaseTimer = this.timers.setTimeout(tick, lease!.refreshMs);
  }

  private stopLease(): void {
    if (this.leaseTimer !== undefined) this.timers.clearTimeout(this.leaseTimer);
    this.leaseTimer = undefined;
  }

  private emit(e: RuntimeEvent): void {
    try {
      this.options.onEvent?.(e);
    } catch {
      /* a failing observer must not stop the instance */
    }
  }
}
