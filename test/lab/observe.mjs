// What the lab and the failover benchmark watch, with timestamps taken as
// things happen rather than by polling:
// - VipWatch: `ip monitor address` in a director's namespace; every time the
//   VIP is added (or its lease refreshed) or deleted there.
// - Probe: the client's ICMP echo every few milliseconds (icmp-probe.mjs);
//   the gaps in its replies are the client-visible outage.
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { VIP, sleep, until, wallNow } from './topology.mjs';

const PROBE_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'icmp-probe.mjs');

/**
 * What `find` returns once it returns something: `waiters` is the watcher's
 * set of callbacks, each called when a new record arrives. Undefined after
 * `timeoutMs`.
 */
export function waitUntilSeen(waiters, find, timeoutMs) {
  const found = find();
  if (found) return Promise.resolve(found);
  return new Promise((resolve) => {
    const done = (v) => {
      clearTimeout(timer);
      waiters.delete(check);
      resolve(v);
    };
    const check = () => {
      const v = find();
      if (v) done(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    waiters.add(check);
  });
}

export class VipWatch {
  /** Start watching; resolves once `ip monitor` runs. */
  static async start(lab, host) {
    const w = new VipWatch(lab, host);
    // ip monitor prints nothing until something changes: give it time to subscribe.
    await sleep(150);
    return w;
  }

  constructor(lab, host) {
    this.host = host;
    /** { kind: 'add'|'del', at: performance.now(), wall } */
    this.events = [];
    this.waiters = new Set();
    this.child = lab.spawn(host, ['ip', '-o', 'monitor', 'address']);
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (!line.includes(` ${VIP}/`)) return;
      const e = { kind: line.startsWith('Deleted') ? 'del' : 'add', at: performance.now(), wall: wallNow() };
      this.events.push(e);
      for (const w of this.waiters) w();
    });
  }

  /** The first event of `kind` at or after `since` (performance.now() ms). */
  first(kind, since) {
    return this.events.find((e) => e.kind === kind && e.at >= since);
  }

  /** Wait for the first event of `kind` at or after `since`; undefined after `timeoutMs`. */
  wait(kind, since, timeoutMs) {
    return waitUntilSeen(this.waiters, () => this.first(kind, since), timeoutMs);
  }

  stop() {
    this.child.kill('SIGKILL');
  }
}

export class Probe {
  /** Start the client's probe of `target` every `intervalMs`; resolves at the first reply (or throws). */
  static async start(lab, host, target = VIP, intervalMs = 10) {
    const p = new Probe(lab, host, target, intervalMs);
    if (!(await until(() => p.replies.length > 0 || p.exited, 5_000))) {
      p.stop();
      throw new Error(`the client gets no echo reply from ${target}${p.stderr ? `: ${p.stderr.trim()}` : ''}`);
    }
    if (p.exited) throw new Error(`the probe stopped: ${p.stderr.trim()}`);
    return p;
  }

  constructor(lab, host, target, intervalMs) {
    this.intervalMs = intervalMs;
    /** { n, sent, t } with wall-clock ms from the probe's clock. */
    this.replies = [];
    this.stderr = '';
    this.exited = false;
    this.child = lab.spawn(host, [process.execPath, PROBE_SCRIPT, target, String(intervalMs)]);
    this.child.stderr.on('data', (d) => (this.stderr += d));
    this.child.once('exit', () => (this.exited = true));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      try {
        this.replies.push(JSON.parse(line));
      } catch {
        /* not ours */
      }
    });
  }

  /** Replies received at or after a wall-clock time. */
  repliesSince(wall) {
    return this.replies.filter((r) => r.t >= wall);
  }

  /**
   * The client-visible outage around `fromWall` (wall ms): the longest time
   * without replies across a run of unanswered requests, from the last reply
   * before `fromWall` on, minus one probe interval (one request per interval
   * is expected). Gaps with no request lost (the probe itself stalled for a
   * moment) are not an outage. undefined when no reply came after `fromWall`.
   */
  outage(fromWall) {
    let i = this.replies.findLastIndex((r) => r.t < fromWall);
    if (i < 0) i = 0;
    const after = this.replies.slice(i).sort((a, b) => a.n - b.n);
    if (!after.some((r) => r.t >= fromWall)) return undefined;
    let worst = { ms: 0, lost: 0, lastBefore: fromWall, firstAfter: fromWall };
    for (let k = 1; k < after.length; k++) {
      const lost = after[k].n - after[k - 1].n - 1;
      if (lost <= 0) continue;
      const ms = Math.max(0, after[k].t - after[k - 1].t - this.intervalMs);
      if (ms > worst.ms) worst = { ms, lost, lastBefore: after[k - 1].t, firstAfter: after[k].t };
    }
    return worst;
  }

  /** Wait until replies flow after `fromWall` (the last one less than 5 intervals old). */
  async settled(fromWall, timeoutMs) {
    return until(() => {
      const last = this.replies.at(-1);
      return last && last.t > fromWall && wallNow() - last.t < 5 * this.intervalMs;
    }, timeoutMs);
  }

  stop() {
    this.child.kill('SIGKILL');
  }
}
