#!/usr/bin/env node
// Failover benchmark (issue 3, "Speed"): the same failures on a pair of real
// keepalived (Debian's) and on a pair of keepalived-ts, in the reference lab
// of /work/shared/lab.md (test/lab/topology.mjs), with the same harness.
//
//   node bench/failover.mjs [--trials N] [--impl keepalived,ours]
//        [--adverts 1,0.1] [--scenarios sigterm,sigkill,linkdown]
//        [--cpu-seconds 10 | --no-cpu] [--cpu-settle 20] [--profile DIR]
//        [--json FILE] [--keep-logs]
//
// For each implementation, advert variant (advert_int 1 with VRRPv2 and PASS
// auth; advert_int 0.1 with VRRPv3) and failure, N trials (default 10), each
// on a freshly started pair: director1 MASTER (150), director2 BACKUP (100).
// The failure lands at a point of the advert cycle that trial k puts at
// (k - 0.5)/N of the interval after one of director1's adverts (seen from the
// client), the same point for both implementations: the N trials cover the
// cycle evenly, and a takeover that depends on the point of the cycle (after
// SIGKILL: the master-down interval minus the time since the last advert)
// compares between the implementations without that randomness:
//   sigterm   SIGTERM to the master's daemon (graceful: priority-0 advert);
//   sigkill   SIGKILL of every process of the master's daemon at once;
//   linkdown  SIGKILL as above, and at once the master's cable cut (its
//             bridge port down): a machine that dies.
// Measured, per trial (performance.now() in this process for the address
// events, which come from `ip monitor address` as they happen):
//   (a) failure -> VIP on the backup;
//   (b) client-visible outage: the client pings the VIP every 10 ms
//       (test/lab/icmp-probe.mjs); the longest run of lost replies;
//   (c) failure -> the dead master no longer holds the VIP, waited for up to
//       max(2 s, 2 x the master's Master_Down_Interval) + 1 s ("never within X s");
//   (d) the master's last advert on the wire (SIGTERM: its priority-0 advert)
//       -> VIP on the backup: the backup's own part, without the point of
//       the advert cycle the failure fell on (nor the client's timing of it);
//   (e) SIGTERM only: failure -> the priority-0 advert on the wire (the
//       master's part).
// The adverts are seen from the client (bench/lib/advert-watch.mjs).
// Printed: median and max of each, and ours/keepalived of the medians. Then
// the CPU an idle pair at advert_int 0.1 uses: per director, % of one core
// over --cpu-seconds, after the pair has run --cpu-settle seconds: past the
// start-up, which costs keepalived-ts about 1 % of a core more for its first
// 20 s (the delayed gratuitous ARPs at 5 s; V8 optimizing the code that
// runs per advert; the memory reducer's full collections of the parent and
// the VRRP child, 8 to 18 s after start). Of the daemon's whole process
// tree, to the nanosecond (bench/lib/failover-cpu.mjs), and by process
// (--cpu-settle 3 measures the start-up instead). --profile DIR records
// keepalived-ts's directors with perf(1) during that window (JavaScript
// names through --perf-basic-prof) and writes DIR/director*.perf.txt; the
// CPU figures of such a run include perf's own cost.
//
// The directors run VRRP only (no virtual_server): this kernel has no IPVS,
// and the benchmark is about failover. Needs root, ip netns, keepalived.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon } from '../test/lab/daemons.mjs';
import { PRIORITY, directorVrrpConfig } from '../test/lab/director-config.mjs';
import { Probe, VipWatch } from '../test/lab/observe.mjs';
import { masterDownMs, skewMs } from '../test/lab/rfc-timing.mjs';
import { DIRECTORS, Lab, VIP, processTree, run, sleep, until, wallNow } from '../test/lab/topology.mjs';
import { AdvertWatch } from './lib/advert-watch.mjs';
import { cpuBetween, startProfile, treeCpu } from './lib/failover-cpu.mjs';

const USAGE = `usage: node bench/failover.mjs [--trials N] [--impl keepalived,ours] [--adverts 1,0.1]
       [--scenarios sigterm,sigkill,linkdown] [--cpu-seconds S | --no-cpu] [--cpu-settle S]
       [--profile DIR] [--json FILE] [--keep-logs]`;

const IMPLS = { keepalived: 'keepalived', ours: 'keepalived-ts' };
const SCENARIOS = {
  sigterm: 'SIGTERM',
  sigkill: 'SIGKILL of every process',
  linkdown: 'SIGKILL + link down',
};

function parseArgs(argv) {
  const o = { trials: 10, impls: ['keepalived', 'ours'], adverts: [1, 0.1], scenarios: Object.keys(SCENARIOS), cpuSeconds: 10, cpuSettle: 20, profile: undefined, json: undefined, keepLogs: false };
  const list = (v, allowed, what) => {
    const items = v.split(',').filter(Boolean);
    for (const i of items) if (!allowed.includes(i)) throw new Error(`unknown ${what} '${i}' (one of ${allowed.join(', ')})`);
    return items;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--trials') o.trials = Number(value());
    else if (a === '--impl') o.impls = list(value(), Object.keys(IMPLS), 'implementation');
    else if (a === '--adverts') o.adverts = list(value(), ['1', '0.1'], 'advert interval').map(Number);
    else if (a === '--scenarios') o.scenarios = list(value(), Object.keys(SCENARIOS), 'scenario');
    else if (a === '--cpu-seconds') o.cpuSeconds = Number(value());
    else if (a === '--no-cpu') o.cpuSeconds = 0;
    else if (a === '--cpu-settle') o.cpuSettle = Number(value());
    else if (a === '--profile') o.profile = value();
    else if (a === '--json') o.json = value();
    else if (a === '--keep-logs') o.keepLogs = true;
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (!(Number.isInteger(o.trials) && o.trials > 0)) throw new Error('--trials needs a positive integer');
  if (!(o.cpuSeconds >= 0)) throw new Error('--cpu-seconds needs a number of seconds');
  if (!(o.cpuSettle >= 0)) throw new Error('--cpu-settle needs a number of seconds');
  if (o.profile !== undefined && !o.impls.includes('ours')) throw new Error('--profile profiles keepalived-ts: --impl must include ours');
  return o;
}

// ---------------------------------------------------------------------------
// What to expect

/** The target for (c): max(2 s, 2 x the master's Master_Down_Interval). */
const releaseTargetMs = (advertS) => Math.max(2000, 2 * masterDownMs(PRIORITY.director1, advertS));
/** How long (c) is waited for: the target plus 1 s. */
const releaseWaitMs = (advertS) => releaseTargetMs(advertS) + 1000;

function configFor(host, advertS) {
  return directorVrrpConfig(host, advertS, 'bench/failover.mjs');
}

// ---------------------------------------------------------------------------
// One trial

class Bench {
  constructor(lab, dir, watch, adverts) {
    this.lab = lab;
    this.dir = dir;
    this.watch = watch;
    this.adverts = adverts;
  }

  confFile(host, advertS) {
    const file = join(this.dir, `${host}-advert${advertS}.conf`);
    writeFileSync(file, configFor(host, advertS));
    return file;
  }

  startDaemon(impl, host, advertS, env) {
    const conf = this.confFile(host, advertS);
    return impl === 'ours' ? Daemon.keepalivedTs(this.lab, host, { conf, dir: this.dir, env }) : Daemon.keepalived(this.lab, host, { conf, dir: this.dir });
  }

  /** A fresh pair with director1 master and director2 backup, settled. `env`: extra environment of keepalived-ts. */
  async startPair(impl, advertS, env = {}) {
    this.reset();
    const since = performance.now();
    const pair = { director1: this.startDaemon(impl, 'director1', advertS, env), director2: this.startDaemon(impl, 'director2', advertS, env) };
    // director2 may come up first and be master for a moment: wait until director1 alone holds the VIP.
    const up = await this.watch.director1.wait('add', since, 30_000);
    const alone = up && (await until(() => this.lab.vipHolders().join() === 'director1', 5_000));
    if (!alone) {
      await this.stopPair(pair);
      throw new Error(`${IMPLS[impl]}: director1 did not become the only VIP holder (holders: ${this.lab.vipHolders().join(', ') || 'none'})\n${pair.director1.tail(10)}\n${pair.director2.tail(10)}`);
    }
    // Let the backup hear a few adverts.
    await sleep(Math.max(1000, 3 * advertS * 1000));
    return pair;
  }

  async stopPair(pair) {
    await Promise.all(Object.values(pair).map((d) => d.stop()));
  }

  /** Between trials: every cable in, no VIP left on a director, a fresh ARP cache on the client. */
  reset() {
    for (const d of DIRECTORS) {
      this.lab.cable(d, true);
      this.lab.dropVip(d);
    }
    run(['ip', '-n', this.lab.ns('client'), 'neigh', 'flush', 'dev', 'eth0']);
  }

  /** `phase`: where in director1's advert cycle the failure lands, 0..1 of the interval after an advert. */
  async trial(impl, advertS, scenario, phase) {
    const pair = await this.startPair(impl, advertS);
    let probe;
    try {
      probe = await Probe.start(this.lab, 'client');
      await sleep(200);
      const advert = await this.adverts.next('director1', wallNow(), 5_000 + 3 * advertS * 1000);
      if (!advert) throw new Error(`${IMPLS[impl]}: no advert from director1 seen`);
      await sleep(Math.max(0, advert.t + phase * advertS * 1000 - wallNow()));
      const master = pair.director1;
      const at = performance.now();
      const wall = performance.timeOrigin + at;
      this.adverts.forgetBefore(wall - 10_000);
      if (scenario === 'sigterm') master.signal('SIGTERM');
      else {
        master.killTree();
        // After the kill, so that no process of the master sees its link go (a machine that dies).
        if (scenario === 'linkdown') this.lab.cable('director1', false);
      }
      const [took, dropped] = await Promise.all([
        this.watch.director2.wait('add', at, 15_000),
        this.watch.director1.wait('del', at, releaseWaitMs(advertS)),
      ]);
      if (took) await probe.settled(took.wall, 3_000);
      await sleep(100);
      const outage = took ? probe.outage(wall) : undefined;
      // The master's last word on the wire: its priority-0 advert (SIGTERM), or
      // its last advert before dying (the client may timestamp it a little after
      // the kill: a dead master sends nothing, so allow a quarter of an interval).
      const last =
        scenario === 'sigterm' ? this.adverts.firstWithPriority('director1', 0, wall) : this.adverts.lastBefore('director1', wall + Math.min(20, (advertS * 1000) / 4));
      const result = {
        impl,
        advertS,
        scenario,
        takeoverMs: took ? took.at - at : null,
        outageMs: outage ? outage.ms : null,
        releaseMs: dropped ? dropped.at - at : null,
        lastAdvertToVipMs: took && last ? took.wall - last.t : null,
      };
      if (scenario === 'sigterm') result.priorityZeroMs = last ? last.t - wall : null;
      // keepalived-ts says why the backup became master (keepalived's lines are not parsed).
      const why = pair.director2.records(at).find((r) => r.to === 'master' && r.why !== undefined);
      if (why) result.backupWhy = why.why;
      return result;
    } finally {
      probe?.stop();
      await this.stopPair(pair);
    }
  }

  /**
   * % of one core each director's daemon (whole process tree) uses while
   * idle, in total and by process: {director1: {percent, byRole}, ...}.
   * With `profileDir`, perf records each director's processes meanwhile.
   */
  async idleCpu(impl, advertS, { seconds, settleS, profileDir }) {
    const env = profileDir ? { NODE_OPTIONS: '--perf-basic-prof' } : {};
    const started = performance.now();
    const pair = await this.startPair(impl, advertS, env);
    try {
      await sleep(Math.max(0, settleS * 1000 - (performance.now() - started)));
      const profiles = profileDir ? DIRECTORS.map((h) => startProfile(this.lab, processTree(pair[h].pid), profileDir, h)) : [];
      const before = Object.fromEntries(DIRECTORS.map((h) => [h, treeCpu(pair[h].pid)]));
      const t = performance.now();
      await sleep(seconds * 1000);
      const after = Object.fromEntries(DIRECTORS.map((h) => [h, treeCpu(pair[h].pid)]));
      const elapsed = (performance.now() - t) / 1000;
      for (const p of profiles) process.stderr.write(`profile: ${await p.stop()}\n`);
      return Object.fromEntries(DIRECTORS.map((h) => [h, cpuBetween(before[h], after[h], elapsed)]));
    } finally {
      await this.stopPair(pair);
    }
  }
}

// ---------------------------------------------------------------------------
// Statistics and the table

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** median and max of a metric over trials; a trial where it never happened counts as Infinity. */
function stats(values) {
  const xs = values.map((v) => (v === null ? Infinity : v));
  return { median: median(xs), max: Math.max(...xs), never: xs.filter((x) => x === Infinity).length, n: xs.length };
}

function fmt(s, neverWithinMs) {
  if (!s) return '-';
  const one = (v) => (v === Infinity ? `never within ${(neverWithinMs / 1000).toFixed(1)} s` : `${Math.round(v)}`);
  if (s.median === Infinity) return one(Infinity);
  return `${one(s.median)} / ${one(s.max)}${s.never > 0 ? ` (${s.never}/${s.n} never)` : ''}`;
}

function ratio(ours, theirs) {
  if (!ours || !theirs) return '-';
  if (ours.median === Infinity && theirs.median === Infinity) return 'both never';
  if (theirs.median === Infinity) return 'keepalived never';
  if (ours.median === Infinity) return 'ours never';
  if (theirs.median === 0) return ours.median === 0 ? '1.00' : '-';
  return `${(ours.median / theirs.median).toFixed(2)} (${ours.median - theirs.median >= 0 ? '+' : ''}${Math.round(ours.median - theirs.median)} ms)`;
}

function expectation(scenario, advertS) {
  const skew = skewMs(PRIORITY.director2, advertS);
  const mdi = masterDownMs(PRIORITY.director2, advertS);
  return scenario === 'sigterm' ? `skew ${Math.round(skew)} ms` : `window ${Math.round(mdi - advertS * 1000)}-${Math.round(mdi)} ms`;
}

/** What (d) should be: the skew after a priority-0 advert, else the master-down interval after the last advert. */
function lastAdvertExpectation(scenario, advertS) {
  return scenario === 'sigterm' ? `skew ${Math.round(skewMs(PRIORITY.director2, advertS))} ms` : `MDI ${Math.round(masterDownMs(PRIORITY.director2, advertS))} ms`;
}

function printTable(results, options) {
  const METRICS = [
    ['takeoverMs', '(a) failure -> VIP on backup'],
    ['outageMs', '(b) client-visible outage'],
    ['releaseMs', '(c) dead master drops VIP'],
    ['lastAdvertToVipMs', "(d) master's last advert -> VIP on backup"],
    ['priorityZeroMs', '(e) failure -> priority-0 advert'],
  ];
  const rows = [['advert', 'failure', 'metric (ms, median / max)', 'keepalived', 'keepalived-ts', 'ours/keepalived (median)', 'RFC']];
  for (const advertS of options.adverts) {
    for (const scenario of options.scenarios) {
      METRICS.filter(([key]) => key !== 'priorityZeroMs' || scenario === 'sigterm').forEach(([key, label], i) => {
        const pick = (impl) => {
          const rs = results.filter((r) => r.impl === impl && r.advertS === advertS && r.scenario === scenario);
          return rs.length ? stats(rs.map((r) => r[key])) : undefined;
        };
        const theirs = pick('keepalived');
        const ours = pick('ours');
        const waited = key === 'releaseMs' ? releaseWaitMs(advertS) : 15_000;
        rows.push([
          i === 0 ? `${advertS} s (v${advertS < 1 ? 3 : 2})` : '',
          i === 0 ? SCENARIOS[scenario] : '',
          label,
          fmt(theirs, waited),
          fmt(ours, waited),
          ratio(ours, theirs),
          key === 'takeoverMs' ? expectation(scenario, advertS) : key === 'releaseMs' ? `target <= ${Math.round(releaseTargetMs(advertS))} ms` : key === 'lastAdvertToVipMs' ? lastAdvertExpectation(scenario, advertS) : '',
        ]);
      });
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const [k, r] of rows.entries()) {
    console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
    if (k === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

// ---------------------------------------------------------------------------

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root (network namespaces)');
  if (options.impls.includes('keepalived') && run(['keepalived', '--version']).error) throw new Error('keepalived is not installed (apt-get install keepalived)');
  const dir = mkdtempSync(join(tmpdir(), 'kts-failover-'));
  const lab = await Lab.create({ label: 'fo', webServers: false });
  const log = (m) => process.stderr.write(`${m}\n`);
  try {
    const watch = { director1: await VipWatch.start(lab, 'director1'), director2: await VipWatch.start(lab, 'director2') };
    const bench = new Bench(lab, dir, watch, await AdvertWatch.start(lab));
    const results = [];
    const errors = [];
    const anomalies = [];
    const started = performance.now();
    for (const advertS of options.adverts) {
      for (const scenario of options.scenarios) {
        for (let t = 1; t <= options.trials; t++) {
          // Alternate the implementations trial by trial, so drift in the machine's load hits both alike.
          for (const impl of options.impls) {
            let r;
            try {
              r = await bench.trial(impl, advertS, scenario, (t - 0.5) / options.trials);
            } catch (e) {
              errors.push(`advert ${advertS} ${scenario} #${t} ${IMPLS[impl]}: ${e?.message ?? e}`);
              log(`trial failed: ${errors.at(-1)}`);
              continue;
            }
            results.push(r);
            const earliest = scenario === 'sigterm' ? skewMs(PRIORITY.director2, advertS) : masterDownMs(PRIORITY.director2, advertS) - advertS * 1000;
            if (r.takeoverMs !== null && r.takeoverMs < earliest - 20) {
              anomalies.push(`advert ${advertS} ${scenario} #${t} ${IMPLS[impl]}: takeover after ${Math.round(r.takeoverMs)} ms, before the RFC allows (${Math.round(earliest)} ms)${r.backupWhy ? `; backup's reason: ${r.backupWhy}` : ''}`);
              log(`anomaly: ${anomalies.at(-1)}`);
            }
            const show = (v) => (v === null ? 'never' : `${Math.round(v)} ms`);
            log(
              `[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] advert ${advertS} ${scenario.padEnd(8)} #${t} ${IMPLS[impl].padEnd(13)} takeover ${show(r.takeoverMs).padStart(8)}  outage ${show(r.outageMs).padStart(8)}  master drops VIP ${show(r.releaseMs).padStart(8)}  last advert -> VIP ${show(r.lastAdvertToVipMs).padStart(8)}`,
            );
          }
        }
      }
    }
    const cpu = {};
    if (options.cpuSeconds > 0) {
      if (options.profile) mkdirSync(options.profile, { recursive: true });
      for (const impl of options.impls) {
        log(`idle CPU of a ${IMPLS[impl]} pair at advert_int 0.1 over ${options.cpuSeconds} s, ${options.cpuSettle} s after its start ...`);
        const profileDir = impl === 'ours' ? options.profile : undefined;
        cpu[impl] = { ...(await bench.idleCpu(impl, 0.1, { seconds: options.cpuSeconds, settleS: options.cpuSettle, profileDir })), load: loadavg()[0] };
      }
    }

    console.log(`\nFailover: ${options.trials} trial(s) per cell, failures spread evenly over the advert cycle (the same points for both); director1 MASTER 150, director2 BACKUP 100.\n`);
    printTable(results, options);
    if (options.cpuSeconds > 0) {
      console.log(
        `\nIdle pair at advert_int 0.1 (VRRPv3): CPU per director, % of one core over ${options.cpuSeconds} s from ${options.cpuSettle} s after the start (whole process tree, schedstat)${options.profile ? '; perf was recording keepalived-ts' : ''}`,
      );
      for (const impl of options.impls) {
        const c = cpu[impl];
        const parts = (h) => Object.entries(c[h].byRole).map(([role, pct]) => `${role} ${pct.toFixed(2)}`).join(', ');
        console.log(`  ${IMPLS[impl].padEnd(13)}  ${DIRECTORS.map((h) => `${h} ${c[h].percent.toFixed(2)} %`).join('   ')}   (load ${c.load.toFixed(2)})`);
        for (const h of DIRECTORS) console.log(`  ${''.padEnd(13)}    ${h}: ${parts(h)}`);
      }
      if (cpu.ours && cpu.keepalived) {
        console.log(`  ours/keepalived: ${DIRECTORS.map((h) => `${h} ${cpu.keepalived[h].percent > 0 ? (cpu.ours[h].percent / cpu.keepalived[h].percent).toFixed(1) : '-'}x`).join('   ')}`);
      }
    }
    if (options.json) writeFileSync(options.json, `${JSON.stringify({ options, results, cpu, errors, anomalies }, null, 2)}\n`);
    if (anomalies.length > 0) {
      console.log(`\n${anomalies.length} takeover(s) earlier than the RFC allows (in the table):`);
      for (const a of anomalies) console.log(`  ${a}`);
    }
    if (errors.length > 0) {
      console.log(`\n${errors.length} trial(s) failed (not in the table):`);
      for (const e of errors) console.log(`  ${e.split('\n')[0]}`);
    }
    if (options.keepLogs || errors.length > 0 || anomalies.length > 0) console.log(`\ndaemon logs and configs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    return errors.length > 0 ? 1 : 0;
  } finally {
    lab.teardown();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`failover benchmark: ${e?.message ?? e}`);
    process.exit(1);
  },
);
