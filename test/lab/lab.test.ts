// `npm run lab` end to end: the script builds the reference LVS-DR lab in
// namespaces, runs keepalived-ts (the built bin/) on both directors, kills
// the master twice (SIGKILL of its whole process tree, then SIGTERM), and
// must exit 0 having printed both takeovers and the preemptions, leaving no
// namespace behind. A second run is interrupted with SIGINT (Ctrl-C) once the
// pair is up: it must still tear everything down. Needs root and ip netns;
// under CI=true it must run.
//
// The client-outage arithmetic of the probe is checked without namespaces.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cannotRun } from '../helpers/gate.js';
import { netnsUnavailableReason } from '../helpers/netns.js';
import { Probe } from './observe.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LAB = join(REPO, 'test', 'lab', 'lab.mjs');

interface LabRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Run the lab script; `interrupt` sends SIGINT once the output matches it. */
function runLab(timeoutMs: number, interrupt?: RegExp): Promise<LabRun> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [LAB], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let interrupted = false;
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (interrupt && !interrupted && interrupt.test(output)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, output });
    });
  });
}

/** The run's namespace prefix, as the script prints it. */
function prefixOf(output: string): string | undefined {
  return /namespaces (klab-\d+-[0-9a-f]+-)\{/.exec(output)?.[1];
}

function namespacesWith(prefix: string): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(prefix));
}

function ms(output: string, re: RegExp): number[] {
  return [...output.matchAll(re)].map((m) => Number(m[1]));
}

const reason = netnsUnavailableReason();

describe('npm run lab', () => {
  if (reason !== undefined) {
    cannotRun('the lab script', reason);
    return;
  }

  it('tells the whole story and exits 0: takeovers after SIGKILL and SIGTERM, preemption, teardown', async () => {
    const run = await runLab(120_000);
    const why = `lab output:\n${run.output}`;
    expect(run.code, why).toBe(0);
    expect(run.output, why).toMatch(/director1 is MASTER/);
    // Both failures print a takeover with its timing, in order, each followed by director1 preempting.
    const takeovers = ms(run.output, /director2 holds the VIP (\d+) ms after the kill/g);
    expect(takeovers, why).toHaveLength(2);
    const [afterKill, afterTerm] = takeovers;
    // Generous bounds: SIGKILL within Master_Down_Interval (3609 ms) plus slack; SIGTERM about the skew (609 ms).
    expect(afterKill, why).toBeGreaterThan(1500);
    expect(afterKill, why).toBeLessThan(5000);
    expect(afterTerm, why).toBeLessThan(2500);
    expect(ms(run.output, /director1 preempts: MASTER again (\d+) ms/g), why).toHaveLength(2);
    expect(run.output, why).toMatch(/lost the VIP \d+ ms after the kill/);
    expect(run.output, why).toMatch(/done: every step behaved as expected/);
    const prefix = prefixOf(run.output);
    expect(prefix, why).toBeDefined();
    expect(namespacesWith(prefix!)).toEqual([]);
  }, 150_000);

  it('tears everything down on Ctrl-C (SIGINT) while the pair runs', async () => {
    const run = await runLab(60_000, /director1 is MASTER/);
    const why = `lab output:\n${run.output}`;
    expect(run.output, why).toMatch(/director1 is MASTER/);
    expect(run.code, why).toBe(130);
    expect(run.output, why).toMatch(/SIGINT: tearing the lab down/);
    const prefix = prefixOf(run.output);
    expect(prefix, why).toBeDefined();
    expect(namespacesWith(prefix!)).toEqual([]);
    // No process of that run is left: the daemons' command lines name the run's directory.
    const dir = /daemon logs and pid files: (\S+)/.exec(run.output)?.[1];
    expect(dir, why).toBeDefined();
    expect(spawnSync('pgrep', ['-f', dir!], { encoding: 'utf8' }).stdout.trim()).toBe('');
    expect(existsSync(dir!)).toBe(false);
  }, 90_000);
});

describe('client-visible outage from the probe replies', () => {
  // A Probe without a process: only its replies matter here.
  const probeWith = (replies: { n: number; t: number }[]): Probe =>
    Object.assign(Object.create(Probe.prototype) as Probe, { intervalMs: 10, replies: replies.map((r) => ({ ...r, sent: r.t - 1 })) });
  const every10 = (from: number, to: number, t0: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ n: from + i, t: t0 + i * 10 }));

  it('is the longest run of lost replies, minus one interval', () => {
    // Replies 1..10 at 1000..1090, requests 11..40 lost, 41.. answered from 1400 on.
    const p = probeWith([...every10(1, 10, 1000), ...every10(41, 50, 1400)]);
    const o = p.outage(1050)!;
    expect(o.ms).toBe(300);
    expect(o.lost).toBe(30);
    expect(o.lastBefore).toBe(1090);
    expect(o.firstAfter).toBe(1400);
  });

  it('is zero when every request was answered, even across a stall of the probe', () => {
    const p = probeWith([...every10(1, 10, 1000), ...every10(11, 20, 1500)]);
    expect(p.outage(1050)!.ms).toBe(0);
  });

  it('is undefined while no reply has come after the failure', () => {
    const p = probeWith(every10(1, 10, 1000));
    expect(p.outage(2000)).toBeUndefined();
  });
});
