#!/usr/bin/env node
// Health checks at scale on a real IPVS kernel (issue 4, "Speed and scale"),
// keepalived 2.2.7 and keepalived-ts side by side: bench/checks.mjs runs our
// checker on the host against the ipvsadm emulator, because the host kernel
// has no IPVS, and keepalived's checker cannot run there at all. Here the
// director runs in the kernel tier's QEMU guest (test/kernel: a stock Debian
// kernel, the host's node, ipvsadm and keepalived over 9p, the project's
// current src/ transpiled), so both program a real IPVS table with the real
// ipvsadm, one after the other, against the same listeners.
//
//   node bench/kernel-checks.mjs [--sizes 200,1000] [--window 20] [--delay-loop 10]
//        [--programs keepalived,ours] [--poll-ms 25] [--cpus 1] [--memory-mb 1536] [--json FILE]
//
// Defaults: 200 and 1,000 real servers at delay_loop 10 s (20 and 100
// checks/s), for both programs: under TCG on this 2-core machine (loaded by
// other work) our checker kept up with about 100 checks/s on the guest's
// one vCPU and fell behind at 200 (147-162 of 200 at 200 real servers,
// delay_loop 1), while keepalived kept up. About 5.5 minutes in all (boot
// 10-25 s; our daemon's start 15-55 s per run under TCG). Sizes beyond
// 1,000 need a delay_loop that keeps checks/s near 100. --cpus 2 did not
// help on this host (two TCG threads on two busy cores).
//
// Lab (bench/lib/kernel-lab.mjs): a bridge in a namespace, no uplink; the
// guest on it as 198.51.100.11 (test/kernel/vm.ts); a namespace with the 50
// real server addresses of 198.51.100.0/24 running one node process that
// holds a listener per real server (bench/lib/checks-servers.mjs,
// the layout and config of bench/lib/checks-layout.mjs: virtual servers of 50
// real servers, TCP_CHECK, connect_port, retry 0, connect_timeout 1).
// In the guest, bench/lib/kernel-guest-director.mjs starts the director,
// stamps its console lines, polls /proc/net/ip_vs and reads /proc, all on
// the guest's clock; the host reaches it through a relay in that namespace
// (bench/lib/kernel-guest-control.mjs) and maps host times (the listeners'
// close/open) onto the guest's clock with the quickest of a few pings.
//
// Per director and size, on the same config and fresh listeners:
//   start    spawn -> every real server in the kernel's table;
//   steady   over --window s: checks/s (connections the listeners accepted),
//            CPU of the checker process (utime+stime from the guest's
//            /proc/PID/stat; its waited-for children, i.e. our ipvsadm runs,
//            apart) and of the parent, RSS and peak; real servers wrongly
//            declared down;
//   failure  every tenth listener closes at once: failure -> verdict (the
//            director's line: keepalived's 'TCP connection to ... failed' or
//            'Removing service ...', at the time the runner read it, as its
//            console lines carry whole seconds; ours' 'real server down' at
//            its own millisecond time, the runner reading a burst of lines
//            up to a few hundred ms late when the vCPU is busy), verdict ->
//            entry gone from the kernel's table, failure -> gone; for ours
//            the ipvsadm processes (a counting wrapper given as --ipvsadm,
//            timed with bash's $EPOCHREALTIME: no extra fork) and where
//            verdict -> gone went (lib/checks-observe.mjs removalPath);
//   return   the listeners reopen -> back in the table;
//   reload   a config with another tenth at weight 2, SIGHUP -> the last
//            weight in the table; for ours the ipvsadm processes;
//   stop     SIGTERM -> the table empty, -> exit.
// The table is polled every --poll-ms only around these events, never in
// the steady window (a read of 1,000 entries costs the one vCPU too).
// TCG (no KVM here) makes every instruction of both programs several times
// slower: absolute times are inflated for both, the ratios are what compare.
// Needs root (namespaces, taps) and the kernel tier (qemu-system-x86).

import { readOptions, realServerCounts } from './lib/options.mjs';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { configText, everyTenth, RS_ADDRESSES, realServers } from './lib/checks-layout.mjs';
import { countingIpvsadmScript, parseIpvsadmRuns, removalPath, sleep, summary } from './lib/checks-observe.mjs';
import { directors, firstVerdicts, stampLag } from './lib/kernel-directors.mjs';
import { GuestControl } from './lib/kernel-guest-control.mjs';
import { DIRECTOR_ADDRESS, KernelLab, vmUnavailableReason } from './lib/kernel-lab.mjs';
import { Listeners, SERVERS_SCRIPT } from './lib/checks-listeners.mjs';
import { printTable } from './lib/kernel-report.mjs';

const RUNNER = new URL('./lib/kernel-guest-director.mjs', import.meta.url).pathname;
const CONTROL_PORT = 7390;
const PORT_BASE = 20000;
const GUEST_DIR = '/tmp/kernel-checks'; // the guest's own tmpfs
const RUNS_LOG = `${GUEST_DIR}/ipvsadm-runs.log`;
const WRAPPER = `${GUEST_DIR}/ipvsadm`;
const START_POLL_MS = 250;

const USAGE = `usage: node bench/kernel-checks.mjs [--sizes 200,1000] [--window SECONDS] [--delay-loop SECONDS]
       [--programs keepalived,ours] [--poll-ms MS] [--cpus N] [--memory-mb MB] [--json FILE]`;

function parseArgs(argv) {
  const v = readOptions(
    argv,
    {
      sizes: { type: 'string', default: '200,1000' },
      window: { type: 'string', default: '20' },
      'delay-loop': { type: 'string', default: '10' },
      programs: { type: 'string', default: 'keepalived,ours' },
      'poll-ms': { type: 'string', default: '25' },
      cpus: { type: 'string', default: '1' },
      'memory-mb': { type: 'string', default: '1536' },
      json: { type: 'string' },
    },
    USAGE,
  );
  const o = {
    sizes: realServerCounts(v.sizes),
    windowS: Number(v.window),
    delayLoop: Number(v['delay-loop']),
    programs: v.programs.split(','),
    pollMs: Number(v['poll-ms']),
    cpus: Number(v.cpus),
    memoryMb: Number(v['memory-mb']),
    json: v.json,
  };
  if (!o.programs.every((p) => p === 'keepalived' || p === 'ours')) throw new Error('--programs: keepalived, ours');
  if (!(o.windowS > 0) || !Number.isInteger(o.delayLoop) || o.delayLoop < 1 || !(o.pollMs > 0)) throw new Error(USAGE);
  return o;
}

const log = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${msg}\n`);
const maxOf = (m) => Math.max(...m.values());
/** Summary of the times in Map `at` counted from t0. */
const summaryFrom = (at, t0) => summary([...at.values()].map((t) => t - t0));

/** CPU % of one core between two `proc` answers, for entry `i` (self, or `childrenCpu`). */
function cpuPct(p0, p1, i, field = 'cpu') {
  const a = p0.procs[i];
  const b = p1.procs[i];
  return a && b && a.pid === b.pid ? (100 * (b[field] - a[field])) / ((p1.t - p0.t) / 1000) : NaN;
}

/** Waits until every pid file names a running process; their `proc` answer. */
async function waitForPids(control, pidFiles, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await control.ask('proc', { pidFiles });
    if (p.procs.every(Boolean)) return p;
    if (Date.now() > deadline) throw new Error(`no process behind ${pidFiles.join(', ')} after ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** The ipvsadm runs of a phase: reads, -R batches, all processes. */
const runCounts = (runs) => ({ reads: runs.filter((r) => r.args === '-Sn').length, batches: runs.filter((r) => r.args === '-R').length, processes: runs.length });

/**
 * One director in the guest through start, steady window, failure, return,
 * reload and stop: each phase a method that adds its figures to `result`.
 * Times are the guest's (see GuestControl).
 */
class DirectorRun {
  constructor(lab, control, director, count, opts) {
    Object.assign(this, { lab, control, director, count, opts });
    this.dir = `${GUEST_DIR}/${director.key}-${count}`;
    this.conf = `${this.dir}/keepalived.conf`;
    this.pidFiles = [`${this.dir}/parent.pid`, `${this.dir}/checker.pid`];
    this.servers = realServers(count, PORT_BASE);
    this.allIds = this.servers.map((s) => s.id);
    this.result = { director: director.key, label: director.label, count };
    this.started = false;
  }

  ids = (keys) => keys.map((k) => this.servers[k].id);
  config = (weightOf) => configText({ kind: 'tcp', count: this.count, portBase: PORT_BASE, delayLoop: this.opts.delayLoop, weightOf });
  say = (what) => log(`${this.director.label} ${this.count}: ${what}`);

  /** Down verdicts logged between t0 and t1 (guest times) on real servers not in `except`. */
  downsBetween(t0, t1, except = new Set()) {
    return this.control.logs.filter((l) => l.t >= t0 && l.t <= t1 && this.director.down(l.line) !== undefined && !except.has(this.director.down(l.line))).length;
  }

  /** The updates ours logged between t0 and t1: operations each. */
  operationsBetween(t0, t1) {
    return this.control.logs.filter((l) => l.t >= t0 && l.t <= t1).map((l) => this.director.operations(l.line)).filter((n) => n !== undefined);
  }

  async ipvsadmRuns() {
    return parseIpvsadmRuns((await this.control.ask('read', { path: RUNS_LOG })).text);
  }

  async go() {
    const { control, director } = this;
    await control.ask('write', { path: this.conf, text: this.config(() => 1) });
    if (director.countsIpvsadm) await control.ask('write', { path: RUNS_LOG, text: '' });
    this.listeners = new Listeners(this.lab.servers.spawn([process.execPath, SERVERS_SCRIPT, 'tcp', String(this.count), String(PORT_BASE)], { stdio: ['pipe', 'pipe', 'pipe'] }));
    control.exit = undefined;
    try {
      await this.listeners.ready();
      await this.start();
      await this.steady();
      await this.fail();
      await this.comeBack();
      await this.reload();
      await this.stop();
      this.result.tableReadMs = summary(control.readMs.splice(0));
    } catch (err) {
      err.message += `\n${director.label}'s last lines:\n${control.tail(15)}`;
      throw err;
    } finally {
      await this.cleanUp();
    }
    return this.result;
  }

  /** spawn -> every real server in the kernel's table. */
  async start() {
    const { control, director, result } = this;
    // Coarse while the table fills: every read then parses a changed table, on the director's vCPU.
    if ((await control.watch(START_POLL_MS)).size !== 0) throw new Error("the guest's IPVS table is not empty before the start");
    const filled = control.table.until(this.allIds, (w) => w === 1, 600_000);
    const argv = director.argv(this.conf, this.dir);
    result.command = argv.join(' ');
    const { t: tStart } = await control.ask('start', { argv });
    this.started = true;
    this.say('started');
    const exited = control.waitExit(700_000).then((e) => e && Promise.reject(new Error(`${director.label} exited (${e.signal ?? `exit ${e.code}`}) before its table was complete`)));
    const inTable = await Promise.race([filled, exited]);
    if (inTable.size !== this.count) throw new Error(`only ${inTable.size} of ${this.count} real servers reached the table`);
    result.startMs = maxOf(inTable) - tStart;
    const { procs } = await waitForPids(control, this.pidFiles, 120_000);
    result.startMemory = { rss: procs[1].rss, peak: procs[1].peak };
    await control.watch(0);
    await sleep((this.opts.delayLoop + 5) * 1000); // first checks spread over delay_loop
  }

  /** Checks/s, CPU and memory over the window, without table polling. */
  async steady() {
    const { control, listeners, pidFiles } = this;
    this.say(`steady window ${this.opts.windowS} s`);
    const load = [loadavg()[0]];
    const c0 = await listeners.count();
    const p0 = await control.ask('proc', { pidFiles });
    await sleep(this.opts.windowS * 1000);
    const p1 = await control.ask('proc', { pidFiles });
    const c1 = await listeners.count();
    load.push(loadavg()[0]);
    const checksPerS = (c1.accepted - c0.accepted) / ((c1.at - c0.at) / 1000);
    const checkerCpuPct = cpuPct(p0, p1, 1);
    this.result.steady = {
      checksPerS,
      checkerCpuPct,
      cpuPerThousand: checkerCpuPct / (checksPerS / 1000),
      checkerChildrenCpuPct: cpuPct(p0, p1, 1, 'childrenCpu'),
      parentCpuPct: cpuPct(p0, p1, 0),
      rss: p1.procs[1]?.rss,
      peak: p1.procs[1]?.peak,
      parentRss: p1.procs[0]?.rss,
      falseDowns: this.downsBetween(p0.t, p1.t),
      load,
    };
  }

  /** A tenth of the listeners close at once: verdicts, removals, for ours the ipvsadm runs. */
  async fail() {
    const { control, director } = this;
    const failing = everyTenth(this.count, 0);
    const failingIds = new Set(this.ids(failing));
    this.failing = failing;
    this.failingIds = failingIds;
    await control.watch(this.opts.pollMs);
    this.clock = await control.clockOffset();
    this.say(`${failing.length} real servers fail (clock offset ${this.clock.offsetMs.toFixed(1)} ms, ping ${this.clock.rttMs.toFixed(1)} ms)`);
    const gone = control.table.until(failingIds, (w) => w === undefined, 120_000);
    const { at } = await this.listeners.close(failing);
    const tFail = at + this.clock.offsetMs;
    const goneAt = await gone;
    const lastGone = maxOf(goneAt);
    await sleep(1000); // lines still in the pipe
    const since = control.logs.filter((l) => l.t >= tFail);
    const verdictAt = new Map([...firstVerdicts(director, since)].filter(([rs]) => failingIds.has(rs)));
    this.result.failure = {
      servers: failing.length,
      removed: goneAt.size,
      verdicts: verdictAt.size,
      otherDowns: this.downsBetween(tFail, lastGone + 1000, failingIds),
      failToVerdict: summaryFrom(verdictAt, tFail),
      verdictToGone: summary([...goneAt].filter(([rs]) => verdictAt.has(rs)).map(([rs, t]) => t - verdictAt.get(rs))),
      failToGone: summaryFrom(goneAt, tFail),
      clock: this.clock,
      // What the verdict lines look like (evidence for the parsing), and the raw delays.
      sampleLines: since.filter((l) => director.down(l.line) !== undefined).slice(0, 3).map((l) => l.line),
      verdictDelays: [...verdictAt.values()].map((t) => Math.round(t - tFail)).sort((a, b) => a - b),
      stampLag: summary(since.map(stampLag)),
    };
    if (director.countsIpvsadm) {
      const runs = await this.ipvsadmRuns();
      const during = runs.filter((r) => r.input >= tFail && r.input <= lastGone);
      this.result.failure.ipvsadm = {
        ...runCounts(during),
        operations: this.operationsBetween(tFail, lastGone + 1000),
        path: removalPath(goneAt, verdictAt, runs, this.opts.pollMs + 20),
        runMs: summary(during.map((r) => r.end - r.input)),
      };
    }
  }

  /** The failed listeners reopen -> back in the table. */
  async comeBack() {
    this.say('they come back');
    const back = this.control.table.until(this.failingIds, (w) => w === 1, 120_000);
    const { at } = await this.listeners.open(this.failing);
    const backAt = await back;
    this.result.back = { servers: backAt.size, openToBack: summaryFrom(backAt, at + this.clock.offsetMs) };
    await sleep(1500);
  }

  /** Another tenth to weight 2, SIGHUP -> the last weight in the table. */
  async reload() {
    const { control, director } = this;
    const reweighted = new Set(everyTenth(this.count, 5));
    await control.ask('write', { path: this.conf, text: this.config((k) => (reweighted.has(k) ? 2 : 1)) });
    this.say(`SIGHUP, ${reweighted.size} weights change`);
    const weighted = control.table.until(this.ids([...reweighted]), (w) => w === 2, 300_000);
    const { t: tHup } = await control.ask('signal', { signal: 'SIGHUP' });
    const weightedAt = await weighted;
    const tDone = weightedAt.size > 0 ? maxOf(weightedAt) : NaN;
    await sleep(2000);
    this.result.reload = {
      entries: reweighted.size,
      changed: weightedAt.size,
      hupToFirstMs: weightedAt.size > 0 ? Math.min(...weightedAt.values()) - tHup : NaN,
      hupToTableMs: tDone - tHup,
      falseDowns: this.downsBetween(tHup, tDone + 2000),
    };
    if (director.countsIpvsadm) {
      const during = (await this.ipvsadmRuns()).filter((r) => r.input >= tHup && r.input <= tDone);
      this.result.reload.ipvsadm = { ...runCounts(during), operations: this.operationsBetween(tHup, tDone + 2000) };
    }
    const { procs } = await control.ask('proc', { pidFiles: this.pidFiles });
    this.result.endMemory = { rss: procs[1]?.rss, peak: procs[1]?.peak };
  }

  /** SIGTERM -> the table empty, -> exit. */
  async stop() {
    const { control } = this;
    this.say('SIGTERM');
    const emptied = control.table.until(this.allIds, (w) => w === undefined, 120_000);
    const { t: tTerm } = await control.ask('signal', { signal: 'SIGTERM' });
    const exit = await control.waitExit(120_000);
    const emptiedAt = await emptied;
    const left = await control.watch(0);
    this.result.stop = {
      emptyMs: emptiedAt.size === this.count ? maxOf(emptiedAt) - tTerm : NaN,
      exitMs: exit ? exit.t - tTerm : NaN,
      exit: exit && (exit.signal ?? exit.code),
      entriesLeft: left.size,
    };
    if (this.director.countsIpvsadm) this.result.stop.ipvsadmProcesses = (await this.ipvsadmRuns()).filter((r) => r.input >= tTerm).length;
  }

  /** Whatever a failed run left: the director killed, an empty table for the next one, the listeners gone. */
  async cleanUp() {
    const { control } = this;
    await control.watch(0).catch(() => {});
    if (this.started && !control.exit) {
      await control.ask('signal', { signal: 'SIGKILL' }).catch(() => {});
      await control.waitExit(10_000);
    }
    await this.lab.vm.run(['ipvsadm', '-C']);
    await this.listeners.stop();
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('bench/kernel-checks.mjs needs root (namespaces, a tap for the guest)');
  const reason = vmUnavailableReason();
  if (reason) throw new Error(`the kernel tier cannot run here: ${reason}`);

  log(`booting the guest (${opts.cpus} vCPU, ${opts.memoryMb} MB)`);
  const lab = await KernelLab.create({ serverAddresses: RS_ADDRESSES, cpus: opts.cpus, memoryMb: opts.memoryMb });
  const { vm } = lab;
  log(`guest up: ${vm.image.version}, accel ${vm.accel}, booted in ${vm.bootMs} ms`);
  const results = [];
  let control;
  try {
    const runner = await vm.spawn([process.execPath, RUNNER, DIRECTOR_ADDRESS, String(CONTROL_PORT)]);
    control = new GuestControl(lab.servers, DIRECTOR_ADDRESS, CONTROL_PORT);
    await control.ask('time', {}, 300_000).catch(async (err) => {
      const s = await vm.status(runner);
      throw new Error(`${err.message}\nthe guest runner: ${s.stdout}${s.stderr}`);
    });
    await control.ask('write', { path: WRAPPER, text: countingIpvsadmScript('/usr/sbin/ipvsadm', RUNS_LOG), mode: 0o755 });
    for (const count of opts.sizes) {
      const all = directors({ projectDir: vm.projectDir, node: process.execPath, ipvsadm: WRAPPER, count, portBase: PORT_BASE });
      for (const director of all.filter((d) => opts.programs.includes(d.key))) {
        log(`${director.label}, ${count} real servers`);
        // A director that fails is reported, and the others still run.
        results.push(
          await new DirectorRun(lab, control, director, count, opts).go().catch((err) => {
            log(`${director.label} ${count} failed: ${err.message}`);
            return { director: director.key, label: director.label, count, error: err.message };
          }),
        );
      }
    }
  } finally {
    await control?.stop();
    await lab.stop();
  }

  console.log(
    `\nbench/kernel-checks.mjs: ${vm.image.version} in QEMU, accel ${vm.accel.toUpperCase()}, ${opts.cpus} vCPU, ${opts.memoryMb} MB; host ${cpus().length} CPUs, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; node ${process.version}`,
  );
  console.log(
    `TCP_CHECK, delay_loop ${opts.delayLoop} s, retry 0, connect_timeout 1 s; steady window ${opts.windowS} s; the IPVS table polled every ${opts.pollMs} ms (plus the read) around events: table times are that late at most.`,
  );
  if (vm.accel === 'tcg') console.log('TCG emulates every guest instruction: absolute times and CPU figures are inflated for both programs; compare the ratios.');
  printTable(results, opts.sizes);
  for (const r of results.filter((x) => x.error)) console.log(`\n${r.label} ${r.count} FAILED: ${r.error.split('\n')[0]}`);
  console.log('\ncommands (in the guest):');
  for (const r of results.filter((x) => x.command)) console.log(`  ${r.label} ${r.count}: ${r.command}`);
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ accel: vm.accel, vcpus: opts.cpus, kernel: vm.image.version, opts, results }, null, 2)}\n`);
  if (results.some((r) => r.error)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e?.stack ?? String(e));
  process.exit(1);
});
