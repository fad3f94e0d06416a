// vrrp_sync_group rules: the members of a group change state together. Pure:
// the group owns its members' fsm states and steps them; an event for one
// member may produce orders (sync-* events) for the others, applied at once.
//
// The rules, as keepalived's vrrp_sync.c applies them:
// - A member whose down timer expires only *wants* MASTER; the group becomes
//   master when every other member wants it too (or the group already is
//   master) -- "prefer backup to avoid thrashing" (vrrp_sync_can_goto_master).
//   Then every member goes master at the same moment (vrrp_sync_master).
// - A master member that goes BACKUP (higher-priority advert) takes the other
//   masters with it, without priority-0 adverts (vrrp_sync_backup).
// - A member in FAULT (its interface or a weight-0 tracker) puts the whole
//   group in FAULT; masters leave with a priority-0 advert (vrrp_sync_fault).
//   The group leaves FAULT, to BACKUP, when no member has a fault left.
// - A master member that hears a lower-priority master re-sends GARPs for the
//   other master members too (vrrp_state_master_rx, garp_lower_prio_repeat).
import {
  createInstance,
  deadlineOf,
  step,
  type Effect,
  type InstanceEvent,
  type InstanceParams,
  type InstanceState,
  type NotifyState,
} from './fsm.js';

export type GroupStateName = 'init' | 'backup' | 'master' | 'fault';

export interface SyncGroupState {
  readonly name: string;
  readonly state: GroupStateName;
  /** Member fsm states by instance name. */
  readonly members: Readonly<Record<string, InstanceState>>;
  /** Member names in configuration order (the order orders are applied in). */
  readonly order: readonly string[];
}

export type GroupEffect =
  /** An effect of one member's fsm. */
  | { type: 'instance'; instance: string; effect: Effect }
  /** The group's notify scripts (vrrp_sync_group notify_master / notify_backup / notify_fault). */
  | { type: 'group-notify'; group: string; state: NotifyState }
  | { type: 'group-log'; group: string; from: GroupStateName; to: GroupStateName; message: string };

export interface GroupStepResult {
  group: SyncGroupState;
  effects: GroupEffect[];
  /** Next timer deadline of each member. */
  deadlines: Record<string, number | null>;
  /** The earliest of them. */
  deadline: number | null;
}

export function createSyncGroup(name: string, members: readonly InstanceParams[]): SyncGroupState {
  const states: Record<string, InstanceState> = {};
  for (const p of members) states[p.name] = createInstance(p, { inSyncGroup: true });
  return { name, state: 'init', members: states, order: members.map((p) => p.name) };
}

/**
 * keepalived's vrrp_sync_can_goto_master: may `name`, whose down timer
 * expired, become master now?
 */
export function canGoMaster(group: SyncGroupState, name: string): boolean {
  if (group.state === 'master') return true;
  return group.order.every((n) => n === name || group.members[n].wantState === 'master');
}

/** Start every member, then apply the group rules once. */
export function startGroup(group: SyncGroupState, now: number, startupDelayMs = 0): GroupStepResult {
  return run(
    group,
    group.order.map((n) => [n, { type: 'start', startupDelayMs }] as const),
    now,
  );
}

/** Deliver an event to one member and apply the group rules to the outcome. */
export function stepGroup(group: SyncGroupState, member: string, event: InstanceEvent, now: number): GroupStepResult {
  if (!(member in group.members)) throw new Error(`sync group ${group.name} has no member ${member}`);
  return run(group, [[member, event]], now);
}

type Order = readonly [string, InstanceEvent];

function run(group: SyncGroupState, initial: readonly Order[], now: number): GroupStepResult {
  const members: Record<string, InstanceState> = { ...group.members };
  let groupState = group.state;
  const effects: GroupEffect[] = [];
  const queue: Order[] = [...initial];

  const setGroup = (to: GroupStateName, message: string): void => {
    if (to === groupState) return;
    effects.push({ type: 'group-log', group: group.name, from: groupState, to, message });
    groupState = to;
    if (to !== 'init') effects.push({ type: 'group-notify', group: group.name, state: to === 'master' ? 'MASTER' : to === 'backup' ? 'BACKUP' : 'FAULT' });
  };
  const others = (name: string) => group.order.filter((n) => n !== name);

  // A bound on the work: every order moves a member forward, so this is never
  // reached unless a rule is wrong.
  let budget = 64 * (group.order.length + 1);
  while (queue.length > 0) {
    if (--budget < 0) throw new Error(`sync group ${group.name}: rules did not settle`);
    const [name, event] = queue.shift()!;
    const before = members[name];
    const r = step(before, event, now);
    const after = r.state;
    members[name] = after;
    for (const effect of r.effects) effects.push({ type: 'instance', instance: name, effect });

    // Orders produced here run before anything queued earlier, so that a
    // member about to start sees the group's fault before choosing a state.
    const next: Order[] = [];

    // FAULT: any running member with a fault of its own puts the group in fault.
    const faulty = group.order.filter((n) => members[n].state !== 'stopped' && members[n].faults.length > 0);
    if (faulty.length > 0 && groupState !== 'fault') {
      setGroup('fault', `${faulty.join(', ')} in FAULT`);
      for (const n of group.order) if (!members[n].groupFault) next.push([n, { type: 'sync-fault' }]);
    } else if (faulty.length === 0 && groupState === 'fault') {
      setGroup('backup', 'no member in FAULT any more');
      for (const n of group.order) if (members[n].groupFault) next.push([n, { type: 'sync-fault-cleared' }]);
    } else if (after.state === 'master' && before.state !== 'master') {
      // One member became master: the others follow.
      setGroup('master', `${name} became MASTER`);
      for (const n of others(name)) if (members[n].state === 'backup') next.push([n, { type: 'sync-master' }]);
    } else if (before.state === 'master' && after.state === 'backup') {
      setGroup('backup', `${name} became BACKUP`);
      // A deletion from outside takes the other masters out as it took this one (keepalived's set_vrrp_backup).
      const order: InstanceEvent = event.type === 'installed-deleted' ? { type: 'installed-deleted', what: `${event.what} (sync group member ${name})` } : { type: 'sync-backup' };
      for (const n of others(name)) if (members[n].state === 'master') next.push([n, order]);
    } else if (after.state === 'backup' && groupState === 'init') {
      setGroup('backup', `${name} started in BACKUP`);
    }

    // The gate: a member held in BACKUP may go when the group lets it.
    if (after.state === 'backup' && after.heldBySyncGroup && groupState !== 'fault' && canGoMaster({ ...group, state: groupState, members }, name)) {
      next.push([name, { type: 'sync-master' }]);
    }

    // A master member heard a lower-priority master: the other masters refresh GARPs too.
    if (r.effects.some((e) => e.type === 'send-garp' && e.reason === 'lower-priority') && event.type === 'advert-received') {
      for (const n of others(name)) if (members[n].state === 'master') next.push([n, { type: 'sync-lower-prio-garp' }]);
    }

    queue.unshift(...next);
  }

  const deadlines: Record<string, number | null> = {};
  let deadline: number | null = null;
  for (const n of group.order) {
    const d = deadlineOf(members[n]);
    deadlines[n] = d;
    if (d !== null && (deadline === null || d < deadline)) deadline = d;
  }
  return { group: { ...group, state: groupState, members }, effects, deadlines, deadline };
}
