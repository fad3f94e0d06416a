#!/usr/bin/env node
// Stability benchmark (issue 5, acceptance "10-minute soak" and "Timing under
// CPU load"): a pair of directors left running for minutes, watched for
// anything that moves when nothing should.
//
//   node bench/stability.mjs --scenario soak|load [--minutes N]
//        [--with-keepalived [--keepalived-minutes M]] [--impl ours|keepalived|ours,keepalived]
//        [--delay-loop S] [--keep-logs] [--json FILE]
//
// soak  keepalived-ts on director1 (MASTER 150) and director2 (BACKUP 100),
//       VRRPv3, advert_int 0.1, one VIP, and a virtual_server of 100 real
//       servers (TCP_CHECK, delay_loop 1): 100 addresses of 203.0.113.0/24 on
//       the client's namespace with one TCP listener accepting on all of them.
//       IPVS through the ipvsadm emulator (this kernel has no IPVS), one table
//       per director.
// load  the same pair with VRRP only, advert_int 0.05 (VRRPv3), while four
//       busy loops (sh -c 'while :; do :; done', in the client's namespace)
//       saturate the machine's cores. --with-keepalived runs the same test on
//       a pair of Debian's keepalived (-P) afterwards (never both at once: the
//       load would be shared), so the table shows both.
//
// Counted after the pair has converged (director1 the only VIP holder, both
// daemons in their initial states): VRRP state changes (the daemons' logs),
// VIP holder changes (`ip monitor address` in each director, as they happen),
// the longest time both directors held the VIP, the time nobody did, child
// restarts and warnings/errors logged. Per process (parent, vrrp, checker):
// RSS at convergence, at the end, and its min/max over samples every 30 s;
// CPU % of one core over the run. keepalived-ts runs with -D, so its VRRP
// child logs its event-loop lag every 5 s; at the end a SIGUSR1 dump gives the
// "Event loop lag (ms)" section too. Two witnesses that belong to neither
// daemon: the adverts as the client sees them on the wire
// (bench/lib/stability-advert-watch.mjs: director1's longest silence, and
// whether director2 ever spoke), and an idle node process measuring its own
// event-loop lag the way the VRRP child does (what the machine's scheduling
// alone costs). Under load, after the busy loops stop, the pair gets 30 s to
// come back to director1 alone.
//
// Needs root, ip netns, and keepalived for --with-keepalived. Everything runs
// in namespaces of this run (test/lab/topology.mjs: documentation addresses,
// a bridge with no uplink); Ctrl-C (or SIGTERM) stops every process this run
// started, by pid, deletes the namespaces and the temporary directory.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Daemon, IPVSADM_EMULATOR } from '../test/lab/daemons.mjs';
import { PRIORITY, directorVrrpConfig } from '../test/lab/director-config.mjs';
import { VipWatch } from '../test/lab/observe.mjs';
import { AdvertWatch } from './lib/advert-watch.mjs';
import { masterDownMs } from '../test/lab/rfc-timing.mjs';
import { ADDRESSES, DIRECTORS, Lab, VIP, cpuSeconds, run, sleep, until, wallNow } from '../test/lab/topology.mjs';


const USAGE = `usage: node bench/stability.mjs --scenario soak|load [--minutes N]
       [--with-keepalived [--keepalived-minutes M]] [--impl ours|keepalived|ours,keepalived]
       [--delay-loop S] [--keep-logs] [--json FILE]`;

const IMPLS = { ours: 'keepalived-ts', keepalived: 'keepalived' };
const REAL_SERVER_COUNT = 100;
const REAL_SERVER_NET = '203.0.113';
const BUSY_LOOPS = 4;
const SAMPLE_EVERY_MS = 30_000;
/** After both daemons have reached their first states, let a few adverts flow before counting. */
const SETTLE_MS = 3_000;
/** After the busy loops stop: how long the pair is given to get back to director1 alone. */
const RECOVERY_WAIT_MS = 30_000;

const SCENARIOS = {
  soak: { advertS: 0.1, realServers: REAL_SERVER_COUNT, busyLoops: 0 },
  load: { advertS: 0.05, realServers: 0, busyLoops: BUSY_LOOPS },
};

function parseArgs(argv) {
  const o = { scenario: undefined, minutes: 10, keepalivedMinutes: undefined, impls: ['ours'], delayLoop: 1, keepLogs: false, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--scenario') o.scenario = value();
    else if (a === '--minutes') o.minutes = Number(value());
    else if (a === '--keepalived-minutes') o.keepalivedMinutes = Number(value());
    else if (a === '--with-keepalived') o.impls = ['ours', 'keepalived'];
    else if (a === '--impl') o.impls = value().split(',').filter(Boolean);
    else if (a === '--delay-loop') o.delayLoop = Number(value());
    else if (a === '--keep-logs') o.keepLogs = true;
    else if (a === '--json') o.json = value();
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  if (!(o.scenario in SCENARIOS)) throw new Error(`--scenario must be soak or load\n${USAGE}`);
  for (const i of o.impls) if (!(i in IMPLS)) throw new Error(`unknown implementation '${i}' (ours, keepalived)`);
  if (o.impls.length === 0) throw new Error('--impl needs at least one implementation');
  if (o.scenario === 'soak' && o.impls.includes('keepalived')) throw new Error('the soak needs IPVS, which this kernel lacks: keepalived runs in the load scenario only');
  if (!(o.minutes > 0) || !(o.keepalivedMinutes === undefined || o.keepalivedMinutes > 0)) throw new Error('--minutes / --keepalived-minutes need a positive number');
  if (!(o.delayLoop > 0)) throw new Error('--delay-loop needs a positive number of seconds');
  return o;
}

// ---------------------------------------------------------------------------
// Configuration

const realServers = (n) => Array.from({ length: n }, (_, i) => `${REAL_SERVER_NET}.${i + 1}`);

function configFor(host, scenario, delayLoop) {
  const { advertS, realServers: n } = SCENARIOS[scenario];
  const vrrp = directorVrrpConfig(host, advertS, `bench/stability.mjs, scenario ${scenario}`);
  if (n === 0) return vrrp;
  const servers = realServers(n)
    .map((rs) => `    real_server ${rs} 80 {\n        weight 1\n        TCP_CHECK {\n            connect_timeout 1\n        }\n    }`)
    .join('\n');
  return `${vrrp}virtual_server ${VIP} 80 {
    delay_loop ${delayLoop}
    lb_algo rr
    lb_kind DR
    protocol TCP
${servers}
}
`;
}

// ---------------------------------------------------------------------------
// Observation

/** Whole-process figures read from /proc. */
function rssKb(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function readPid(file) {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The processes of one daemon, by role, from its pid files. */
function pidsOf(dir, host, roles) {
  return Object.fromEntries(roles.map((role) => [role, readPid(join(dir, `${host}.${PID_FILE[role]}.pid`))]));
}
const PID_FILE = { parent: 'main', vrrp: 'vrrp', checker: 'checkers' };

/** RSS samples and CPU time of one process over the run. */
class ProcessTrack {
  constructor(host, role, pid) {
    this.host = host;
    this.role = role;
    this.pid = pid;
    this.samples = [];
    this.cpuStart = cpuSeconds(pid);
    this.restarted = false;
    this.sample();
  }

  sample() {
    const kb = rssKb(this.pid);
    if (kb === undefined) this.restarted = true;
    else this.samples.push(kb);
  }

  finish(elapsedS, currentPid) {
    this.sample();
    if (currentPid !== this.pid) this.restarted = true;
    this.cpuPercent = (100 * (cpuSeconds(this.pid) - this.cpuStart)) / elapsedS;
  }

  get row() {
    const s = this.samples;
    return {
      host: this.host,
      role: this.role,
      pid: this.pid,
      rssStartKb: s[0],
      rssEndKb: s.at(-1),
      rssMinKb: Math.min(...s),
      rssMaxKb: Math.max(...s),
      samples: s.length,
      cpuPercent: this.cpuPercent,
      restarted: this.restarted,
    };
  }
}

/**
 * VIP holders over time, from each director's `ip monitor address` events.
 * keepalived-ts re-adds the VIP to refresh its lease: an add while held is no change.
 */
function holderTimeline(watches, from, to) {
  const events = DIRECTORS.flatMap((h) => watches[h].events.map((e) => ({ ...e, host: h }))).sort((a, b) => a.at - b.at);
  const held = Object.fromEntries(DIRECTORS.map((h) => [h, false]));
  let changes = 0;
  let bothSince;
  let noneSince;
  let bothMaxMs = 0;
  let noneTotalMs = 0;
  const log = [];
  const count = (at) => at >= from && at <= to;
  for (const e of events) {
    const was = held[e.host];
    const now = e.kind === 'add';
    if (was === now) continue;
    const before = DIRECTORS.filter((h) => held[h]).length;
    held[e.host] = now;
    const after = DIRECTORS.filter((h) => held[h]).length;
    if (count(e.at)) {
      changes++;
      log.push(`${((e.at - from) / 1000).toFixed(1)} s: ${e.host} ${now ? 'took' : 'dropped'} the VIP`);
    }
    if (after === 2) bothSince = e.at;
    if (before === 2 && bothSince !== undefined) bothMaxMs = Math.max(bothMaxMs, e.at - Math.max(bothSince, from));
    if (after === 0) noneSince = e.at;
    if (before === 0 && noneSince !== undefined && e.at > from) noneTotalMs += e.at - Math.max(noneSince, from);
  }
  const nowHeld = DIRECTORS.filter((h) => held[h]);
  if (nowHeld.length === 2 && bothSince !== undefined) bothMaxMs = Math.max(bothMaxMs, to - Math.max(bothSince, from));
  if (nowHeld.length === 0 && noneSince !== undefined) noneTotalMs += to - Math.max(noneSince, from);
  return { changes, bothMaxMs, noneTotalMs, log };
}

const STATE_RE = /Entering (MASTER|BACKUP|FAULT) STATE/;

/** VRRP state changes logged by a daemon at or after `since`: [{at, state}]. */
function stateChanges(daemon, since) {
  if (daemon.kind === 'keepalived-ts') {
    return daemon
      .records(since)
      .filter((r) => STATE_RE.test(r.msg ?? ''))
      .map((r) => ({ at: r.at, state: STATE_RE.exec(r.msg)[1], why: r.why ?? r.reason ?? r.cause }));
  }
  return daemon.lines.filter((l) => l.at >= since && STATE_RE.test(l.line)).map((l) => ({ at: l.at, state: STATE_RE.exec(l.line)[1] }));
}

/** keepalived-ts records at warn level or above after `since`, grouped by message. */
function warnings(daemon, since) {
  const byMsg = new Map();
  if (daemon.kind === 'keepalived-ts') {
    for (const r of daemon.records(since)) if (r.level >= 40) byMsg.set(r.msg, (byMsg.get(r.msg) ?? 0) + 1);
  } else {
    for (const l of daemon.lines) {
      if (l.at < since || !/\b(error|warning|fault)\b/i.test(l.line)) continue;
      const msg = l.line.replace(/^.*?: /, '');
      byMsg.set(msg, (byMsg.get(msg) ?? 0) + 1);
    }
  }
  return [...byMsg].map(([msg, n]) => ({ msg, n }));
}

/** keepalived-ts messages of interest after `since`. */
const countMsg = (daemon, since, msg) => (daemon.kind === 'keepalived-ts' ? daemon.records(since).filter((r) => r.msg === msg).length : undefined);

/** The VRRP child's 5-s event-loop lag windows (-D) after `since`. */
function lagWindows(daemon, since) {
  if (daemon.kind !== 'keepalived-ts') return undefined;
  return summarizeLag(daemon.records(since).filter((r) => r.msg === 'event loop lag' || r.msg?.startsWith('event loop lag near')));
}

/** Worst, p99 (median and max over windows) of 5-s lag windows {lagMs, p99Ms, level?, budgetMs?}. */
function summarizeLag(ws) {
  if (ws.length === 0) return { windows: 0 };
  const lag = ws.map((r) => r.lagMs);
  const p99 = ws.map((r) => r.p99Ms).sort((a, b) => a - b);
  return {
    windows: ws.length,
    worstMs: Math.max(...lag),
    p99MedianMs: p99[p99.length >> 1],
    p99MaxMs: p99.at(-1),
    warned: ws.filter((r) => r.level >= 40).length,
    budgetMs: ws.find((r) => r.budgetMs !== undefined)?.budgetMs,
  };
}

/** SIGUSR1 the parent; the "Event loop lag (ms)" section of the VRRP data dump. */
async function dumpLag(daemon, tmpDir) {
  const file = join(tmpDir, 'keepalived.data');
  rmSync(file, { force: true });
  daemon.signal('SIGUSR1');
  const text = await until(() => {
    if (!existsSync(file)) return undefined;
    const t = readFileSync(file, 'utf8');
    return t.includes('Event loop lag') ? t : undefined;
  }, 5_000, 50);
  if (!text) return undefined;
  const section = text.slice(text.indexOf('Event loop lag')).split('\n').slice(1);
  const out = {};
  for (const line of section) {
    const m = /^\s+(\w+) = (.*)$/.exec(line);
    if (!m) break;
    out[m[1]] = Number(m[2]);
  }
  return out;
}

/**
 * A control: an idle node process measuring its own event-loop lag exactly as
 * the VRRP child does (lateness of a 100 ms tick, 5-s windows; see
 * src/daemon/loop-lag.ts). What it sees is the machine's scheduling, not the
 * daemon's work.
 */
const LAG_PROBE_JS = `
let samples = [];
let expected = performance.now() + 100;
setInterval(() => {
  const now = performance.now();
  samples.push(Math.max(0, now - expected));
  expected = now + 100;
}, 100);
const r = (x) => Math.round(x * 100) / 100;
setInterval(() => {
  const s = samples.sort((a, b) => a - b);
  samples = [];
  const p99 = s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0;
  console.log(JSON.stringify({ msg: 'event loop lag', lagMs: r(s.at(-1) ?? 0), p99Ms: r(p99), meanMs: r(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)) }));
}, 5000);
`;

class LagProbe {
  constructor(lab, host) {
    this.windows = [];
    this.child = lab.spawn(host, [process.execPath, '-e', LAG_PROBE_JS]);
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      try {
        this.windows.push({ at: performance.now(), ...JSON.parse(line) });
      } catch {
        /* not ours */
      }
    });
  }

  since(at) {
    return summarizeLag(this.windows.filter((w) => w.at >= at));
  }

  stop() {
    this.child.kill('SIGKILL');
  }
}

/**
 * Between two wall-clock times: director1's adverts as the client saw them
 * (count, longest gap counting the edges of the window, gaps over 2
 * intervals and over director2's master-down interval) and how many adverts
 * director2 sent.
 */
function advertSummary(wire, wall0, wall1, advertS) {
  const from = (h) => wire.adverts.filter((a) => a.s === ADDRESSES[h] && a.t >= wall0 && a.t <= wall1).map((a) => a.t);
  const t = [wall0, ...from('director1'), wall1];
  const gaps = t.slice(1).map((x, i) => x - t[i]);
  const mdi = masterDownMs(PRIORITY.director2, advertS);
  return {
    masterAdverts: t.length - 2,
    masterMaxGapMs: Math.max(...gaps),
    masterGapsOver2Intervals: gaps.filter((g) => g > 2 * advertS * 1000).length,
    masterGapsOverMdi: gaps.filter((g) => g > mdi).length,
    mdiMs: mdi,
    backupAdverts: from('director2').length,
  };
}

/** The machine's CPU counters (/proc/stat, all cores): busy and steal jiffies, and the total. */
function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  return { busy: user + nice + system + irq + softirq, steal: steal ?? 0, total: user + nice + system + idle + iowait + irq + softirq + (steal ?? 0) };
}

/** Destinations in a director's emulated IPVS table. */
function ipvsDestinations(stateFile) {
  const r = run([IPVSADM_EMULATOR, '-Sn'], { env: { ...process.env, IPVSADM_EMULATOR_STATE: stateFile } });
  return r.code === 0 ? r.stdout.split('\n').filter((l) => l.startsWith('-a ')).length : undefined;
}

// ---------------------------------------------------------------------------
// One run: a fresh lab, a pair, the scenario's extras, N minutes, the figures.

async function runOne(impl, options, minutes, dir, log) {
  const scenario = SCENARIOS[options.scenario];
  const runDir = join(dir, `${options.scenario}-${impl}`);
  mkdirSync(runDir, { recursive: true });
  const lab = await Lab.create({ label: options.scenario === 'soak' ? 'sk' : 'ld', webServers: false });
  const daemons = {};
  const busy = [];
  try {
    if (scenario.realServers > 0) {
      // The real servers: addresses on the client, one listener for all; the directors reach them on-link.
      for (const rs of realServers(scenario.realServers)) lab.ip('client', 'addr', 'add', `${rs}/32`, 'dev', 'eth0');
      for (const d of DIRECTORS) lab.ip(d, 'route', 'add', `${REAL_SERVER_NET}.0/24`, 'dev', 'eth0');
      const listener = lab.spawn('client', [
        process.execPath,
        '-e',
        "require('net').createServer((s) => { s.on('error', () => {}); s.end(); }).listen(80, () => console.log('listening'))",
      ]);
      if (!(await new Promise((r) => (listener.stdout.once('data', () => r(true)), listener.once('exit', () => r(false)))))) throw new Error('the real servers\' listener did not start');
    }
    const probe = new LagProbe(lab, 'web1');
    const wire = await AdvertWatch.start(lab);
    const watches = Object.fromEntries(await Promise.all(DIRECTORS.map(async (h) => [h, await VipWatch.start(lab, h)])));
    const ipvsState = (h) => join(runDir, `ipvs-${h}.json`);
    for (const h of DIRECTORS) {
      const conf = join(runDir, `${h}.conf`);
      writeFileSync(conf, configFor(h, options.scenario, options.delayLoop));
      const tmp = join(runDir, h);
      mkdirSync(tmp, { recursive: true });
      daemons[h] =
        impl === 'ours'
          ? Daemon.keepalivedTs(lab, h, {
              conf,
              dir: runDir,
              args: ['-D', ...(scenario.realServers > 0 ? ['--ipvsadm', IPVSADM_EMULATOR] : [])],
              env: { KEEPALIVED_TS_TMP_DIR: tmp, IPVSADM_EMULATOR_STATE: ipvsState(h) },
            })
          : Daemon.keepalived(lab, h, { conf, dir: runDir, args: ['-P'] });
    }
    const launched = performance.now();
    const describe = () => DIRECTORS.map((h) => daemons[h].tail(15)).join('\n');

    // Convergence: director1 the only holder, each daemon in its initial state.
    const converged = await until(
      () =>
        lab.vipHolders().join() === 'director1' &&
        stateChanges(daemons.director1, 0).at(-1)?.state === 'MASTER' &&
        stateChanges(daemons.director2, 0).at(-1)?.state === 'BACKUP',
      30_000,
      100,
    );
    if (!converged) throw new Error(`${IMPLS[impl]}: the pair did not converge (holders: ${lab.vipHolders().join(', ') || 'none'})\n${describe()}`);
    const convergedS = (performance.now() - launched) / 1000;
    if (scenario.realServers > 0) {
      const full = await until(() => DIRECTORS.every((h) => ipvsDestinations(ipvsState(h)) === scenario.realServers), 30_000, 500);
      if (!full) throw new Error(`the IPVS tables did not reach ${scenario.realServers} destinations (${DIRECTORS.map((h) => ipvsDestinations(ipvsState(h))).join(', ')})\n${describe()}`);
    }
    await sleep(SETTLE_MS);

    const roles = impl === 'ours' ? (scenario.realServers > 0 ? ['parent', 'vrrp', 'checker'] : ['parent', 'vrrp']) : ['parent', 'vrrp'];
    const pids = Object.fromEntries(DIRECTORS.map((h) => [h, pidsOf(runDir, h, roles)]));
    for (const h of DIRECTORS) for (const r of roles) if (pids[h][r] === undefined) throw new Error(`${h}: no ${r} pid file in ${runDir}`);

    for (let i = 0; i < scenario.busyLoops; i++) busy.push(lab.spawn('client', ['sh', '-c', 'while :; do :; done']));
    const busyCpu0 = busy.map((c) => cpuSeconds(c.pid));
    const tracks = DIRECTORS.flatMap((h) => roles.map((r) => new ProcessTrack(h, r, pids[h][r])));
    const t0 = performance.now();
    const wall0 = wallNow();
    const load0 = loadavg()[0];
    const machine0 = machineCpu();
    log(`${IMPLS[impl]}: converged in ${convergedS.toFixed(1)} s; watching for ${minutes} min${busy.length ? ` under ${busy.length} busy loops` : ''} (logs in ${runDir})`);

    const endAt = t0 + minutes * 60_000;
    let nextSample = t0 + SAMPLE_EVERY_MS;
    while (performance.now() < endAt) {
      await sleep(Math.min(1000, endAt - performance.now()));
      if (performance.now() >= nextSample) {
        for (const t of tracks) t.sample();
        nextSample += SAMPLE_EVERY_MS;
        const moved = DIRECTORS.reduce((n, h) => n + stateChanges(daemons[h], t0).length, 0);
        log(`  ${((performance.now() - t0) / 60_000).toFixed(1)} min: ${moved} state change(s); holders ${lab.vipHolders().join(', ') || 'none'}; RSS ${tracks.map((t) => `${t.host.slice(-1)}.${t.role} ${(t.samples.at(-1) / 1024).toFixed(0)}M`).join(' ')}`);
        for (const h of DIRECTORS) if (!daemons[h].running) throw new Error(`${h}: ${IMPLS[impl]} exited (${JSON.stringify(daemons[h].exit)})\n${describe()}`);
      }
    }
    const t1 = performance.now();
    const wall1 = wallNow();
    const elapsedS = (t1 - t0) / 1000;
    const busyPercent = busy.reduce((s, c, i) => s + cpuSeconds(c.pid) - busyCpu0[i], 0) / elapsedS * 100;
    const machine1 = machineCpu();
    const machineTotal = machine1.total - machine0.total;
    for (const t of tracks) t.finish(elapsedS, pidsOf(runDir, t.host, [t.role])[t.role]);
    for (const c of busy) c.kill('SIGKILL');
    const load1 = loadavg()[0];
    // Once the load is gone, does the pair get back to director1 alone?
    const settled = () => lab.vipHolders().join() === 'director1' && stateChanges(daemons.director2, 0).at(-1)?.state === 'BACKUP';
    const recoveredMs = busy.length && (await until(settled, RECOVERY_WAIT_MS, 100)) ? performance.now() - t1 : undefined;

    const result = {
      impl,
      scenario: options.scenario,
      advertS: scenario.advertS,
      minutes: elapsedS / 60,
      convergedS,
      loadavg: [load0, load1],
      machineBusyPercent: (100 * (machine1.busy - machine0.busy)) / machineTotal,
      machineStealPercent: (100 * (machine1.steal - machine0.steal)) / machineTotal,
      controlLag: probe.since(t0),
      wire: advertSummary(wire, wall0, wall1, scenario.advertS),
      busyLoopsCpuPercent: busy.length ? busyPercent : undefined,
      holders: holderTimeline(watches, t0, t1),
      finalHolders: lab.vipHolders(),
      recovery: busy.length ? { recovered: recoveredMs !== undefined, ms: recoveredMs } : undefined,
      directors: {},
      processes: tracks.map((t) => t.row),
      runDir,
    };
    for (const h of DIRECTORS) {
      const d = daemons[h];
      result.directors[h] = {
        stateChanges: stateChanges(d, t0).map((c) => ({ ...c, at: (c.at - t0) / 1000 })),
        childRestarts: countMsg(d, t0, 'restarting child'),
        realServerDown: countMsg(d, t0, 'real server down'),
        ipvsUpdates: countMsg(d, t0, 'IPVS table updated'),
        ipvsDestinations: scenario.realServers > 0 ? ipvsDestinations(ipvsState(h)) : undefined,
        warnings: warnings(d, t0),
        lagLog: lagWindows(d, t0),
        lagDump: impl === 'ours' ? await dumpLag(d, join(runDir, h)) : undefined,
      };
    }
    return result;
  } finally {
    for (const c of busy) c.kill('SIGKILL');
    await Promise.all(Object.values(daemons).map((d) => d.stop()));
    lab.teardown();
  }
}

// ---------------------------------------------------------------------------
// The table

const mb = (kb) => (kb === undefined || !Number.isFinite(kb) ? '-' : (kb / 1024).toFixed(1));
const ms = (v) => (v === undefined ? '-' : `${Math.round(v)} ms`);
const num = (v) => (v === undefined ? '-' : String(v));

function printTable(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const [k, r] of rows.entries()) {
    console.log(r.map((cell, c) => String(cell).padEnd(widths[c])).join('  ').trimEnd());
    if (k === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

function printSummary(results, options) {
  const s = SCENARIOS[options.scenario];
  const what =
    options.scenario === 'soak'
      ? `VRRPv3 advert_int ${s.advertS}, one VIP, virtual_server with ${s.realServers} real servers (TCP_CHECK, delay_loop ${options.delayLoop}), IPVS via the emulator`
      : `VRRPv3 advert_int ${s.advertS}, one VIP, VRRP only, ${s.busyLoops} busy loops on ${cpus().length} cores`;
  console.log(`\nStability, scenario ${options.scenario}: director1 MASTER 150, director2 BACKUP 100, ${what}.`);
  console.log('Counted from convergence (+3 s) to the end of the run.\n');

  const per = (f) => results.map(f);
  const both = (r, f) => DIRECTORS.map((h) => f(r.directors[h], h)).join(' / ');
  const sum = (r, f) => DIRECTORS.reduce((n, h) => n + (f(r.directors[h]) ?? 0), 0);
  const rows = [
    ['', ...per((r) => IMPLS[r.impl])],
    ['minutes watched', ...per((r) => r.minutes.toFixed(1))],
    ['converged after', ...per((r) => `${r.convergedS.toFixed(1)} s`)],
    ['load average (1 min) start -> end', ...per((r) => `${r.loadavg[0].toFixed(2)} -> ${r.loadavg[1].toFixed(2)}`)],
  ];
  rows.push(['machine CPU busy / steal (% of all cores)', ...per((r) => `${r.machineBusyPercent.toFixed(0)} % / ${r.machineStealPercent.toFixed(1)} %`)]);
  if (s.busyLoops) rows.push(['busy loops CPU (% of one core, total)', ...per((r) => `${r.busyLoopsCpuPercent.toFixed(0)} %`)]);
  rows.push(
    ['VRRP state changes (d1 / d2)', ...per((r) => `${sum(r, (d) => d.stateChanges.length)} (${both(r, (d) => d.stateChanges.length)})`)],
    ['director1 adverts seen by the client', ...per((r) => String(r.wire.masterAdverts))],
    ['  longest gap between them', ...per((r) => ms(r.wire.masterMaxGapMs))],
    ['  gaps > 2 intervals / > d2 master-down', ...per((r) => `${r.wire.masterGapsOver2Intervals} / ${r.wire.masterGapsOverMdi} (${Math.round(r.wire.mdiMs)} ms)`)],
    ['director2 adverts seen by the client', ...per((r) => String(r.wire.backupAdverts))],
    ['VIP holder changes', ...per((r) => String(r.holders.changes))],
    ['both held the VIP (longest)', ...per((r) => ms(r.holders.bothMaxMs))],
    ['nobody held the VIP (total)', ...per((r) => ms(r.holders.noneTotalMs))],
    ['VIP holder at the end', ...per((r) => r.finalHolders.join(', ') || 'none')],
    ...(s.busyLoops ? [['back to director1 alone after the load stops', ...per((r) => (r.recovery.recovered ? `yes, ${Math.round(r.recovery.ms)} ms` : `no (within ${RECOVERY_WAIT_MS / 1000} s)`))]] : []),
    ['child restarts (d1 / d2)', ...per((r) => both(r, (d) => num(d.childRestarts)))],
  );
  if (s.realServers) {
    rows.push(
      ['real server down events (d1 / d2)', ...per((r) => both(r, (d) => num(d.realServerDown)))],
      ['IPVS table updates (d1 / d2)', ...per((r) => both(r, (d) => num(d.ipvsUpdates)))],
      ['IPVS destinations at the end (d1 / d2)', ...per((r) => both(r, (d) => num(d.ipvsDestinations)))],
    );
  }
  rows.push(
    ['warnings/errors logged (d1 / d2)', ...per((r) => both(r, (d) => d.warnings.reduce((n, w) => n + w.n, 0)))],
    ['VRRP loop lag, worst 5-s max (d1 / d2)', ...per((r) => both(r, (d) => (d.lagLog?.windows ? `${d.lagLog.worstMs} ms` : '-')))],
    ['VRRP loop lag, p99 median/max of 5-s windows', ...per((r) => both(r, (d) => (d.lagLog?.windows ? `${d.lagLog.p99MedianMs}/${d.lagLog.p99MaxMs} ms` : '-')))],
    ['VRRP loop lag windows logged / warned', ...per((r) => both(r, (d) => (d.lagLog?.windows ? `${d.lagLog.windows}/${d.lagLog.warned}` : '-')))],
    ['control: idle node process, worst / p99 median/max', ...per((r) => (r.controlLag.windows ? `${r.controlLag.worstMs} ms; ${r.controlLag.p99MedianMs}/${r.controlLag.p99MaxMs} ms` : '-'))],
    ['dump "Event loop lag": worstMs (d1 / d2)', ...per((r) => both(r, (d) => num(d.lagDump?.worstMs)))],
    ['dump: last window maxMs / p99Ms (d1; d2)', ...per((r) => DIRECTORS.map((h) => (r.directors[h].lagDump ? `${r.directors[h].lagDump.maxMs}/${r.directors[h].lagDump.p99Ms}` : '-')).join('; '))],
    ['dump: warnings (d1 / d2)', ...per((r) => both(r, (d) => num(d.lagDump?.warnings)))],
  );
  printTable(rows);
  console.log('Loop lag figures are the lateness of a 100 ms timer tick (src/daemon/loop-lag.ts); the control process measures it the same way.');

  console.log('\nProcesses: RSS in MB (start = at convergence, min/max over samples every 30 s), CPU % of one core over the run (incl. reaped children)\n');
  const prows = [['implementation', 'director', 'process', 'pid', 'RSS start', 'RSS end', 'RSS min', 'RSS max', 'samples', 'CPU %', 'note']];
  for (const r of results) {
    for (const p of r.processes) {
      prows.push([IMPLS[r.impl], p.host, p.role, p.pid, mb(p.rssStartKb), mb(p.rssEndKb), mb(p.rssMinKb), mb(p.rssMaxKb), p.samples, p.cpuPercent.toFixed(2), p.restarted ? 'RESTARTED' : '']);
    }
  }
  printTable(prows);

  for (const r of results) {
    const notes = [];
    for (const h of DIRECTORS) {
      const d = r.directors[h];
      for (const c of d.stateChanges) notes.push(`${h} at ${c.at.toFixed(1)} s: Entering ${c.state} STATE${c.why ? ` (${JSON.stringify(c.why)})` : ''}`);
      for (const w of d.warnings) notes.push(`${h}: ${w.n} x ${w.msg}`);
    }
    notes.push(...r.holders.log);
    if (notes.length > 0) {
      console.log(`\n${IMPLS[r.impl]}: what moved (logs in ${r.runDir}):`);
      for (const n of notes.slice(0, 40)) console.log(`  ${n}`);
      if (notes.length > 40) console.log(`  ... ${notes.length - 40} more`);
    }
  }
}

// ---------------------------------------------------------------------------

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root (network namespaces)');
  if (options.impls.includes('keepalived') && run(['keepalived', '--version']).error) throw new Error('keepalived is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'kts-stability-'));
  let keep = options.keepLogs;
  // Ctrl-C: test/lab/topology.mjs tears the lab down and exits; the directory goes with it.
  process.on('exit', () => keep || rmSync(dir, { recursive: true, force: true }));
  const log = (m) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);
  const results = [];
  for (const impl of options.impls) {
    const minutes = impl === 'keepalived' ? (options.keepalivedMinutes ?? options.minutes) : options.minutes;
    try {
      results.push(await runOne(impl, options, minutes, dir, log));
    } catch (e) {
      keep = true;
      log(`logs kept in ${dir}`);
      throw e;
    }
  }
  printSummary(results, options);
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ options, results }, null, 2)}\n`);
  const moved = (r) => r.holders.changes > 0 || DIRECTORS.some((h) => r.directors[h].stateChanges.length > 0);
  if (results.some(moved) && !keep) {
    keep = true;
    console.log(`\nlogs kept in ${dir}`);
  }
  // Exit 2 when keepalived-ts moved (keepalived's moves are figures to compare, not a failure of ours).
  return results.some((r) => r.impl === 'ours' && moved(r)) ? 2 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`stability benchmark: ${e?.stack ?? e}`);
    process.exit(1);
  },
);
