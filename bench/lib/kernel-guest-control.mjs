// The host half of bench/lib/kernel-guest-director.mjs: a relay process in a
// namespace on the guest's bridge (the root namespace has no way there)
// carries JSON lines between this process and the guest's director runner.
// Keeps what the guest reports: the director's stamped output lines, its
// exit, and the IPVS table version by version (a TableWatch fed with the
// guest's reads, times in the guest's clock). clockOffset() turns host times
// into guest times.
import { createInterface } from 'node:readline';
import { TableWatch, wallNow } from './checks-observe.mjs';

// Connects (retrying while the runner starts: node takes seconds under TCG),
// then pipes stdin to the connection and the connection to stdout.
const RELAY = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const deadline = Date.now() + 300000;
(function attempt() {
  const s = net.connect(Number(port), host);
  let connected = false;
  s.once('connect', () => {
    connected = true;
    s.setNoDelay(true);
    process.stdin.pipe(s);
    s.pipe(process.stdout);
    s.on('close', () => process.exit(0));
  });
  s.on('error', (err) => {
    if (connected || Date.now() > deadline) { console.error('relay: ' + err.message); process.exit(1); }
    s.destroy();
    setTimeout(attempt, 250);
  });
})();
`;

export class GuestControl {
  /** @param ns a Netns (test/helpers/netns.ts) on the guest's bridge */
  constructor(ns, address, port) {
    this.relay = ns.spawn([process.execPath, '-e', RELAY, address, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.relayStderr = '';
    this.relay.stderr.on('data', (d) => (this.relayStderr += d));
    this.nextId = 1;
    this.pending = new Map();
    /** The director's output: { t, line } in the guest's clock. */
    this.logs = [];
    /** The director's exit: { t, code, signal }, once it happened. */
    this.exit = undefined;
    this.exitWaiters = [];
    this.dests = new Map();
    this.table = new TableWatch(undefined);
    /** How long the guest's table polls took to read the table (ms). */
    this.readMs = [];
    createInterface({ input: this.relay.stdout }).on('line', (line) => this.onLine(line));
    this.relay.once('exit', (code) => {
      const err = new Error(`the relay to the guest ended (exit ${code}): ${this.relayStderr}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  onLine(line) {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (msg.id !== undefined) {
      // The table a watch starts from: taken here, before any change event that follows it is applied.
      if (msg.baseline) {
        this.table.current = this.dests = new Map(msg.baseline);
        this.readMs.push(...msg.readMs);
      }
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(`guest runner: ${msg.error}`));
      else p?.resolve(msg);
    } else if (msg.ev === 'log') this.logs.push({ t: msg.t, line: msg.line });
    else if (msg.ev === 'table') {
      const dests = new Map(this.dests);
      for (const [rs, w] of msg.set) dests.set(rs, w);
      for (const rs of msg.del) dests.delete(rs);
      this.dests = dests;
      this.table.push(dests, msg.t);
    } else if (msg.ev === 'exit') {
      this.exit = { t: msg.t, code: msg.code, signal: msg.signal };
      for (const w of this.exitWaiters.splice(0)) w(this.exit);
    }
  }

  /** One request to the guest runner; its answer (with `t`, the guest's time when it was handled). */
  ask(op, fields = {}, timeoutMs = 60_000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the guest runner did not answer ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.relay.stdin.write(`${JSON.stringify({ ...fields, op, id })}\n`);
    });
  }

  /** guest time - host time (ms), from the quickest of `samples` pings, and that ping's round trip. */
  async clockOffset(samples = 9) {
    let best;
    for (let i = 0; i < samples; i++) {
      const t0 = wallNow();
      const { t } = await this.ask('time');
      const t1 = wallNow();
      if (!best || t1 - t0 < best.rttMs) best = { offsetMs: t - (t0 + t1) / 2, rttMs: t1 - t0 };
    }
    return best;
  }

  /** Polls the guest's table every `everyMs` (0: stop); the table as it is now. */
  async watch(everyMs) {
    await this.ask('watch', { everyMs });
    return this.dests;
  }

  /** Resolves with the director's exit (or undefined after timeoutMs). */
  waitExit(timeoutMs) {
    if (this.exit) return Promise.resolve(this.exit);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.exitWaiters.push((e) => (clearTimeout(timer), resolve(e)));
    });
  }

  /** The director's lines from index `from` on, as text, for error messages. */
  tail(n, from = 0) {
    return this.logs
      .slice(Math.max(from, this.logs.length - n))
      .map((l) => l.line)
      .join('\n');
  }

  async stop() {
    this.table.stop();
    const relay = this.relay;
    if (relay.exitCode !== null || relay.signalCode !== null) return;
    const gone = new Promise((r) => relay.once('exit', r));
    relay.kill('SIGKILL');
    await gone;
  }
}
