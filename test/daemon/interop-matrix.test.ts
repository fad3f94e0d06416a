// Mixed pairs during a migration (issue 3, acceptance 2): the keepalived-ts
// daemon on one director and Debian's keepalived 2.2.7 on the other, each in
// each role, for VRRPv2 with PASS auth (advert_int 1), VRRPv3 at advert_int
// 0.1 over multicast, and VRRPv3 at 0.1 over unicast. For every pair:
//   steady state: exactly one VIP holder, the master;
//   SIGTERM of the master: the backup holds the VIP after about the skew time;
//   the master comes back: it preempts, one holder again;
//   SIGKILL of every process of the master: the backup holds the VIP within
//   the master-down interval.
// Timings are printed; the bounds asserted are generous.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { skewTime, masterDownInterval } from '../../src/vrrp/timing.js';
import { createDirectorPair, LAB, until, type DirectorPair } from '../helpers/director-pair.js';
import { cannotRun } from '../helpers/gate.js';
import { KeepalivedProcess } from '../helpers/keepalived-process.js';
import { cleanupNetns, netnsUnavailableReason } from '../helpers/netns.js';
import { labConfig } from '../helpers/lab-config.js';
import { DaemonProcess } from './daemon-process.js';

interface Variant {
  name: string;
  version: 2 | 3;
  advertInt: number;
  unicast: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'VRRPv2 PASS, advert_int 1, multicast', version: 2, advertInt: 1, unicast: false },
  { name: 'VRRPv3, advert_int 0.1, multicast', version: 3, advertInt: 0.1, unicast: false },
  { name: 'VRRPv3, advert_int 0.1, unicast', version: 3, advertInt: 0.1, unicast: true },
];

function conf(v: Variant, state: 'MASTER' | 'BACKUP', priority: number, self: string, peer: string): string {
  return labConfig({ state, priority, version: v.version, advertInt: v.advertInt, password: v.version === 2 ? 'lab51pw' : null, ...(v.unicast ? { unicast: { self, peer } } : {}) });
}

/** One director's VRRP speaker: ours or keepalived, started and killed the same way. */
interface Speaker {
  stopGracefully(): Promise<void>;
  killAll(): void;
  describe(): string;
}

const reason =
  netnsUnavailableReason() ??
  (spawnSync('keepalived', ['--version']).error ? 'keepalived is not installed' : undefined) ??
  (spawnSync('arping', ['-V']).error ? 'arping (iputils-arping) is not installed' : undefined);

describe('mixed pairs: keepalived-ts and keepalived 2.2.7, each in each role', () => {
  if (reason !== undefined) {
    cannotRun('mixed-pair interop tests', reason);
    return;
  }
  let lab: DirectorPair;
  let dir: string;
  const live: Speaker[] = [];
  let n = 0;

  beforeAll(() => {
    lab = createDirectorPair('mix');
    dir = mkdtempSync(join(tmpdir(), 'kts-mix-'));
  });
  afterEach(async () => {
    for (const s of live.splice(0)) s.killAll();
    await new Promise((r) => setTimeout(r, 200));
    // A SIGKILLed keepalived leaves its VIP behind; the namespaces are ours.
    for (const ns of [lab.a, lab.b]) ns.run(['ip', 'addr', 'del', `${LAB.vip}/32`, 'dev', 'eth0']);
  });
  afterAll(() => {
    cleanupNetns();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(impl: 'ours' | 'keepalived', where: 'a' | 'b', config: string): Speaker {
    const ns = where === 'a' ? lab.a : lab.b;
    const name = `${impl}-${where}-${n++}`;
    let s: Speaker;
    if (impl === 'keepalived') {
      const k = KeepalivedProcess.start(ns, dir, name, config, ['-P']);
      s = { stopGracefully: () => k.stop(), killAll: () => k.killAll(), describe: () => `--- keepalived ${where} ---\n${k.log}` };
    } else {
      const file = join(dir, `${name}.conf`);
      writeFileSync(file, config);
      const d = DaemonProcess.launch(ns, dir, name, file, ['-P']);
      s = {
        stopGracefully: async () => void (await d.stop('SIGTERM', 15_000)),
        // Children first: a child that sees its parent go stops cleanly (priority 0).
        killAll: () => void (['checkers', 'vrrp', 'main'] as const).forEach((w) => d.signal(w, 'SIGKILL')),
        describe: () => d.describe().split('\n').filter((l) => !l.includes('"level":20')).join('\n'),
      };
    }
    live.push(s);
    return s;
  }

  const only = (who: 'a' | 'b') => () => {
    const h = lab.holders();
    return h.length === 1 && h[0] === who;
  };

  for (const v of VARIANTS) {
    for (const master of ['ours', 'keepalived'] as const) {
      const backup = master === 'ours' ? 'keepalived' : 'ours';
      it(`${v.name}: ${master} MASTER (150) + ${backup} BACKUP (100)`, async () => {
        const cs = Math.round(v.advertInt * 100);
        const skew = skewTime(v.version, 100, cs);
        const mdi = masterDownInterval(v.version, 100, cs);
        const confA = conf(v, 'MASTER', 150, LAB.director1, LAB.director2);
        const confB = conf(v, 'BACKUP', 100, LAB.director2, LAB.director1);
        const b = start(backup, 'b', confB);
        let a = start(master, 'a', confA);
        const both = () => `${a.describe()}\n${b.describe()}`;

        expect(await until(only('a'), 15_000), both()).toBeDefined();
        // Steady: only the master, for several master-down intervals.
        const seen = new Set<string>();
        for (const end = performance.now() + Math.max(2000, 3 * mdi); performance.now() < end; ) {
          seen.add(lab.holders().join(''));
          await new Promise((r) => setTimeout(r, 50));
        }
        expect([...seen], both()).toEqual(['a']);

        const termAt = performance.now();
        const stopping = a.stopGracefully();
        const termTakeover = await until(only('b'), 10_000, 5);
        await stopping;
        expect(termTakeover, both()).toBeDefined();

        a = start(master, 'a', confA);
        const back = await until(only('a'), 15_000, 20);
        expect(back, both()).toBeDefined();

        await new Promise((r) => setTimeout(r, 300 + Math.random() * 1000 * v.advertInt));
        a.killAll();
        const killTakeover = await until(() => lab.holders().includes('b'), 15_000, 5);
        expect(killTakeover, both()).toBeDefined();
        console.log(
          `${v.name}, ${master} master: SIGTERM -> backup holds the VIP after ${termTakeover!.toFixed(0)} ms (skew ${skew.toFixed(0)} ms); ` +
            `SIGKILL -> after ${killTakeover!.toFixed(0)} ms (master-down ${mdi.toFixed(0)} ms); test ${((performance.now() - termAt) / 1000).toFixed(1)} s`,
        );
        expect(termTakeover!).toBeLessThan(skew + 1000);
        expect(killTakeover!).toBeLessThan(mdi + 1000);
      }, 90_000);
    }
  }
});
