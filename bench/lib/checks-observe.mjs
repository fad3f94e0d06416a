// What bench/checks.mjs watches: a daemon's JSON log lines, the emulated
// IPVS table (the emulator's state file, as it changes), the ipvsadm runs
// (the log of the counting wrapper), and /proc figures of a process.
import { chmodSync, closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const wallNow = () => performance.timeOrigin + performance.now();

/**
 * A child's output as parsed JSON lines (others kept as text), with a way
 * to wait for one: from a pipe (fromStream), or from a file the child
 * writes to (fromFile), which never pushes back on the writer. The
 * daemon's log goes to a file: a log line that cannot be written at once
 * stops its process (pino writes synchronously and, on a full pipe, sleeps
 * 100 ms and tries again), so a busy reader here would slow the daemon down.
 */
export class JsonLines {
  constructor() {
    this.records = [];
    this.text = [];
    this.waiters = new Set();
    this.buffered = '';
  }

  static fromStream(stream) {
    const lines = new JsonLines();
    stream.setEncoding('utf8');
    stream.on('data', (d) => lines.feed(d));
    return lines;
  }

  /** Follows `path` (created if missing) every `everyMs` until stop(). */
  static fromFile(path, everyMs = 20) {
    const lines = new JsonLines();
    const fd = openSync(path, 'a+');
    const chunk = Buffer.alloc(1 << 20);
    const decoder = new StringDecoder('utf8');
    let offset = 0;
    const poll = () => {
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, offset);
        if (n <= 0) return;
        offset += n;
        lines.feed(decoder.write(chunk.subarray(0, n)));
      }
    };
    const timer = setInterval(poll, everyMs);
    lines.stop = () => {
      clearInterval(timer);
      poll();
      closeSync(fd);
    };
    return lines;
  }

  stop() {}

  feed(d) {
    this.buffered += d;
    const parts = this.buffered.split('\n');
    this.buffered = parts.pop();
    for (const line of parts) {
      if (!line) continue;
      try {
        this.records.push(JSON.parse(line));
      } catch {
        this.text.push(line);
      }
    }
    for (const w of [...this.waiters]) w();
  }

  /** The first record from index `from` on that matches, or undefined after timeoutMs. */
  async waitFor(pred, timeoutMs, from = 0) {
    const deadline = wallNow() + timeoutMs;
    let i = from;
    for (;;) {
      for (; i < this.records.length; i++) if (pred(this.records[i])) return this.records[i];
      const left = deadline - wallNow();
      if (left <= 0) return undefined;
      await new Promise((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  /** The last `n` lines, for error messages. */
  tail(n) {
    return [...this.records.slice(-n).map((r) => JSON.stringify(r)), ...this.text.slice(-n)].join('\n');
  }
}

/**
 * The emulated table, version by version: polls the emulator's state file
 * and, on each new version, hands its destinations (`address:port` ->
 * weight) and its write time (the file's mtime) to the trackers.
 */
export class TableWatch {
  constructor(path, everyMs = 5) {
    this.path = path;
    this.everyMs = everyMs;
    this.stamp = '';
    this.current = new Map();
    this.versions = 0;
    this.trackers = new Set();
    // Without a path, versions come from push() (a table read elsewhere, e.g. in a guest).
    if (path !== undefined) this.timer = setInterval(() => this.poll(), everyMs);
  }

  stop() {
    clearInterval(this.timer);
    for (const t of this.trackers) t.finish();
  }

  poll() {
    let st;
    try {
      st = statSync(this.path);
    } catch {
      return;
    }
    const stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
    if (stamp === this.stamp) return;
    let table;
    try {
      table = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch {
      return; // replaced while read: the next poll sees the new one
    }
    this.stamp = stamp;
    const dests = new Map();
    for (const s of table.services) for (const d of s.dests) dests.set(`${d.addr}:${d.port}`, d.weight);
    this.push(dests, st.mtimeMs);
  }

  /** A new version of the table (`address:port` -> weight), seen at wall ms `at`. */
  push(dests, at) {
    this.versions++;
    this.current = dests;
    for (const t of this.trackers) t.see(dests, at);
  }

  /**
   * When each of `ids` first satisfies `pred(weight | undefined)` in a
   * version written from now on (or already does in the current one, at
   * `alreadyAt`): resolves with Map id -> wall ms, complete or at timeoutMs.
   */
  until(ids, pred, timeoutMs) {
    return new Promise((resolve) => {
      const pending = new Set(ids);
      const at = new Map();
      const tracker = {
        see: (dests, mtime) => {
          for (const id of pending) {
            if (pred(dests.get(id))) {
              at.set(id, mtime);
              pending.delete(id);
            }
          }
          if (pending.size === 0) tracker.finish();
        },
        finish: () => {
          clearTimeout(timer);
          this.trackers.delete(tracker);
          resolve(at);
        },
      };
      const timer = setTimeout(() => tracker.finish(), timeoutMs);
      this.trackers.add(tracker);
    });
  }
}

/**
 * An ipvsadm that runs the real one (here: the emulator) and appends one
 * line per run to `logFile`: start and end (epoch ns), exit status, arguments.
 */
export function writeCountingIpvsadm(path, ipvsadm, logFile) {
  writeFileSync(path, countingIpvsadmScript(ipvsadm, logFile));
  chmodSync(path, 0o755);
}

/**
 * The counting wrapper's text (bash: times from $EPOCHREALTIME, no `date`
 * processes, which cost much in an emulated guest). It logs when each run
 * started, when its input came and when it ended: the daemon starts its
 * next `ipvsadm -R` ahead and hands it the batch later (src/ipvs/ipvsadm.ts,
 * standby), so for -R the wrapper starts the program at once, as it would
 * be, and forwards stdin to it from its first byte on (ipvsadm input has
 * no NUL bytes, which bash variables cannot hold).
 */
export function countingIpvsadmScript(ipvsadm, logFile) {
  return `#!/bin/bash
# bench: count and time every ipvsadm run (start, input, end).
start=$EPOCHREALTIME
if [ "$1" = -R ]; then
  exec 3>&1 4>&2
  coproc IPVSADM { exec '${ipvsadm}' "$@" >&3 2>&4; }
  pid=$IPVSADM_PID
  to=\${IPVSADM[1]}
  IFS= read -r -d '' -N 1 first
  input=$EPOCHREALTIME
  # Forwarded by builtins in large reads: a \`cat\` process here would be a fork after the batch came.
  printf '%s' "$first" >&"$to"
  while IFS= read -r -d '' -N 65536 chunk || [ -n "$chunk" ]; do
    printf '%s' "$chunk" >&"$to"
    [ \${#chunk} -lt 65536 ] && break
  done
  eval "exec $to>&-"
  wait "$pid"
  rc=$?
else
  input=$start
  '${ipvsadm}' "$@"
  rc=$?
fi
echo "$start $input $EPOCHREALTIME $rc $*" >> '${logFile}'
exit $rc
`;
}

/** A wrapper time (seconds.microseconds) as wall ms. */
const wrapperTimeMs = (s) => Number(s) * 1000;

/** The runs the counting wrapper logged: { start, input, end (wall ms), rc, args }. */
export function ipvsadmRuns(logFile) {
  return existsSync(logFile) ? parseIpvsadmRuns(readFileSync(logFile, 'utf8')) : [];
}

/** The runs in the text of a counting wrapper's log (see ipvsadmRuns). */
export function parseIpvsadmRuns(text) {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [start, input, end, rc, ...args] = line.split(' ');
      return { start: wrapperTimeMs(start), input: wrapperTimeMs(input), end: wrapperTimeMs(end), rc: Number(rc), args: args.join(' ') };
    });
}

/**
 * Where the time from each real server's 'down' verdict to its removal
 * went, given when each left the table (`goneAt`: id -> wall ms), its
 * verdict (`verdictAt`) and the ipvsadm runs: the -R run that removed it
 * was given its batch `toBatch` ms after the verdict; `queued` of those the
 * daemon had to wait for an ipvsadm run still going when the verdict came
 * (passes never overlap); `daemon` is the daemon's own part (from the
 * verdict, or from the end of that run, to the batch: the pass, and the
 * spawn when no -R was waiting); `batch` from the batch to the entry gone
 * (the ipvsadm process itself, here the emulator).
 */
export function removalPath(goneAt, verdictAt, runs, slackMs = 20) {
  const out = { toBatch: [], queued: [], daemon: [], batch: [] };
  for (const [id, gone] of goneAt) {
    const verdict = verdictAt.get(id);
    // slackMs: how late after a run's end its change may be seen (the table watcher's resolution).
    const batch = runs.find((r) => r.args === '-R' && r.input <= gone && gone <= r.end + slackMs);
    if (verdict === undefined || !batch) continue;
    const before = runs.filter((r) => r !== batch && r.end <= batch.input).reduce((end, r) => Math.max(end, r.end), -Infinity);
    out.toBatch.push(batch.input - verdict);
    out.queued.push(Math.max(0, before - verdict));
    out.daemon.push(batch.input - Math.max(verdict, before));
    out.batch.push(gone - batch.input);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, summary(v)]));
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** /proc/PID/stat's fields after the command name (f[0] is the state). */
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds of the process itself (utime + stime; not its children, so not the ipvsadm runs). */
export function cpuSeconds(pid) {
  const f = statFields(pid);
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}

/** CPU seconds of the children `pid` has waited for (cutime + cstime: e.g. its ipvsadm runs). */
export function childrenCpuSeconds(pid) {
  const f = statFields(pid);
  return (Number(f[13]) + Number(f[14])) / CLOCK_TICKS;
}

/** Resident set now and at its peak, in MB. */
export function memoryMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Min, median, 95th percentile and max of some numbers. */
export function summary(values) {
  const v = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return { n: 0 };
  const q = (p) => v[Math.min(v.length - 1, Math.floor(p * (v.length - 1) + 0.5))];
  return { n: v.length, min: v[0], median: q(0.5), p95: q(0.95), max: v[v.length - 1] };
}
