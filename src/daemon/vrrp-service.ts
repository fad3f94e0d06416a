// Every vrrp_instance of a config, running: one InstanceRuntime each, wired
// to the adapters of src/net. One VRRP socket per (interface, family, source,
// group) is shared by the instances on it, and packets are handed to the
// instance whose VRID they carry. Reload keeps every instance whose settings
// did not change exactly as it is (state, timers, VIPs), reloads those whose
// wire identity is the same, and restarts the rest. static_ipaddress,
// static_routes and static_rules are installed at start, follow a reload and
// are removed at stop (static-entries.ts). The kernel's deletions are
// watched (route-monitor.ts): a VIP, virtual route or rule of a master
// deleted from outside takes it to BACKUP, a static entry is added again, as
// keepalived does (which ones: src/vrrp/deletions.ts).
import type { KeepalivedConfig } from '../config/model/index.js';
import type { VrrpInstance } from '../config/model/vrrp.js';
import type { Log } from '../log.js';
import { subtractStats, vrrpStats, type VrrpInstanceSnapshot, type VrrpStats } from './dumps.js';
import { AddressAdapter, linkLocalIpv6, primaryIpv4, type InterfaceInfoResult } from '../net/addresses.js';
import { GarpSender } from '../net/garp.js';
import { RouteMonitor, readTableNames, type DeletedEntry, type WatchSet } from '../net/route-monitor.js';
import { RouteAdapter, type RouteSpec, type RuleSpec } from '../net/routes.js';
import { VrrpSocket, type ReceivedPacket } from '../net/vrrp-socket.js';
import { InstanceRuntime, type Notification, type RuntimeEvent, type RuntimeOptions, type Timers } from '../vrrp/instance.js';
import { configRules, rulePreferences, runtimeConfig, staticEntries, vipId, type RuntimeConfig, type VipDefinition } from '../vrrp/params.js';
import type { VirtualRule } from '../config/model/vrrp.js';
import { DeletionIndex, instanceTracked, staticTracked, type DeletionMatch, type TrackedEntries } from '../vrrp/deletions.js';
import type { HeldEntries } from './ipc.js';
import { StaticEntriesApplier } from './static-entries.js';
import { notifyFifos, Notifier } from '../vrrp/notify.js';
import { SyncGroupRuntime } from '../vrrp/sync-group-runtime.js';
import { TrackerSet, type LinkSource } from '../vrrp/trackers/index.js';
import type { ScriptUser } from '../vrrp/trackers/script-user.js';
import { masterDownInterval } from '../vrrp/timing.js';

export interface VrrpServiceOptions {
  log: Log;
  /** --no-vip-lease: install VIPs without a lifetime. */
  noVipLease?: boolean;
  /** Called whenever the set of VIPs, virtual routes and rules this process holds changes (the parent releases them if we die). */
  onHeld?: (held: HeldEntries) => void;
  /** Link states for track_interface (LinkMonitor); without it interfaces count as up. */
  links?: LinkSource;
  /** script_user resolved: who runs scripts that name no user. */
  defaultScriptUser?: ScriptUser;
  /** Tests: run `ip` / `arping` elsewhere (routes with addresses: without it routes and rules are not applied). */
  addresses?: AddressAdapter;
  routes?: RouteAdapter;
  garp?: GarpSender;
  /** Deletions of routes, rules and addresses (RouteMonitor); with test adapters and none given, none are watched. */
  deletions?: DeletionSource;
  /** Routing table names (rt_tables); default: read from iproute2's files at start. */
  tableNames?: ReadonlyMap<string, number>;
  /** The instances' timers (the VRRP child's loop-lag monitor samples them); default the process's. */
  timers?: Timers;
}

/** What the service needs of RouteMonitor. */
export interface DeletionSource {
  watch(set: WatchSet): Promise<void>;
  stop(): Promise<void>;
  onDeleted(listener: (entry: DeletedEntry) => void): () => void;
}

export interface ReloadSummary {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

interface Running {
  name: string;
  runtime: InstanceRuntime;
  config: RuntimeConfig;
  /** Identity of the settings, to see whether a reload changed them. */
  fingerprint: string;
  socketKey: string;
  startedAt: number;
  /** Seconds since the epoch of the last state change. */
  lastTransition: number;
  /** What keepalived counts that the runtime does not. */
  extra: { releaseMaster: number; priZeroRcvd: number; priZeroSent: number };
  /** Its VIPs, virtual routes and rules whose deletion from outside it reacts to. */
  tracked: TrackedEntries;
  /** STATS_CLEAR: statistics are reported relative to this. */
  statsBase?: VrrpStats;
}

/** Interface facts read once per start or reload, however many instances share the interface. */
type InterfaceCache = Map<string, Promise<InterfaceInfoResult>>;

interface SharedSocket {
  socket: VrrpSocket;
  users: Set<string>;
}

/** Bytes that tell which instance a packet is for: the VRID, after the IPv4 header (IPv6 gets the VRRP message alone). */
function vridOf(p: ReceivedPacket): number | undefined {
  if (p.family === 6) return p.bytes.length >= 2 ? p.bytes[1] : undefined;
  if (p.bytes.length < 1) return undefined;
  const ihl = (p.bytes[0] & 0x0f) * 4;
  return p.bytes.length > ihl + 1 ? p.bytes[ihl + 1] : undefined;
}

/** Each instance's sync group (name and members in order), from the config. */
function groupsOf(config: KeepalivedConfig): Map<string, { name: string; members: string[] }> {
  const out = new Map<string, { name: string; members: string[] }>();
  for (const sg of config.vrrp.syncGroups) {
    const g = { name: sg.name, members: (sg.members ?? []).map((m) => m.name) };
    for (const m of g.members) out.set(m, g);
  }
  return out;
}

function priorityOf(p: ReceivedPacket): number | undefined {
  const at = p.family === 6 ? 2 : (p.bytes[0] & 0x0f) * 4 + 2;
  return p.bytes.length > at ? p.bytes[at] : undefined;
}

function fingerprintOf(rc: RuntimeConfig): string {
  return JSON.stringify({ params: rc.params, wire: rc.wire, vips: [...rc.vips.entries()] });
}

/**
 * A VIP lease a dead master loses within max(2 s, 2 x Master_Down_Interval):
 * the kernel checks address lifetimes on whole-second ticks, rounded up, so
 * the lifetime is a second shorter than that bound. Refreshed three times per lifetime.
 */
export function vipLeaseFor(rc: RuntimeConfig): { validSec: number; preferredSec: number; refreshMs: number } {
  const p = rc.params;
  const downMs = masterDownInterval(p.version, p.priority, p.advertIntervalCs, p.downTimerAdverts);
  const boundSec = Math.max(2, (2 * downMs) / 1000);
  const validSec = Math.max(1, Math.floor(boundSec) - 1);
  return { validSec, preferredSec: validSec, refreshMs: Math.floor((validSec * 1000) / 3) };
}

export class VrrpService {
  private readonly running = new Map<string, Running>();
  private readonly sockets = new Map<string, SharedSocket>();
  /** What this process has put on the host as master, by id. */
  private readonly held = { vips: new Map<string, VipDefinition>(), routes: new Map<string, RouteSpec>(), rules: new Map<string, RuleSpec>() };
  private readonly groups = new Map<string, { name: string; members: string[]; runtime: SyncGroupRuntime }>();
  private readonly addresses: AddressAdapter;
  private readonly routes: RouteAdapter | undefined;
  private readonly garp: GarpSender;
  private readonly statics: StaticEntriesApplier;
  private readonly deletionSource: DeletionSource | undefined;
  private stopWatching: (() => void) | undefined;
  private deletions = new DeletionIndex([], { addresses: new Map(), routes: new Map(), rules: new Map() });
  private tableNames: ReadonlyMap<string, number> = new Map();
  /** keepalived's preferences for rules written without one, counted over the config being run. */
  private rulePreferences: ReadonlyMap<VirtualRule, number> = new Map();
  private startupDelayMs = 0;
  private trackers: TrackerSet | undefined;
  private notifier: Notifier | undefined;
  /** Packets for a VRID no instance here runs, by socket. */
  unknownVrid = 0;

  constructor(private readonly options: VrrpServiceOptions) {
    this.addresses = options.addresses ?? new AddressAdapter({ persistent: true });
    // IPv4 route and rule lines share the address adapter's long-running ip.
    this.routes = options.routes ?? (options.addresses ? undefined : new RouteAdapter({ persistent: true, batch: this.addresses.batch }));
    this.garp = options.garp ?? new GarpSender();
    this.statics = new StaticEntriesApplier(this.routes ? { addresses: this.addresses, routing: this.routes } : { addresses: this.addresses }, options.log);
    this.deletionSource = options.deletions ?? (options.addresses ? undefined : new RouteMonitor({ log: options.log }));
  }

  get instances(): readonly { name: string; runtime: InstanceRuntime; config: RuntimeConfig; startedAt: number }[] {
    return [...this.running.values()];
  }

  async start(config: KeepalivedConfig): Promise<void> {
    this.startupDelayMs = config.global.vrrp.startupDelaySec * 1000;
    this.rulePreferences = rulePreferences(configRules(config.vrrp));
    this.tableNames = this.options.tableNames ?? readTableNames();
    if (this.deletionSource) this.stopWatching = this.deletionSource.onDeleted((e) => this.onDeleted(e));
    const interfaces: InterfaceCache = new Map();
    const created: Running[] = [];
    for (const inst of config.vrrp.instances) {
      const r = await this.createInstance(inst, config, interfaces);
      if (r) created.push(r);
    }
    this.formGroups(config, created);
    const { log, links, defaultScriptUser } = this.options;
    this.notifier = new Notifier({ vrrp: config.vrrp, fifos: notifyFifos(config.global), log, ...(defaultScriptUser ? { defaultScriptUser } : {}) });
    await this.notifier.open();
    this.trackers = new TrackerSet(config.vrrp, { log, ...(links ? { links } : {}), ...(defaultScriptUser ? { defaultScriptUser } : {}) });
    this.trackers.onEvent((instance, event) => {
      log.info({ instance, event: event.type, ...('source' in event ? { source: event.source } : {}), ...('delta' in event ? { delta: event.delta } : {}) }, 'tracker change');
      this.running.get(instance)?.runtime.dispatch(event);
    });
    // Initial tracker states reach the instances before they start (a down interface starts in FAULT).
    await this.trackers.start();
    // keepalived installs the static entries before its instances run.
    const statics = staticEntries(config.vrrp, config.global, this.rulePreferences);
    await this.watchDeletions(config, statics);
    await this.statics.install(statics);
    for (const r of created) r.runtime.start(this.startupDelayMs);
  }

  /** The shortest Master_Down_Interval of the running instances (ms), 0 with none. */
  shortestMasterDownMs(): number {
    let min = 0;
    for (const r of this.running.values()) {
      const p = r.config.params;
      const ms = masterDownInterval(p.version, p.priority, p.advertIntervalCs, p.downTimerAdverts);
      if (min === 0 || ms < min) min = ms;
    }
    return min;
  }

  /** Tracker states, for the data dump. */
  trackerSnapshot(): unknown {
    return this.trackers?.snapshot();
  }

  /**
   * Apply a new config: unchanged instances are left alone; a changed one
   * with the same interface, VRID and socket takes its new settings in place
   * (state kept); others are stopped and started again. A sync group with any
   * change restarts as a whole, since its members decide together.
   */
  async reload(config: KeepalivedConfig): Promise<ReloadSummary> {
    this.startupDelayMs = config.global.vrrp.startupDelaySec * 1000;
    this.rulePreferences = rulePreferences(configRules(config.vrrp));
    // As keepalived: static entries the new config drops go first, new ones come after the instances.
    const statics = staticEntries(config.vrrp, config.global, this.rulePreferences);
    await this.statics.prune(statics);
    const interfaces: InterfaceCache = new Map();
    const summary: ReloadSummary = { added: [], changed: [], removed: [], unchanged: [] };
    const wanted = new Map(config.vrrp.instances.map((i) => [i.name, i]));
    const newGroups = groupsOf(config);
    const oldGroupOf = new Map([...this.groups.values()].flatMap((g) => g.members.map((m) => [m, g] as const)));

    type Plan = { inst: VrrpInstance; action: 'add' | 'keep' | 'update' | 'restart'; prepared?: { rc: RuntimeConfig; ifindex: number } };
    const plans = new Map<string, Plan>();
    for (const inst of config.vrrp.instances) {
      const current = this.running.get(inst.name);
      if (!current) {
        plans.set(inst.name, { inst, action: 'add' });
        continue;
      }
      const prepared = await this.prepare(inst, config, interfaces);
      if (!prepared) {
        plans.set(inst.name, { inst, action: 'restart' });
        continue;
      }
      const same = fingerprintOf(prepared.rc) === current.fingerprint;
      const inPlace = this.socketKeyOf(prepared.rc) === current.socketKey && prepared.rc.params.vrid === current.config.params.vrid;
      plans.set(inst.name, { inst, action: same ? 'keep' : inPlace ? 'update' : 'restart', prepared });
    }
    // Sync groups: any change to a member or to the membership restarts every member.
    const touchedGroups = new Set<string>();
    for (const [name, plan] of plans) {
      const newGroup = newGroups.get(name);
      const oldGroup = oldGroupOf.get(name);
      const membership = (newGroup?.members.join(',') ?? '') !== (oldGroup?.members.join(',') ?? '') || newGroup?.name !== oldGroup?.name;
      if (plan.action !== 'keep' || membership) {
        if (newGroup) touchedGroups.add(newGroup.name);
        if (oldGroup) touchedGroups.add(oldGroup.name);
      }
    }
    for (const [, g] of this.groups) if (g.members.some((m) => !wanted.has(m))) touchedGroups.add(g.name);
    for (const [name, plan] of plans) {
      const g = newGroups.get(name) ?? oldGroupOf.get(name);
      if (g && touchedGroups.has(g.name) && plan.action !== 'add') plan.action = 'restart';
    }

    for (const [name, r] of this.running) {
      if (!wanted.has(name)) {
        summary.removed.push(name);
        await this.stopInstance(r, true);
      }
    }
    for (const name of touchedGroups) this.groups.delete(name);
    const created: Running[] = [];
    for (const [name, plan] of plans) {
      const current = this.running.get(name);
      switch (plan.action) {
        case 'keep':
          summary.unchanged.push(name);
          current!.tracked = instanceTracked(plan.inst, plan.prepared!.rc.vips, this.rulePreferences);
          break;
        case 'update':
          summary.changed.push(name);
          current!.tracked = instanceTracked(plan.inst, plan.prepared!.rc.vips, this.rulePreferences);
          current!.runtime.reload(plan.prepared!.rc);
          current!.config = plan.prepared!.rc;
          current!.fingerprint = fingerprintOf(plan.prepared!.rc);
          this.logCorrections(plan.prepared!.rc);
          break;
        case 'restart':
        case 'add': {
          (plan.action === 'add' ? summary.added : summary.changed).push(name);
          if (current) await this.stopInstance(current, true);
          const r = await this.createInstance(plan.inst, config, interfaces);
          if (r) created.push(r);
          break;
        }
      }
    }
    this.formGroups(config, created);
    this.notifier?.reload(config.vrrp);
    await this.trackers?.reload(config.vrrp);
    await this.watchDeletions(config, statics);
    await this.statics.install(statics);
    for (const r of created) r.runtime.start(this.startupDelayMs);
    return summary;
  }

  /**
   * Stop every instance: priority-0 adverts and VIPs, virtual routes and rules
   * removed unless release is false (-V); the static entries go either way.
   */
  async stop(release: boolean): Promise<void> {
    // What we remove from here on is ours to remove.
    this.stopWatching?.();
    this.stopWatching = undefined;
    // The priority-0 adverts first: the backups take over a skew time after them,
    // and ending the monitor's processes takes milliseconds.
    await Promise.all([...this.running.values()].map((r) => this.stopInstance(r, release)));
    await this.deletionSource?.stop();
    await this.statics.clear();
    await this.trackers?.stop();
    // The STOP notifications are delivered before the FIFOs close.
    await this.notifier?.idle();
    await this.notifier?.close();
    this.routes?.close();
    this.addresses.close();
  }

  /** Every running instance, for the dump files. */
  snapshot(): VrrpInstanceSnapshot[] {
    return [...this.running.values()].map((r) => {
      const f = r.runtime.snapshot;
      const p = f.params;
      const w = r.config.wire;
      const snap: VrrpInstanceSnapshot = {
        name: r.name,
        state: f.state,
        wantState: f.wantState,
        interface: w.interface,
        family: w.family,
        version: w.version,
        vrid: w.vrid,
        basePriority: p.priority,
        effectivePriority: f.priority,
        advertIntervalCs: p.advertIntervalCs,
        masterAdverIntCs: f.masterAdverIntCs,
        accept: p.accept,
        nopreempt: p.nopreempt,
        preemptDelayMs: p.preemptDelayMs,
        authType: w.authType,
        sourceAddress: w.sourceAddress,
        destinations: w.destinations,
        unicast: w.unicastPeers.length > 0,
        vips: [...r.config.vips.values()].map((v) => `${v.address}${v.prefix === (v.family === 4 ? 32 : 128) ? '' : `/${v.prefix}`} dev ${v.dev}${v.scope ? ` scope ${v.scope}` : ''}`),
        vipsSet: f.vipsSet,
        master: f.master,
        faults: [...f.faults],
        garp: {
          delayMs: p.garp.masterDelayMs,
          repeat: p.garp.masterRepeat,
          refreshMs: p.garp.masterRefreshMs,
          refreshRepeat: p.garp.masterRefreshRepeat,
          lowerPrioDelayMs: p.garp.lowerPrioDelayMs,
          lowerPrioRepeat: p.garp.lowerPrioRepeat,
        },
        downTimerAdverts: p.downTimerAdverts,
        lowerPrioNoAdvert: p.lowerPrioNoAdvert,
        higherPrioSendAdvert: p.higherPrioSendAdvert,
        lastTransition: r.lastTransition,
        stats: subtractStats(vrrpStats(r.runtime.stats, r.extra), r.statsBase),
        dropped: { ...r.runtime.stats.dropped },
      };
      if (w.password !== undefined) snap.password = w.password;
      return snap;
    });
  }

  /** STATS_CLEAR: later statistics count from now. */
  clearStats(): void {
    for (const r of this.running.values()) r.statsBase = vrrpStats(r.runtime.stats, r.extra);
  }

  // ---------------------------------------------------------------------------

  /** The instance's runtime settings and its interface's index, or undefined (logged) when it cannot run. */
  private async prepare(inst: VrrpInstance, config: KeepalivedConfig, interfaces: InterfaceCache): Promise<{ rc: RuntimeConfig; ifindex: number } | undefined> {
    const log = this.options.log.child({ instance: inst.name });
    if (!inst.interface) {
      log.error('no interface: the instance is not run');
      return undefined;
    }
    let pending = interfaces.get(inst.interface);
    if (!pending) interfaces.set(inst.interface, (pending = this.addresses.interfaceInfo(inst.interface)));
    const info = await pending;
    if (!info.ok) {
      log.error({ interface: inst.interface, error: info.error }, 'interface not usable: the instance is not run');
      return undefined;
    }
    const family = inst.family ?? 4;
    const vipAddresses = inst.virtualIps.map((v) => v.address.address);
    const interfaceAddress = family === 4 ? primaryIpv4(info.info, vipAddresses) : linkLocalIpv6(info.info);
    const rc = runtimeConfig({ instance: inst, global: config.global, rulePreferences: this.rulePreferences, ...(interfaceAddress ? { interfaceAddress } : {}) });
    if (!rc.ok) {
      log.error({ error: rc.error }, 'cannot run the instance');
      return undefined;
    }
    return { rc, ifindex: info.info.index };
  }

  private socketKeyOf(rc: RuntimeConfig): string {
    const w = rc.wire;
    return [w.interface, w.family, w.sourceAddress, w.unicastPeers.length > 0 ? 'unicast' : w.group, w.unicastTtl ?? ''].join('|');
  }

  private logCorrections(rc: RuntimeConfig): void {
    for (const c of rc.corrections) this.options.log.info({ instance: rc.params.name }, c);
  }

  /** Run every sync group whose members were all just created (the others keep their running group). */
  private formGroups(config: KeepalivedConfig, created: readonly Running[]): void {
    const byName = new Map(created.map((r) => [r.name, r]));
    for (const sg of config.vrrp.syncGroups) {
      const names = (sg.members ?? []).map((m) => m.name);
      if (names.length === 0 || this.groups.has(sg.name)) continue;
      const members = names.map((n) => byName.get(n));
      if (members.some((m) => m === undefined)) {
        this.options.log.error({ group: sg.name, missing: names.filter((n) => !byName.has(n)) }, 'sync group not run: some members are not running');
        continue;
      }
      const log = this.options.log.child({ group: sg.name });
      const runtime = new SyncGroupRuntime(sg.name, members.map((m) => m!.runtime), (e) => {
        if (e.type === 'group-state') log.info({ from: e.from, to: e.to, why: e.message }, `sync group entering ${e.to.toUpperCase()} state`);
        else this.notifier?.deliver({ type: 'group-state', group: e.group, state: e.state });
      });
      this.groups.set(sg.name, { name: sg.name, members: names, runtime });
    }
  }

  /** Create an instance's runtime (not started), or log why it cannot run. */
  private async createInstance(inst: VrrpInstance, config: KeepalivedConfig, interfaces: InterfaceCache): Promise<Running | undefined> {
    const prepared = await this.prepare(inst, config, interfaces);
    if (!prepared) return undefined;
    const { rc, ifindex } = prepared;
    this.logCorrections(rc);
    const log = this.options.log.child({ instance: inst.name });
    const socketKey = this.socketKeyOf(rc);
    const shared = this.socketFor(socketKey, rc, ifindex);
    if (!shared) return;
    const options: RuntimeOptions = { onEvent: (e) => this.onRuntimeEvent(inst.name, log, e) };
    if (this.options.timers) options.timers = this.options.timers;
    if (!this.options.noVipLease) options.vipLease = vipLeaseFor(rc);
    const ports = {
      socket: shared.socket,
      addresses: this.addresses,
      ...(this.routes ? { routing: this.routes } : {}),
      garp: this.garp,
      notify: (n: Notification) => this.notifier?.deliver(n),
    };
    const runtime = new InstanceRuntime(rc, ports, options);
    const running: Running = {
      name: inst.name,
      runtime,
      config: rc,
      fingerprint: fingerprintOf(rc),
      socketKey,
      startedAt: Date.now(),
      lastTransition: Date.now() / 1000,
      extra: { releaseMaster: 0, priZeroRcvd: 0, priZeroSent: 0 },
      tracked: instanceTracked(inst, rc.vips, this.rulePreferences),
    };
    shared.users.add(inst.name);
    this.running.set(inst.name, running);
    log.info(
      { interface: rc.wire.interface, vrid: rc.wire.vrid, priority: rc.params.priority, version: rc.wire.version, source: rc.wire.sourceAddress, destinations: rc.wire.destinations },
      'instance started',
    );
    return running;
  }

  private async stopInstance(r: Running, release: boolean): Promise<void> {
    await r.runtime.stop(release);
    this.running.delete(r.name);
    const shared = this.sockets.get(r.socketKey);
    if (shared) {
      shared.users.delete(r.name);
      if (shared.users.size === 0) {
        shared.socket.close();
        this.sockets.delete(r.socketKey);
      }
    }
    this.options.log.info({ instance: r.name, release }, 'instance stopped');
  }

  private socketFor(key: string, rc: RuntimeConfig, ifindex: number): SharedSocket | undefined {
    const existing = this.sockets.get(key);
    if (existing) return existing;
    const w = rc.wire;
    const opened = VrrpSocket.open({
      interface: w.interface,
      family: w.family,
      sourceAddress: w.sourceAddress,
      ifindex,
      group: w.group,
      join: w.unicastPeers.length === 0,
      ...(w.unicastTtl !== undefined ? { unicastTtl: w.unicastTtl } : {}),
    });
    if (!opened.ok) {
      this.options.log.error({ instance: rc.params.name, interface: w.interface, error: opened.error }, 'cannot open the VRRP socket: the instance is not run');
      return undefined;
    }
    const shared: SharedSocket = { socket: opened.socket, users: new Set() };
    opened.socket.onPacket((p) => this.deliver(shared, p));
    opened.socket.onError((error) => this.options.log.error({ interface: w.interface, error }, 'VRRP socket error'));
    this.sockets.set(key, shared);
    return shared;
  }

  private deliver(shared: SharedSocket, p: ReceivedPacket): void {
    const vrid = vridOf(p);
    let delivered = false;
    for (const name of shared.users) {
      const r = this.running.get(name);
      if (!r || r.config.wire.vrid !== vrid) continue;
      delivered = true;
      if (priorityOf(p) === 0) r.extra.priZeroRcvd++;
      r.runtime.receive(p.family === 4 ? { family: 4, bytes: p.bytes } : { family: 6, bytes: p.bytes, source: p.source });
    }
    if (!delivered) this.unknownVrid++;
  }

  private onRuntimeEvent(instance: string, log: Log, e: RuntimeEvent): void {
    const r = this.running.get(instance);
    switch (e.type) {
      case 'state':
        if (r) {
          r.lastTransition = Date.now() / 1000;
          if (e.from === 'master') r.extra.releaseMaster++;
        }
        log.info({ from: e.from, to: e.to, priority: e.priority }, `Entering ${e.to.toUpperCase()} STATE`);
        return;
      case 'reason':
        log.info({ from: e.from, to: e.to, why: e.code }, e.message);
        return;
      case 'advert-sent':
        if (r && e.priority === 0) r.extra.priZeroSent++;
        log.debug({ priority: e.priority, destination: e.destination, why: e.reason }, 'advert sent');
        return;
      case 'advert-failed':
        log.warn({ priority: e.priority, destination: e.destination, error: e.error }, 'advert not sent');
        return;
      case 'drop':
        log.warn({ reason: e.reason, source: e.source }, `packet dropped: ${e.detail}`);
        return;
      case 'vips':
        this.trackHeld(instance, e);
        if (e.ok && e.action === 'refresh') log.debug({ vips: e.vips, action: e.action }, 'VIP lease refreshed');
        else if (e.ok) log.info({ vips: e.vips, action: e.action }, `VIPs ${e.action}`);
        else log.error({ vips: e.vips, action: e.action, failures: e.failures }, `VIPs ${e.action} failed`);
        return;
      case 'routing': {
        this.trackHeldRouting(instance, e);
        const fields = { [e.what]: e.items, action: e.action };
        if (e.ok) log.info(fields, `virtual ${e.what} ${e.action}`);
        else log.error({ ...fields, failures: e.failures }, `virtual ${e.what} ${e.action} failed`);
        return;
      }
      case 'garp':
        if (e.failures.length > 0) log.warn({ vips: e.vips, sent: e.sent, failures: e.failures }, 'gratuitous ARP failures');
        else log.debug({ vips: e.vips, sent: e.sent }, 'gratuitous ARPs sent');
        return;
      case 'notify':
        log.debug({ notification: e.notification }, 'notify');
        return;
      case 'unsupported':
        log.warn(e.what);
        return;
      case 'error':
        log.error({ where: e.where }, e.message);
        return;
    }
  }

  /** Keep the set of VIPs on the host that this process put there. */
  private trackHeld(instance: string, e: Extract<RuntimeEvent, { type: 'vips' }>): void {
    const r = this.running.get(instance);
    if (!r) return;
    const defs = new Map([...r.config.vips.values()].map((d) => [`${d.address}/${d.prefix}`, d]));
    const held = this.held.vips;
    const before = held.size;
    for (const name of e.vips) {
      const def = defs.get(name);
      if (!def) continue;
      const id = vipId(def);
      // An address whose removal failed may still be there: keep releasing it.
      if (e.action === 'add' || e.action === 'refresh') held.set(id, def);
      else if (e.ok || !e.failures.some((f) => f.includes(def.address))) held.delete(id);
    }
    if (held.size !== before || e.action === 'add') this.reportHeld();
  }

  /** The same for virtual routes and rules (ids as the runtime reports them). */
  private trackHeldRouting(instance: string, e: Extract<RuntimeEvent, { type: 'routing' }>): void {
    const r = this.running.get(instance);
    if (!r) return;
    const update = <T>(held: Map<string, T>, specs: ReadonlyMap<string, T>): boolean => {
      const before = held.size;
      for (const id of e.items) {
        const spec = specs.get(id);
        if (spec === undefined) continue;
        if (e.action === 'add') held.set(id, spec);
        // One whose removal failed may still be there: keep releasing it.
        else if (e.ok) held.delete(id);
      }
      return held.size !== before || e.action === 'add';
    };
    if (e.what === 'routes' ? update(this.held.routes, r.config.routes) : update(this.held.rules, r.config.rules)) this.reportHeld();
  }

  private reportHeld(): void {
    this.options.onHeld?.({ vips: [...this.held.vips.values()], routes: [...this.held.routes.values()], rules: [...this.held.rules.values()] });
  }

  /** Index what the config tracks and watch the kernel for it (after start and every reload). */
  private async watchDeletions(config: KeepalivedConfig, statics: ReturnType<typeof staticEntries>): Promise<void> {
    this.deletions = new DeletionIndex(
      [...this.running.values()].map((r) => ({ name: r.name, tracked: r.tracked })),
      staticTracked(config.vrrp, statics, config.global.vrrp.defaultInterface ?? 'eth0', this.rulePreferences),
      this.tableNames,
    );
    await this.deletionSource?.watch(this.deletions.watchSet);
  }

  /** A route, rule or address was deleted: react if it was one we watch. */
  private onDeleted(entry: DeletedEntry): void {
    const m = this.deletions.find(entry);
    if (!m) return;
    if (m.instance === undefined) {
      void this.statics.restore(m.kind, m.id);
      return;
    }
    this.onInstalledDeleted(m.instance, m);
  }

  private onInstalledDeleted(instance: string, m: DeletionMatch): void {
    const r = this.running.get(instance);
    if (!r) return;
    const f = r.runtime.snapshot;
    const installed = m.kind === 'addresses' ? f.params.vips : m.kind === 'routes' ? f.params.routes : f.params.rules;
    // Only what the instance has installed now: nothing outside MASTER, not what a reload just dropped.
    if (f.state !== 'master' || !f.vipsSet || !installed.includes(m.id)) return;
    const what = `${m.kind === 'addresses' ? 'VIP' : m.kind === 'routes' ? 'virtual route' : 'virtual rule'} ${m.id}`;
    this.options.log.warn({ instance, deleted: m.kind, id: m.id }, `${what} deleted from outside`);
    r.runtime.dispatch({ type: 'installed-deleted', what });
  }
}
