// The per-instance VRRP state machine as a pure reducer:
//
//   step(state, event, now) -> { state, effects, deadline }
//
// `now` is a monotonic time in milliseconds supplied by the caller; `deadline`
// is when the caller must next deliver a `timer` event (null: no timer; a
// deadline at or before `now` means "deliver one at once"). Effects are data
// (send an advert, add/remove VIPs, routes and rules, send GARPs, run notify,
// log why); the
// runtime in instance.ts carries them out. Nothing here reads a clock, logs,
// or touches a socket.
//
// Behaviour follows RFC 5798 section 6.4 (RFC 3768 for VRRPv2), with the
// keepalived 2.2.7 specifics described in shared/reference/keepalived-vrrp.md
// (vrrp_state_backup, vrrp_state_master_rx, vrrp_state_leave_master,
// vrrp_init_state, try_up_instance). Where keepalived and the RFC differ,
// keepalived wins and the comment says so.
import { effectivePriority } from './priority.js';
import {
  DEFAULT_DOWN_TIMER_ADVERTS,
  OWNER_PRIORITY,
  advertIntervalMs,
  masterDownInterval,
  skewTime,
  startupWait,
  type VrrpVersion,
} from './timing.js';

// ---------------------------------------------------------------------------
// Inputs

export interface GarpParams {
  /** garp_master_delay: ms until the second burst after becoming master; 0 = none. */
  masterDelayMs: number;
  /** garp_master_repeat: GARPs per VIP in a burst on becoming master. */
  masterRepeat: number;
  /** garp_master_refresh: ms between periodic bursts while master; 0 = off. */
  masterRefreshMs: number;
  /** garp_master_refresh_repeat: GARPs per VIP in a refresh burst. */
  masterRefreshRepeat: number;
  /** garp_lower_prio_delay: ms until the second burst after a lower-priority advert; 0 = none. */
  lowerPrioDelayMs: number;
  /** garp_lower_prio_repeat: GARPs per VIP when a lower-priority advert arrives; 0 = none. */
  lowerPrioRepeat: number;
}

/**
 * Everything the state machine needs to know about one vrrp_instance, after
 * keepalived's defaults and corrections (strict mode, nopreempt with state
 * MASTER, ...) have been applied by whoever builds it.
 */
export interface InstanceParams {
  /** Instance name, for log reasons only. */
  name: string;
  vrid: number;
  version: VrrpVersion;
  /** Base priority 1..255; 255 = address owner. */
  priority: number;
  /** advert_int in centiseconds (VRRPv2: whole seconds * 100). */
  advertIntervalCs: number;
  /** `state`: where the instance would like to start. */
  initialState: 'MASTER' | 'BACKUP';
  nopreempt: boolean;
  /** preempt_delay in ms; 0 = none. */
  preemptDelayMs: number;
  /** down_timer_adverts (default 3). */
  downTimerAdverts: number;
  /** Accept mode: passed along with the VIP effects (the adapter decides the firewall rules). */
  accept: boolean;
  /** lower_prio_no_advert: a master does not answer a lower-priority advert. */
  lowerPrioNoAdvert: boolean;
  /** higher_prio_send_advert: a master answers a higher-priority advert before going backup. */
  higherPrioSendAdvert: boolean;
  /** notify_priority_changes: emit notify-priority when the effective priority changes. */
  notifyPriorityChanges: boolean;
  garp: GarpParams;
  /** The instance's VIPs (identity only: whatever string the runtime uses to name them). */
  vips: readonly string[];
  /** virtual_routes, installed after the VIPs (a route may use a VIP as its source). Identity only. */
  routes: readonly string[];
  /** virtual_rules, installed after the routes. Identity only. */
  rules: readonly string[];
  /** Own primary address on the interface (or unicast_src_ip): the tie-break on equal priority. */
  primaryAddress: string;
}

/** keepalived's defaults (vrrp_garp_* globals, advert_int 1, priority 100, version 2). */
export const DEFAULT_GARP: GarpParams = {
  masterDelayMs: 5000,
  masterRepeat: 5,
  masterRefreshMs: 0,
  masterRefreshRepeat: 1,
  lowerPrioDelayMs: 5000,
  lowerPrioRepeat: 5,
};

/** Fill the fields not given with keepalived's defaults. */
export function instanceParams(
  p: Partial<Omit<InstanceParams, 'garp'>> & { garp?: Partial<GarpParams> } & Pick<InstanceParams, 'vrid' | 'primaryAddress'>,
): InstanceParams {
  const priority = p.priority ?? (p.initialState === 'MASTER' ? OWNER_PRIORITY : 100);
  return {
    name: p.name ?? `VI_${p.vrid}`,
    vrid: p.vrid,
    version: p.version ?? 2,
    priority,
    advertIntervalCs: p.advertIntervalCs ?? 100,
    initialState: p.initialState ?? (priority === OWNER_PRIORITY ? 'MASTER' : 'BACKUP'),
    nopreempt: p.nopreempt ?? false,
    preemptDelayMs: p.preemptDelayMs ?? 0,
    downTimerAdverts: p.downTimerAdverts ?? DEFAULT_DOWN_TIMER_ADVERTS,
    accept: p.accept ?? false,
    lowerPrioNoAdvert: p.lowerPrioNoAdvert ?? false,
    higherPrioSendAdvert: p.higherPrioSendAdvert ?? false,
    notifyPriorityChanges: p.notifyPriorityChanges ?? false,
    garp: { ...DEFAULT_GARP, ...p.garp },
    vips: p.vips ?? [],
    routes: p.routes ?? [],
    rules: p.rules ?? [],
    primaryAddress: p.primaryAddress,
  };
}

export type InstanceEvent =
  /** Begin running (from init or stopped). startupDelayMs: global vrrp_startup_delay. */
  | { type: 'start'; startupDelayMs?: number }
  /** The deadline returned by the previous step has passed. */
  | { type: 'timer' }
  /**
   * A valid advert for this VRID (the packet layer has already dropped bad
   * ones, including VRRPv2 interval mismatches). advertIntervalCs is the
   * packet's interval in centiseconds (VRRPv2 seconds * 100).
   */
  | { type: 'advert-received'; priority: number; source: string; advertIntervalCs: number }
  /** Tracker weights changed: delta is the summed contribution (priority.ts evaluateTrackers). */
  | { type: 'priority-changed'; delta: number; reason?: string }
  /** An interface or a weight-0 tracker went down. source names it ("interface eth0"). */
  | { type: 'fault'; source: string }
  | { type: 'fault-cleared'; source: string }
  /** Stop. release false = keepalived's --dont-release-vrrp: no priority-0 advert, VIPs left. */
  | { type: 'shutdown'; release?: boolean }
  /** New parameters for the same instance (config reload). */
  | { type: 'reload'; params: InstanceParams }
  /** From the sync group (sync-group.ts): become master with the group. */
  | { type: 'sync-master' }
  /** From the sync group: the group went backup. */
  | { type: 'sync-backup' }
  /** From the sync group: a member is in fault, so the whole group is. */
  | { type: 'sync-fault' }
  /** From the sync group: no member is in fault any more. */
  | { type: 'sync-fault-cleared' }
  /** From the sync group: another member saw a lower-priority master; refresh GARPs too. */
  | { type: 'sync-lower-prio-garp' }
  /**
   * Something this instance installs as master (a VIP, a tracked virtual
   * route or rule) was deleted from outside. `what` names it, for the log.
   */
  | { type: 'installed-deleted'; what: string };

// ---------------------------------------------------------------------------
// State

export type StateName = 'init' | 'backup' | 'master' | 'fault' | 'stopped';

export type TimerKind =
  /** Backup: Master_Down_Timer (RFC 5798 6.4.2). */
  | 'master-down'
  /** Backup: a priority-0 advert set the down timer to Skew_Time. */
  | 'priority-0-skew'
  /**
   * Backup after start with `state MASTER`: the master-down interval below
   * 255 (keepalived 2.2.7), no wait for an owner held by a start-up delay or
   * a sync group.
   */
  | 'startup-master'
  /** Master: Adver_Timer. */
  | 'advert'
  /** Backup after something we installed was deleted: take over again after Skew_Time. */
  | 'retake-skew';

export interface MainTimer {
  kind: TimerKind;
  /** When it was armed (after any start-up delay): lets a priority change recompute `at`. */
  armedAt: number;
  at: number;
}

export type GarpReason = 'become-master' | 'master-delay' | 'refresh' | 'lower-priority' | 'lower-priority-delay' | 'reload';

export interface PendingGarp {
  at: number;
  count: number;
  reason: GarpReason;
}

export interface InstanceState {
  readonly params: InstanceParams;
  readonly state: StateName;
  /**
   * What the instance would do on its own, ignoring a sync group (keepalived's
   * wantstate): 'master' after its down timer expired (or with `state MASTER`
   * until an advert is accepted), 'backup' after accepting an advert.
   */
  readonly wantState: 'master' | 'backup' | 'fault';
  /** Member of a sync group: going master waits for the group (sync-group.ts). */
  readonly inSyncGroup: boolean;
  /** Down timer expired but the sync group has not let us become master yet. */
  readonly heldBySyncGroup: boolean;
  /** Summed tracker weight contributions. */
  readonly trackerDelta: number;
  /** Another router also claims priority 255: keepalived drops us to 254. */
  readonly ownerDemoted: boolean;
  /** Effective priority (what adverts carry). */
  readonly priority: number;
  /** Sources currently faulting this instance (interfaces, weight-0 trackers). */
  readonly faults: readonly string[];
  /** The sync group is in fault because of another member. */
  readonly groupFault: boolean;
  /** Master_Adver_Interval in centiseconds (VRRPv3 backups adopt the master's). */
  readonly masterAdverIntCs: number;
  readonly timer: MainTimer | null;
  readonly garpTimers: readonly PendingGarp[];
  readonly garpRefreshAt: number | null;
  /** preempt_delay: lower-priority adverts are accepted until this time (null = not started). */
  readonly preemptUntil: number | null;
  /** The last master heard from. */
  readonly master: { address: string; priority: number } | null;
  /** VIPs, virtual routes and rules are installed (we told the runtime to add them and not yet to remove them). */
  readonly vipsSet: boolean;
}

export function createInstance(params: InstanceParams, opts: { inSyncGroup?: boolean } = {}): InstanceState {
  return {
    params,
    state: 'init',
    wantState: params.initialState === 'MASTER' ? 'master' : 'backup',
    inSyncGroup: opts.inSyncGroup ?? false,
    heldBySyncGroup: false,
    trackerDelta: 0,
    ownerDemoted: false,
    priority: effectivePriority(params.priority, 0),
    faults: [],
    groupFault: false,
    masterAdverIntCs: params.advertIntervalCs,
    timer: null,
    garpTimers: [],
    garpRefreshAt: null,
    preemptUntil: null,
    master: null,
    vipsSet: false,
  };
}

// ---------------------------------------------------------------------------
// Outputs

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

export type AdvertReason =
  | 'become-master'
  | 'timer'
  | 'priority-0-received'
  | 'lower-priority-received'
  | 'higher-priority-received'
  | 'leaving-for-fault'
  | 'shutdown'
  | 'reload'
  | 'identity-changed'
  | 'installed-deleted';

export type ReasonCode =
  | 'start'
  | 'start-fault'
  | 'address-owner'
  | 'initial-state-master'
  | 'master-down-timer-expired'
  | 'priority-0-skew-expired'
  | 'priority-0-received'
  | 'lower-priority-discarded'
  | 'preempt-delay-started'
  | 'preempt-delay-stopped'
  | 'higher-priority-advert'
  | 'equal-priority-higher-address'
  | 'lower-priority-advert'
  | 'equal-priority-own-address'
  | 'owner-conflict'
  | 'fault'
  | 'fault-cleared'
  | 'shutdown'
  | 'priority-changed'
  | 'reload'
  | 'identity-changed'
  | 'waiting-for-sync-group'
  | 'sync-group'
  | 'installed-deleted'
  | 'retake-skew-expired';

export type Effect =
  /** Send one advert now with this priority (0 = "I am leaving"). */
  | { type: 'send-advert'; priority: number; reason: AdvertReason }
  | { type: 'add-vips'; vips: readonly string[]; accept: boolean }
  | { type: 'remove-vips'; vips: readonly string[]; accept: boolean }
  /** virtual_routes / virtual_rules: keepalived adds VIPs, routes, rules in that order and removes them in reverse. */
  | { type: 'add-routes'; routes: readonly string[] }
  | { type: 'remove-routes'; routes: readonly string[] }
  | { type: 'add-rules'; rules: readonly string[] }
  | { type: 'remove-rules'; rules: readonly string[] }
  /** Accept mode changed while the VIPs are installed. */
  | { type: 'set-accept'; accept: boolean }
  /** Send `count` gratuitous ARPs / unsolicited NAs for each of these VIPs. */
  | { type: 'send-garp'; vips: readonly string[]; count: number; reason: GarpReason }
  /** Run notify scripts / write the notify FIFO for a state change. */
  | { type: 'notify'; state: NotifyState; priority: number }
  /** notify_priority_changes. */
  | { type: 'notify-priority'; priority: number }
  /** notify_master_rx_lower_pri: a master heard a lower-priority master. */
  | { type: 'notify-master-rx-lower-pri'; source: string; priority: number }
  /** Why something happened (from === to for decisions that change no state). */
  | { type: 'log-reason'; from: StateName; to: StateName; code: ReasonCode; message: string };

export interface StepResult {
  state: InstanceState;
  effects: Effect[];
  deadline: number | null;
}

// ---------------------------------------------------------------------------
// Helpers

type Draft = { -readonly [K in keyof InstanceState]: InstanceState[K] };

/** The deadline the caller must honour: the earliest pending timer. */
export function deadlineOf(s: InstanceState): number | null {
  let d: number | null = s.timer?.at ?? null;
  for (const g of s.garpTimers) if (d === null || g.at < d) d = g.at;
  if (s.garpRefreshAt !== null && (d === null || s.garpRefreshAt < d)) d = s.garpRefreshAt;
  return d;
}

function computePriority(s: Pick<InstanceState, 'params' | 'trackerDelta' | 'ownerDemoted'>): number {
  const base = s.ownerDemoted ? OWNER_PRIORITY - 1 : s.params.priority;
  return effectivePriority(base, s.trackerDelta);
}

function isOwner(s: InstanceState): boolean {
  return s.priority === OWNER_PRIORITY;
}

function masterDown(s: InstanceState): number {
  return masterDownInterval(s.params.version, s.priority, s.masterAdverIntCs, s.params.downTimerAdverts);
}

/** When a backup timer of this kind, armed at armedAt, expires with the current priority/intervals. */
function backupTimerAt(s: InstanceState, kind: TimerKind, armedAt: number): number {
  switch (kind) {
    case 'master-down':
      return armedAt + masterDown(s);
    case 'priority-0-skew':
    case 'retake-skew':
      return armedAt + skewTime(s.params.version, s.priority, s.masterAdverIntCs);
    case 'startup-master':
      return isOwner(s) ? armedAt : armedAt + masterDown(s);
    case 'advert':
      return armedAt + advertIntervalMs(s.params.advertIntervalCs);
  }
}

function arm(s: Draft, kind: TimerKind, armedAt: number): void {
  s.timer = { kind, armedAt, at: backupTimerAt(s, kind, armedAt) };
}

const NOTIFY: Record<'master' | 'backup' | 'fault', NotifyState> = { master: 'MASTER', backup: 'BACKUP', fault: 'FAULT' };

/**
 * Compare two addresses numerically as keepalived's vrrp_saddr_cmp does:
 * > 0 when a is higher. Different families (or unparsable text) compare equal.
 */
export function compareAddresses(a: string, b: string): number {
  const x = addressValue(a);
  const y = addressValue(b);
  if (!x || !y || x.family !== y.family) return 0;
  return x.value === y.value ? 0 : x.value > y.value ? 1 : -1;
}

function addressValue(text: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = parseV4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseV6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    value = (value << 8n) | BigInt(p);
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  let t = text.toLowerCase();
  const pct = t.indexOf('%');
  if (pct >= 0) t = t.slice(0, pct);
  // An embedded IPv4 tail becomes two groups.
  const lastColon = t.lastIndexOf(':');
  if (t.includes('.') && lastColon >= 0) {
    const v4 = parseV4(t.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    t = `${t.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(`0x${g}`);
  }
  return value;
}

// ---------------------------------------------------------------------------
// The reducer

/** One step of the state machine. Never mutates `state`. */
export function step(state: InstanceState, event: InstanceEvent, now: number): StepResult {
  const s: Draft = { ...state };
  const fx: Effect[] = [];
  const m = new Machine(s, fx, now);
  m.handle(event);
  return { state: s, effects: fx, deadline: deadlineOf(s) };
}

/** The fields whose change matters to a running instance (see onReload). */
export interface ReloadImpact {
  /** vrid or version changed: a different virtual router. */
  identity: boolean;
  /** Effective priority changes. */
  priority: boolean;
  /** advert interval or down_timer_adverts changed. */
  timing: boolean;
  vips: boolean;
  routes: boolean;
  rules: boolean;
  accept: boolean;
  preempt: boolean;
  garpRefresh: boolean;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** What `next` has that `prev` had not. */
function missingFrom(prev: readonly string[], next: readonly string[]): string[] {
  return next.filter((v) => !prev.includes(v));
}

export function reloadImpact(old: InstanceState, params: InstanceParams): ReloadImpact {
  const o = old.params;
  const newPriority = computePriority({ params, trackerDelta: old.trackerDelta, ownerDemoted: old.ownerDemoted && params.priority === o.priority });
  return {
    identity: o.vrid !== params.vrid || o.version !== params.version,
    priority: newPriority !== old.priority,
    timing: o.advertIntervalCs !== params.advertIntervalCs || o.downTimerAdverts !== params.downTimerAdverts,
    vips: !sameList(o.vips, params.vips),
    routes: !sameList(o.routes, params.routes),
    rules: !sameList(o.rules, params.rules),
    accept: o.accept !== params.accept,
    preempt: o.nopreempt !== params.nopreempt || o.preemptDelayMs !== params.preemptDelayMs,
    garpRefresh: o.garp.masterRefreshMs !== params.garp.masterRefreshMs,
  };
}

class Machine {
  constructor(
    private readonly s: Draft,
    private readonly fx: Effect[],
    private readonly now: number,
  ) {}

  handle(e: InstanceEvent): void {
    switch (e.type) {
      case 'start':
        return this.onStart(e.startupDelayMs ?? 0);
      case 'timer':
        return this.onTimer();
      case 'advert-received':
        return this.onAdvert(e.priority, e.source, e.advertIntervalCs);
      case 'priority-changed':
        return this.onPriorityChanged(e.delta, e.reason);
      case 'fault':
        return this.onFault(e.source);
      case 'fault-cleared':
        return this.onFaultCleared(e.source);
      case 'shutdown':
        return this.onShutdown(e.release ?? true);
      case 'reload':
        return this.onReload(e.params);
      case 'sync-master':
        return this.onSyncMaster();
      case 'sync-backup':
        return this.onSyncBackup();
      case 'sync-fault':
        return this.onSyncFault();
      case 'sync-fault-cleared':
        return this.onSyncFaultCleared();
      case 'sync-lower-prio-garp':
        if (this.s.state === 'master') this.lowerPriorityGarp();
        return;
      case 'installed-deleted':
        return this.onInstalledDeleted(e.what);
    }
  }

  // --- logging and small effects -------------------------------------------

  private log(to: StateName, code: ReasonCode, message: string): void {
    this.fx.push({ type: 'log-reason', from: this.s.state, to, code, message });
  }

  private advert(priority: number, reason: AdvertReason): void {
    this.fx.push({ type: 'send-advert', priority, reason });
  }

  private garp(count: number, reason: GarpReason): void {
    if (count > 0 && this.s.params.vips.length > 0) {
      this.fx.push({ type: 'send-garp', vips: this.s.params.vips, count, reason });
    }
  }

  private isDown(): boolean {
    return this.s.faults.length > 0 || this.s.groupFault;
  }

  // --- transitions -----------------------------------------------------------

  /**
   * RFC 5798 6.4.1 / 6.4.2 "transition to Master": send an advert, install the
   * VIPs, broadcast GARPs, start Adver_Timer. keepalived 2.2.7 sends the advert
   * first so the old master drops the VIPs before our GARPs go out, schedules
   * the second GARP burst after garp_master_delay and starts the refresh timer.
   */
  private enterMaster(code: ReasonCode, message: string): void {
    const s = this.s;
    const p = s.params;
    this.log('master', code, message);
    s.state = 'master';
    s.wantState = 'master';
    s.heldBySyncGroup = false;
    s.masterAdverIntCs = p.advertIntervalCs;
    s.preemptUntil = null;
    arm(s, 'advert', this.now);
    this.advert(s.priority, 'become-master');
    if (p.vips.length > 0) this.fx.push({ type: 'add-vips', vips: p.vips, accept: p.accept });
    if (p.routes.length > 0) this.fx.push({ type: 'add-routes', routes: p.routes });
    if (p.rules.length > 0) this.fx.push({ type: 'add-rules', rules: p.rules });
    s.vipsSet = true;
    this.garp(p.garp.masterRepeat, 'become-master');
    s.garpTimers =
      p.garp.masterDelayMs > 0 && p.garp.masterRepeat > 0
        ? [{ at: this.now + p.garp.masterDelayMs, count: p.garp.masterRepeat, reason: 'master-delay' }]
        : [];
    s.garpRefreshAt = p.garp.masterRefreshMs > 0 ? this.now + p.garp.masterRefreshMs : null;
    this.fx.push({ type: 'notify', state: 'MASTER', priority: s.priority });
  }

  /**
   * Drop what being master installed, in the reverse order of adding it
   * (keepalived's vrrp_restore_interface: rules, routes, VIPs).
   * priority0: tell the others we are leaving.
   */
  private releaseMaster(priority0: AdvertReason | null, release = true): void {
    const s = this.s;
    const p = s.params;
    if (priority0) this.advert(0, priority0);
    if (release && s.vipsSet) {
      if (p.rules.length > 0) this.fx.push({ type: 'remove-rules', rules: p.rules });
      if (p.routes.length > 0) this.fx.push({ type: 'remove-routes', routes: p.routes });
      if (p.vips.length > 0) this.fx.push({ type: 'remove-vips', vips: p.vips, accept: p.accept });
    }
    if (release) s.vipsSet = false;
    s.garpTimers = [];
    s.garpRefreshAt = null;
  }

  /**
   * Enter BACKUP with a down timer of the given kind armed now. A master
   * leaving sends a priority-0 advert only when priority0 names why.
   */
  private enterBackup(code: ReasonCode, message: string, timer: TimerKind = 'master-down', priority0: AdvertReason | null = null): void {
    const s = this.s;
    this.log('backup', code, message);
    if (s.state === 'master') this.releaseMaster(priority0);
    s.state = 'backup';
    s.wantState = 'backup';
    s.heldBySyncGroup = false;
    s.preemptUntil = null;
    arm(s, timer, this.now);
    this.fx.push({ type: 'notify', state: 'BACKUP', priority: s.priority });
  }

  /**
   * Enter FAULT. Leaving MASTER for FAULT sends a priority-0 advert
   * (keepalived vrrp_state_leave_master); timers stop.
   */
  private enterFault(code: ReasonCode, message: string): void {
    const s = this.s;
    this.log('fault', code, message);
    if (s.state === 'master') this.releaseMaster('leaving-for-fault');
    s.state = 'fault';
    s.wantState = 'fault';
    s.heldBySyncGroup = false;
    s.timer = null;
    s.preemptUntil = null;
    this.fx.push({ type: 'notify', state: 'FAULT', priority: s.priority });
  }

  /**
   * The backup's down timer expired (or an owner starts). In a sync group the
   * instance only records that it wants MASTER and re-arms its down timer, as
   * keepalived's vrrp_sync_can_goto_master does; the group decides.
   */
  private tryMaster(code: ReasonCode, message: string): void {
    const s = this.s;
    if (s.inSyncGroup) {
      if (!s.heldBySyncGroup) this.log('backup', 'waiting-for-sync-group', `${message}; waiting for the sync group`);
      s.wantState = 'master';
      s.heldBySyncGroup = true;
      arm(s, 'master-down', this.now);
      return;
    }
    this.enterMaster(code, message);
  }

  // --- events ------------------------------------------------------------------

  /**
   * RFC 5798 6.4.1 as keepalived's vrrp_init_state does it: every instance
   * starts in BACKUP (FAULT when an interface or tracker is down). The owner
   * with `state MASTER` becomes master at once; everyone else waits the full
   * master-down interval, `state MASTER` below 255 included (measured with
   * keepalived 2.2.7). A global start-up delay postpones all of it.
   */
  private onStart(startupDelayMs: number): void {
    const s = this.s;
    if (s.state !== 'init' && s.state !== 'stopped') return;
    const p = s.params;
    s.masterAdverIntCs = p.advertIntervalCs;
    s.priority = computePriority(s);
    s.master = null;
    s.preemptUntil = null;
    s.garpTimers = [];
    s.garpRefreshAt = null;
    s.heldBySyncGroup = false;
    s.wantState = p.initialState === 'MASTER' ? 'master' : 'backup';
    if (this.isDown()) {
      this.enterFault('start-fault', `starting in FAULT: ${this.faultText()}`);
      return;
    }
    const wait = startupWait({
      version: p.version,
      priority: s.priority,
      advertIntervalCs: p.advertIntervalCs,
      initialState: p.initialState,
      downTimerAdverts: p.downTimerAdverts,
    });
    const armedAt = this.now + startupDelayMs;
    if (wait.kind === 'owner' && startupDelayMs === 0 && !s.inSyncGroup) {
      this.enterMaster('address-owner', 'address owner (priority 255) with state MASTER: master at once');
      return;
    }
    const why = wait.kind === 'owner' ? 'address owner with state MASTER' : `state ${p.initialState}: waiting the master-down interval`;
    this.log('backup', 'start', `starting in BACKUP (${why})`);
    s.state = 'backup';
    arm(s, wait.kind === 'backup' ? 'master-down' : 'startup-master', armedAt);
    this.fx.push({ type: 'notify', state: 'BACKUP', priority: s.priority });
  }

  private onTimer(): void {
    const s = this.s;
    if (s.state !== 'backup' && s.state !== 'master') return;
    const p = s.params;
    if (s.state === 'master') {
      // Delayed GARP bursts (garp_master_delay, garp_lower_prio_delay).
      const due = s.garpTimers.filter((g) => g.at <= this.now);
      if (due.length > 0) {
        s.garpTimers = s.garpTimers.filter((g) => g.at > this.now);
        for (const g of due) this.garp(g.count, g.reason);
      }
      // garp_master_refresh. keepalived checks it when it sends an advert; we
      // keep an exact timer instead.
      if (s.garpRefreshAt !== null && s.garpRefreshAt <= this.now) {
        this.garp(p.garp.masterRefreshRepeat, 'refresh');
        s.garpRefreshAt = this.now + p.garp.masterRefreshMs;
      }
    }
    const t = s.timer;
    if (!t || t.at > this.now) return;
    if (s.state === 'master') {
      // RFC 5798 6.4.3: Adver_Timer fired: send an advert, restart the timer.
      this.advert(s.priority, 'timer');
      arm(s, 'advert', this.now);
      return;
    }
    // RFC 5798 6.4.2: Master_Down_Timer fired: become master.
    switch (t.kind) {
      case 'priority-0-skew':
        return this.tryMaster('priority-0-skew-expired', 'the master sent priority 0 and skew time passed');
      case 'retake-skew':
        return this.tryMaster('retake-skew-expired', 'no master took over within skew time after we left');
      case 'startup-master':
        return this.tryMaster(
          isOwner(s) ? 'address-owner' : 'initial-state-master',
          isOwner(s) ? 'address owner (priority 255)' : 'state MASTER: no higher-priority master heard within the master-down interval',
        );
      default: {
        const heard = s.master ? ` (last master ${s.master.address}, priority ${s.master.priority})` : '';
        return this.tryMaster('master-down-timer-expired', `no advert within the master-down interval${heard}`);
      }
    }
  }

  private onAdvert(priority: number, source: string, advertIntervalCs: number): void {
    // keepalived ignores adverts in FAULT and INIT (vrrp_dispatcher_read).
    if (this.s.state === 'backup') this.backupReceive(priority, source, advertIntervalCs);
    else if (this.s.state === 'master') this.masterReceive(priority, source, advertIntervalCs);
  }

  /** RFC 5798 6.4.2 "If an ADVERTISEMENT is received", with keepalived's preempt_delay. */
  private backupReceive(priority: number, source: string, advertIntervalCs: number): void {
    const s = this.s;
    const p = s.params;
    if (priority === 0) {
      // The master is leaving: take over after Skew_Time only.
      this.log('backup', 'priority-0-received', `${source} sent priority 0: master-down timer set to skew time`);
      arm(s, 'priority-0-skew', this.now);
      return;
    }
    const inPreemptDelay = p.preemptDelayMs > 0 && (s.preemptUntil === null || s.preemptUntil > this.now);
    if (p.nopreempt || priority >= s.priority || inPreemptDelay) {
      // Accept: adopt the master's interval (VRRPv3), reset the down timer.
      if (p.version === 3) s.masterAdverIntCs = advertIntervalCs;
      s.master = { address: source, priority };
      if (p.preemptDelayMs > 0) {
        if (priority >= s.priority) {
          if (s.preemptUntil !== null) this.log('backup', 'preempt-delay-stopped', `${source} has priority ${priority} >= ours (${s.priority}): preempt delay stopped`);
          s.preemptUntil = null;
        } else if (s.preemptUntil === null) {
          s.preemptUntil = this.now + p.preemptDelayMs;
          this.log('backup', 'preempt-delay-started', `${source} has lower priority ${priority} (ours ${s.priority}): preempting after ${p.preemptDelayMs} ms`);
        }
      }
      s.wantState = 'backup';
      s.heldBySyncGroup = false;
      arm(s, 'master-down', this.now);
      return;
    }
    // Lower priority and we preempt: discard, so the down timer runs out.
    s.master = { address: source, priority };
    this.log('backup', 'lower-priority-discarded', `received lower priority (${priority}) advert from ${source}, ours ${s.priority}: discarding`);
  }

  /** RFC 5798 6.4.3 "If an ADVERTISEMENT is received", as vrrp_state_master_rx does it. */
  private masterReceive(priority: number, source: string, advertIntervalCs: number): void {
    const s = this.s;
    const p = s.params;
    const cmp = compareAddresses(source, p.primaryAddress);
    const higher = priority > s.priority || (priority === s.priority && cmp > 0);
    if (priority === 0 || (p.higherPrioSendAdvert && higher)) {
      this.advert(s.priority, priority === 0 ? 'priority-0-received' : 'higher-priority-received');
      if (priority === 0) {
        this.log('master', 'priority-0-received', `${source} sent priority 0: advert sent at once`);
        arm(s, 'advert', this.now);
        return;
      }
    }
    if (priority === s.priority) {
      if (cmp === 0) {
        this.log('master', 'equal-priority-own-address', `equal priority advert received from ${source}, which is our own address`);
      } else if (s.priority === OWNER_PRIORITY) {
        // Two address owners: a configuration error. keepalived lowers its own
        // priority to 254 so that one of them backs off.
        s.ownerDemoted = true;
        s.priority = computePriority(s);
        this.log('master', 'owner-conflict', `${source} is also an address owner (priority 255): lowering our priority to ${s.priority}`);
      }
    }
    if (priority < s.priority || (priority === s.priority && cmp < 0)) {
      // A lower-priority master exists (typically after a partition healed):
      // answer at once so it goes backup, and refresh the clients' ARP caches.
      const forcing = !p.lowerPrioNoAdvert;
      this.log('master', 'lower-priority-advert', `received advert from ${source} with lower priority ${priority}, ours ${s.priority}${forcing ? ', forcing new election' : ''}`);
      if (forcing) {
        this.advert(s.priority, 'lower-priority-received');
        arm(s, 'advert', this.now);
      }
      this.lowerPriorityGarp();
      this.fx.push({ type: 'notify-master-rx-lower-pri', source, priority });
      return;
    }
    if (priority > s.priority || (priority === s.priority && cmp > 0)) {
      if (p.version === 3) s.masterAdverIntCs = advertIntervalCs;
      s.master = { address: source, priority };
      // No priority-0 advert here: the new master is already there.
      this.enterBackup(
        priority > s.priority ? 'higher-priority-advert' : 'equal-priority-higher-address',
        priority > s.priority
          ? `master received advert from ${source} with higher priority ${priority}, ours ${s.priority}`
          : `master received advert from ${source} with same priority ${priority} but higher address than ours (${p.primaryAddress})`,
      );
    }
  }

  /** garp_lower_prio_repeat now, and again after garp_lower_prio_delay. */
  private lowerPriorityGarp(): void {
    const s = this.s;
    const g = s.params.garp;
    if (g.lowerPrioRepeat <= 0) return;
    this.garp(g.lowerPrioRepeat, 'lower-priority');
    if (g.lowerPrioDelayMs > 0) {
      s.garpTimers = [...s.garpTimers, { at: this.now + g.lowerPrioDelayMs, count: g.lowerPrioRepeat, reason: 'lower-priority-delay' }];
    }
  }

  /**
   * keepalived vrrp_set_effective_priority: clamp, and in BACKUP move the down
   * timer by the change of the master-down interval (same start, new length).
   * A master just carries the new priority in its next advert.
   */
  private onPriorityChanged(delta: number, reason?: string): void {
    const s = this.s;
    s.trackerDelta = delta;
    this.applyPriority(reason ? `tracker change (${reason})` : 'tracker change');
  }

  private applyPriority(why: string): void {
    const s = this.s;
    const old = s.priority;
    s.priority = computePriority(s);
    if (s.priority === old) return;
    this.log(s.state, 'priority-changed', `${why}: effective priority ${old} -> ${s.priority}`);
    if (s.params.notifyPriorityChanges && (s.state === 'master' || s.state === 'backup')) {
      this.fx.push({ type: 'notify-priority', priority: s.priority });
    }
    this.rearmBackupTimer();
  }

  private rearmBackupTimer(): void {
    const s = this.s;
    if (s.state === 'backup' && s.timer) s.timer = { ...s.timer, at: backupTimerAt(s, s.timer.kind, s.timer.armedAt) };
  }

  private faultText(): string {
    const parts = [...this.s.faults];
    if (this.s.groupFault) parts.push('sync group in fault');
    return parts.join(', ');
  }

  private onFault(source: string): void {
    const s = this.s;
    if (s.faults.includes(source)) return;
    s.faults = [...s.faults, source];
    if (s.state === 'master' || s.state === 'backup') this.enterFault('fault', `${source} is down`);
  }

  /**
   * All faults gone: keepalived's try_up_instance leaves FAULT for BACKUP with
   * a full master-down interval, the address owner included.
   */
  private onFaultCleared(source: string): void {
    const s = this.s;
    if (!s.faults.includes(source)) return;
    s.faults = s.faults.filter((f) => f !== source);
    if (s.state !== 'fault' || this.isDown()) return;
    s.masterAdverIntCs = s.params.advertIntervalCs;
    this.enterBackup('fault-cleared', `${source} is up again; no fault left`);
  }

  /**
   * RFC 5798 6.4.3 Shutdown: a master sends priority 0 and drops its VIPs
   * (unless --dont-release-vrrp). Every running instance reports STOP.
   */
  private onShutdown(release: boolean): void {
    const s = this.s;
    if (s.state === 'stopped') return;
    const was = s.state;
    if (was !== 'init') this.log('stopped', 'shutdown', release ? 'shutting down' : 'shutting down without releasing VIPs');
    if (was === 'master') this.releaseMaster(release ? 'shutdown' : null, release);
    s.state = 'stopped';
    s.timer = null;
    s.garpTimers = [];
    s.garpRefreshAt = null;
    s.heldBySyncGroup = false;
    if (was !== 'init') this.fx.push({ type: 'notify', state: 'STOP', priority: s.priority });
  }

  /**
   * New parameters. Only what changed is acted on; a reload that touches
   * nothing the protocol uses keeps the state and every timer (a backup in the
   * middle of an election keeps its down timer).
   */
  private onReload(params: InstanceParams): void {
    const s = this.s;
    const old = s.params;
    const impact = reloadImpact(s, params);
    if (impact.identity) {
      const was = s.state;
      if (was === 'master' || was === 'backup' || was === 'fault') {
        // A different virtual router: leave the old one as on shutdown (what
        // the old parameters installed goes), start afresh.
        this.log('init', 'identity-changed', `VRID/version changed (${old.vrid}/v${old.version} -> ${params.vrid}/v${params.version}): restarting`);
        if (was === 'master') this.releaseMaster('identity-changed');
      }
      s.params = params;
      s.ownerDemoted = false;
      s.priority = computePriority(s);
      s.masterAdverIntCs = params.advertIntervalCs;
      if (was === 'init' || was === 'stopped') return;
      s.state = 'init';
      s.timer = null;
      this.onStart(0);
      return;
    }
    if (params.priority !== old.priority) s.ownerDemoted = false;
    s.params = params;
    if (params.preemptDelayMs === 0 || params.nopreempt) s.preemptUntil = null;
    if (s.state === 'init' || s.state === 'stopped' || s.state === 'fault') {
      s.priority = computePriority(s);
      s.masterAdverIntCs = params.advertIntervalCs;
      return;
    }
    const oldPriority = s.priority;
    s.priority = computePriority(s);
    const changed = Object.entries(impact).filter(([, v]) => v).map(([k]) => k);
    if (changed.length > 0) {
      this.log(s.state, 'reload', `reload changed ${changed.join(', ')}${impact.priority ? ` (priority ${oldPriority} -> ${s.priority})` : ''}`);
    }
    if (s.state === 'backup') {
      if (impact.timing && (params.version === 2 || s.masterAdverIntCs === old.advertIntervalCs)) {
        s.masterAdverIntCs = params.advertIntervalCs;
      }
      if (impact.priority && isOwner(s) && params.initialState === 'MASTER' && !s.inSyncGroup) {
        this.enterMaster('address-owner', 'reload made us the address owner (priority 255)');
        return;
      }
      if (impact.priority || impact.timing) this.rearmBackupTimer();
      return;
    }
    // MASTER.
    s.masterAdverIntCs = params.advertIntervalCs;
    if (s.vipsSet) this.reloadInstalled(old, params);
    if (impact.accept && s.vipsSet) this.fx.push({ type: 'set-accept', accept: params.accept });
    if (impact.garpRefresh) s.garpRefreshAt = params.garp.masterRefreshMs > 0 ? this.now + params.garp.masterRefreshMs : null;
    if (impact.priority || impact.timing) {
      // keepalived restarts a reloaded master with an immediate advert.
      this.advert(s.priority, 'reload');
      arm(s, 'advert', this.now);
    }
    if (impact.priority && s.params.notifyPriorityChanges) this.fx.push({ type: 'notify-priority', priority: s.priority });
  }

  /**
   * A reloaded master's VIPs, routes and rules: what the new config dropped
   * goes (rules, routes, VIPs), what it added comes (VIPs, routes, rules), as
   * keepalived's clear_diff_vrrp then restore_vrrp_state do; what both have
   * is left in place.
   */
  private reloadInstalled(old: InstanceParams, params: InstanceParams): void {
    const fx = this.fx;
    const removedRules = missingFrom(params.rules, old.rules);
    const removedRoutes = missingFrom(params.routes, old.routes);
    const removedVips = missingFrom(params.vips, old.vips);
    const addedVips = missingFrom(old.vips, params.vips);
    const addedRoutes = missingFrom(old.routes, params.routes);
    const addedRules = missingFrom(old.rules, params.rules);
    if (removedRules.length > 0) fx.push({ type: 'remove-rules', rules: removedRules });
    if (removedRoutes.length > 0) fx.push({ type: 'remove-routes', routes: removedRoutes });
    if (removedVips.length > 0) fx.push({ type: 'remove-vips', vips: removedVips, accept: old.accept });
    if (addedVips.length > 0) {
      fx.push({ type: 'add-vips', vips: addedVips, accept: params.accept });
      if (params.garp.masterRepeat > 0) fx.push({ type: 'send-garp', vips: addedVips, count: params.garp.masterRepeat, reason: 'reload' });
    }
    if (addedRoutes.length > 0) fx.push({ type: 'add-routes', routes: addedRoutes });
    if (addedRules.length > 0) fx.push({ type: 'add-rules', rules: addedRules });
  }

  /**
   * keepalived 2.2.7 (set_vrrp_backup, measured in a namespace): a master
   * whose VIP, tracked virtual route or rule is deleted from outside leaves
   * MASTER as on a fault -- priority-0 advert, everything it installed
   * removed -- and enters BACKUP with its down timer at Skew_Time, so that
   * with no other router it is master again (and reinstalls all) within a
   * second. Only a master reacts: nothing is installed in any other state.
   */
  private onInstalledDeleted(what: string): void {
    if (this.s.state !== 'master') return;
    this.enterBackup('installed-deleted', `${what} was deleted: leaving MASTER`, 'retake-skew', 'installed-deleted');
  }

  // --- sync group orders -------------------------------------------------------

  private onSyncMaster(): void {
    if (this.s.state !== 'backup' || this.isDown()) return;
    this.enterMaster('sync-group', 'sync group going MASTER');
  }

  private onSyncBackup(): void {
    const s = this.s;
    if (s.state === 'master') {
      this.enterBackup('sync-group', 'sync group going BACKUP');
    } else if (s.state === 'fault' && s.faults.length === 0) {
      s.groupFault = false;
      s.masterAdverIntCs = s.params.advertIntervalCs;
      this.enterBackup('sync-group', 'sync group going BACKUP');
    }
  }

  private onSyncFault(): void {
    const s = this.s;
    s.groupFault = true;
    if (s.state === 'master' || s.state === 'backup') this.enterFault('sync-group', 'another member of the sync group is in FAULT');
  }

  private onSyncFaultCleared(): void {
    const s = this.s;
    s.groupFault = false;
    if (s.state === 'fault' && s.faults.length === 0) {
      s.masterAdverIntCs = s.params.advertIntervalCs;
      this.enterBackup('sync-group', 'sync group left FAULT');
    }
  }
}
