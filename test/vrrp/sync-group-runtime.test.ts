// A sync group running (src/vrrp/sync-group-runtime.ts): two instances, each
// with its own fake ports, stepped together by the group rules on a fake clock.
import { describe, expect, it } from 'vitest';
import { InstanceRuntime } from '../../src/vrrp/instance.js';
import { SyncGroupRuntime, type GroupEvent } from '../../src/vrrp/sync-group-runtime.js';
import { masterDownInterval } from '../../src/vrrp/timing.js';
import { config, FakeTimers, fakePorts, kinds, packet } from './runtime-fakes.js';

function member(timers: FakeTimers, name: string, vrid: number) {
  const c = config({ wire: { vrid } });
  c.params = { ...c.params, name, vrid };
  const { ports, calls } = fakePorts(timers);
  return { rt: new InstanceRuntime(c, ports, { timers, removeStaleVips: false }), calls };
}

function group() {
  const timers = new FakeTimers();
  const a = member(timers, 'VI_1', 51);
  const b = member(timers, 'VI_2', 52);
  const events: GroupEvent[] = [];
  const g = new SyncGroupRuntime('G1', [a.rt, b.rt], (e) => events.push(e), timers);
  return { timers, a, b, g, events };
}

describe('SyncGroupRuntime', () => {
  it('members become master together, each sending its own advert and VIPs; the group notifies once', async () => {
    const { timers, a, b, g, events } = group();
    a.rt.start();
    b.rt.start();
    expect([a.rt.state, b.rt.state, g.groupState]).toEqual(['backup', 'backup', 'backup']);
    await timers.advanceTo(masterDownInterval(2, 100, 100) + 1);
    expect([a.rt.state, b.rt.state, g.groupState]).toEqual(['master', 'master', 'master']);
    await a.rt.idle();
    await b.rt.idle();
    expect(kinds(a.calls)).toContain('advert:100');
    expect(kinds(b.calls)).toContain('advert:100');
    const vridOf = (calls: typeof a.calls) => calls.flatMap((c) => (c.kind === 'advert' ? [c.message[1]] : []));
    expect(new Set(vridOf(a.calls))).toEqual(new Set([51]));
    expect(new Set(vridOf(b.calls))).toEqual(new Set([52]));
    expect(events.filter((e) => e.type === 'group-notify')).toEqual([
      { type: 'group-notify', group: 'G1', state: 'BACKUP' },
      { type: 'group-notify', group: 'G1', state: 'MASTER' },
    ]);
  });

  it('a higher-priority advert for one member takes the whole group to backup', async () => {
    const { timers, a, b, g } = group();
    a.rt.start();
    b.rt.start();
    await timers.advanceTo(masterDownInterval(2, 100, 100) + 1);
    a.rt.receive(packet({ vrid: 51, priority: 200 }));
    expect([a.rt.state, b.rt.state, g.groupState]).toEqual(['backup', 'backup', 'backup']);
    await b.rt.idle();
    expect(kinds(b.calls)).toContain('remove');
  });

  it('a fault in one member puts every member in fault, masters leaving with priority 0', async () => {
    const { timers, a, b, g } = group();
    a.rt.start();
    b.rt.start();
    await timers.advanceTo(masterDownInterval(2, 100, 100) + 1);
    b.rt.dispatch({ type: 'fault', source: 'interface eth1' });
    expect([a.rt.state, b.rt.state, g.groupState]).toEqual(['fault', 'fault', 'fault']);
    await a.rt.idle();
    expect(kinds(a.calls)).toContain('advert:0');
    b.rt.dispatch({ type: 'fault-cleared', source: 'interface eth1' });
    expect([a.rt.state, b.rt.state, g.groupState]).toEqual(['backup', 'backup', 'backup']);
  });

  it('a member held in backup waits for the other (prefer backup to avoid thrashing)', async () => {
    const { timers, a, b } = group();
    a.rt.start();
    b.rt.start();
    // VI_2 keeps hearing a master; VI_1's down timer expires but it may not go alone.
    for (let t = 500; t < 8000; t += 1000) {
      await timers.advanceTo(t);
      b.rt.receive(packet({ vrid: 52, priority: 200 }));
    }
    expect([a.rt.state, b.rt.state]).toEqual(['backup', 'backup']);
    await timers.advanceTo(8000 + masterDownInterval(2, 100, 100));
    expect([a.rt.state, b.rt.state]).toEqual(['master', 'master']);
  });
});
