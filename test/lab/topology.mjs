// The reference LVS-DR lab of /work/shared/lab.md, in network namespaces:
// a client, two directors and two real servers (web1, web2), each with one
// interface eth0 plugged into a Linux bridge that lives in a namespace of its
// own (no uplink, no address on the host). Only documentation addresses
// (198.51.100.0/24) are used.
//
// Every namespace name starts with a per-run prefix, so a run never touches
// anything it did not create. Lab.teardown() kills the processes this run
// started (by pid) and deletes the namespaces; it also runs on exit, on
// SIGINT/SIGTERM/SIGHUP and on an uncaught exception, so Ctrl-C leaves
// nothing behind. Plain JavaScript so that `npm run lab` and the benchmark run
// with node alone.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

export const VIP = '198.51.100.180';
export const SUBNET_PREFIX_LEN = 24;
/** Host -> address on the lab segment. */
export const ADDRESSES = Object.freeze({
  client: '198.51.100.100',
  director1: '198.51.100.11',
  director2: '198.51.100.12',
  web1: '198.51.100.21',
  web2: '198.51.100.22',
});
export const DIRECTORS = Object.freeze(['director1', 'director2']);
export const REAL_SERVERS = Object.freeze(['web1', 'web2']);
export const WEB_PORT = 80;

const ALL_HOSTS = Object.keys(ADDRESSES);

// ---------------------------------------------------------------------------
// Commands

/** Run a command and wait for it; never throws. */
export function run(argv, { timeoutMs = 15_000, input, env } = {}) {
  const r = spawnSync(argv[0], argv.slice(1), {
    input,
    env,
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { argv, code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

export function describeRun(r) {
  const how = r.error ? `failed: ${r.error.message}` : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  return `\`${r.argv.join(' ')}\`: ${how}${r.stderr.trim() ? `\n${r.stderr.trim()}` : ''}`;
}

/** Run a command; throw with its stderr unless it exits 0. */
export function runOk(argv, options) {
  const r = run(argv, options);
  if (r.code !== 0) throw new Error(describeRun(r));
  return r;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wall-clock milliseconds with sub-millisecond resolution (comparable across processes). */
export const wallNow = () => performance.timeOrigin + performance.now();

/** Poll `check` every `everyMs` until it returns a truthy value; that value, or undefined after `timeoutMs`. */
export async function until(check, timeoutMs, everyMs = 20) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (performance.now() > deadline) return undefined;
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------
// Processes (read from /proc; only ever signalled by pid)

/** `pid` and all its descendants, parents before children. */
export function processTree(pid) {
  const out = [];
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.shift();
    out.push(p);
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // gone
    }
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(/\s+/)) {
          if (c) todo.push(Number(c));
        }
      } catch {
        /* gone */
      }
    }
  }
  return out;
}

export function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `PID (command line)` of a live process, for messages. */
export function describePid(pid) {
  try {
    return `${pid} (${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')})`;
  } catch {
    return `${pid} (gone)`;
  }
}

export function signalPid(pid, sig) {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

let clockTicks;
/** CPU seconds used by a process and its reaped children (utime+stime+cutime+cstime), 0 when gone. */
export function cpuSeconds(pid) {
  clockTicks ??= Number(run(['getconf', 'CLK_TCK']).stdout.trim()) || 100;
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the command name (which may hold spaces): state is field 3, utime field 14.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / clockTicks;
}

// ---------------------------------------------------------------------------
// Teardown on every exit path

const liveLabs = new Set();
let exitHooksInstalled = false;

function teardownAll() {
  for (const lab of [...liveLabs]) lab.teardown();
}

function installExitHooks() {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', teardownAll);
  const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  for (const [sig, code] of Object.entries(codes)) {
    process.on(sig, () => {
      process.stderr.write(`\n${sig}: tearing the lab down\n`);
      teardownAll();
      process.exit(code);
    });
  }
  process.on('uncaughtException', (e) => {
    process.stderr.write(`uncaught exception: ${e?.stack ?? e}\ntearing the lab down\n`);
    teardownAll();
    process.exit(1);
  });
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`unhandled rejection: ${e?.stack ?? e}\ntearing the lab down\n`);
    teardownAll();
    process.exit(1);
  });
}

// ---------------------------------------------------------------------------
// The lab

/** A tiny HTTP server answering "this is NAME" (run with node inside a real server's namespace). */
const WEB_SERVER_JS = `
const http = require('node:http');
const name = process.argv[1];
http.createServer((req, res) => { res.setHeader('content-type', 'text/plain'); res.end('this is ' + name + '\\n'); })
  .listen(${WEB_PORT}, '0.0.0.0', () => console.log('listening'));
`;

const FETCH_JS = `
fetch(process.argv[1], { signal: AbortSignal.timeout(3000) })
  .then(async (r) => process.stdout.write(await r.text()))
  .catch((e) => { console.error(String(e.cause ?? e)); process.exit(1); });
`;

export class Lab {
  /** Build the whole lab. Options: label (part of the prefix), webServers (default true). */
  static async create({ label = 'lab', webServers = true } = {}) {
    if (process.platform !== 'linux') throw new Error('the lab needs Linux network namespaces');
    if (process.getuid?.() !== 0) throw new Error('the lab needs root (network namespaces): run it with sudo');
    const lab = new Lab(`k${label}-${process.pid}-${randomBytes(2).toString('hex')}-`);
    try {
      lab.build();
      if (webServers) await lab.startWebServers();
    } catch (e) {
      lab.teardown();
      throw e;
    }
    return lab;
  }

  constructor(prefix) {
    this.prefix = prefix;
    this.switchNs = `${prefix}switch`;
    this.namespaces = [];
    this.children = new Set();
    this.torn = false;
    installExitHooks();
    liveLabs.add(this);
  }

  ns(host) {
    return `${this.prefix}${host}`;
  }

  /** The bridge-side end of a host's cable. */
  port(host) {
    return `p-${host}`.slice(0, 15);
  }

  addNamespace(name) {
    runOk(['ip', 'netns', 'add', name]);
    this.namespaces.push(name);
    runOk(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  }

  build() {
    this.addNamespace(this.switchNs);
    runOk(['ip', '-n', this.switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
    runOk(['ip', '-n', this.switchNs, 'link', 'set', 'br0', 'up']);
    for (const host of ALL_HOSTS) {
      const ns = this.ns(host);
      this.addNamespace(ns);
      const port = this.port(host);
      runOk(['ip', '-n', this.switchNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      runOk(['ip', '-n', this.switchNs, 'link', 'set', port, 'master', 'br0', 'up']);
      runOk(['ip', '-n', ns, 'addr', 'add', `${ADDRESSES[host]}/${SUBNET_PREFIX_LEN}`, 'dev', 'eth0']);
      runOk(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
    }
    for (const d of DIRECTORS) {
      // A director must not send ICMP redirects for the shared segment.
      this.sysctl(d, ['net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.default.send_redirects=0', 'net.ipv4.conf.eth0.send_redirects=0']);
    }
    for (const w of REAL_SERVERS) {
      // DR real server: the VIP on lo, never answered nor announced by ARP.
      runOk(['ip', '-n', this.ns(w), 'addr', 'add', `${VIP}/32`, 'dev', 'lo']);
      this.sysctl(w, [
        'net.ipv4.conf.all.arp_ignore=1',
        'net.ipv4.conf.lo.arp_ignore=1',
        'net.ipv4.conf.all.arp_announce=2',
        'net.ipv4.conf.lo.arp_announce=2',
      ]);
    }
  }

  sysctl(host, settings) {
    runOk(['ip', 'netns', 'exec', this.ns(host), 'sysctl', '-q', '-w', ...settings]);
  }

  async startWebServers() {
    for (const w of REAL_SERVERS) {
      const child = this.spawn(w, [process.execPath, '-e', WEB_SERVER_JS, w]);
      const ready = await new Promise((resolve) => {
        child.stdout.once('data', () => resolve(true));
        child.once('exit', () => resolve(false));
        setTimeout(() => resolve(false), 10_000).unref();
      });
      if (!ready) throw new Error(`the HTTP server of ${w} did not start`);
    }
  }

  /** GET http://ADDRESS/ from the client; the body, or throws. */
  httpGet(address) {
    const r = this.exec('client', [process.execPath, '-e', FETCH_JS, `http://${address}:${WEB_PORT}/`]);
    if (r.code !== 0) throw new Error(`GET http://${address}/ from the client failed: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout.trim();
  }

  /** `ip -n NS ARGS` (throws on failure). */
  ip(host, ...args) {
    return runOk(['ip', '-n', this.ns(host), ...args]);
  }

  /** Run a command inside a host's namespace and wait for it (never throws). */
  exec(host, argv, options) {
    return run(['ip', 'netns', 'exec', this.ns(host), ...argv], options);
  }

  /** Start a long-running command in a host's namespace (killed by pid on teardown). */
  spawn(host, argv, options = {}) {
    if (this.torn) throw new Error('the lab was torn down');
    const child = spawn('ip', ['netns', 'exec', this.ns(host), ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    child.on('error', () => {});
    return child;
  }

  /** `ip -br addr show dev eth0` of a host, e.g. "eth0@if5  UP  198.51.100.11/24 198.51.100.180/32". */
  brief(host) {
    return this.ip(host, '-br', 'addr', 'show', 'dev', 'eth0').stdout.trim().replace(/\s+/g, ' ');
  }

  holdsVip(host) {
    const r = run(['ip', '-n', this.ns(host), '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
    return r.stdout.includes(` ${VIP}/`);
  }

  /** Directors holding the VIP right now. */
  vipHolders() {
    return DIRECTORS.filter((d) => this.holdsVip(d));
  }

  mac(host) {
    const m = /link\/ether ([0-9a-f:]+)/.exec(this.ip(host, 'link', 'show', 'dev', 'eth0').stdout);
    return m?.[1];
  }

  /** The MAC of a host's neighbour entry for an address, or undefined. */
  neighbourMac(host, address) {
    const r = run(['ip', '-n', this.ns(host), 'neigh', 'show', 'to', address, 'dev', 'eth0']);
    return /lladdr ([0-9a-f:]+)/.exec(r.stdout)?.[1];
  }

  /** Which director a MAC belongs to ("director1", "director2", or the MAC itself). */
  whoseMac(mac) {
    if (!mac) return 'nobody';
    return DIRECTORS.find((d) => this.mac(d) === mac) ?? mac;
  }

  /** Plug or unplug a host's cable (its port on the bridge goes down: the host sees no carrier). */
  cable(host, up) {
    runOk(['ip', '-n', this.switchNs, 'link', 'set', this.port(host), up ? 'up' : 'down']);
  }

  /** Remove the VIP from a director if it is there (between benchmark trials). */
  dropVip(host) {
    run(['ip', '-n', this.ns(host), 'addr', 'del', `${VIP}/32`, 'dev', 'eth0']);
  }

  /** Kill everything this run started and delete its namespaces. Synchronous; safe to call twice. */
  teardown() {
    if (this.torn) return;
    this.torn = true;
    liveLabs.delete(this);
    for (const child of this.children) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) signalPid(child.pid, 'SIGKILL');
    }
    for (const ns of [...this.namespaces].reverse()) {
      // Everything inside one of our namespaces was started by this run.
      const pids = run(['ip', 'netns', 'pids', ns]).stdout.split(/\s+/).filter(Boolean).map(Number);
      for (const pid of pids) signalPid(pid, 'SIGKILL');
      const deadline = Date.now() + 2000;
      while (pids.some(pidAlive) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      run(['ip', 'netns', 'del', ns]);
    }
    this.namespaces = [];
  }
}
