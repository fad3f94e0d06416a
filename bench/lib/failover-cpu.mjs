// CPU time of a daemon's process tree, for the idle-CPU part of
// bench/failover.mjs, to the nanosecond: /proc/PID/task/TID/schedstat (time
// on a CPU, every thread) for the processes alive, plus the user and system
// time of the children they have reaped (/proc/PID/stat cutime + cstime, in
// clock ticks), so that short-lived helpers (arping) count too. The tick
// counters utime/stime alone move in 10 ms steps, too coarse for a process
// that uses 1 % of a core. And optionally a CPU profile of the window with
// perf(1) (--profile).
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processTree, run } from '../../test/lab/topology.mjs';

let clockTicks;
const HAVE_SCHEDSTAT = existsSync('/proc/self/schedstat');

function readOr(file, fallback) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** Seconds on a CPU of a live process (all threads), and of its reaped children. */
function processCpu(pid) {
  clockTicks ??= Number(run(['getconf', 'CLK_TCK']).stdout.trim()) || 100;
  let live = 0;
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    /* gone */
  }
  if (HAVE_SCHEDSTAT) for (const t of tasks) live += Number(readOr(`/proc/${pid}/task/${t}/schedstat`, '0').split(' ')[0]) / 1e9;
  const stat = readOr(`/proc/${pid}/stat`, '');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A kernel without schedstat (CONFIG_SCHED_INFO): the tick counters utime + stime.
  if (!HAVE_SCHEDSTAT && stat) live = (Number(f[11]) + Number(f[12])) / clockTicks;
  const reaped = stat ? (Number(f[13]) + Number(f[14])) / clockTicks : 0;
  return { live, reaped };
}

/** What a process of a daemon's tree is: 'parent', 'vrrp child', or the helper's program name. */
function roleOf(pid, rootPid) {
  if (pid === rootPid) return 'parent';
  const argv = readOr(`/proc/${pid}/cmdline`, '').split('\0').filter(Boolean);
  const child = argv.findIndex((a) => a.endsWith('child-main.js'));
  if (child >= 0) return `${argv[child + 1]} child`;
  if (argv.length === 0) return 'gone';
  const name = argv[0].split('/').pop();
  return name === 'ip' ? `ip ${argv.slice(1).filter((a) => !a.startsWith('-')).join(' ')}`.trim() : name;
}

/** A snapshot of the CPU used so far by every process of the tree under `rootPid`. */
export function treeCpu(rootPid) {
  return new Map(processTree(rootPid).map((pid) => [pid, { role: roleOf(pid, rootPid), ...processCpu(pid) }]));
}

/**
 * % of one core between two snapshots over `seconds`: the total and by role
 * (a process that started in between counts from zero; one that ended and
 * was reaped counts in its parent's reaped time).
 */
export function cpuBetween(before, after, seconds) {
  const byRole = {};
  let total = 0;
  for (const [pid, a] of after) {
    const b = before.get(pid) ?? { live: 0, reaped: 0 };
    const used = Math.max(0, a.live - b.live) + Math.max(0, a.reaped - b.reaped);
    total += used;
    byRole[a.role] = (byRole[a.role] ?? 0) + (100 * used) / seconds;
  }
  return { percent: (100 * total) / seconds, byRole };
}

/**
 * perf(1) sampling the given processes (call graphs) until stop() is called;
 * stop() writes DIR/NAME.perf.txt, the functions by inclusive share. The
 * daemon must run with NODE_OPTIONS=--perf-basic-prof for JavaScript names
 * (node writes /tmp/perf-PID.map, removed here afterwards).
 */
export function startProfile(lab, pids, dir, name) {
  const data = join(dir, `${name}.perf.data`);
  const perf = lab.spawn('client', ['perf', 'record', '-q', '-g', '-F', '999', '-p', pids.join(','), '-o', data]);
  const exited = new Promise((resolve) => perf.once('exit', resolve));
  return {
    async stop() {
      perf.kill('SIGINT');
      await exited;
      const report = run(['perf', 'report', '-i', data, '--children', '--sort', 'sym', '--stdio', '-g', 'none'], { timeoutMs: 120_000 });
      writeFileSync(join(dir, `${name}.perf.txt`), report.stdout || report.stderr);
      for (const pid of pids) rmSync(`/tmp/perf-${pid}.map`, { force: true });
      return join(dir, `${name}.perf.txt`);
    },
  };
}
