// The daemon as users run it: the real binary on two directors (namespaces a
// and b on one bridge), VRRP only (-P; the checker child has its own tests).
// Signals and exit paths of issue 5:
//   dumps (USR1 / USR2 / SIGRTMIN+2) write keepalived's files;
//   HUP with a broken config keeps the running config and state;
//   HUP with a changed priority reloads that instance without a state change;
//   kill -9 of the VRRP child: the parent removes its VIPs at once and restarts it;
//   SIGTERM: priority-0 advert (the backup takes over in about the skew time), VIPs gone, pid files gone;
//   kill -9 of the parent: the child notices and stops cleanly;
//   -R: a dead child stops the daemon.
// The parts run in order and build on each other. Timings are printed; only
// bounds far from the expected values are asserted.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorPair, LAB, until, type DirectorPair } from '../helpers/director-pair.js';
import { cannotRun } from '../helpers/gate.js';
import { cleanupNetns, netnsUnavailableReason } from '../helpers/netns.js';
import { labConfig } from '../helpers/lab-config.js';
import { DaemonProcess } from './daemon-process.js';

function vrrpConf(routerId: string, state: 'MASTER' | 'BACKUP', priority: number, instanceExtra = '', globalExtra = ''): string {
  return labConfig({ routerId, state, priority, globalExtra: `\n  script_user root\n  enable_script_security${globalExtra}`, instanceExtra });
}

const reason = netnsUnavailableReason() ?? (spawnSync('arping', ['-V']).error ? 'arping (iputils-arping) is not installed' : undefined);

describe('daemon: signals and exit paths (real binary, two directors)', () => {
  if (reason !== undefined) {
    cannotRun('daemon tests', reason);
    return;
  }
  let lab: DirectorPair;
  let dir: string;
  let confA: string;
  let confB: string;
  let a: DaemonProcess;
  let b: DaemonProcess;
  const started: DaemonProcess[] = [];
  const launch = (which: 'a' | 'b', args: string[] = ['-P']): DaemonProcess => {
    const d = DaemonProcess.launch(which === 'a' ? lab.a : lab.b, dir, `d${which}`, which === 'a' ? confA : confB, args);
    started.push(d);
    return d;
  };
  const masterIs = async (who: 'a' | 'b', timeoutMs: number): Promise<number | undefined> =>
    until(() => {
      const h = lab.holders();
      return h.length === 1 && h[0] === who;
    }, timeoutMs);

  beforeAll(() => {
    lab = createDirectorPair('dmn');
    dir = mkdtempSync(join(tmpdir(), 'kts-daemon-'));
    confA = join(dir, 'a.conf');
    confB = join(dir, 'b.conf');
    writeFileSync(confA, vrrpConf('director1', 'MASTER', 150));
    writeFileSync(confB, vrrpConf('director2', 'BACKUP', 100));
  });

  afterAll(async () => {
    await Promise.all(started.filter((d) => d.running).map((d) => d.stop('SIGKILL', 3000)));
    cleanupNetns();
    rmSync(dir, { recursive: true, force: true });
  });

  it('elects director 1 (priority 150) and writes pid files', async () => {
    a = launch('a');
    b = launch('b');
    const ms = await masterIs('a', 15_000);
    expect(ms, a.describe() + b.describe()).toBeDefined();
    expect(a.pidOf('main')).toBe(a.child.pid);
    expect(a.pidOf('vrrp')).toBeGreaterThan(0);
    expect(await b.waitFor((l) => l.msg === 'Entering BACKUP STATE', 5000)).toBeDefined();
  });

  it('USR1, USR2 and SIGRTMIN+2 write the data, stats and JSON dumps', async () => {
    for (const sig of ['SIGUSR1', 'SIGUSR2', 36] as const) a.signal('main', sig);
    const files = ['keepalived.data', 'keepalived_parent.data', 'keepalived.stats', 'keepalived.json'].map((f) => join(dir, f));
    expect(await until(() => files.every((f) => existsSync(f)), 5000), a.describe()).toBeDefined();
    await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(files[0], 'utf8')).toMatch(/VRRP Instance = VI_1[\s\S]*State = MASTER/);
    expect(readFileSync(files[1], 'utf8')).toMatch(/role = vrrp/);
    const stats = readFileSync(files[2], 'utf8');
    expect(stats).toMatch(/^VRRP Instance: VI_1\n {2}Advertisements:\n {4}Received: \d+\n {4}Sent: [1-9]\d*\n {2}Became master: 1\n/);
    const json = JSON.parse(readFileSync(files[3], 'utf8')) as { data: Record<string, unknown>; stats: Record<string, number> }[];
    expect(json[0].data).toMatchObject({ iname: 'VI_1', state: 2, vrid: 51, base_priority: 150, effective_priority: 150, ifp_ifname: 'eth0' });
    expect(json[0].stats.become_master).toBe(1);
  });

  it('HUP with a broken config keeps the running config and state', async () => {
    const from = a.lines.length;
    writeFileSync(confA, vrrpConf('director1', 'MASTER', 150).replace('virtual_router_id 51', 'virtual_router_id 300'));
    a.signal('main', 'SIGHUP');
    const refused = await a.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('reload refused'), 5000, from);
    expect(refused, a.describe()).toBeDefined();
    const located = a.messages(/virtual_router_id/, from);
    expect(located.length, a.describe()).toBeGreaterThan(0);
    expect(String(located[0].where)).toMatch(/a\.conf:\d+:\d+$/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(lab.holders()).toEqual(['a']);
    expect(a.messages(/^Entering/, from)).toEqual([]);
    writeFileSync(confA, vrrpConf('director1', 'MASTER', 150));
  });

  it('HUP with a changed priority reloads that instance and keeps its state', async () => {
    const from = b.lines.length;
    writeFileSync(confB, vrrpConf('director2', 'BACKUP', 120));
    b.signal('main', 'SIGHUP');
    const reloaded = await b.waitFor((l) => l.msg === 'config reloaded', 5000, from);
    expect(reloaded, b.describe()).toMatchObject({ changed: ['VI_1'], added: [], removed: [] });
    await new Promise((r) => setTimeout(r, 1500));
    expect(b.messages(/^Entering/, from)).toEqual([]);
    expect(lab.holders()).toEqual(['a']);
  });

  it('kill -9 of the VRRP child: the parent removes its VIP at once and restarts it; never two holders', async () => {
    const from = a.lines.length;
    const oldChild = a.pidOf('vrrp')!;
    let both = 0;
    let bothSince: number | undefined;
    const watch = setInterval(() => {
      if (lab.holders().length === 2) {
        bothSince ??= performance.now();
        both = Math.max(both, performance.now() - bothSince);
      } else bothSince = undefined;
    }, 20);
    const killedAt = performance.now();
    process.kill(oldChild, 'SIGKILL');
    const gone = await until(() => !lab.holders().includes('a'), 2000, 5);
    // The backup takes over after its master-down interval, then the restarted child preempts.
    const restarted = await a.waitFor((l) => l.msg === 'child started', 5000, from);
    const back = await a.waitFor((l) => l.msg === 'Entering MASTER STATE', 20_000, from);
    const regained = await masterIs('a', 5000);
    clearInterval(watch);
    console.log(`VRRP child kill -9: VIP removed by the parent after ${gone?.toFixed(0)} ms; master again after ${(performance.now() - killedAt).toFixed(0)} ms; both held the VIP for at most ${both.toFixed(0)} ms`);
    expect(gone, a.describe()).toBeDefined();
    expect(gone!).toBeLessThan(1000);
    expect(restarted).toBeDefined();
    expect(a.pidOf('vrrp')).not.toBe(oldChild);
    expect(back, a.describe()).toBeDefined();
    expect(regained).toBeDefined();
    expect(both).toBeLessThan(250);
    expect(a.running).toBe(true);
  });

  it('SIGTERM: priority-0 advert (backup takes over in about the skew time), VIP and pid files removed', async () => {
    const stoppedAt = performance.now();
    const exit = a.stop('SIGTERM', 15_000);
    const takeover = await masterIs('b', 5000);
    const result = await exit;
    console.log(`SIGTERM of the master: backup holds the VIP after ${takeover?.toFixed(0)} ms (skew ${(((256 - 120) / 256) * 1000).toFixed(0)} ms)`);
    expect(takeover, a.describe() + b.describe()).toBeDefined();
    // Without the priority-0 advert it would take the master-down interval (3.5 s).
    expect(takeover!).toBeLessThan(2000);
    expect(result).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dir, 'da.main.pid'))).toBe(false);
    expect(existsSync(join(dir, 'da.vrrp.pid'))).toBe(false);
    expect(performance.now() - stoppedAt).toBeLessThan(15_000);
  });

  it('kill -9 of the parent: the VRRP child stops cleanly (priority 0, VIP removed)', async () => {
    a = launch('a');
    expect(await masterIs('a', 15_000), a.describe()).toBeDefined();
    const child = a.pidOf('vrrp')!;
    a.signal('main', 'SIGKILL');
    const takeover = await masterIs('b', 5000);
    console.log(`kill -9 of the parent: backup holds the VIP after ${takeover?.toFixed(0)} ms`);
    expect(takeover).toBeDefined();
    expect(takeover!).toBeLessThan(2000);
    expect(await until(() => spawnSync('kill', ['-0', String(child)]).status !== 0, 5000)).toBeDefined();
  });

  it('track_interface down -> FAULT with a priority-0 advert (takeover in about the skew time), notify scripts and FIFO in order', async () => {
    await until(() => !a.running, 1);
    lab.a.addVeth('eth1', { peer: 'eth1p' });
    const notes = join(dir, 'notes');
    const script = join(dir, 'notify.sh');
    writeFileSync(script, `#!/bin/sh\necho "$@" >> ${notes}\n`, { mode: 0o755 });
    const fifo = join(dir, 'fifo');
    const extra = `\n  track_interface {\n    eth1\n  }\n  notify ${script}\n  notify_master "${script} became-master"`;
    writeFileSync(confA, vrrpConf('director1', 'MASTER', 150, extra, `\n  notify_fifo ${fifo}`));
    const fifoLines: string[] = [];
    a = launch('a');
    expect(await masterIs('a', 15_000), a.describe()).toBeDefined();
    // Read the FIFO the daemon created (inside the namespace is not needed: it is a file).
    const reader = lab.a.spawn(['cat', fifo]);
    reader.stdout!.on('data', (d: Buffer) => fifoLines.push(...d.toString().split('\n').filter(Boolean)));
    await new Promise((r) => setTimeout(r, 300));
    const downAt = performance.now();
    lab.a.ip('link', 'set', 'eth1', 'down');
    const takeover = await masterIs('b', 5000);
    console.log(`track_interface down on the master: backup holds the VIP after ${takeover?.toFixed(0)} ms`);
    expect(takeover, a.describe()).toBeDefined();
    expect(takeover!).toBeLessThan(2000);
    expect(await a.waitFor((l) => l.msg === 'Entering FAULT STATE', 2000)).toBeDefined();
    expect(await until(() => fifoLines.includes('INSTANCE "VI_1" FAULT 150'), 3000), fifoLines.join('|')).toBeDefined();
    lab.a.ip('link', 'set', 'eth1', 'up');
    expect(await masterIs('a', 15_000), a.describe()).toBeDefined();
    await until(() => existsSync(notes) && readFileSync(notes, 'utf8').split('\n').filter(Boolean).length >= 5, 5000);
    const calls = readFileSync(notes, 'utf8').split('\n').filter(Boolean);
    // backup at start, master (own script, then the generic one), fault, backup, master again.
    expect(calls[0]).toBe('INSTANCE VI_1 BACKUP 150');
    expect(calls.slice(1, 3)).toEqual(['became-master', 'INSTANCE VI_1 MASTER 150']);
    expect(calls.slice(3)).toContain('INSTANCE VI_1 FAULT 150');
    expect(fifoLines.slice(0, 2)).toEqual(['INSTANCE "VI_1" BACKUP 150', 'INSTANCE "VI_1" MASTER 150']);
    expect(performance.now() - downAt).toBeLessThan(30_000);
    await a.stop('SIGTERM');
    reader.kill();
    expect(await masterIs('b', 5000)).toBeDefined();
    writeFileSync(confA, vrrpConf('director1', 'MASTER', 150));
  });

  it('kill -9 of every process of the master: the backup takes over within the master-down interval and the VIP lease expires on the dead master', async () => {
    a = launch('a');
    expect(await masterIs('a', 15_000), a.describe()).toBeDefined();
    const pids = [a.pidOf('main')!, a.pidOf('vrrp')!];
    const killedAt = performance.now();
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    const takeover = await until(() => lab.holders().includes('b'), 10_000, 10);
    const gone = await until(() => !lab.holders().includes('a'), 15_000, 10);
    const mdi = 3 * 1000 + ((256 - 120) / 256) * 1000;
    const leaseBound = Math.max(2000, 2 * (3 * 1000 + ((256 - 150) / 256) * 1000));
    console.log(`kill -9 of all processes: backup holds the VIP after ${takeover?.toFixed(0)} ms (master-down ${mdi.toFixed(0)} ms); dead master lost it after ${gone?.toFixed(0)} ms (bound ${leaseBound.toFixed(0)} ms)`);
    expect(takeover).toBeDefined();
    expect(takeover!).toBeLessThan(mdi + 1500);
    expect(gone).toBeDefined();
    expect(gone!).toBeLessThan(leaseBound + 1500);
    expect(performance.now() - killedAt).toBeLessThan(20_000);
    await a.stop('SIGKILL', 3000);
  });

  it('-R: a dead child stops the daemon instead of being restarted', async () => {
    a = launch('a', ['-P', '-R']);
    expect(await masterIs('a', 15_000), a.describe()).toBeDefined();
    a.signal('vrrp', 'SIGKILL');
    const result = await a.stop('SIGCONT', 10_000);
    expect(result?.code, a.describe()).toBe(1);
    expect(a.messages(/dont-respawn/).length).toBeGreaterThan(0);
    expect(await masterIs('b', 8000)).toBeDefined();
  });
});
