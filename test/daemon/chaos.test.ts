// Chaos on the master (issue 5): kill -9 its VRRP child 20 times, then its
// checker child 20 times, with the real binary on two directors and real
// servers answering TCP_CHECK; IPVS through the strict ipvsadm emulator (this
// kernel has no IPVS), one table per director. Watched all along:
//   - never two VIP holders for more than 250 ms (the parent removes a dead
//     VRRP child's VIPs at once);
//   - the master director's IPVS table is never emptied (a restarted checker
//     adopts the table it finds);
//   - the parent's RSS does not grow.
// The restart back-off is capped (--respawn-delay-max 0.3) so that 40 kills fit in a test.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorPair, LAB, until, type DirectorPair } from '../helpers/director-pair.js';
import { cannotRun } from '../helpers/gate.js';
import { cleanupNetns, netnsUnavailableReason } from '../helpers/netns.js';
import { labConfig } from '../helpers/lab-config.js';
import { DaemonProcess } from './daemon-process.js';

const EMULATOR = join(import.meta.dirname, '..', 'ipvs', 'emulator', 'ipvsadm');
const RS = ['198.51.100.21', '198.51.100.22'];
const KILLS = 20;

function conf(routerId: string, state: 'MASTER' | 'BACKUP', priority: number): string {
  const servers = RS.map((rs) => `  real_server ${rs} 80 {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }`).join('\n');
  return labConfig({ routerId, state, priority, after: `virtual_server ${LAB.vip} 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n${servers}\n}\n` });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const reason = netnsUnavailableReason() ?? (spawnSync('arping', ['-V']).error ? 'arping (iputils-arping) is not installed' : undefined);

describe('chaos: kill -9 the children of the master 20 times each', () => {
  if (reason !== undefined) {
    cannotRun('chaos tests', reason);
    return;
  }
  let lab: DirectorPair;
  let dir: string;
  let a: DaemonProcess;
  let b: DaemonProcess;
  const stateA = () => join(dir, 'ipvs-a.json');

  /** The destinations of director a's table, as its ipvsadm -Sn shows them. */
  async function tableA(): Promise<number> {
    const r = await promisify(execFile)(EMULATOR, ['-Sn'], { env: { ...process.env, IPVSADM_EMULATOR_STATE: stateA() } });
    return r.stdout.split('\n').filter((l) => l.startsWith('-a ')).length;
  }

  beforeAll(async () => {
    lab = createDirectorPair('chaos');
    dir = mkdtempSync(join(tmpdir(), 'kts-chaos-'));
    // The real servers: the client namespace answers on both addresses.
    for (const rs of RS) lab.c.addAddress('eth0', `${rs}/24`);
    lab.c.spawn([process.execPath, '-e', "require('net').createServer((s) => s.end()).listen(80)"]);
    writeFileSync(join(dir, 'a.conf'), conf('director1', 'MASTER', 150));
    writeFileSync(join(dir, 'b.conf'), conf('director2', 'BACKUP', 100));
    const args = (state: string): [string[], NodeJS.ProcessEnv] => [['--ipvsadm', EMULATOR, '--respawn-delay-max', '0.3'], { IPVSADM_EMULATOR_STATE: state }];
    a = DaemonProcess.launch(lab.a, dir, 'a', join(dir, 'a.conf'), ...args(stateA()));
    b = DaemonProcess.launch(lab.b, dir, 'b', join(dir, 'b.conf'), ...args(join(dir, 'ipvs-b.json')));
    expect(await until(() => lab.holders().join() === 'a', 15_000), a.describe()).toBeDefined();
    expect(await until(() => a.pidOf('checkers') !== undefined, 5000)).toBeDefined();
    let n = 0;
    await until(() => (void tableA().then((x) => (n = x)), n === 2), 10_000, 200);
    expect(n, a.describe()).toBe(2);
  });

  afterAll(async () => {
    for (const d of [a, b]) if (d?.running) await d.stop('SIGTERM', 10_000);
    cleanupNetns();
    rmSync(dir, { recursive: true, force: true });
  });

  it('VRRP child x20 then checker child x20: never two VIP holders > 250 ms, IPVS never emptied, parent RSS flat', async () => {
    const rssStart = a.rssKb('main')!;
    let bothMax = 0;
    let bothSince: number | undefined;
    const holders = setInterval(() => {
      if (lab.holders().length === 2) {
        bothSince ??= performance.now();
        bothMax = Math.max(bothMax, performance.now() - bothSince);
      } else bothSince = undefined;
    }, 20);
    let watching = true;
    let samples = 0;
    let minTable = Infinity;
    const tableWatch = (async () => {
      while (watching) {
        minTable = Math.min(minTable, await tableA());
        samples++;
      }
    })();

    const killRepeatedly = async (which: 'vrrp' | 'checkers'): Promise<void> => {
      for (let i = 0; i < KILLS; i++) {
        const pid = await (async () => {
          let p: number | undefined;
          await until(() => (p = a.pidOf(which)) !== undefined, 10_000);
          return p!;
        })();
        // A random moment of the advert and check cycles.
        await pause(300 + Math.random() * 1200);
        process.kill(pid, 'SIGKILL');
        expect(await until(() => a.pidOf(which) !== undefined && a.pidOf(which) !== pid, 10_000), `restart ${which} #${i + 1}\n${a.describe()}`).toBeDefined();
      }
    };
    try {
      await killRepeatedly('vrrp');
      await killRepeatedly('checkers');
      // Let the last restart settle: a master again, and a full check cycle.
      expect(await until(() => lab.holders().length === 1, 15_000)).toBeDefined();
      await pause(2000);
    } finally {
      clearInterval(holders);
      watching = false;
      await tableWatch;
    }
    const rssEnd = a.rssKb('main')!;
    const restarts = a.messages(/^restarting child$/).length;
    console.log(
      `chaos: ${restarts} restarts; both directors held the VIP for at most ${bothMax.toFixed(0)} ms; ` +
        `director 1's IPVS table had at least ${minTable} destinations in ${samples} samples; parent RSS ${rssStart} kB -> ${rssEnd} kB`,
    );
    expect(restarts).toBe(2 * KILLS);
    expect(bothMax).toBeLessThan(250);
    expect(samples).toBeGreaterThan(20);
    expect(minTable).toBe(2);
    // A leak would show as steady growth over 40 restarts; allow noise.
    expect(rssEnd - rssStart).toBeLessThan(8 * 1024);
    expect(a.running && b.running).toBe(true);
  }, 300_000);

  it('HUP with one real server weight changed changes only that entry', async () => {
    const from = a.lines.length;
    writeFileSync(join(dir, 'a.conf'), conf('director1', 'MASTER', 150).replace('weight 1', 'weight 3'));
    a.signal('main', 'SIGHUP');
    const updated = await a.waitFor((l) => l.msg === 'IPVS table updated', 10_000, from);
    expect(updated, a.describe()).toMatchObject({ operations: 1 });
    expect(String(updated!.batch).trim()).toBe(`-e -t ${LAB.vip}:80 -r ${RS[0]}:80 -g -w 3`);
    expect(await a.waitFor((l) => l.msg === 'child reloaded' && l.child === 'vrrp', 5000, from)).toMatchObject({ changed: [], added: [], removed: [] });
    await pause(1500);
    expect(a.messages(/^IPVS table updated$/, from)).toHaveLength(1);
    expect(lab.holders()).toEqual(['a']);
  });

  it('SIGTERM removes the IPVS entries the daemon added; with -I they stay', async () => {
    const result = await a.stop('SIGTERM', 15_000);
    expect(result?.code, a.describe()).toBe(0);
    expect(await tableA()).toBe(0);
    const stateB = join(dir, 'ipvs-b.json');
    const countB = async () => (await promisify(execFile)(EMULATOR, ['-Sn'], { env: { ...process.env, IPVSADM_EMULATOR_STATE: stateB } })).stdout.split('\n').filter((l) => l.startsWith('-a ')).length;
    expect(await countB()).toBe(2);
    b.lines.length = 0;
    b.signal('main', 'SIGTERM');
    await b.stop('SIGTERM', 15_000);
    b = DaemonProcess.launch(lab.b, dir, 'b', join(dir, 'b.conf'), ['-I', '--ipvsadm', EMULATOR], { IPVSADM_EMULATOR_STATE: stateB });
    expect(await b.waitFor((l) => l.msg === 'checker started', 10_000), b.describe()).toBeDefined();
    await b.stop('SIGTERM', 15_000);
    expect(await countB()).toBe(2);
  });
});
