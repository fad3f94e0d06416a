// A small discrete-event simulator for the VRRP reducers: routers run
// instances (optionally in a sync group), adverts travel over a fake network
// with a fixed latency, and a virtual clock delivers timers exactly at the
// deadlines the reducers ask for. Deterministic: events at the same time run
// in the order they were scheduled.
import {
  createInstance,
  step,
  type Effect,
  type InstanceEvent,
  type InstanceParams,
  type InstanceState,
  type StateName,
} from '../../src/vrrp/fsm.js';
import { createSyncGroup, startGroup, stepGroup, type GroupEffect, type SyncGroupState } from '../../src/vrrp/sync-group.js';

export interface LogEntry {
  t: number;
  router: string;
  instance: string;
  effect: Effect;
}

export interface Transition {
  t: number;
  router: string;
  instance: string;
  from: StateName;
  to: StateName;
}

interface Router {
  name: string;
  /** Instances by name, in configuration order. */
  order: string[];
  single: Map<string, InstanceState>;
  group: SyncGroupState | null;
  /** Per instance: the token of the timer currently scheduled. */
  timerToken: Map<string, number>;
  up: boolean;
}

interface Scheduled {
  t: number;
  seq: number;
  run: () => void;
}

export class Sim {
  now = 0;
  readonly log: LogEntry[] = [];
  readonly groupLog: Array<{ t: number; router: string; effect: GroupEffect }> = [];
  readonly transitions: Transition[] = [];
  private readonly routers = new Map<string, Router>();
  private readonly queue: Scheduled[] = [];
  private seq = 0;
  private tokens = 0;
  /** Pairs of routers that cannot hear each other ("a|b", sorted). */
  private readonly cut = new Set<string>();

  constructor(readonly latencyMs = 1) {}

  /** Add a router running these instances; with syncGroup they form one group. */
  add(router: string, instances: InstanceParams | InstanceParams[], opts: { syncGroup?: string } = {}): this {
    const list = Array.isArray(instances) ? instances : [instances];
    const r: Router = {
      name: router,
      order: list.map((p) => p.name),
      single: new Map(),
      group: opts.syncGroup ? createSyncGroup(opts.syncGroup, list) : null,
      timerToken: new Map(),
      up: true,
    };
    if (!r.group) for (const p of list) r.single.set(p.name, createInstance(p));
    this.routers.set(router, r);
    return this;
  }

  /** Start a router (all its instances) at time `at` (default now). */
  start(router: string, at = this.now, startupDelayMs = 0): this {
    this.schedule(at, () => {
      const r = this.router(router);
      r.up = true;
      if (r.group) this.applyGroup(r, startGroup(r.group, this.now, startupDelayMs));
      else for (const n of r.order) this.deliver(r, n, { type: 'start', startupDelayMs });
    });
    return this;
  }

  startAll(at = this.now): this {
    for (const name of this.routers.keys()) this.start(name, at);
    return this;
  }

  /** Deliver an event to one instance at time `at` (default now). */
  inject(router: string, instance: string, event: InstanceEvent, at = this.now): this {
    this.schedule(at, () => this.deliver(this.router(router), instance, event));
    return this;
  }

  /** Run an arbitrary action at time `at`. */
  at(t: number, fn: (sim: Sim) => void): this {
    this.schedule(t, () => fn(this));
    return this;
  }

  /**
   * The router stops dead (power loss): no adverts, no timers, no priority 0.
   * Its instances forget everything; start() boots it again.
   */
  crash(router: string, at = this.now): this {
    this.schedule(at, () => {
      const r = this.router(router);
      r.up = false;
      for (const n of r.order) r.timerToken.set(n, ++this.tokens);
      const params = r.order.map((n) => this.state(router, n).params);
      if (r.group) r.group = createSyncGroup(r.group.name, params);
      else for (const p of params) r.single.set(p.name, createInstance(p));
    });
    return this;
  }

  /** From `at`, routers in `a` and routers in `b` cannot hear each other. */
  partition(a: string[], b: string[], at = this.now): this {
    this.schedule(at, () => {
      for (const x of a) for (const y of b) this.cut.add(pairKey(x, y));
    });
    return this;
  }

  heal(at = this.now): this {
    this.schedule(at, () => this.cut.clear());
    return this;
  }

  /** Process everything scheduled up to and including time t, then set the clock to t. */
  runUntil(t: number): this {
    for (;;) {
      this.queue.sort((x, y) => x.t - y.t || x.seq - y.seq);
      const next = this.queue[0];
      if (!next || next.t > t) break;
      this.queue.shift();
      this.now = next.t;
      next.run();
    }
    this.now = t;
    return this;
  }

  run(ms: number): this {
    return this.runUntil(this.now + ms);
  }

  state(router: string, instance?: string): InstanceState {
    const r = this.router(router);
    const name = instance ?? r.order[0];
    const s = r.group ? r.group.members[name] : r.single.get(name);
    if (!s) throw new Error(`no instance ${name} on ${router}`);
    return s;
  }

  groupState(router: string): SyncGroupState {
    const g = this.router(router).group;
    if (!g) throw new Error(`${router} has no sync group`);
    return g;
  }

  /** Routers whose instance (default: the first) is master now. */
  masters(instance?: string): string[] {
    return [...this.routers.keys()].filter((r) => this.state(r, instance).state === 'master');
  }

  /** Effects of one router (and optionally instance) matching a type, from time `since`. */
  effects<T extends Effect['type']>(router: string, type: T, since = 0, instance?: string): Array<Extract<Effect, { type: T }> & { t: number }> {
    return this.log
      .filter((l) => l.router === router && l.effect.type === type && l.t >= since && (instance === undefined || l.instance === instance))
      .map((l) => ({ ...(l.effect as Extract<Effect, { type: T }>), t: l.t }));
  }

  transitionsOf(router: string, instance?: string): Transition[] {
    return this.transitions.filter((x) => x.router === router && (instance === undefined || x.instance === instance));
  }

  // --- internals ---------------------------------------------------------------

  private router(name: string): Router {
    const r = this.routers.get(name);
    if (!r) throw new Error(`no router ${name}`);
    return r;
  }

  private schedule(t: number, run: () => void): void {
    this.queue.push({ t: Math.max(t, this.now), seq: this.seq++, run });
  }

  private deliver(r: Router, instance: string, event: InstanceEvent): void {
    if (!r.up) return;
    if (r.group) {
      this.applyGroup(r, stepGroup(r.group, instance, event, this.now));
      return;
    }
    const before = r.single.get(instance);
    if (!before) throw new Error(`no instance ${instance} on ${r.name}`);
    const res = step(before, event, this.now);
    r.single.set(instance, res.state);
    this.record(r, instance, before.state, res.state.state, res.effects);
    this.arm(r, instance, res.deadline);
  }

  private applyGroup(r: Router, res: ReturnType<typeof stepGroup>): void {
    const before = r.group!;
    r.group = res.group;
    const perInstance = new Map<string, Effect[]>();
    for (const e of res.effects) {
      if (e.type === 'instance') {
        const list = perInstance.get(e.instance) ?? [];
        list.push(e.effect);
        perInstance.set(e.instance, list);
      } else {
        this.groupLog.push({ t: this.now, router: r.name, effect: e });
      }
    }
    for (const n of r.order) {
      this.record(r, n, before.members[n].state, res.group.members[n].state, perInstance.get(n) ?? []);
      this.arm(r, n, res.deadlines[n]);
    }
  }

  private record(r: Router, instance: string, from: StateName, to: StateName, effects: Effect[]): void {
    for (const effect of effects) {
      this.log.push({ t: this.now, router: r.name, instance, effect });
      if (effect.type === 'send-advert') this.broadcast(r, instance, effect.priority);
    }
    if (from !== to) this.transitions.push({ t: this.now, router: r.name, instance, from, to });
  }

  private arm(r: Router, instance: string, deadline: number | null): void {
    const token = ++this.tokens;
    r.timerToken.set(instance, token);
    if (deadline === null) return;
    this.schedule(deadline, () => {
      if (r.timerToken.get(instance) !== token) return;
      this.deliver(r, instance, { type: 'timer' });
    });
  }

  /** An advert goes to every instance with the same VRID on the routers we can reach. */
  private broadcast(from: Router, instance: string, priority: number): void {
    const sender = this.state(from.name, instance).params;
    for (const to of this.routers.values()) {
      if (to === from || this.cut.has(pairKey(from.name, to.name))) continue;
      for (const n of to.order) {
        const p = this.state(to.name, n).params;
        if (p.vrid !== sender.vrid) continue;
        this.schedule(this.now + this.latencyMs, () => {
          if (this.cut.has(pairKey(from.name, to.name))) return;
          this.deliver(to, n, {
            type: 'advert-received',
            priority,
            source: sender.primaryAddress,
            advertIntervalCs: sender.advertIntervalCs,
          });
        });
      }
    }
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
