#!/usr/bin/env node
// Health-check benchmark (issue 4, "Speed and scale"): the checker child of
// keepalived-ts with 1,000 and 10,000 real servers, TCP_CHECK and HTTP_GET,
// delay_loop 1 s, against real listeners, with the ipvsadm emulator as its
// ipvsadm (this kernel has no IPVS).
//
//   node bench/checks.mjs [--sizes 1000,10000] [--kinds tcp,http] [--window 30]
//        [--no-keepalived] [--cpu-prof DIR] [--heap-snapshot DIR] [--json FILE] [--keep]
//
// Lab: the reference lab's namespaces (test/lab/topology.mjs): the daemon
// runs in director1, the real servers in web1, which gets 49 more addresses
// of 198.51.100.0/24. One node process (bench/lib/checks-servers.mjs) holds
// one listener per real server, bound to its own address and port, so that
// a subset can stop answering (its listeners close: connects are refused).
// The config (bench/lib/checks-layout.mjs): virtual servers of 50 real
// servers, checked with connect_port, retry 0, connect_timeout 1.
//
// Per run (kind x size), the daemon is started as `keepalived-ts -n -C`
// with `--ipvsadm` a wrapper that logs every ipvsadm run (start, end,
// arguments) and runs the emulator; the emulated table is watched through
// its state file (each version with its write time). Measured:
//   start      spawn -> all N real servers in the table;
//   steady     over --window seconds: checks/s (connections the listeners
//              accepted), CPU of the checker child (utime+stime from
//              /proc/PID/stat; not its ipvsadm children), its RSS and peak;
//              real servers wrongly declared down;
//   failure    every tenth real server's listener closes at once (1,000 at
//              N = 10,000): failure -> verdict (the 'real server down' log
//              line), verdict -> entry gone from the table, failure -> gone;
//              the ipvsadm runs (reads, -R batches) and operations meanwhile.
//              Verdict -> gone is split (lib/checks-observe.mjs removalPath):
//              waiting for an ipvsadm run still going, the daemon's own part
//              (its pass and the spawn, up to the -R run's start), and the
//              -R run itself. The ipvsadm here is the emulator at native
//              speed (test/ipvs/emulator/fast.mjs: a C relay to an emulator
//              server that holds the table), so a run costs a few ms, as
//              the real one (a C program talking netlink) does; with
//              --emulator process it is the node executable, 100-500 ms a
//              run, and the daemon's part is the one to hold to the target;
//   return     the listeners reopen -> back in the table;
//   reload     a config changing the weight of another tenth (1,000 at
//              N = 10,000), then SIGHUP: HUP -> table done, the ipvsadm
//              runs and operations it took;
//   stop       SIGTERM -> exit, entries left.
// Then real keepalived (`keepalived -n -l -C -f CONF`) on the same TCP
// configs and servers: checks/s, CPU and RSS side by side and as ratios, if
// its checker runs here (on a kernel without IPVS it does not: the script
// checks the listeners for its connections and says so). The load average
// is printed with every window: other work on the machine shows there.
//
// The daemon's log goes to a file that the script follows, not to a pipe:
// pino writes synchronously and, on a full pipe, stops the process for 100
// ms at a time, so a slow reader here would slow the daemon down.
//
// --cpu-prof DIR: run the daemon under `node --cpu-prof` (the checker child
// inherits it) and print where the checker child's CPU goes in the steady
// window, the failure and the reload. --heap-snapshot DIR: take a heap
// snapshot of the checker child before it stops and print what its heap
// holds. --daemon-node-args 'FLAGS': node flags for the daemon (its
// children inherit them), e.g. to try V8 heap settings. --emulator
// relay|process: the ipvsadm emulator at native speed (default) or as a
// node process per run. --keep: keep the run's files (config, daemon log, ipvsadm log).
// Needs root and ip netns.

import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, run } from '../test/lab/topology.mjs';
import { configText, everyTenth, RS_ADDRESSES, realServers } from './lib/checks-layout.mjs';
import { cpuSeconds, ipvsadmRuns, JsonLines, memoryMb, removalPath, sleep, summary, TableWatch, wallNow, writeCountingIpvsadm } from './lib/checks-observe.mjs';
import { readOptions, realServerCounts } from './lib/options.mjs';
import { heapSummary } from './lib/checks-heap.mjs';
import { Listeners, SERVERS_SCRIPT } from './lib/checks-listeners.mjs';
import { profileWindow } from './lib/checks-profile.mjs';
import { startFastEmulator } from '../test/ipvs/emulator/fast.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DAEMON = join(ROOT, 'bin', 'keepalived-ts.js');
const EMULATOR = join(ROOT, 'test', 'ipvs', 'emulator', 'ipvsadm');
const PORT_BASE = 20000;

const TARGETS = {
  cpuPerThousand: 10, // % of one core per 1,000 checks/s: 10,000 TCP checks/s on one core
  removalMs: 100,
  rssMb: 200,
};

const USAGE = `usage: node bench/checks.mjs [--sizes 1000,10000] [--kinds tcp,http] [--window SECONDS]
       [--no-keepalived] [--emulator relay|process] [--cpu-prof DIR] [--heap-snapshot DIR] [--daemon-node-args 'FLAGS'] [--json FILE] [--keep]`;

function parseArgs(argv) {
  const v = readOptions(
    argv,
    {
      sizes: { type: 'string', default: '1000,10000' },
      kinds: { type: 'string', default: 'tcp,http' },
      window: { type: 'string', default: '30' },
      'no-keepalived': { type: 'boolean', default: false },
      emulator: { type: 'string', default: 'relay' },
      'cpu-prof': { type: 'string' },
      'heap-snapshot': { type: 'string' },
      'daemon-node-args': { type: 'string' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
    USAGE,
  );
  const o = {
    sizes: realServerCounts(v.sizes),
    kinds: v.kinds.split(','),
    windowS: Number(v.window),
    keepalived: !v['no-keepalived'],
    emulator: v.emulator,
    cpuProf: v['cpu-prof'],
    heapSnapshot: v['heap-snapshot'],
    ...(v['daemon-node-args'] !== undefined ? { daemonNodeArgs: v['daemon-node-args'].split(' ').filter(Boolean) } : {}),
    json: v.json,
    keep: v.keep,
  };
  if (!o.kinds.every((k) => k === 'tcp' || k === 'http')) throw new Error('--kinds: tcp, http');
  if (!(o.windowS > 0)) throw new Error('--window: seconds');
  if (o.emulator !== 'relay' && o.emulator !== 'process') throw new Error('--emulator: relay, process');
  return o;
}

const log = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${msg}\n`);

// ---------------------------------------------------------------------------
// The real servers

/** The listeners of `count` real servers in web1 (bench/lib/checks-servers.mjs). */
const startListeners = (lab, kind, count) =>
  new Listeners(lab.spawn('web1', [process.execPath, SERVERS_SCRIPT, kind, String(count), String(PORT_BASE)], { stdio: ['pipe', 'pipe', 'pipe'] }));

/** TCP connections opened so far from the checker's namespace (only the checker opens any there). */
function activeOpens(lab) {
  const snmp = run(['ip', 'netns', 'exec', lab.ns('director1'), 'cat', '/proc/net/snmp']).stdout.split('\n');
  const [names, values] = snmp.filter((l) => l.startsWith('Tcp:')).map((l) => l.split(/\s+/));
  return Number(values[names.indexOf('ActiveOpens')]);
}

/** The 1-minute load average (other work on the machine shows here). */
const loadAverage = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

/** Jiffies of the whole machine: busy (all but idle and iowait) and total. */
function machineCpu() {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const f = lines[0].split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total, cpus: lines.filter((l) => /^cpu\d/.test(l)).length };
}

/**
 * Over `windowS`: checks per second (TCP connections the checker opened,
 * and those the listeners accepted) and the CPU of `pid`.
 */
async function steadyWindow(lab, servers, pid, windowS) {
  const load0 = loadAverage();
  const o0 = activeOpens(lab);
  const s0 = cpuSeconds(servers.child.pid);
  const m0 = machineCpu();
  const c0 = cpuSeconds(pid);
  const a0 = await servers.count();
  const t0 = wallNow();
  await sleep(windowS * 1000);
  const o1 = activeOpens(lab);
  const c1 = cpuSeconds(pid);
  const t1 = wallNow();
  const m1 = machineCpu();
  const s1 = cpuSeconds(servers.child.pid);
  const a1 = await servers.count();
  const seconds = (t1 - t0) / 1000;
  const machine = { busyPct: (100 * (m1.busy - m0.busy)) / (m1.total - m0.total), cpus: m1.cpus, serversPct: ((s1 - s0) / seconds) * 100, load: [load0, loadAverage()] };
  const checksPerS = (o1 - o0) / seconds;
  const cpuPct = ((c1 - c0) / seconds) * 100;
  return { t0, t1, machine, checksPerS, acceptedPerS: (a1.accepted - a0.accepted) / ((a1.at - a0.at) / 1000), cpuPct, cpuPerThousand: cpuPct / (checksPerS / 1000), ...memoryMb(pid) };
}

// ---------------------------------------------------------------------------
// One run of keepalived-ts

async function runOurs(lab, kind, count, opts) {
  const dir = mkdtempSync(join(tmpdir(), `kts-bench-checks-${kind}-${count}-`));
  const conf = join(dir, 'keepalived.conf');
  const state = join(dir, 'ipvs.json');
  const runsLog = join(dir, 'ipvsadm.log');
  const wrapper = join(dir, 'ipvsadm');
  writeFileSync(conf, configText({ kind, count, portBase: PORT_BASE }));
  // The server runs in the director's namespace, beside the daemon (it only listens on a Unix socket).
  const emulator = opts.emulator === 'relay' ? await startFastEmulator({ dir, state, spawn: (argv, options) => lab.spawn('director1', argv, options) }) : undefined;
  writeCountingIpvsadm(wrapper, emulator?.command ?? EMULATOR, runsLog);
  const all = realServers(count, PORT_BASE);
  const ids = (keys) => keys.map((k) => all[k].id);
  const result = { impl: 'keepalived-ts', kind, count };
  const windows = {};

  const servers = startListeners(lab, kind, count);
  await servers.ready();
  const watch = new TableWatch(state);
  const profDir = opts.cpuProf ? join(opts.cpuProf, `${kind}-${count}`) : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });
  const heapDir = opts.heapSnapshot ? join(opts.heapSnapshot, `${kind}-${count}`) : undefined;
  if (heapDir) mkdirSync(heapDir, { recursive: true });
  const nodeArgs = [...(opts.daemonNodeArgs ?? []), ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), ...(heapDir ? ['--heapsnapshot-signal=SIGWINCH', `--diagnostic-dir=${heapDir}`] : [])];
  const argv = [process.execPath, ...nodeArgs, DAEMON, '-n', '-C', '-f', conf, '-p', join(dir, 'parent.pid'), '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'checker.pid'), '--ipvsadm', wrapper];
  result.command = `ip netns exec NS env IPVSADM_EMULATOR_STATE=${state} node ${argv.slice(1).join(' ').replace(ROOT + '/', '')}`;
  const tSpawn = wallNow();
  // Its log to a file, not a pipe: see JsonLines.
  const logFile = join(dir, 'daemon.log');
  const logFd = openSync(logFile, 'a');
  const daemon = lab.spawn('director1', argv, { stdio: ['ignore', logFd, 'pipe'], env: { ...process.env, IPVSADM_EMULATOR_STATE: state, ...emulator?.env } });
  closeSync(logFd);
  const logs = JsonLines.fromFile(logFile);
  let stderr = '';
  daemon.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => daemon.once('exit', () => r(wallNow())));
  try {
    const allIds = all.map((s) => s.id);
    const inTable = await watch.until(allIds, (w) => w === 1, 180_000);
    if (inTable.size !== count) throw new Error(`only ${inTable.size} of ${count} real servers reached the table\n${logs.tail(5)}\n${stderr}`);
    result.startMs = Math.max(...inTable.values()) - tSpawn;
    const childPid = Number(readFileSync(join(dir, 'checker.pid'), 'utf8'));
    result.startMemory = memoryMb(childPid);
    // First checks: 1 s after the checker starts, spread over delay_loop.
    await sleep(4000);

    // Steady state.
    const downsBefore = logs.records.length;
    log(`${kind} ${count}: steady window ${opts.windowS} s`);
    result.steady = await steadyWindow(lab, servers, childPid, opts.windowS);
    windows.steady = result.steady;
    result.steady.falseDowns = logs.records.slice(downsBefore).filter((r) => r.msg === 'real server down').length;

    // A tenth of the real servers stop answering at once.
    const failing = everyTenth(count, 0);
    const failingIds = new Set(ids(failing));
    log(`${kind} ${count}: ${failing.length} real servers fail`);
    const gone = watch.until(failingIds, (w) => w === undefined, 30_000);
    const mark = logs.records.length;
    const { at: tFail } = await servers.close(failing);
    const goneAt = await gone;
    const verdictAt = new Map();
    for (const r of logs.records.slice(mark)) if (r.msg === 'real server down' && failingIds.has(r.rs) && !verdictAt.has(r.rs)) verdictAt.set(r.rs, r.time);
    const lastGone = Math.max(...goneAt.values());
    windows.failure = { t0: tFail, t1: lastGone };
    const otherDowns = logs.records.slice(mark).filter((r) => r.msg === 'real server down' && !failingIds.has(r.rs)).length;
    const allRuns = ipvsadmRuns(runsLog);
    const runs = allRuns.filter((r) => r.input >= tFail && r.input <= lastGone);
    const updates = logs.records.filter((r, i) => i >= mark && r.msg === 'IPVS table updated' && r.time <= lastGone + 3000);
    result.failure = {
      servers: failing.length,
      removed: goneAt.size,
      verdicts: verdictAt.size,
      otherDowns,
      failToVerdict: summary([...verdictAt.values()].map((t) => t - tFail)),
      verdictToGone: summary([...goneAt].filter(([id]) => verdictAt.has(id)).map(([id, t]) => t - verdictAt.get(id))),
      failToGone: summary([...goneAt.values()].map((t) => t - tFail)),
      path: removalPath(goneAt, verdictAt, allRuns),
      reads: runs.filter((r) => r.args === '-Sn').length,
      batches: runs.filter((r) => r.args === '-R').length,
      processes: runs.length,
      operations: updates.map((u) => u.operations),
    };

    // They come back.
    log(`${kind} ${count}: they come back`);
    const back = watch.until(failingIds, (w) => w === 1, 30_000);
    const { at: tOpen } = await servers.open(failing);
    const backAt = await back;
    result.back = { servers: backAt.size, openToBack: summary([...backAt.values()].map((t) => t - tOpen)) };
    await sleep(1500);

    // A reload changes a tenth of the weights.
    const reweighted = everyTenth(count, 5);
    const reweightedSet = new Set(reweighted);
    writeFileSync(conf, configText({ kind, count, portBase: PORT_BASE, weightOf: (k) => (reweightedSet.has(k) ? 2 : 1) }));
    log(`${kind} ${count}: reload changing ${reweighted.length} weights`);
    const weighted = watch.until(ids(reweighted), (w) => w === 2, 300_000);
    const reloadMark = logs.records.length;
    const parentPid = Number(readFileSync(join(dir, 'parent.pid'), 'utf8'));
    const tHup = wallNow();
    process.kill(parentPid, 'SIGHUP');
    const weightedAt = await weighted;
    const tDone = weightedAt.size > 0 ? Math.max(...weightedAt.values()) : wallNow();
    windows.reload = { t0: tHup, t1: tDone };
    await sleep(2000); // anything that follows the change
    const reloaded = logs.records.slice(reloadMark).find((r) => r.msg === 'configuration reloaded' && r.process === 'checker');
    const reloadRuns = ipvsadmRuns(runsLog).filter((r) => r.input >= tHup);
    const reloadUpdates = logs.records.slice(reloadMark).filter((r) => r.msg === 'IPVS table updated');
    result.reload = {
      entries: reweighted.length,
      changed: weightedAt.size,
      hupToReloadedMs: reloaded ? reloaded.time - tHup : NaN,
      reloadedToTableMs: reloaded ? tDone - reloaded.time : NaN,
      hupToTableMs: tDone - tHup,
      reads: reloadRuns.filter((r) => r.input <= tDone && r.args === '-Sn').length,
      batches: reloadRuns.filter((r) => r.input <= tDone && r.args === '-R').length,
      processes: reloadRuns.filter((r) => r.input <= tDone).length,
      processesAfter: reloadRuns.filter((r) => r.input > tDone).length,
      operations: reloadUpdates.map((u) => u.operations),
      // Checks starved while the reload runs time out: real servers wrongly declared down.
      falseDowns: logs.records.slice(reloadMark).filter((r) => r.msg === 'real server down').length,
    };

    const everyRun = ipvsadmRuns(runsLog);
    result.emulator = {
      readMs: summary(everyRun.filter((r) => r.args === '-Sn').map((r) => r.end - r.input)),
      batchMs: summary(everyRun.filter((r) => r.args === '-R').map((r) => r.end - r.input)),
    };

    result.endMemory = memoryMb(childPid);
    if (heapDir) result.heap = await heapOf(heapDir, childPid);

    // Stop.
    const tTerm = wallNow();
    process.kill(parentPid, 'SIGTERM');
    const tExit = await Promise.race([exited, sleep(60_000).then(() => undefined)]);
    await sleep(50);
    watch.poll();
    result.stop = { exitMs: tExit === undefined ? NaN : tExit - tTerm, entriesLeft: watch.current.size };
    if (profDir && tExit !== undefined) result.profile = childProfile(profDir, childPid, tExit, windows);
  } finally {
    watch.stop();
    logs.stop();
    if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    await servers.stop();
    await emulator?.stop();
    if (opts.keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

/** A heap snapshot of `pid` (started with --heapsnapshot-signal=SIGWINCH), summarised. */
async function heapOf(dir, pid) {
  const rss = memoryMb(pid);
  process.kill(pid, 'SIGWINCH');
  let size = -1;
  for (let i = 0; i < 600; i++) {
    await sleep(500);
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && f.split('.').includes(String(pid)));
    if (!file) continue;
    const now = statSync(join(dir, file)).size;
    if (now === size && now > 0) return { file: join(dir, file), rssBefore: rss, ...heapSummary(join(dir, file)) };
    size = now;
  }
  return { error: 'no heap snapshot' };
}

/** Where the checker child's CPU went in each window (from its --cpu-prof profile, whose end is the child's exit). */
function childProfile(profDir, childPid, tExit, windows) {
  const file = readdirSync(profDir).find((f) => f.split('.').includes(String(childPid)));
  if (!file) return { error: `no profile for pid ${childPid} in ${profDir}` };
  const out = { file: join(profDir, file), windows: {} };
  for (const [name, w] of Object.entries(windows)) {
    const p = profileWindow(out.file, tExit - w.t0, tExit - w.t1);
    out.windows[name] = { seconds: (w.t1 - w.t0) / 1000, totalMs: p.totalMs, byFile: p.byFile.slice(0, 12), byFunction: p.byFunction.slice(0, 25) };
  }
  return out;
}

// ---------------------------------------------------------------------------
// Real keepalived, same servers and config (TCP_CHECK)

async function runKeepalived(lab, count, opts) {
  const dir = mkdtempSync(join(tmpdir(), `kts-bench-checks-keepalived-${count}-`));
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, configText({ kind: 'tcp', count, portBase: PORT_BASE }));
  const result = { impl: 'keepalived', kind: 'tcp', count };
  const servers = startListeners(lab, 'tcp', count);
  await servers.ready();
  const argv = ['keepalived', '-n', '-l', '-C', '-f', conf, '-p', join(dir, 'parent.pid'), '-c', join(dir, 'checker.pid')];
  result.command = `ip netns exec NS ${argv.join(' ')}`;
  const daemon = lab.spawn('director1', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  daemon.stdout.on('data', (d) => (output += d));
  daemon.stderr.on('data', (d) => (output += d));
  try {
    await sleep(5000);
    // Do its checks reach the listeners?
    const a0 = await servers.count();
    await sleep(3000);
    const a1 = await servers.count();
    const rate = (a1.accepted - a0.accepted) / ((a1.at - a0.at) / 1000);
    const ipvsLines = output.split('\n').filter((l) => /ipvs/i.test(l));
    result.evidence = { checksPerS: rate, ipvsLines: ipvsLines.slice(0, 3), shutdownLines: output.split('\n').filter((l) => /Shutting down|Stopping|exit/i.test(l)).length };
    let childPid;
    try {
      childPid = Number(readFileSync(join(dir, 'checker.pid'), 'utf8'));
      process.kill(childPid, 0);
    } catch {
      childPid = undefined;
    }
    result.runsChecks = rate > count * 0.5 && childPid !== undefined;
    if (result.runsChecks) {
      log(`keepalived tcp ${count}: steady window ${opts.windowS} s`);
      result.steady = await steadyWindow(lab, servers, childPid, opts.windowS);
    }
  } finally {
    if (daemon.exitCode === null && daemon.signalCode === null) {
      daemon.kill('SIGTERM');
      await Promise.race([new Promise((r) => daemon.once('exit', r)), sleep(10_000)]);
      if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    }
    await servers.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

// ---------------------------------------------------------------------------
// The table

const f0 = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const ms = (s) => (s?.n ? `${f0(s.median)} / ${f0(s.p95)} / ${f0(s.max)}` : '-');
const ok = (cond) => (cond === undefined ? '' : cond ? ' ok' : ' MISSED');
const list = (a) => (a?.length ? (a.length <= 6 ? a.join('+') : `${a.length} batches: ${a.slice(0, 4).join('+')}+...`) : '-');

function printTable(ours, theirs) {
  const cols = ours.map((r) => `${r.kind.toUpperCase()} ${f0(r.count)}`);
  const rows = [];
  const row = (label, target, cell) => rows.push([label, ...ours.map(cell), target]);
  row('start: spawn -> all in table (ms)', '', (r) => f0(r.startMs));
  row('checks/s (connects / accepted)', 'N per s', (r) => `${f0(r.steady?.checksPerS)} / ${f0(r.steady?.acceptedPerS)}`);
  row('checker child CPU (% of a core)', '', (r) => f1(r.steady?.cpuPct));
  row('CPU per 1,000 checks/s (% core)', `<= ${TARGETS.cpuPerThousand} (TCP)`, (r) => f1(r.steady?.cpuPerThousand) + (r.kind === 'tcp' ? ok(r.steady?.cpuPerThousand <= TARGETS.cpuPerThousand) : ''));
  row('checker child RSS once all in table (MB)', '', (r) => f0(r.startMemory?.rss));
  row('checker child RSS / peak (MB)', `< ${TARGETS.rssMb} at 10,000`, (r) => `${f0(r.steady?.rss)} / ${f0(r.steady?.peak)}${r.count === 10000 ? ok(r.steady?.peak < TARGETS.rssMb) : ''}`);
  row('false downs in the window', '0', (r) => f0(r.steady?.falseDowns));
  row('listeners CPU % / machine busy %', '', (r) => (r.steady ? `${f1(r.steady.machine.serversPct)} / ${f1(r.steady.machine.busyPct)} of ${r.steady.machine.cpus}` : '-'));
  row('load average at window start / end', '', (r) => (r.steady ? r.steady.machine.load.map((x) => x.toFixed(2)).join(' / ') : '-'));
  row('failed at once (listeners closed)', '', (r) => f0(r.failure?.servers));
  row('failure -> verdict ms (med/p95/max)', '<= delay_loop', (r) => ms(r.failure?.failToVerdict));
  row('verdict -> gone ms (med/p95/max)', `<= ${TARGETS.removalMs}`, (r) => ms(r.failure?.verdictToGone) + ok(r.failure?.verdictToGone?.n ? r.failure.verdictToGone.max <= TARGETS.removalMs : undefined));
  row('  verdict -> its -R run gets the batch', '', (r) => ms(r.failure?.path.toBatch));
  row('    waiting for an ipvsadm run going', '', (r) => ms(r.failure?.path.queued));
  row('    daemon: pass (+ spawn if no -R waits)', `<= ${TARGETS.removalMs}`, (r) => ms(r.failure?.path.daemon) + ok(r.failure?.path.daemon.n ? r.failure.path.daemon.max <= TARGETS.removalMs : undefined));
  row('  batch -> gone (the -R run, emulator)', '', (r) => ms(r.failure?.path.batch));
  row('failure -> gone ms (med/p95/max)', '', (r) => ms(r.failure?.failToGone));
  row('  ipvsadm runs: -Sn reads / -R batches', '1 -R per batch', (r) => (r.failure ? `${r.failure.reads} / ${r.failure.batches}` : '-'));
  row('  operations per -R batch', '', (r) => list(r.failure?.operations));
  row('  other servers declared down', '0', (r) => f0(r.failure?.otherDowns));
  row('listeners back -> in table ms (med/max)', '', (r) => (r.back?.openToBack?.n ? `${f0(r.back.openToBack.median)} / ${f0(r.back.openToBack.max)}` : '-'));
  row('reload: weights changed', '', (r) => f0(r.reload?.changed));
  row('  HUP -> reloaded / -> table (ms)', '', (r) => (r.reload ? `${f0(r.reload.hupToReloadedMs)} / ${f0(r.reload.hupToTableMs)}` : '-'));
  row('  reloaded -> table (ms)', '', (r) => f0(r.reload?.reloadedToTableMs));
  row('  ipvsadm runs: -Sn / -R (after)', '1 -R', (r) => (r.reload ? `${r.reload.reads} / ${r.reload.batches}${ok(r.reload.batches === 1)} (${r.reload.processesAfter})` : '-'));
  row('  operations per -R batch', '', (r) => list(r.reload?.operations));
  row('  real servers declared down meanwhile', '0', (r) => f0(r.reload?.falseDowns));
  row('checker child RSS / peak after all that', '', (r) => (r.endMemory ? `${f0(r.endMemory.rss)} / ${f0(r.endMemory.peak)}` : '-'));
  row('emulator run ms: -Sn / -R (median)', '', (r) => (r.emulator ? `${f0(r.emulator.readMs.median)} / ${f0(r.emulator.batchMs.median)}` : '-'));
  row('stop: SIGTERM -> exit ms / entries left', '', (r) => (r.stop ? `${f0(r.stop.exitMs)} / ${r.stop.entriesLeft}` : '-'));

  const header = ['', ...cols, 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));

  if (theirs.length > 0) printAgainstKeepalived(ours, theirs);
  for (const r of ours) {
    if (!r.heap) continue;
    if (r.heap.error) console.log(`\n${r.kind.toUpperCase()} ${f0(r.count)}: ${r.heap.error}`);
    else {
      console.log(`\nthe checker child's heap, ${r.kind.toUpperCase()} ${f0(r.count)}, before stop: ${f0(r.heap.totalMb)} MB live (self sizes) of ${f0(r.heap.rssBefore.rss)} MB RSS; ${r.heap.file}`);
      for (const [kind, mb, count] of r.heap.top) console.log(`  ${f1(mb).padStart(6)} MB  ${f0(count).padStart(9)}  ${kind}`);
    }
  }
  for (const r of ours) {
    if (!r.profile) continue;
    if (r.profile.error) console.log(`\n${r.kind.toUpperCase()} ${f0(r.count)}: ${r.profile.error}`);
    for (const [name, w] of Object.entries(r.profile.windows ?? {})) {
      console.log(`\nwhere the checker child's CPU went, ${r.kind.toUpperCase()} ${f0(r.count)}, ${name} (${f1(w.seconds)} s, ${f0(w.totalMs)} ms on CPU in JS/GC/native):`);
      for (const [file, t] of w.byFile) console.log(`  ${f1((100 * t) / w.totalMs).padStart(5)} %  ${file}`);
      console.log('  top functions (self time):');
      for (const [fn, t] of w.byFunction.slice(0, 15)) console.log(`  ${f1((100 * t) / w.totalMs).padStart(5)} %  ${fn}`);
    }
  }
}

/** keepalived's figures beside ours, and ours as a multiple of its (same TCP_CHECK configs, listeners and namespace). */
function printAgainstKeepalived(ours, theirs) {
  console.log('\nkeepalived 2.2.7 (`keepalived -n -l -C -f CONF`, same TCP_CHECK configs and listeners, same namespace):');
  const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '-');
  const rows = [['', 'keepalived-ts', 'keepalived', 'keepalived-ts / keepalived']];
  for (const k of theirs) {
    if (!k.runsChecks) {
      console.log(
        `  TCP ${f0(k.count)}: its checker runs no checks here (${f1(k.evidence.checksPerS)} connections/s at the listeners); it logged: ${k.evidence.ipvsLines.join(' | ') || '(nothing about IPVS)'}; ${k.evidence.shutdownLines} "Shutting down"/stop lines. No comparison possible on this kernel.`,
      );
      continue;
    }
    const mine = ours.find((r) => r.kind === 'tcp' && r.count === k.count)?.steady;
    const s = k.steady;
    const figure = (label, get, fmt) => rows.push([`TCP ${f0(k.count)} ${label}`, mine ? fmt(get(mine)) : '-', fmt(get(s)), mine ? ratio(get(mine), get(s)) : '-']);
    rows.push([`TCP ${f0(k.count)} load average (start / end)`, mine ? mine.machine.load.join(' / ') : '-', s.machine.load.join(' / '), '']);
    figure('checks/s', (x) => x.checksPerS, f0);
    figure('CPU (% of a core)', (x) => x.cpuPct, f1);
    figure('CPU per 1,000 checks/s', (x) => x.cpuPerThousand, f1);
    figure('RSS (MB)', (x) => x.rss, f0);
    figure('peak RSS (MB)', (x) => x.peak, f0);
  }
  if (rows.length === 1) return;
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const r of rows) console.log(`  ${r.map((c, i) => String(c).padEnd(widths[i])).join('  ')}`);
}

// ---------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('bench/checks.mjs needs root (network namespaces)');
  const built = spawnSync(process.execPath, [DAEMON, '--version'], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`${DAEMON} does not run (npm run build first?): ${built.stderr}`);
  const lab = await Lab.create({ label: 'chk', webServers: false });
  const results = { ours: [], keepalived: [] };
  try {
    const extra = RS_ADDRESSES.filter((a) => a !== '198.51.100.21').map((a) => `addr add ${a}/24 dev eth0\n`).join('');
    const r = run(['ip', '-n', lab.ns('web1'), '-batch', '-'], { input: extra });
    if (r.code !== 0) throw new Error(`adding the real servers' addresses: ${r.stderr}`);
    for (const kind of opts.kinds) {
      for (const count of opts.sizes) {
        log(`keepalived-ts ${kind} ${count}`);
        results.ours.push(await runOurs(lab, kind, count, opts));
      }
    }
    if (opts.keepalived) {
      for (const count of opts.sizes) {
        log(`keepalived tcp ${count}`);
        results.keepalived.push(await runKeepalived(lab, count, opts));
      }
    }
  } finally {
    lab.teardown();
  }
  console.log(`\nbench/checks.mjs: delay_loop 1 s, retry 0, connect_timeout 1 s; steady window ${opts.windowS} s; ${(await import('node:os')).cpus().length} CPUs; node ${process.version}\n`);
  printTable(results.ours, results.keepalived);
  console.log('\ncommands:');
  for (const r of [...results.ours, ...results.keepalived]) console.log(`  ${r.impl} ${r.kind} ${r.count}: ${r.command}`);
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((e) => {
  console.error(e?.stack ?? String(e));
  process.exit(1);
});
