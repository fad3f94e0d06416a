// First interop with real keepalived 2.2.7: keepalived on director A, our
// runtime (src/vrrp/instance.ts with the real socket, address and GARP
// adapters, run by test/vrrp/interop-harness.ts) on director B, a client C,
// all on a bridge in a namespace of its own (no uplink, no address on the
// host). VRRPv2, PASS auth, advert_int 1, VRID 51, VIP 198.51.100.180/32.
//
//   1. ours BACKUP (100) vs keepalived MASTER (150): ours stays backup, one VIP holder (A);
//   2. SIGTERM keepalived: ours takes the VIP after about the skew time
//      (keepalived's priority-0 advert) and its GARP moves the client's ARP entry;
//   3. ours MASTER (150) vs keepalived BACKUP (100): keepalived stays backup,
//      ours holds the VIP; stopping ours (priority 0) hands it to keepalived quickly.
//
// The three parts run in order and build on each other. Waits poll with
// generous timeouts; measured times are printed, and only bounds far from
// the expected values are asserted. Needs root, ip netns, keepalived and
// arping; under CI=true it must run.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skewTime } from '../../src/vrrp/timing.js';
import { Netns, cleanupNetns, netnsUnavailableReason } from '../helpers/netns.js';
import { HarnessProcess, compileHarness, type CompiledHarness } from './harness-process.js';
import { cannotRun } from '../helpers/gate.js';
import { until } from '../helpers/director-pair.js';
import { KeepalivedProcess } from '../helpers/keepalived-process.js';
import { labConfig } from '../helpers/lab-config.js';

const VIP = '198.51.100.180';
const A_ADDR = '198.51.100.11';
const B_ADDR = '198.51.100.12';
const C_ADDR = '198.51.100.100';

function conf(state: 'MASTER' | 'BACKUP', priority: number, routerId: string): string {
  return labConfig({ state, priority, routerId, password: '1111' });
}

const reason =
  netnsUnavailableReason() ??
  (spawnSync('keepalived', ['--version']).error ? 'keepalived is not installed' : undefined) ??
  (spawnSync('arping', ['-V']).error ? 'arping (iputils-arping) is not installed' : undefined);

describe('interop with keepalived 2.2.7 (VRRPv2, PASS, advert_int 1)', () => {
  if (reason !== undefined) {
    cannotRun('keepalived interop tests', reason);
    return;
  }

  let harness: CompiledHarness;
  let dir: string;
  let sw: Netns;
  let a: Netns;
  let b: Netns;
  let c: Netns;
  let macA: string;
  let macB: string;
  let keepalived: KeepalivedProcess | undefined;
  let ours: HarnessProcess | undefined;

  beforeAll(async () => {
    harness = await compileHarness();
    dir = mkdtempSync(join(tmpdir(), 'kts-interop-'));
    sw = Netns.create('ka-sw');
    sw.addBridge('br0');
    a = Netns.create('ka-a');
    b = Netns.create('ka-b');
    c = Netns.create('ka-c');
    for (const [ns, port, addr] of [
      [a, 'pa', A_ADDR],
      [b, 'pb', B_ADDR],
      [c, 'pc', C_ADDR],
    ] as const) {
      ns.addVeth('eth0', { peer: port, peerNs: sw });
      sw.setMaster(port, 'br0');
      ns.addAddress('eth0', `${addr}/24`);
    }
    const mac = (ns: Netns) => /link\/ether ([0-9a-f:]{17})/.exec(ns.ip('link', 'show', 'eth0').stdout)![1];
    macA = mac(a);
    macB = mac(b);
  });

  afterAll(async () => {
    await ours?.stop('SIGKILL', 5_000);
    await keepalived?.stop();
    harness?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
    cleanupNetns();
  });

  function holds(ns: Netns): boolean {
    return ns.ip('-4', '-o', 'addr', 'show', 'dev', 'eth0').stdout.includes(` ${VIP}/32 `);
  }

  /** Which directors hold the VIP: 'A', 'B', 'AB' or ''. */
  function holders(): string {
    return `${holds(a) ? 'A' : ''}${holds(b) ? 'B' : ''}`;
  }

  function clientMacForVip(): string | undefined {
    return /lladdr ([0-9a-f:]{17})/.exec(c.ip('neigh', 'show', VIP, 'dev', 'eth0').stdout)?.[1];
  }

  async function startOurs(label: string, config: string): Promise<HarnessProcess> {
    const file = join(dir, `${label}.conf`);
    writeFileSync(file, config);
    const p = HarnessProcess.start(b, harness, label, ['instance', '--config', file]);
    const ready = await p.waitFor((l) => l.type === 'ready' || l.type === 'fatal', 20_000);
    if (ready?.type !== 'ready') throw new Error(`our instance did not start\n${p.describe()}`);
    return p;
  }

  /** Watch the VIP holders for `ms`: every combination seen ('A', 'B', 'AB', ''). */
  async function steady(ms: number): Promise<string[]> {
    const seen = new Set<string>();
    const started = performance.now();
    while (performance.now() - started < ms) {
      seen.add(holders());
      await new Promise((r) => setTimeout(r, 200));
    }
    return [...seen];
  }

  it('1. ours as BACKUP (100) stays backup under keepalived MASTER (150); only keepalived holds the VIP', async () => {
    const started = performance.now();
    keepalived = KeepalivedProcess.start(a, dir, 'a-master', conf('MASTER', 150, 'kts_a'));
    const tookVip = await until(() => holds(a), 15_000, 50);
    expect(tookVip, keepalived.log).toBeDefined();
    console.log(`keepalived (state MASTER, priority 150) took the VIP ${(performance.now() - started).toFixed(0)} ms after start (2.2.7 waits the master-down interval: 3414 ms)`);

    ours = await startOurs('b-backup', conf('BACKUP', 100, 'kts_b'));
    const backup = await ours.waitFor((l) => l.type === 'state' && l.to === 'backup', 10_000);
    expect(backup, ours.describe()).toBeDefined();
    // Longer than our master-down interval (3.6 s): without keepalived's adverts we would take over.
    expect(await steady(6_000)).toEqual(['A']);
    expect(ours.lines.some((l) => l.type === 'state' && l.to === 'master'), ours.describe()).toBe(false);
    const status = ours.lines.filter((l) => l.type === 'status').at(-1) as { stats?: { accepted: number; dropped: Record<string, number> } } | undefined;
    expect(status?.stats?.accepted, ours.describe()).toBeGreaterThanOrEqual(4);
    expect(status?.stats?.dropped).toEqual({});
  });

  it('2. SIGTERM keepalived: ours takes the VIP after about the skew time and its GARP moves the client', async () => {
    expect(holders()).toBe('A');
    // The client sends one datagram to the VIP (so it resolves A's MAC), then nothing more.
    const sent = c.run([process.execPath, '-e', `require('dgram').createSocket('udp4').send('x', 9, '${VIP}', (e) => process.exit(e ? 1 : 0))`]);
    expect(sent.exitCode, sent.stderr).toBe(0);
    expect(await until(() => clientMacForVip() === macA, 5_000), c.ip('neigh', 'show').stdout).toBeDefined();

    const from = ours!.lines.length;
    keepalived!.signal('SIGTERM');
    const takeover = await until(() => holders() === 'B', 10_000);
    expect(takeover, `${ours!.describe()}\n${keepalived!.log}`).toBeDefined();
    console.log(`SIGTERM keepalived -> VIP on ours after ${takeover!.toFixed(0)} ms (skew for priority 100: ${skewTime(2, 100, 100).toFixed(0)} ms; master-down 3609 ms)`);
    // Far below the master-down interval: the priority-0 advert did it.
    expect(takeover!).toBeLessThan(3_000);
    const why = await ours!.waitFor((l) => l.type === 'state' && l.to === 'master', 2_000, from);
    expect(why).toBeDefined();
    expect(ours!.lines.slice(from).some((l) => l.type === 'reason' && l.code === 'priority-0-skew-expired'), ours!.describe()).toBe(true);

    expect(await until(() => !keepalived!.running, 10_000)).toBeDefined();
    expect(holds(a)).toBe(false);
    const moved = await until(() => clientMacForVip() === macB, 5_000);
    expect(moved, `client's neighbour entry: ${c.ip('neigh', 'show').stdout}`).toBeDefined();
    console.log(`client's ARP entry for the VIP moved to ours ${(takeover! + moved!).toFixed(0)} ms after the SIGTERM (GARP, no client traffic)`);
    const garp = await ours!.waitFor((l) => l.type === 'garp', 5_000, from);
    expect(garp).toMatchObject({ count: 5, sent: 5, failures: [] });
  });

  it('3. ours MASTER (150) vs keepalived BACKUP (100): keepalived stays backup; stopping ours hands the VIP over quickly', async () => {
    // Stop ours cleanly: it was master alone, so the VIP leaves the segment.
    const stopped = await ours!.stop('SIGTERM');
    expect(stopped?.code, ours!.describe()).toBe(0);
    expect(ours!.lines.some((l) => l.type === 'advert-sent' && l.priority === 0)).toBe(true);
    expect(holders()).toBe('');

    // Ours first, until it is master (state MASTER waits the master-down interval, 3.41 s, as 2.2.7 does);
    // then keepalived (state BACKUP) starts and must stay backup while it hears us.
    const started = performance.now();
    ours = await startOurs('b-master', conf('MASTER', 150, 'kts_b'));
    const took = await until(() => holders() === 'B', 15_000, 50);
    expect(took, ours.describe()).toBeDefined();
    console.log(`ours (state MASTER, priority 150) took the VIP ${(performance.now() - started).toFixed(0)} ms after start (the harness's own start included)`);
    keepalived = KeepalivedProcess.start(a, dir, 'a-backup', conf('BACKUP', 100, 'kts_a'));
    // Longer than keepalived's master-down interval (3.6 s).
    expect(await steady(6_000), `${ours.describe()}\n${keepalived.log}`).toEqual(['B']);
    expect(keepalived.log, keepalived.log).toMatch(/\(VI_1\) Entering BACKUP STATE/);
    expect(keepalived.log).not.toMatch(/Entering MASTER STATE/);
    // keepalived logs any advert it refuses (password, TTL, checksum, interval, addresses).
    expect(keepalived.log).not.toMatch(/invalid|mismatch/i);

    const from = ours.lines.length;
    const exiting = ours.stop('SIGTERM');
    const handover = await until(() => holders() === 'A', 10_000);
    expect(handover, keepalived.log).toBeDefined();
    console.log(`SIGTERM ours (priority-0 advert) -> VIP on keepalived after ${handover!.toFixed(0)} ms (skew for priority 100: ${skewTime(2, 100, 100).toFixed(0)} ms)`);
    expect(handover!).toBeLessThan(3_000);
    const exit = await exiting;
    expect(exit?.code, ours.describe()).toBe(0);
    expect(ours.lines.slice(from).some((l) => l.type === 'advert-sent' && l.priority === 0)).toBe(true);
    expect(holds(b)).toBe(false);
    // Its log line may come a little after the VIP.
    expect(await until(() => /\(VI_1\) Backup received priority 0 advertisement[\s\S]*Entering MASTER STATE/.test(keepalived!.log), 5_000), keepalived.log).toBeDefined();
  });
});
