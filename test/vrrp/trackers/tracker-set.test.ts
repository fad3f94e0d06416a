// The TrackerSet: tracker states of a whole config -> fsm events per instance.
// Fake clock, fake links / scripts / files / process table for the rules; one
// test with real scripts in a temp dir and real timers.
import { mkdtempSync, rmSync, writeFileSync, chmodSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InstanceEvent } from '../../../src/vrrp/fsm.js';
import type { Timers } from '../../../src/vrrp/instance.js';
import type { ScriptResult } from '../../../src/exec/run-script.js';
import { TrackerSet, type FileSource, type LinkSource, type RunScriptFn } from '../../../src/vrrp/trackers/index.js';
import type { ProcessEntry } from '../../../src/vrrp/trackers/process-match.js';
import { fakeHost, readText } from '../../helpers/config.js';

// --- fakes -----------------------------------------------------------------------

class FakeClock implements Timers {
  private t = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown): void => {
    this.pending.delete(h as number);
  };
  /** Advance time, firing due timers in order, letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = [...this.pending.entries()].filter(([, p]) => p.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!next) break;
      this.pending.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

class FakeLinks implements LinkSource {
  readonly state = new Map<string, boolean>();
  private readonly listeners = new Set<(name: string, up: boolean) => void>();
  isUp(name: string): boolean | undefined {
    return this.state.get(name);
  }
  onChange(l: (name: string, up: boolean) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  set(name: string, up: boolean): void {
    this.state.set(name, up);
    for (const l of this.listeners) l(name, up);
  }
}

/** A runScript whose results come from a per-script queue (by argv[0]); the last result repeats. */
function scriptedRuns(plan: Record<string, Array<Partial<ScriptResult>>>): { run: RunScriptFn; calls: string[] } {
  const calls: string[] = [];
  const run: RunScriptFn = async (command) => {
    const argv = typeof command === 'string' ? command.split(' ') : [...command];
    calls.push(argv.join(' '));
    const queue = plan[argv[0]] ?? [{ exitCode: 0 }];
    const r = queue.length > 1 ? queue.shift()! : queue[0];
    return { timedOut: false, aborted: false, stderrTail: '', durationMs: 1, ...r };
  };
  return { run, calls };
}

class FakeFiles implements FileSource {
  readonly values = new Map<string, number>();
  private readonly watchers = new Map<string, () => void>();
  read = async (path: string): Promise<number> => this.values.get(path) ?? 0;
  init = async (): Promise<string | undefined> => undefined;
  watch = (path: string, onChange: () => void) => {
    this.watchers.set(path, onChange);
    return { stop: () => this.watchers.delete(path) };
  };
  write(path: string, value: number): void {
    this.values.set(path, value);
    this.watchers.get(path)?.();
  }
}

const host = fakeHost({ files: { '/ok': {}, '/chk': {}, '/must': {} } });

function vrrpOf(text: string) {
  const { config } = readText(`global_defs {\n  script_user root\n}\n${text}`, host);
  return config.vrrp;
}

interface Rig {
  set: TrackerSet;
  clock: FakeClock;
  links: FakeLinks;
  files: FakeFiles;
  events: string[];
  procs: ProcessEntry[];
}

function rig(text: string, runs: RunScriptFn, init: (r: Omit<Rig, 'set'>) => void = () => {}): Rig {
  const clock = new FakeClock();
  const links = new FakeLinks();
  const files = new FakeFiles();
  const procs: ProcessEntry[] = [];
  const events: string[] = [];
  links.state.set('eth0', true);
  init({ clock, links, files, events, procs });
  const set = new TrackerSet(vrrpOf(text), { timers: clock, links, files, runScript: runs, processes: async () => procs, processScanMs: 1000 });
  set.onEvent((instance, e: InstanceEvent) => events.push(`${instance} ${describe_(e)}`));
  return { set, clock, links, files, events, procs };
}

function describe_(e: InstanceEvent): string {
  if (e.type === 'priority-changed') return `delta ${e.delta}`;
  if (e.type === 'fault') return `fault ${e.source}`;
  if (e.type === 'fault-cleared') return `cleared ${e.source}`;
  return e.type;
}

const INSTANCE = (tracks: string) => `
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  priority 100
${tracks}
  virtual_ipaddress { 198.51.100.1 }
}`;

// --- tests -----------------------------------------------------------------------

describe('TrackerSet', () => {
  it('reports the initial state before anything runs: own interface down is a fault, weights add up', async () => {
    const r = rig(
      `
track_file f1 {
  file /run/f1
  weight 3
}
vrrp_track_process p1 {
  process sleeper
  weight -5
}
${INSTANCE('  track_interface {\n    eth1 weight 20\n  }\n  track_file {\n    f1\n  }\n  track_process {\n    p1\n  }')}`,
      scriptedRuns({}).run,
      ({ links, files }) => {
        links.state.set('eth0', false);
        links.state.set('eth1', true);
        files.values.set('/run/f1', 4);
      },
    );
    await r.set.start();
    // eth1 +20, file 4*3 = +12, process p1 absent: -5.
    expect(r.events).toEqual(['VI_1 delta 27', 'VI_1 fault interface eth0']);
    expect(r.set.summary('VI_1')).toEqual({ delta: 27, faults: ['interface eth0'] });
    await r.set.stop();
  });

  it('vrrp_script: runs at once then every interval; rise/fall decide when the weight applies', async () => {
    const { run, calls } = scriptedRuns({ '/chk': [{ exitCode: 0 }, { exitCode: 1 }, { exitCode: 1 }, { exitCode: 1 }, { exitCode: 0 }, { exitCode: 0 }] });
    const r = rig(
      `
vrrp_script chk {
  script /chk
  interval 2
  weight 10
  rise 2
  fall 2
}
${INSTANCE('  track_script {\n    chk\n  }')}`,
      run,
    );
    await r.set.start();
    expect(r.events).toEqual([]); // init: no weight yet
    await r.clock.advance(0);
    expect(r.events).toEqual(['VI_1 delta 10']); // first success: up at once
    await r.clock.advance(2000); // fail 1 of 2
    expect(r.events).toHaveLength(1);
    await r.clock.advance(2000); // fail 2 of 2
    expect(r.events.at(-1)).toBe('VI_1 delta 0');
    await r.clock.advance(4000); // fail, success (1 of 2)
    expect(r.events).toHaveLength(2);
    await r.clock.advance(2000); // success 2 of 2
    expect(r.events.at(-1)).toBe('VI_1 delta 10');
    expect(calls).toHaveLength(6);
    await r.set.stop();
  });

  it('a weight-0 script faults the instance while it fails; a timeout is a failure', async () => {
    const { run } = scriptedRuns({ '/must': [{ timedOut: true, signal: 'SIGTERM' }, { exitCode: 0 }] });
    const r = rig(`
vrrp_script must {
  script /must
  interval 1
  timeout 1
}
${INSTANCE('  track_script {\n    must\n  }')}`, run);
    await r.set.start();
    await r.clock.advance(0);
    expect(r.events).toEqual(['VI_1 fault script must']);
    await r.clock.advance(1000);
    expect(r.events).toEqual(['VI_1 fault script must', 'VI_1 cleared script must']);
    const snap = r.set.snapshot();
    expect(snap.scripts[0]).toMatchObject({ name: 'must', status: 'up', runs: 2, last: { exitCode: 0, timedOut: false } });
    await r.set.stop();
  });

  it('init_fail: a weighted script counts as failed before its first run', async () => {
    const { run } = scriptedRuns({ '/chk': [{ exitCode: 0 }] });
    const r = rig(`
vrrp_script chk {
  script /chk
  weight -30
  init_fail
}
${INSTANCE('  track_script {\n    chk\n  }')}`, run);
    await r.set.start();
    expect(r.events).toEqual(['VI_1 delta -30']);
    await r.clock.advance(0);
    expect(r.events).toEqual(['VI_1 delta -30', 'VI_1 delta 0']);
    await r.set.stop();
  });

  it('skips a run while the previous one is still going', async () => {
    let calls = 0;
    const never: RunScriptFn = (_cmd, options) => {
      calls++;
      return new Promise((resolve) =>
        options.signal?.addEventListener('abort', () => resolve({ timedOut: false, aborted: true, stderrTail: '', durationMs: 0 })),
      );
    };
    const r = rig(`
vrrp_script chk {
  script /chk
  interval 1
  timeout 100
}
${INSTANCE('  track_script {\n    chk\n  }')}`, never);
    await r.set.start();
    await r.clock.advance(3500);
    expect(calls).toBe(1);
    await r.set.stop(); // aborts the run: stop() resolves
    expect(r.events).toEqual([]);
  });

  it('interface changes: down -> fault, up -> cleared; a weighted interface moves the delta', async () => {
    const r = rig(INSTANCE('  track_interface {\n    eth1 weight -15\n  }'), scriptedRuns({}).run, ({ links }) => links.state.set('eth1', true));
    await r.set.start();
    r.links.set('eth0', false);
    r.links.set('eth1', false);
    r.links.set('eth0', true);
    expect(r.events).toEqual(['VI_1 fault interface eth0', 'VI_1 delta -15', 'VI_1 cleared interface eth0']);
    await r.set.stop();
  });

  it('interface_up_down_delays: a flap shorter than the delay is not reported', async () => {
    const r = rig(`
interface_up_down_delays {
  eth0 1 2
}
${INSTANCE('')}`, scriptedRuns({}).run);
    await r.set.start();
    r.links.set('eth0', false);
    await r.clock.advance(1500);
    r.links.set('eth0', true);
    await r.clock.advance(5000);
    expect(r.events).toEqual([]);
    r.links.set('eth0', false);
    await r.clock.advance(2000);
    expect(r.events).toEqual(['VI_1 fault interface eth0']);
    r.links.set('eth0', true);
    await r.clock.advance(999);
    expect(r.events).toHaveLength(1);
    await r.clock.advance(1);
    expect(r.events).toEqual(['VI_1 fault interface eth0', 'VI_1 cleared interface eth0']);
    await r.set.stop();
  });

  it('track_file: a new value changes the delta; -254 or less faults', async () => {
    const r = rig(`
track_file f1 {
  file /run/f1
  weight 2
}
${INSTANCE('  track_file {\n    f1\n  }')}`, scriptedRuns({}).run);
    await r.set.start();
    r.files.write('/run/f1', 5);
    await r.clock.advance(0);
    r.files.write('/run/f1', -200);
    await r.clock.advance(0);
    r.files.write('/run/f1', 0);
    await r.clock.advance(0);
    expect(r.events).toEqual(['VI_1 delta 10', 'VI_1 delta 0', 'VI_1 fault file f1', 'VI_1 cleared file f1']);
    await r.set.stop();
  });

  it('track_process: quorum lost after terminate_delay, regained after fork_delay', async () => {
    const sleeper: ProcessEntry = { pid: 10, comm: 'sleeper', argv: [], zombie: false };
    const r = rig(
      `
vrrp_track_process p1 {
  process sleeper
  terminate_delay 2
  fork_delay 1
}
${INSTANCE('  track_process {\n    p1\n  }')}`,
      scriptedRuns({}).run,
      ({ procs }) => procs.push(sleeper),
    );
    await r.set.start();
    expect(r.events).toEqual([]);
    r.procs.length = 0;
    await r.clock.advance(1000); // scan sees it gone; terminate delay starts
    expect(r.events).toEqual([]);
    await r.clock.advance(2000);
    expect(r.events).toEqual(['VI_1 fault process p1']);
    r.procs.push(sleeper);
    await r.clock.advance(1000); // seen again; fork delay starts
    expect(r.events).toHaveLength(1);
    await r.clock.advance(1000);
    expect(r.events).toEqual(['VI_1 fault process p1', 'VI_1 cleared process p1']);
    expect(JSON.parse(JSON.stringify(r.set.snapshot())).processes).toEqual([{ name: 'p1', count: 1, quorum: true, pendingUntil: null }]);
    await r.set.stop();
  });

  it('sync group trackers act on every member', async () => {
    const r = rig(
      `
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress { 198.51.100.1 }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 2
  virtual_ipaddress { 198.51.100.2 }
}
vrrp_sync_group G {
  group {
    A
    B
  }
  track_interface {
    eth2
  }
}`,
      scriptedRuns({}).run,
      ({ links }) => links.state.set('eth2', true),
    );
    await r.set.start();
    r.links.set('eth2', false);
    expect(r.events).toEqual(['A fault interface eth2', 'B fault interface eth2']);
    await r.set.stop();
  });

  it('reload: a tracker that goes away takes its effect with it; unchanged scripts keep their state', async () => {
    const { run } = scriptedRuns({ '/chk': [{ exitCode: 0 }], '/ok': [{ exitCode: 0 }] });
    const base = `
vrrp_script chk {
  script /chk
  weight 10
}
vrrp_script ok {
  script /ok
  weight 5
}`;
    const r = rig(`${base}\n${INSTANCE('  track_script {\n    chk\n    ok\n  }')}`, run);
    await r.set.start();
    await r.clock.advance(0);
    expect(r.events).toEqual(['VI_1 delta 10', 'VI_1 delta 15']); // one event per script result
    await r.set.reload(vrrpOf(`${base}\n${INSTANCE('  track_script {\n    ok\n  }')}`));
    expect(r.events.slice(2)).toEqual(['VI_1 delta 5']);
    expect(r.set.snapshot().scripts.map((s) => `${s.name}:${s.status}`)).toEqual(['ok:up']);
    await r.set.stop();
  });
});

describe('TrackerSet with real scripts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-trackers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('follows a script that tests for a flag file (real runs, real timers)', async () => {
    const flag = join(dir, 'healthy');
    const script = join(dir, 'check.sh');
    writeFileSync(script, `#!/bin/sh\ntest -e ${flag}\n`);
    chmodSync(script, 0o755);
    writeFileSync(flag, '');
    const { config } = readText(
      `
vrrp_script chk {
  script "${script}"
  interval 1
  weight 0
}
vrrp_instance VI_1 {
  interface eth0
  dont_track_primary
  virtual_router_id 1
  track_script {
    chk
  }
  virtual_ipaddress { 198.51.100.1 }
}`,
      fakeHost({ files: { [script]: {} }, users: { root: { uid: 0, gid: 0 } } }),
    );
    const set = new TrackerSet(config.vrrp, {});
    const events: string[] = [];
    set.onEvent((_i, e) => events.push(describe_(e)));
    const waitFor = async (n: number): Promise<void> => {
      const until = Date.now() + 8000;
      while (events.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    };
    await set.start();
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(events).toEqual([]); // first run succeeded: no fault
      unlinkSync(flag);
      await waitFor(1);
      expect(events).toEqual(['fault script chk']);
      writeFileSync(flag, '');
      await waitFor(2);
      expect(events).toEqual(['fault script chk', 'cleared script chk']);
    } finally {
      await set.stop();
    }
  }, 20_000);
});
