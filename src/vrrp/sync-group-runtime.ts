// A vrrp_sync_group running: the pure group rules (sync-group.ts) step the
// members' state machines together, and each member's runtime carries out
// its own effects and timer. Members keep their own sockets, VIPs and
// counters; only the decisions are shared.
import type { Effect, InstanceEvent, NotifyState } from './fsm.js';
import type { GroupStepper, InstanceRuntime, Timers } from './instance.js';
import { realTimers } from './instance.js';
import { createSyncGroup, stepGroup, type GroupStateName, type SyncGroupState } from './sync-group.js';

export type GroupEvent =
  | { type: 'group-state'; group: string; from: GroupStateName; to: GroupStateName; message: string }
  | { type: 'group-notify'; group: string; state: NotifyState };

export class SyncGroupRuntime implements GroupStepper {
  private state: SyncGroupState;
  private readonly members = new Map<string, InstanceRuntime>();
  /** Events that arrive while a step is being carried out wait for it (effects may report back synchronously). */
  private readonly pending: [string, InstanceEvent][] = [];
  private stepping = false;

  constructor(
    readonly name: string,
    members: readonly InstanceRuntime[],
    private readonly onEvent: (e: GroupEvent) => void = () => {},
    private readonly timers: Timers = realTimers,
  ) {
    this.state = createSyncGroup(name, members.map((m) => m.snapshot.params));
    for (const m of members) {
      this.members.set(m.name, m);
      m.joinGroup(this, this.state.members[m.name]);
    }
  }

  get groupState(): GroupStateName {
    return this.state.state;
  }

  dispatch(member: string, event: InstanceEvent): void {
    this.pending.push([member, event]);
    if (this.stepping) return;
    this.stepping = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) this.step(next[0], next[1]);
    } finally {
      this.stepping = false;
    }
  }

  private step(member: string, event: InstanceEvent): void {
    if (!this.members.has(member)) return;
    const r = stepGroup(this.state, member, event, this.timers.now());
    this.state = r.group;
    const effects = new Map<string, Effect[]>();
    for (const e of r.effects) {
      if (e.type === 'instance') {
        const list = effects.get(e.instance) ?? [];
        list.push(e.effect);
        effects.set(e.instance, list);
      } else if (e.type === 'group-log') {
        this.onEvent({ type: 'group-state', group: e.group, from: e.from, to: e.to, message: e.message });
      } else {
        this.onEvent({ type: 'group-notify', group: e.group, state: e.state });
      }
    }
    for (const name of this.state.order) {
      this.members.get(name)!.adopt(r.group.members[name], effects.get(name) ?? [], r.deadlines[name]);
    }
  }
}
