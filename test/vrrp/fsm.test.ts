import { describe, expect, it } from 'vitest';
import {
  compareAddresses,
  createInstance,
  instanceParams,
  step,
  type Effect,
  type InstanceEvent,
  type InstanceParams,
  type InstanceState,
} from '../../src/vrrp/fsm.js';
import { masterDownInterval, skewTime } from '../../src/vrrp/timing.js';
import { Sim } from './sim.js';

const VIP = '192.0.2.100/24';
const ME = '10.0.0.1';
const PEER_LOW = '10.0.0.0'; // lower address than ME
const PEER_HIGH = '10.0.0.2'; // higher address than ME

type Opts = Parameters<typeof instanceParams>[0];
const P = (o: Partial<Opts> = {}): InstanceParams => instanceParams({ vrid: 51, primaryAddress: ME, vips: [VIP], ...o });

type Timed = Effect & { t: number };
interface Run {
  state: InstanceState;
  effects: Timed[];
  /** Effects of the last event only. */
  last: Effect[];
  deadline: number | null;
}

/** Feed events in order; each is [time, event]. */
function drive(initial: InstanceState, events: Array<[number, InstanceEvent]>): Run {
  let state = initial;
  let deadline: number | null = null;
  let last: Effect[] = [];
  const effects: Timed[] = [];
  for (const [t, e] of events) {
    const r = step(state, e, t);
    state = r.state;
    deadline = r.deadline;
    last = r.effects;
    effects.push(...r.effects.map((x) => ({ ...x, t })));
  }
  return { state, effects, last, deadline };
}

const start: InstanceEvent = { type: 'start' };
const timer: InstanceEvent = { type: 'timer' };
const advert = (priority: number, source = PEER_HIGH, advertIntervalCs = 100): InstanceEvent => ({ type: 'advert-received', priority, source, advertIntervalCs });

/** Boot at 0 and let the down timer run out: master at the returned time. */
function master(params: InstanceParams): { state: InstanceState; t: number } {
  const booted = drive(createInstance(params), [[0, start]]);
  if (booted.state.state === 'master') return { state: booted.state, t: 0 };
  const t = booted.deadline!;
  const r = drive(booted.state, [[t, timer]]);
  expect(r.state.state).toBe('master');
  return { state: r.state, t };
}

function backup(params: InstanceParams): InstanceState {
  const r = drive(createInstance(params), [[0, start]]);
  expect(r.state.state).toBe('backup');
  return r.state;
}

const types = (effects: readonly Effect[]) => effects.map((e) => (e.type === 'send-advert' ? `send-advert:${e.priority}` : e.type === 'notify' ? `notify:${e.state}` : e.type));
const noLogs = (effects: readonly Effect[]) => effects.filter((e) => e.type !== 'log-reason');
const md = (priority: number, cs = 100, version: 2 | 3 = 2) => masterDownInterval(version, priority, cs, 3);

describe('start-up (RFC 5798 6.4.1, keepalived vrrp_init_state)', () => {
  it('keepalived: state BACKUP starts in BACKUP and waits the master-down interval', () => {
    const r = drive(createInstance(P()), [[0, start]]);
    expect(r.state.state).toBe('backup');
    expect(types(noLogs(r.effects))).toEqual(['notify:BACKUP']);
    expect(r.deadline).toBeCloseTo(3609.375, 9);
  });

  it('RFC 5798 6.4.1: the address owner (priority 255, state MASTER) becomes master at once', () => {
    const r = drive(createInstance(P({ priority: 255, initialState: 'MASTER' })), [[0, start]]);
    expect(r.state.state).toBe('master');
    expect(types(noLogs(r.effects))).toEqual(['send-advert:255', 'add-vips', 'send-garp', 'notify:MASTER']);
    expect(r.effects[0]).toMatchObject({ type: 'log-reason', from: 'init', to: 'master', code: 'address-owner' });
    expect(r.deadline).toBe(1000);
  });

  it('keepalived 2.2.7 measured: state MASTER priority 150, advert_int 4 sends its first advert 12.4 s after start (the full master-down interval)', () => {
    const r = drive(createInstance(P({ priority: 150, initialState: 'MASTER', advertIntervalCs: 400 })), [[0, start]]);
    expect(r.state.state).toBe('backup');
    // 3 x 4 s + (256 - 150) / 256 s.
    expect(r.deadline).toBeCloseTo(12_414.062, 3);
    expect(step(r.state, timer, r.deadline! - 1).state.state).toBe('backup');
    const m = drive(r.state, [[r.deadline!, timer]]);
    expect(m.state.state).toBe('master');
    expect(m.effects[0]).toMatchObject({ code: 'initial-state-master' });
    expect(m.effects.find((e) => e.type === 'send-advert')).toMatchObject({ priority: 150, reason: 'become-master' });
  });

  it('keepalived 2.2.7: state MASTER below 255 waits exactly as long as state BACKUP with the same priority', () => {
    const asMaster = drive(createInstance(P({ priority: 150, initialState: 'MASTER' })), [[0, start]]);
    const asBackup = drive(createInstance(P({ priority: 150, initialState: 'BACKUP' })), [[0, start]]);
    expect(asMaster.deadline).toBe(asBackup.deadline);
    expect(asMaster.deadline).toBeCloseTo(md(150), 9);
  });

  it('keepalived: state MASTER below 255 stays backup when a higher-priority master answers in time', () => {
    const r = drive(createInstance(P({ priority: 150, initialState: 'MASTER' })), [
      [0, start],
      [500, advert(200)],
    ]);
    expect(r.state.state).toBe('backup');
    expect(r.deadline).toBeCloseTo(500 + md(150), 9);
  });

  it('keepalived: an owner configured with state BACKUP waits the master-down interval like a backup', () => {
    const r = drive(createInstance(P({ priority: 255, initialState: 'BACKUP' })), [[0, start]]);
    expect(r.state.state).toBe('backup');
    expect(r.deadline).toBeCloseTo(3003.906, 9);
  });

  it('keepalived vrrp_init_state: an instance whose interface or tracker is down starts in FAULT', () => {
    const r = drive(createInstance(P()), [
      [0, { type: 'fault', source: 'interface eth0' }],
      [0, start],
    ]);
    expect(r.state.state).toBe('fault');
    expect(types(noLogs(r.effects))).toEqual(['notify:FAULT']);
    expect(r.deadline).toBeNull();
  });

  it('keepalived vrrp_startup_delay postpones the first takeover', () => {
    const r = drive(createInstance(P()), [[0, { type: 'start', startupDelayMs: 5000 }]]);
    expect(r.deadline).toBeCloseTo(5000 + 3609.375, 9);
  });

  it('a second start of a running instance does nothing', () => {
    const s = backup(P());
    const r = step(s, start, 100);
    expect(r.effects).toEqual([]);
    expect(r.state).toEqual(s);
  });
});

describe('timers (RFC 5798 6.4.2, 6.4.3)', () => {
  it('RFC 5798 6.4.2: a backup whose Master_Down_Timer fires sends an advert, installs the VIPs, sends GARPs and notifies MASTER', () => {
    const s = backup(P());
    const r = step(s, timer, 3609.375);
    expect(r.state.state).toBe('master');
    expect(r.effects[0]).toMatchObject({ type: 'log-reason', from: 'backup', to: 'master', code: 'master-down-timer-expired' });
    expect(noLogs(r.effects)).toEqual([
      { type: 'send-advert', priority: 100, reason: 'become-master' },
      { type: 'add-vips', vips: [VIP], accept: false },
      { type: 'send-garp', vips: [VIP], count: 5, reason: 'become-master' },
      { type: 'notify', state: 'MASTER', priority: 100 },
    ]);
  });

  it('an early timer event changes nothing', () => {
    const s = backup(P());
    const r = step(s, timer, 1000);
    expect(r.effects).toEqual([]);
    expect(r.deadline).toBeCloseTo(3609.375, 9);
  });

  it('RFC 5798 6.4.3: a master sends an advert every advert interval', () => {
    const m = master(P({ advertIntervalCs: 200, garp: { masterDelayMs: 0 } }));
    const times = [m.t + 2000, m.t + 4000, m.t + 6000];
    const r = drive(m.state, times.map((t) => [t, timer] as [number, InstanceEvent]));
    expect(r.effects.filter((e) => e.type === 'send-advert').map((e) => e.t)).toEqual(times);
    expect(r.deadline).toBe(m.t + 8000);
  });

  it('keepalived garp_master_delay: a second GARP burst follows garp_master_delay after becoming master', () => {
    const m = master(P({ garp: { masterDelayMs: 2500, masterRepeat: 3 } }));
    const r = drive(m.state, [
      [m.t + 1000, timer],
      [m.t + 2000, timer],
      [m.t + 2500, timer],
      [m.t + 3000, timer],
    ]);
    const garps = r.effects.filter((e) => e.type === 'send-garp');
    expect(garps).toEqual([{ type: 'send-garp', vips: [VIP], count: 3, reason: 'master-delay', t: m.t + 2500 }]);
  });

  it('keepalived garp_master_delay 0: no second burst', () => {
    const m = master(P({ garp: { masterDelayMs: 0 } }));
    expect(step(m.state, timer, m.t + 1000).deadline).toBe(m.t + 2000);
  });

  it('keepalived garp_master_refresh: GARPs are repeated every garp_master_refresh while master', () => {
    const m = master(P({ garp: { masterDelayMs: 0, masterRefreshMs: 3000, masterRefreshRepeat: 2 } }));
    const events: Array<[number, InstanceEvent]> = [];
    for (let t = 1000; t <= 7000; t += 1000) events.push([m.t + t, timer]);
    const r = drive(m.state, events);
    expect(r.effects.filter((e) => e.type === 'send-garp').map((e) => [e.t - m.t, (e as { count: number }).count])).toEqual([
      [3000, 2],
      [6000, 2],
    ]);
  });

  it('no GARP effect for an instance without VIPs', () => {
    const r = drive(createInstance(P({ vips: [], priority: 255, initialState: 'MASTER' })), [[0, start]]);
    expect(types(noLogs(r.effects))).toEqual(['send-advert:255', 'notify:MASTER']);
  });
});

describe('backup receiving adverts (RFC 5798 6.4.2, keepalived vrrp_state_backup)', () => {
  it('RFC 5798 6.4.2: backup receiving priority 0 sets the master-down timer to skew time', () => {
    const r = drive(backup(P()), [[1000, advert(0)]]);
    expect(r.state.state).toBe('backup');
    expect(r.deadline).toBeCloseTo(1000 + 609.375, 9);
    expect(r.last).toEqual([expect.objectContaining({ type: 'log-reason', code: 'priority-0-received' })]);
    const m = step(r.state, timer, r.deadline!);
    expect(m.state.state).toBe('master');
    expect(m.effects[0]).toMatchObject({ code: 'priority-0-skew-expired' });
  });

  it.each([
    ['RFC 5798 6.4.2: a higher-priority advert resets the master-down timer', 150],
    ['RFC 5798 6.4.2: an equal-priority advert resets the master-down timer', 100],
  ])('%s', (_rule, priority) => {
    const r = drive(backup(P()), [[2000, advert(priority)]]);
    expect(r.state.state).toBe('backup');
    expect(r.last).toEqual([]);
    expect(r.deadline).toBeCloseTo(2000 + md(100), 9);
    expect(r.state.master).toEqual({ address: PEER_HIGH, priority });
  });

  it('RFC 5798 6.4.2: with preemption a backup discards a lower-priority advert, so its down timer still expires', () => {
    const r = drive(backup(P({ priority: 150 })), [[2000, advert(100)]]);
    expect(r.deadline).toBeCloseTo(md(150), 9);
    expect(r.last).toEqual([expect.objectContaining({ type: 'log-reason', code: 'lower-priority-discarded', from: 'backup', to: 'backup' })]);
  });

  it('RFC 5798 6.4.2: with nopreempt a backup accepts lower-priority adverts and never takes over', () => {
    const events: Array<[number, InstanceEvent]> = [];
    for (let t = 1000; t <= 20000; t += 1000) events.push([t, advert(100)]);
    const r = drive(backup(P({ priority: 150, nopreempt: true })), events);
    expect(r.state.state).toBe('backup');
    expect(r.deadline).toBeCloseTo(20000 + md(150), 9);
  });

  it('RFC 5798 6.4.2 (VRRPv3): a backup adopts the master\'s advert interval as Master_Adver_Interval', () => {
    const r = drive(backup(P({ version: 3 })), [[1000, advert(150, PEER_HIGH, 50)]]);
    expect(r.state.masterAdverIntCs).toBe(50);
    expect(r.deadline).toBeCloseTo(1000 + 1500 + skewTime(3, 100, 50), 9);
  });

  it('RFC 3768 (VRRPv2): the interval in the advert does not change Master_Adver_Interval', () => {
    const r = drive(backup(P({ version: 2 })), [[1000, advert(150, PEER_HIGH, 300)]]);
    expect(r.state.masterAdverIntCs).toBe(100);
    expect(r.deadline).toBeCloseTo(1000 + md(100), 9);
  });

  it('keepalived preempt_delay: lower-priority adverts are accepted until preempt_delay has passed since the first one', () => {
    const events: Array<[number, InstanceEvent]> = [];
    for (let t = 1000; t <= 13000; t += 1000) events.push([t, advert(100)]);
    const r = drive(backup(P({ priority: 150, preemptDelayMs: 10000 })), events);
    expect(r.state.preemptUntil).toBe(11000);
    // The advert at 10000 was the last one accepted; from 11000 on they are discarded.
    expect(r.deadline).toBeCloseTo(10000 + md(150), 9);
    expect(r.effects.filter((e) => e.type === 'log-reason').map((e) => [e.t, (e as { code: string }).code])).toEqual([
      [1000, 'preempt-delay-started'],
      ...[11000, 12000, 13000].map((t) => [t, 'lower-priority-discarded']),
    ]);
    expect(step(r.state, timer, r.deadline!).state.state).toBe('master');
  });

  it('keepalived preempt_delay: an advert of higher or equal priority stops the preempt delay', () => {
    const r = drive(backup(P({ priority: 150, preemptDelayMs: 10000 })), [
      [1000, advert(100)],
      [2000, advert(200)],
    ]);
    expect(r.state.preemptUntil).toBeNull();
    expect(r.last).toEqual([expect.objectContaining({ code: 'preempt-delay-stopped' })]);
  });

  it('adverts are ignored in FAULT and before start', () => {
    const fault = drive(backup(P()), [[0, { type: 'fault', source: 'interface eth0' }]]).state;
    expect(step(fault, advert(0), 10).effects).toEqual([]);
    expect(step(createInstance(P()), advert(200), 10).effects).toEqual([]);
  });
});

describe('master receiving adverts (RFC 5798 6.4.3, keepalived vrrp_state_master_rx)', () => {
  it('RFC 5798 6.4.3: a master receiving priority 0 sends an advert at once and stays master', () => {
    const m = master(P());
    const r = step(m.state, advert(0), m.t + 300);
    expect(r.state.state).toBe('master');
    expect(noLogs(r.effects)).toEqual([{ type: 'send-advert', priority: 100, reason: 'priority-0-received' }]);
    expect(r.deadline).toBe(m.t + 300 + 1000);
  });

  it('RFC 5798 6.4.3: a master receiving a higher priority goes backup without a priority-0 advert', () => {
    const m = master(P());
    const r = step(m.state, advert(150), m.t + 300);
    expect(r.state.state).toBe('backup');
    expect(r.effects[0]).toMatchObject({ type: 'log-reason', from: 'master', to: 'backup', code: 'higher-priority-advert' });
    expect(noLogs(r.effects)).toEqual([
      { type: 'remove-vips', vips: [VIP], accept: false },
      { type: 'notify', state: 'BACKUP', priority: 100 },
    ]);
    expect(r.deadline).toBeCloseTo(m.t + 300 + md(100), 9);
    expect(r.state.garpTimers).toEqual([]);
  });

  it('RFC 5798 6.4.3: equal priority from a higher primary address wins: the master goes backup', () => {
    const m = master(P());
    const r = step(m.state, advert(100, PEER_HIGH), m.t + 300);
    expect(r.state.state).toBe('backup');
    expect(r.effects[0]).toMatchObject({ code: 'equal-priority-higher-address' });
  });

  it('RFC 5798 6.4.3: equal priority from a lower primary address loses: the master answers at once', () => {
    const m = master(P());
    const r = step(m.state, advert(100, PEER_LOW), m.t + 300);
    expect(r.state.state).toBe('master');
    expect(types(noLogs(r.effects))).toEqual(['send-advert:100', 'send-garp', 'notify-master-rx-lower-pri']);
  });

  it('keepalived vrrp_state_master_rx: a lower-priority advert is answered at once ("forcing new election"), with garp_lower_prio_repeat GARPs now and after garp_lower_prio_delay', () => {
    const m = master(P({ priority: 150, garp: { masterDelayMs: 0, lowerPrioRepeat: 2, lowerPrioDelayMs: 4000 } }));
    const t = m.t + 300;
    const r = step(m.state, advert(100, PEER_HIGH), t);
    expect(r.state.state).toBe('master');
    expect(r.effects[0]).toMatchObject({ type: 'log-reason', code: 'lower-priority-advert' });
    expect((r.effects[0] as { message: string }).message).toContain('forcing new election');
    expect(noLogs(r.effects)).toEqual([
      { type: 'send-advert', priority: 150, reason: 'lower-priority-received' },
      { type: 'send-garp', vips: [VIP], count: 2, reason: 'lower-priority' },
      { type: 'notify-master-rx-lower-pri', source: PEER_HIGH, priority: 100 },
    ]);
    // The advert timer restarts from the advert just sent.
    expect(r.deadline).toBe(t + 1000);
    const later = drive(r.state, [
      [t + 1000, timer],
      [t + 2000, timer],
      [t + 3000, timer],
      [t + 4000, timer],
    ]);
    expect(later.effects.filter((e) => e.type === 'send-garp')).toEqual([
      { type: 'send-garp', vips: [VIP], count: 2, reason: 'lower-priority-delay', t: t + 4000 },
    ]);
  });

  it('keepalived lower_prio_no_advert: the master does not answer a lower-priority advert', () => {
    const m = master(P({ priority: 150, lowerPrioNoAdvert: true, garp: { lowerPrioRepeat: 0 } }));
    const r = step(m.state, advert(100), m.t + 300);
    expect(types(noLogs(r.effects))).toEqual(['notify-master-rx-lower-pri']);
    expect(r.deadline).toBe(m.t + 1000);
  });

  it('keepalived higher_prio_send_advert: the master answers a higher-priority advert before going backup', () => {
    const m = master(P({ higherPrioSendAdvert: true }));
    const r = step(m.state, advert(200), m.t + 300);
    expect(r.state.state).toBe('backup');
    expect(types(noLogs(r.effects))).toEqual(['send-advert:100', 'remove-vips', 'notify:BACKUP']);
  });

  it('keepalived: two address owners: the one hearing the other lowers its priority to 254 and goes backup', () => {
    const m = master(P({ priority: 255, initialState: 'MASTER' }));
    const r = step(m.state, advert(255, PEER_LOW), 300);
    expect(r.state.state).toBe('backup');
    expect(r.state.priority).toBe(254);
    expect(r.effects.filter((e) => e.type === 'log-reason').map((e) => (e as { code: string }).code)).toEqual(['owner-conflict', 'higher-priority-advert']);
  });

  it('RFC 5798 6.4.3 (VRRPv3): a master going backup adopts the new master\'s advert interval', () => {
    const m = master(P({ version: 3 }));
    const r = step(m.state, advert(200, PEER_HIGH, 50), m.t + 10);
    expect(r.state.masterAdverIntCs).toBe(50);
    expect(r.deadline).toBeCloseTo(m.t + 10 + md(100, 50, 3), 9);
  });

  it('RFC 5798 6.4.2: a VRRPv3 master uses its own interval again after becoming master', () => {
    const s = drive(backup(P({ version: 3 })), [[1000, advert(150, PEER_HIGH, 50)]]).state;
    const r = step(s, timer, 5000);
    expect(r.state.state).toBe('master');
    expect(r.state.masterAdverIntCs).toBe(100);
    expect(r.deadline).toBe(6000);
  });
});

describe('priority changes (keepalived vrrp_set_effective_priority)', () => {
  it('in BACKUP a priority change moves the down timer: same start, new master-down interval', () => {
    const r = drive(backup(P()), [[1000, { type: 'priority-changed', delta: 50, reason: 'script chk' }]]);
    expect(r.state.priority).toBe(150);
    expect(r.deadline).toBeCloseTo(md(150), 9);
    expect(r.last).toEqual([expect.objectContaining({ type: 'log-reason', code: 'priority-changed' })]);
  });

  it('a change that leaves the clamped priority the same emits nothing', () => {
    const s = drive(backup(P({ priority: 250 })), [[0, { type: 'priority-changed', delta: 10 }]]).state;
    expect(s.priority).toBe(254);
    expect(step(s, { type: 'priority-changed', delta: 20 }, 10).effects).toEqual([]);
  });

  it('keepalived notify_priority_changes: the new priority is notified', () => {
    const r = drive(backup(P({ notifyPriorityChanges: true })), [[0, { type: 'priority-changed', delta: -20 }]]);
    expect(noLogs(r.last)).toEqual([{ type: 'notify-priority', priority: 80 }]);
  });

  it('a master whose priority drops stays master and carries the new priority in its next advert', () => {
    const m = master(P({ priority: 150 }));
    const r = drive(m.state, [
      [m.t + 100, { type: 'priority-changed', delta: -100 }],
      [m.t + 1000, timer],
    ]);
    expect(r.state.state).toBe('master');
    expect(r.last).toEqual([{ type: 'send-advert', priority: 50, reason: 'timer' }]);
  });

  it('the address owner keeps 255 whatever the weights', () => {
    const m = master(P({ priority: 255, initialState: 'MASTER' }));
    expect(step(m.state, { type: 'priority-changed', delta: -100 }, 10).state.priority).toBe(255);
  });
});

describe('faults (keepalived down_instance / try_up_instance)', () => {
  it('keepalived vrrp_state_leave_master: a master leaving for FAULT sends priority 0 and removes its VIPs', () => {
    const m = master(P());
    const r = step(m.state, { type: 'fault', source: 'interface eth0' }, m.t + 10);
    expect(r.state.state).toBe('fault');
    expect(r.effects[0]).toMatchObject({ type: 'log-reason', from: 'master', to: 'fault', code: 'fault' });
    expect(noLogs(r.effects)).toEqual([
      { type: 'send-advert', priority: 0, reason: 'leaving-for-fault' },
      { type: 'remove-vips', vips: [VIP], accept: false },
      { type: 'notify', state: 'FAULT', priority: 100 },
    ]);
    expect(r.deadline).toBeNull();
  });

  it('a backup going to FAULT notifies FAULT and stops its timers', () => {
    const r = step(backup(P()), { type: 'fault', source: 'script chk' }, 10);
    expect(types(noLogs(r.effects))).toEqual(['notify:FAULT']);
    expect(r.deadline).toBeNull();
  });

  it('keepalived try_up_instance: when the last fault clears the instance goes BACKUP with a full master-down interval', () => {
    const r = drive(backup(P()), [
      [10, { type: 'fault', source: 'interface eth0' }],
      [20, { type: 'fault', source: 'script chk' }],
      [30, { type: 'fault-cleared', source: 'interface eth0' }],
    ]);
    expect(r.state.state).toBe('fault');
    expect(r.last).toEqual([]);
    const up = step(r.state, { type: 'fault-cleared', source: 'script chk' }, 40);
    expect(up.state.state).toBe('backup');
    expect(types(noLogs(up.effects))).toEqual(['notify:BACKUP']);
    expect(up.deadline).toBeCloseTo(40 + md(100), 9);
  });

  it('keepalived try_up_instance: the address owner also comes back through BACKUP', () => {
    const m = master(P({ priority: 255, initialState: 'MASTER' }));
    const r = drive(m.state, [
      [10, { type: 'fault', source: 'interface eth0' }],
      [20, { type: 'fault-cleared', source: 'interface eth0' }],
    ]);
    expect(r.state.state).toBe('backup');
    expect(r.deadline).toBeCloseTo(20 + md(255), 9);
  });

  it('a repeated fault from the same source is counted once', () => {
    const r = drive(backup(P()), [
      [10, { type: 'fault', source: 'interface eth0' }],
      [20, { type: 'fault', source: 'interface eth0' }],
      [30, { type: 'fault-cleared', source: 'interface eth0' }],
    ]);
    expect(r.state.state).toBe('backup');
  });
});

describe('something installed deleted from outside (keepalived 2.2.7 set_vrrp_backup, measured)', () => {
  const R1 = '203.0.113.0/26 via 198.51.100.1 dev eth0 proto keepalived';
  const RULE1 = '2000: from 198.51.100.180/32 proto keepalived table 100';
  const deleted: InstanceEvent = { type: 'installed-deleted', what: `virtual route ${R1}` };

  it('a master leaves: priority 0, rules, routes and VIPs removed, BACKUP notified, down timer at skew time', () => {
    const m = master(P({ priority: 150, routes: [R1], rules: [RULE1] }));
    const r = step(m.state, deleted, m.t + 100);
    expect(r.state.state).toBe('backup');
    expect(r.state.wantState).toBe('backup');
    expect(r.state.vipsSet).toBe(false);
    expect(r.effects[0]).toMatchObject({ type: 'log-reason', from: 'master', to: 'backup', code: 'installed-deleted' });
    expect(noLogs(r.effects)).toEqual([
      { type: 'send-advert', priority: 0, reason: 'installed-deleted' },
      { type: 'remove-rules', rules: [RULE1] },
      { type: 'remove-routes', routes: [R1] },
      { type: 'remove-vips', vips: [VIP], accept: false },
      { type: 'notify', state: 'BACKUP', priority: 150 },
    ]);
    // keepalived measured: master again 0.42 s later with priority 150 (skew time (256 - 150) / 256 s).
    expect(r.deadline).toBeCloseTo(m.t + 100 + skewTime(2, 150, 100), 9);
    expect(r.deadline! - (m.t + 100)).toBeCloseTo(414, 0);
  });

  it('with no other router it takes over again when the skew time has passed, and installs everything again', () => {
    const m = master(P({ priority: 150, routes: [R1], rules: [RULE1] }));
    const left = step(m.state, deleted, m.t + 100);
    const back = step(left.state, timer, left.deadline!);
    expect(back.state.state).toBe('master');
    expect(back.effects[0]).toMatchObject({ type: 'log-reason', code: 'retake-skew-expired' });
    expect(types(noLogs(back.effects))).toEqual(['send-advert:150', 'add-vips', 'add-routes', 'add-rules', 'send-garp', 'notify:MASTER']);
  });

  it('a router that answers within the skew time keeps it in BACKUP', () => {
    const m = master(P({ priority: 150 }));
    const left = step(m.state, deleted, m.t + 100);
    const r = step(left.state, advert(100, PEER_LOW), m.t + 300);
    expect(r.state.state).toBe('backup');
    // A lower priority is discarded (preempt): the skew timer still runs out and it takes over.
    expect(step(r.state, timer, left.deadline!).state.state).toBe('master');
    const higher = step(left.state, advert(200), m.t + 300);
    expect(higher.deadline).toBeCloseTo(m.t + 300 + md(150), 9);
  });

  it('a backup, a faulty or a stopped instance ignores it (it has nothing installed)', () => {
    const b = backup(P());
    const rb = step(b, deleted, 10);
    expect(rb.effects).toEqual([]);
    expect(rb.state).toEqual(b);
    const f = step(b, { type: 'fault', source: 'interface eth0' }, 20).state;
    expect(step(f, deleted, 30).effects).toEqual([]);
    const s = step(master(P()).state, { type: 'shutdown' }, 5000).state;
    expect(step(s, deleted, 5010).effects).toEqual([]);
  });
});

describe('shutdown (RFC 5798 6.4.3 Shutdown, keepalived vrrp_restore_interface)', () => {
  it('RFC 5798 6.4.3: a master shutting down sends priority 0, removes its VIPs and notifies STOP', () => {
    const m = master(P());
    const r = step(m.state, { type: 'shutdown' }, m.t + 10);
    expect(r.state.state).toBe('stopped');
    expect(noLogs(r.effects)).toEqual([
      { type: 'send-advert', priority: 0, reason: 'shutdown' },
      { type: 'remove-vips', vips: [VIP], accept: false },
      { type: 'notify', state: 'STOP', priority: 100 },
    ]);
    expect(r.deadline).toBeNull();
  });

  it('keepalived --dont-release-vrrp: no priority-0 advert and the VIPs stay', () => {
    const m = master(P());
    const r = step(m.state, { type: 'shutdown', release: false }, m.t + 10);
    expect(types(noLogs(r.effects))).toEqual(['notify:STOP']);
    expect(r.state.vipsSet).toBe(true);
  });

  it('a backup shutting down only notifies STOP', () => {
    expect(types(noLogs(step(backup(P()), { type: 'shutdown' }, 10).effects))).toEqual(['notify:STOP']);
  });

  it('a stopped instance can be started again', () => {
    const s = step(backup(P()), { type: 'shutdown' }, 10).state;
    const r = step(s, start, 20);
    expect(r.state.state).toBe('backup');
    expect(r.deadline).toBeCloseTo(20 + md(100), 9);
  });
});

describe('reload', () => {
  it.each([
    ['garp repeat counts', { garp: { masterRepeat: 1, lowerPrioRepeat: 1 } }],
    ['lower_prio_no_advert', { lowerPrioNoAdvert: true }],
    ['the initial state', { initialState: 'MASTER' as const, priority: 100 }],
    ['the instance name', { name: 'renamed' }],
    ['the tie-break address', { primaryAddress: '10.0.0.9' }],
  ])('a reload changing only %s keeps a backup\'s state and down timer (reload in the middle of an election)', (_what, change) => {
    const s = drive(backup(P()), [[1000, advert(100)]]).state;
    const r = step(s, { type: 'reload', params: P(change) }, 2500);
    expect(r.effects).toEqual([]);
    expect(r.state.state).toBe('backup');
    expect(r.deadline).toBeCloseTo(1000 + md(100), 9);
  });

  it('a reload changing nothing keeps a master\'s state and timers', () => {
    const m = master(P());
    const r = step(m.state, { type: 'reload', params: P() }, m.t + 400);
    expect(r.effects).toEqual([]);
    expect(r.deadline).toBe(m.t + 1000);
  });

  it('a reload raising a backup\'s priority moves its down timer like a tracker change', () => {
    const s = drive(backup(P()), [[1000, advert(120)]]).state;
    const r = step(s, { type: 'reload', params: P({ priority: 200 }) }, 2000);
    expect(r.state.priority).toBe(200);
    expect(r.deadline).toBeCloseTo(1000 + md(200), 9);
    expect(r.effects).toEqual([expect.objectContaining({ type: 'log-reason', code: 'reload' })]);
  });

  it('a reload changing a master\'s priority sends an advert at once', () => {
    const m = master(P());
    const r = step(m.state, { type: 'reload', params: P({ priority: 90 }) }, m.t + 400);
    expect(noLogs(r.effects)).toEqual([{ type: 'send-advert', priority: 90, reason: 'reload' }]);
    expect(r.deadline).toBe(m.t + 1400);
  });

  it('a reload of a master with a changed VIP list removes and adds only the difference, and GARPs the new VIPs', () => {
    const m = master(P({ vips: ['192.0.2.1/24', '192.0.2.2/24'] }));
    const r = step(m.state, { type: 'reload', params: P({ vips: ['192.0.2.2/24', '192.0.2.3/24'] }) }, m.t + 400);
    expect(noLogs(r.effects)).toEqual([
      { type: 'remove-vips', vips: ['192.0.2.1/24'], accept: false },
      { type: 'add-vips', vips: ['192.0.2.3/24'], accept: false },
      { type: 'send-garp', vips: ['192.0.2.3/24'], count: 5, reason: 'reload' },
    ]);
    expect(r.deadline).toBe(m.t + 1000);
  });

  it('a reload of a master switching accept mode on tells the runtime', () => {
    const m = master(P());
    expect(noLogs(step(m.state, { type: 'reload', params: P({ accept: true }) }, m.t + 1).effects)).toEqual([{ type: 'set-accept', accept: true }]);
  });

  it('a reload changing the VRID leaves the old virtual router (priority 0) and starts the new one', () => {
    const m = master(P());
    const r = step(m.state, { type: 'reload', params: P({ vrid: 52 }) }, m.t + 400);
    expect(r.state.state).toBe('backup');
    expect(types(noLogs(r.effects))).toEqual(['send-advert:0', 'remove-vips', 'notify:BACKUP']);
    expect(r.state.params.vrid).toBe(52);
  });

  it('a reload making a backup the address owner takes over at once', () => {
    const s = backup(P());
    const r = step(s, { type: 'reload', params: P({ priority: 255, initialState: 'MASTER' }) }, 100);
    expect(r.state.state).toBe('master');
  });

  it('a reload setting preempt_delay to 0 forgets a running preempt delay', () => {
    const s = drive(backup(P({ priority: 150, preemptDelayMs: 10000 })), [[1000, advert(100)]]).state;
    expect(s.preemptUntil).toBe(11000);
    expect(step(s, { type: 'reload', params: P({ priority: 150 }) }, 2000).state.preemptUntil).toBeNull();
  });
});

describe('virtual routes and rules (keepalived vrrp_state_become_master, vrrp_restore_interface, clear_diff_vrrp)', () => {
  const R1 = '203.0.113.0/26 via 198.51.100.1 dev eth0 proto keepalived';
  const R2 = 'blackhole 203.0.113.224/27 table 100 proto keepalived';
  const RULE1 = '2000: from 198.51.100.180/32 proto keepalived table 100';
  const RULE2 = '2001: from all to 203.0.113.0/24 proto keepalived table 100';
  const withRouting = (o: Partial<Opts> = {}) => P({ routes: [R1, R2], rules: [RULE1, RULE2], ...o });
  const installs = (effects: readonly Effect[]) => noLogs(effects).filter((e) => /-(vips|routes|rules)$/.test(e.type));

  it('becoming master installs VIPs, then routes, then rules (a route may take a VIP as source), before the GARPs', () => {
    const booted = drive(createInstance(withRouting()), [[0, start]]);
    const r = step(booted.state, timer, booted.deadline!);
    expect(types(noLogs(r.effects))).toEqual(['send-advert:100', 'add-vips', 'add-routes', 'add-rules', 'send-garp', 'notify:MASTER']);
    expect(installs(r.effects)).toEqual([
      { type: 'add-vips', vips: [VIP], accept: false },
      { type: 'add-routes', routes: [R1, R2] },
      { type: 'add-rules', rules: [RULE1, RULE2] },
    ]);
  });

  it('measured with keepalived 2.2.7: a master going backup removes rules, then routes, then VIPs, without a priority-0 advert', () => {
    const m = master(withRouting());
    const r = step(m.state, advert(200), m.t + 100);
    expect(r.state.state).toBe('backup');
    expect(types(noLogs(r.effects))).toEqual(['remove-rules', 'remove-routes', 'remove-vips', 'notify:BACKUP']);
    expect(installs(r.effects)).toEqual([
      { type: 'remove-rules', rules: [RULE1, RULE2] },
      { type: 'remove-routes', routes: [R1, R2] },
      { type: 'remove-vips', vips: [VIP], accept: false },
    ]);
  });

  it('leaving master for FAULT: priority 0 first, then rules, routes, VIPs', () => {
    const m = master(withRouting());
    const r = step(m.state, { type: 'fault', source: 'interface eth0' }, m.t + 100);
    expect(types(noLogs(r.effects))).toEqual(['send-advert:0', 'remove-rules', 'remove-routes', 'remove-vips', 'notify:FAULT']);
  });

  it('measured with keepalived 2.2.7: shutdown of a master removes rules, routes and VIPs; --dont-release-vrrp leaves all three', () => {
    const m = master(withRouting());
    expect(types(noLogs(step(m.state, { type: 'shutdown' }, m.t + 10).effects))).toEqual(['send-advert:0', 'remove-rules', 'remove-routes', 'remove-vips', 'notify:STOP']);
    const kept = step(m.state, { type: 'shutdown', release: false }, m.t + 10);
    expect(installs(kept.effects)).toEqual([]);
    expect(kept.state.vipsSet).toBe(true);
  });

  it('an instance with routes and no VIPs installs and removes its routes all the same', () => {
    const m = master(withRouting({ vips: [] }));
    const r = step(m.state, advert(200), m.t + 100);
    expect(types(noLogs(r.effects))).toEqual(['remove-rules', 'remove-routes', 'notify:BACKUP']);
  });

  it('a backup never installs routes or rules, and removes none when it stops', () => {
    const b = backup(withRouting());
    const r = drive(b, [[500, advert(200)], [1000, { type: 'shutdown' }]]);
    expect(installs(r.effects)).toEqual([]);
  });

  it('measured with keepalived 2.2.7: a reloaded master drops what the new config dropped (rules, routes, VIPs) and adds what it added (VIPs, routes, rules); the rest stays', () => {
    const R3 = '203.0.113.32/27 via 198.51.100.1 dev eth0 proto keepalived';
    const RULE3 = '2003: from all to 203.0.113.0/25 proto keepalived table 100';
    const m = master(withRouting({ vips: ['192.0.2.1/24', '192.0.2.2/24'] }));
    const next = withRouting({ vips: ['192.0.2.2/24', '192.0.2.3/24'], routes: [R2, R3], rules: [RULE1, RULE3] });
    const r = step(m.state, { type: 'reload', params: next }, m.t + 400);
    expect(noLogs(r.effects)).toEqual([
      { type: 'remove-rules', rules: [RULE2] },
      { type: 'remove-routes', routes: [R1] },
      { type: 'remove-vips', vips: ['192.0.2.1/24'], accept: false },
      { type: 'add-vips', vips: ['192.0.2.3/24'], accept: false },
      { type: 'send-garp', vips: ['192.0.2.3/24'], count: 5, reason: 'reload' },
      { type: 'add-routes', routes: [R3] },
      { type: 'add-rules', rules: [RULE3] },
    ]);
    expect(r.state.state).toBe('master');
    // Leaving master later removes the new set.
    const left = step(r.state, advert(200), m.t + 500);
    expect(installs(left.effects)).toEqual([
      { type: 'remove-rules', rules: [RULE1, RULE3] },
      { type: 'remove-routes', routes: [R2, R3] },
      { type: 'remove-vips', vips: ['192.0.2.2/24', '192.0.2.3/24'], accept: false },
    ]);
  });

  it('a reload changing only routes and rules keeps a backup as it is, and a master\'s timers', () => {
    const b = drive(backup(withRouting()), [[1000, advert(100)]]).state;
    const rb = step(b, { type: 'reload', params: withRouting({ routes: [R1], rules: [] }) }, 2500);
    expect(installs(rb.effects)).toEqual([]);
    expect(rb.deadline).toBeCloseTo(1000 + md(100), 9);
    const m = master(withRouting());
    const rm = step(m.state, { type: 'reload', params: withRouting({ routes: [R1] }) }, m.t + 400);
    expect(noLogs(rm.effects)).toEqual([{ type: 'remove-routes', routes: [R2] }]);
    expect(rm.deadline).toBe(m.t + 1000);
  });

  it('a reload changing the VRID of a master removes what the old parameters installed, not the new ones', () => {
    const m = master(withRouting());
    const r = step(m.state, { type: 'reload', params: P({ vrid: 52, vips: ['192.0.2.9/24'], routes: [R2], rules: [] }) }, m.t + 400);
    expect(installs(r.effects)).toEqual([
      { type: 'remove-rules', rules: [RULE1, RULE2] },
      { type: 'remove-routes', routes: [R1, R2] },
      { type: 'remove-vips', vips: [VIP], accept: false },
    ]);
    expect(r.state.params.vrid).toBe(52);
  });
});

describe('compareAddresses (keepalived vrrp_saddr_cmp)', () => {
  it.each([
    ['10.0.0.2', '10.0.0.1', 1],
    ['10.0.0.1', '10.0.0.2', -1],
    ['10.0.0.10', '10.0.0.9', 1],
    ['192.168.1.1', '10.255.255.255', 1],
    ['fe80::2', 'fe80::1', 1],
    ['fe80::1:0', 'fe80::ffff', 1],
    ['2001:db8::1', '2001:db8::1', 0],
    ['::ffff:10.0.0.2', '::ffff:10.0.0.1', 1],
    ['10.0.0.1', 'fe80::1', 0],
    ['not an address', '10.0.0.1', 0],
  ])('%s vs %s -> %i', (a, b, expected) => {
    expect(compareAddresses(a, b)).toBe(expected);
  });
});

describe('purity', () => {
  it('step never mutates the state it is given', () => {
    const s = backup(P());
    const frozen = JSON.stringify(s);
    step(s, timer, 5000);
    step(s, advert(0), 10);
    step(s, { type: 'fault', source: 'x' }, 10);
    expect(JSON.stringify(s)).toBe(frozen);
  });
});

describe('multi-node scenarios (simulated network, 1 ms latency)', () => {
  const A = '10.0.0.1';
  const B = '10.0.0.2';
  const C = '10.0.0.3';
  const node = (address: string, o: Partial<Opts> = {}) => P({ primaryAddress: address, ...o });
  const sentZero = (sim: Sim, router: string) => sim.effects(router, 'send-advert').filter((e) => e.priority === 0);

  it('simultaneous boot of two equal-priority nodes (RFC 5798 6.4.3): both time out together, the higher address wins', () => {
    const sim = new Sim().add('a', node(A)).add('b', node(B)).startAll().run(10_000);
    expect(sim.masters()).toEqual(['b']);
    expect(sim.transitionsOf('a').map((x) => [x.from, x.to, x.t])).toEqual([
      ['init', 'backup', 0],
      ['backup', 'master', 3609.375],
      ['master', 'backup', 3610.375],
    ]);
    expect(sim.effects('a', 'log-reason').map((e) => e.code)).toContain('equal-priority-higher-address');
    // The winner heard the loser's equal-priority advert from a lower address and answered it.
    expect(sim.effects('b', 'send-advert').map((e) => e.reason)).toContain('lower-priority-received');
    expect(sentZero(sim, 'a')).toEqual([]);
  });

  it('both masters after a partition heals: the winner answers at once and re-sends GARPs, the loser goes backup without priority 0', () => {
    const sim = new Sim()
      .add('a', node(A, { priority: 150 }))
      .add('b', node(B, { priority: 100 }))
      .startAll()
      .partition(['a'], ['b'], 10_000)
      .heal(20_000);
    sim.runUntil(19_999);
    expect(sim.masters().sort()).toEqual(['a', 'b']);
    sim.run(10_000);
    expect(sim.masters()).toEqual(['a']);
    const healed = sim.effects('a', 'send-garp', 20_000);
    // a is master from md(150) and advertises every second; b took over after
    // the last advert that crossed before the partition, then advertised
    // every second too. b's first advert after the heal reaches a first.
    const bMaster = md(150) + 6000 + 1 + md(100);
    const bFirstAfterHeal = bMaster + 7000;
    expect(healed.map((g) => g.reason)).toEqual(['lower-priority', 'lower-priority-delay']);
    expect(healed[0].t).toBeCloseTo(bFirstAfterHeal + 1, 6);
    expect(healed[1].t).toBeCloseTo(bFirstAfterHeal + 1 + 5000, 6);
    expect(sim.effects('a', 'notify-master-rx-lower-pri', 20_000)).toHaveLength(1);
    expect(sim.transitionsOf('b').at(-1)).toMatchObject({ from: 'master', to: 'backup' });
    expect(sim.transitionsOf('b').at(-1)!.t).toBeCloseTo(bFirstAfterHeal + 2, 6);
    expect(sentZero(sim, 'b')).toEqual([]);
  });

  it('RFC 5798 6.4.2: a higher-priority node booting later discards the master\'s adverts and preempts after its master-down interval', () => {
    const sim = new Sim().add('a', node(A)).add('b', node(B, { priority: 150 })).start('a', 0).start('b', 10_000).run(30_000);
    expect(sim.masters()).toEqual(['b']);
    expect(sim.transitionsOf('b').find((x) => x.to === 'master')?.t).toBeCloseTo(10_000 + md(150), 9);
  });

  it('keepalived nopreempt: a higher-priority node joining later stays backup', () => {
    const sim = new Sim().add('a', node(A)).add('b', node(B, { priority: 150, nopreempt: true })).start('a', 0).start('b', 10_000).run(120_000);
    expect(sim.masters()).toEqual(['a']);
  });

  it('keepalived preempt_delay: the higher-priority node takes over only once preempt_delay has passed', () => {
    const sim = new Sim()
      .add('a', node(A))
      .add('b', node(B, { priority: 150, preemptDelayMs: 30_000 }))
      .start('a', 0)
      .start('b', 10_000)
      .run(60_000);
    expect(sim.masters()).toEqual(['b']);
    // First lower advert seen at 10 610.375: delay runs until 40 610.375; the
    // advert accepted last (39 610.375) starts the final master-down interval.
    expect(sim.transitionsOf('b').find((x) => x.to === 'master')?.t).toBeCloseTo(39_610.375 + md(150), 9);
  });

  it('a tracker weight pulling the master\'s priority below the peer\'s: the peer takes over when its down timer runs out; no priority 0', () => {
    const sim = new Sim()
      .add('a', node(A, { priority: 150 }))
      .add('b', node(B, { priority: 120 }))
      .startAll()
      .inject('a', 'VI_51', { type: 'priority-changed', delta: -50, reason: 'script chk_nginx' }, 20_000)
      .run(30_000);
    expect(sim.masters()).toEqual(['b']);
    // The last advert b accepted (priority 150) was sent at md(150) + 16 s.
    expect(sim.transitionsOf('b').find((x) => x.to === 'master')?.t).toBeCloseTo(md(150) + 16_000 + 1 + md(120), 6);
    expect(sim.effects('a', 'log-reason').map((e) => e.code)).toContain('higher-priority-advert');
    expect(sentZero(sim, 'a')).toEqual([]);
  });

  it('RFC 5798 6.4.3 Shutdown: the backup takes over after skew time, not the master-down interval', () => {
    const sim = new Sim().add('a', node(A, { priority: 150 })).add('b', node(B)).startAll().inject('a', 'VI_51', { type: 'shutdown' }, 20_000).runUntil(30_000);
    expect(sim.masters()).toEqual(['b']);
    expect(sim.transitionsOf('b').find((x) => x.to === 'master')?.t).toBeCloseTo(20_001 + 609.375, 9);
  });

  it('RFC 5798 6.4.2: a crashed master is replaced after the master-down interval (3.609 s at priority 100)', () => {
    const sim = new Sim().add('a', node(A, { priority: 150 })).add('b', node(B)).startAll().crash('a', 20_000).runUntil(30_000);
    expect(sim.masters()).toEqual(['b']);
    expect(sim.transitionsOf('b').find((x) => x.to === 'master')?.t).toBeCloseTo(md(150) + 16_000 + 1 + 3609.375, 6);
  });

  it('RFC 5798 6.1: with three nodes the highest remaining priority takes over first (smaller skew) and the other stays backup', () => {
    const sim = new Sim()
      .add('a', node(A, { priority: 200 }))
      .add('b', node(B, { priority: 150 }))
      .add('c', node(C, { priority: 100 }))
      .startAll()
      .crash('a', 20_000)
      .runUntil(40_000);
    expect(sim.masters()).toEqual(['b']);
    expect(sim.transitionsOf('c').filter((x) => x.to === 'master')).toEqual([]);
  });

  it('reload in the middle of an election: an unrelated change keeps the takeover time', () => {
    const sim = new Sim()
      .add('a', node(A))
      .add('b', node(B, { priority: 150 }))
      .start('a', 0)
      .start('b', 10_000)
      .inject('b', 'VI_51', { type: 'reload', params: node(B, { priority: 150, lowerPrioNoAdvert: true }) }, 12_000)
      .run(20_000);
    expect(sim.transitionsOf('b').find((x) => x.to === 'master')?.t).toBeCloseTo(10_000 + md(150), 9);
  });

  it('reload in the middle of an election: a higher priority shortens the running down timer', () => {
    const sim = new Sim()
      .add('a', node(A))
      .add('b', node(B, { priority: 150 }))
      .start('a', 0)
      .start('b', 10_000)
      .inject('b', 'VI_51', { type: 'reload', params: node(B, { priority: 200 }) }, 12_000)
      .run(20_000);
    expect(sim.transitionsOf('b').find((x) => x.to === 'master')?.t).toBeCloseTo(10_000 + md(200), 9);
  });

  it('keepalived vrrp_state_leave_master: an interface fault on the master hands over at skew time; when it clears the higher priority takes back over', () => {
    const sim = new Sim()
      .add('a', node(A, { priority: 150 }))
      .add('b', node(B))
      .startAll()
      .inject('a', 'VI_51', { type: 'fault', source: 'interface eth0' }, 20_000)
      .inject('a', 'VI_51', { type: 'fault-cleared', source: 'interface eth0' }, 30_000);
    sim.runUntil(29_999);
    expect(sim.masters()).toEqual(['b']);
    expect(sim.transitionsOf('b').find((x) => x.to === 'master')?.t).toBeCloseTo(20_001 + 609.375, 9);
    sim.run(10_000);
    expect(sim.masters()).toEqual(['a']);
    // a discarded b's lower-priority adverts and took over after a full master-down interval.
    expect(sim.transitionsOf('a').at(-1)?.t).toBeCloseTo(30_000 + md(150), 9);
  });

  it('RFC 5798 (VRRPv3): a backup with a slower configured interval fails over on the master\'s 0.5 s interval', () => {
    const sim = new Sim()
      .add('a', node(A, { version: 3, priority: 150, advertIntervalCs: 50 }))
      .add('b', node(B, { version: 3, priority: 100, advertIntervalCs: 100 }))
      .startAll()
      .crash('a', 20_000)
      .runUntil(30_000);
    expect(sim.masters()).toEqual(['b']);
    const aMasterAt = md(150, 50, 3);
    let lastAdvert = aMasterAt;
    while (lastAdvert + 500 < 20_000) lastAdvert += 500;
    expect(sim.transitionsOf('b').find((x) => x.to === 'master')?.t).toBeCloseTo(lastAdvert + 1 + md(100, 50, 3), 6);
  });
});
