import { describe, expect, it } from 'vitest';
import { instanceParams, type Effect, type InstanceEvent, type InstanceParams } from '../../src/vrrp/fsm.js';
import {
  canGoMaster,
  createSyncGroup,
  startGroup,
  stepGroup,
  type GroupEffect,
  type GroupStepResult,
  type SyncGroupState,
} from '../../src/vrrp/sync-group.js';
import { masterDownInterval } from '../../src/vrrp/timing.js';
import { Sim } from './sim.js';

const md = (priority: number) => masterDownInterval(2, priority, 100, 3);

type Opts = Parameters<typeof instanceParams>[0];
const member = (name: string, vrid: number, o: Partial<Opts> = {}): InstanceParams =>
  instanceParams({ name, vrid, primaryAddress: '10.0.0.1', vips: [`192.0.2.${vrid}/24`], ...o });

function group(o: Partial<Opts> = {}): SyncGroupState {
  return createSyncGroup('G', [member('VI_1', 1, o), member('VI_2', 2, o)]);
}

/** Effects of one member, as types (send-advert with its priority, notify with its state). */
function of(effects: readonly GroupEffect[], instance: string): string[] {
  return effects
    .filter((e): e is Extract<GroupEffect, { type: 'instance' }> => e.type === 'instance' && e.instance === instance)
    .map((e) => e.effect)
    .filter((e) => e.type !== 'log-reason')
    .map((e: Effect) => (e.type === 'send-advert' ? `send-advert:${e.priority}` : e.type === 'notify' ? `notify:${e.state}` : e.type));
}
const groupNotifies = (effects: readonly GroupEffect[]) => effects.flatMap((e) => (e.type === 'group-notify' ? [e.state] : []));
const states = (g: SyncGroupState) => g.order.map((n) => g.members[n].state);

/** Start at 0, then deliver events [time, member, event] in order. */
function drive(g: SyncGroupState, events: Array<[number, string, InstanceEvent]>): { result: GroupStepResult; effects: GroupEffect[] } {
  let result = startGroup(g, 0);
  const effects = [...result.effects];
  for (const [t, m, e] of events) {
    result = stepGroup(result.group, m, e, t);
    effects.push(...result.effects);
  }
  return { result, effects };
}

/** Both members master: start, then let both down timers run out. */
function bothMaster(o: Partial<Opts> = {}): GroupStepResult {
  const { result } = drive(group(o), [
    [md(100), 'VI_1', { type: 'timer' }],
    [md(100), 'VI_2', { type: 'timer' }],
  ]);
  expect(states(result.group)).toEqual(['master', 'master']);
  return result;
}

describe('sync group rules (keepalived vrrp_sync.c)', () => {
  it('keepalived vrrp_init_state: the members start in BACKUP and the group reports BACKUP once', () => {
    const r = startGroup(group(), 0);
    expect(states(r.group)).toEqual(['backup', 'backup']);
    expect(r.group.state).toBe('backup');
    expect(groupNotifies(r.effects)).toEqual(['BACKUP']);
    expect(r.deadline).toBeCloseTo(md(100), 9);
  });

  it('keepalived vrrp_sync_can_goto_master: a member whose down timer expires waits until every member wants MASTER, then all go together', () => {
    const { result: held, effects } = drive(group(), [
      [2000, 'VI_2', { type: 'advert-received', priority: 100, source: '10.0.0.2', advertIntervalCs: 100 }],
      [md(100), 'VI_1', { type: 'timer' }],
    ]);
    const vi1 = held.group.members.VI_1;
    expect(vi1.state).toBe('backup');
    expect(vi1.heldBySyncGroup).toBe(true);
    expect(vi1.wantState).toBe('master');
    expect(held.deadlines.VI_1).toBeCloseTo(2 * md(100), 9);
    expect(effects.at(-1)).toMatchObject({ type: 'instance', instance: 'VI_1', effect: { code: 'waiting-for-sync-group' } });
    expect(canGoMaster(held.group, 'VI_1')).toBe(false);

    const r = stepGroup(held.group, 'VI_2', { type: 'timer' }, 2000 + md(100));
    expect(states(r.group)).toEqual(['master', 'master']);
    expect(r.group.state).toBe('master');
    expect(of(r.effects, 'VI_1')).toEqual(['send-advert:100', 'add-vips', 'send-garp', 'notify:MASTER']);
    expect(of(r.effects, 'VI_2')).toEqual(['send-advert:100', 'add-vips', 'send-garp', 'notify:MASTER']);
    expect(groupNotifies(r.effects)).toEqual(['MASTER']);
  });

  it('keepalived vrrp_state_backup: accepting an advert withdraws a held member\'s wish to be master', () => {
    const { result } = drive(group(), [
      [md(100), 'VI_1', { type: 'timer' }],
      [md(100) + 10, 'VI_1', { type: 'advert-received', priority: 150, source: '10.0.0.2', advertIntervalCs: 100 }],
      [md(100) + 20, 'VI_2', { type: 'timer' }],
    ]);
    expect(states(result.group)).toEqual(['backup', 'backup']);
    expect(result.group.members.VI_1.wantState).toBe('backup');
    expect(result.group.members.VI_2.heldBySyncGroup).toBe(true);
  });

  it('keepalived vrrp_sync_fault: a member in FAULT pulls the group to FAULT and the masters leave with priority 0', () => {
    const m = bothMaster();
    const r = stepGroup(m.group, 'VI_2', { type: 'fault', source: 'interface eth1' }, 10_000);
    expect(states(r.group)).toEqual(['fault', 'fault']);
    expect(r.group.state).toBe('fault');
    expect(of(r.effects, 'VI_2')).toEqual(['send-advert:0', 'remove-vips', 'notify:FAULT']);
    expect(of(r.effects, 'VI_1')).toEqual(['send-advert:0', 'remove-vips', 'notify:FAULT']);
    expect(groupNotifies(r.effects)).toEqual(['FAULT']);
    expect(r.deadline).toBeNull();
  });

  it('keepalived try_up_instance: the group leaves FAULT, to BACKUP, only when no member has a fault left', () => {
    const { result, effects } = drive(group(), [
      [100, 'VI_1', { type: 'fault', source: 'interface eth0' }],
      [200, 'VI_2', { type: 'fault', source: 'script chk' }],
      [300, 'VI_1', { type: 'fault-cleared', source: 'interface eth0' }],
    ]);
    expect(states(result.group)).toEqual(['fault', 'fault']);
    expect(of(result.effects, 'VI_1')).toEqual([]);
    const r = stepGroup(result.group, 'VI_2', { type: 'fault-cleared', source: 'script chk' }, 400);
    expect(states(r.group)).toEqual(['backup', 'backup']);
    expect(r.group.state).toBe('backup');
    expect(groupNotifies([...effects, ...r.effects])).toEqual(['BACKUP', 'FAULT', 'BACKUP']);
    expect(r.deadlines.VI_1).toBeCloseTo(400 + md(100), 9);
  });

  it('keepalived vrrp_sync_backup: a master member going BACKUP takes the others with it, without priority 0', () => {
    const m = bothMaster();
    const r = stepGroup(m.group, 'VI_1', { type: 'advert-received', priority: 200, source: '10.0.0.2', advertIntervalCs: 100 }, 10_000);
    expect(states(r.group)).toEqual(['backup', 'backup']);
    expect(of(r.effects, 'VI_1')).toEqual(['remove-vips', 'notify:BACKUP']);
    expect(of(r.effects, 'VI_2')).toEqual(['remove-vips', 'notify:BACKUP']);
    expect(groupNotifies(r.effects)).toEqual(['BACKUP']);
  });

  it('keepalived set_vrrp_backup: a VIP deleted from a master member takes every master member out with priority 0, and the group back after skew time', () => {
    const m = bothMaster();
    const r = stepGroup(m.group, 'VI_2', { type: 'installed-deleted', what: 'VIP 192.0.2.2/24' }, 10_000);
    expect(states(r.group)).toEqual(['backup', 'backup']);
    expect(of(r.effects, 'VI_1')).toEqual(['send-advert:0', 'remove-vips', 'notify:BACKUP']);
    expect(of(r.effects, 'VI_2')).toEqual(['send-advert:0', 'remove-vips', 'notify:BACKUP']);
    expect(r.deadline).toBeLessThan(10_000 + 700);
    let g = r;
    for (const name of ['VI_1', 'VI_2']) g = stepGroup(g.group, name, { type: 'timer' }, g.deadlines[name]!);
    expect(states(g.group)).toEqual(['master', 'master']);
  });

  it('keepalived vrrp_init_state: a member with a fault at start puts the whole group in FAULT; nobody reports BACKUP first', () => {
    let g = group();
    g = stepGroup(g, 'VI_1', { type: 'fault', source: 'interface eth0' }, 0).group;
    const r = startGroup(g, 0);
    expect(states(r.group)).toEqual(['fault', 'fault']);
    expect(of(r.effects, 'VI_1')).toEqual(['notify:FAULT']);
    expect(of(r.effects, 'VI_2')).toEqual(['notify:FAULT']);
  });

  it('keepalived vrrp_state_master_rx: a master member hearing a lower-priority master re-sends GARPs for the other master members too', () => {
    const m = bothMaster({ priority: 150 });
    const r = stepGroup(m.group, 'VI_1', { type: 'advert-received', priority: 100, source: '10.0.0.2', advertIntervalCs: 100 }, 10_000);
    expect(of(r.effects, 'VI_1')).toEqual(['send-advert:150', 'send-garp', 'notify-master-rx-lower-pri']);
    expect(of(r.effects, 'VI_2')).toEqual(['send-garp']);
  });

  it('keepalived vrrp_sync_set_group: a group of address owners with state MASTER becomes master at once', () => {
    const g = createSyncGroup('G', [member('VI_1', 1, { priority: 255, initialState: 'MASTER' }), member('VI_2', 2, { priority: 255, initialState: 'MASTER' })]);
    const s = startGroup(g, 0);
    expect(s.deadline).toBe(0);
    const r = stepGroup(s.group, 'VI_1', { type: 'timer' }, 0);
    expect(states(r.group)).toEqual(['master', 'master']);
  });

  it('rejects an event for an instance outside the group', () => {
    expect(() => stepGroup(group(), 'VI_9', { type: 'timer' }, 0)).toThrow(/no member VI_9/);
  });
});

describe('sync groups on two routers (simulated network)', () => {
  const router = (address: string, priority: number) => [
    member('VI_1', 1, { primaryAddress: address, priority }),
    member('VI_2', 2, { primaryAddress: address, priority }),
  ];

  it('an interface fault on one member of the master group hands the whole group over at skew time; when it clears the group takes back over', () => {
    const sim = new Sim()
      .add('a', router('10.0.0.1', 150), { syncGroup: 'G' })
      .add('b', router('10.0.0.2', 100), { syncGroup: 'G' })
      .startAll()
      .inject('a', 'VI_2', { type: 'fault', source: 'interface eth1' }, 20_000)
      .inject('a', 'VI_2', { type: 'fault-cleared', source: 'interface eth1' }, 30_000);

    sim.runUntil(19_999);
    expect(sim.masters('VI_1')).toEqual(['a']);
    expect(sim.masters('VI_2')).toEqual(['a']);

    sim.runUntil(29_999);
    expect(sim.groupState('a').state).toBe('fault');
    expect(sim.masters('VI_1')).toEqual(['b']);
    expect(sim.masters('VI_2')).toEqual(['b']);
    // Both of b's members heard priority 0 and moved together at skew time.
    const bUp = sim.transitionsOf('b').filter((x) => x.to === 'master' && x.t > 20_000);
    expect(bUp.map((x) => x.instance).sort()).toEqual(['VI_1', 'VI_2']);
    for (const x of bUp) expect(x.t).toBeCloseTo(20_001 + 609.375, 9);

    sim.runUntil(40_000);
    expect(sim.masters('VI_1')).toEqual(['a']);
    expect(sim.masters('VI_2')).toEqual(['a']);
    expect(sim.groupState('b').state).toBe('backup');
    // b left master because a's adverts had higher priority: no priority 0 from b.
    expect(sim.effects('b', 'send-advert').filter((e) => e.priority === 0)).toEqual([]);
  });
});
