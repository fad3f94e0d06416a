// Network-namespace helper for tests and benchmarks.
//
// Every namespace is named with a per-process prefix (kts-<pid>-<random>-), so
// tests never touch a namespace they did not create. Everything created here is
// deleted by cleanupNetns(), which is also registered on process exit and on
// SIGINT/SIGTERM/SIGHUP. Processes are only ever stopped by pid, and only those
// this process started (or that live inside a namespace this process created).
//
// The kernel this project is tested on has no dummy or vlan link types, so
// interfaces are veth pairs: addVeth('eth0.1') makes a veth named eth0.1 whose
// peer has a different, generated name.

import { spawn as nodeSpawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface RunOptions {
  /** Kill the command (SIGKILL) after this many milliseconds. Default 30 s. */
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the command's stdin. */
  input?: string;
}

export interface RunResult {
  /** The full argv that was run (including `ip netns exec NS`). */
  argv: string[];
  /** null when the process was killed by a signal or could not start. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
  /** Set when the command could not be started at all (e.g. ENOENT). */
  error?: Error;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_BUFFER = 256 * 1024 * 1024;

/** The prefix of every namespace this process creates. */
export const NETNS_PREFIX = `kts-${process.pid}-${randomBytes(3).toString('hex')}-`;

const IFNAME_RE = /^[A-Za-z0-9_.:-]{1,15}$/;
const NSLABEL_RE = /^[A-Za-z0-9_.-]{1,40}$/;

/** Run a command on the host (not in a namespace), capturing everything. */
export function runCommand(argv: readonly string[], options: RunOptions = {}): RunResult {
  const started = process.hrtime.bigint();
  const res = spawnSync(argv[0], argv.slice(1), {
    cwd: options.cwd,
    env: options.env,
    input: options.input,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: MAX_BUFFER,
    encoding: 'utf8',
  });
  const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
  const error = res.error as (Error & { code?: string }) | undefined;
  const timedOut = error?.code === 'ETIMEDOUT';
  const result: RunResult = {
    argv: [...argv],
    exitCode: res.status,
    signal: res.signal,
    stdout: res.stdout ?? '',
    stderr: res.stderr ?? '',
    timedOut,
    durationMs,
  };
  if (error && !timedOut) result.error = error;
  return result;
}

/** How a command ended: `exit 3`, `timed out`, `killed by SIGKILL`, `failed to start: ...`. */
export function describeOutcome(r: RunResult): string {
  if (r.error) return `failed to start: ${r.error.message}`;
  if (r.timedOut) return 'timed out';
  if (r.signal) return `killed by ${r.signal}`;
  return `exit ${r.exitCode}`;
}

/** Description of a result (command, outcome, output), for error messages. */
export function describeResult(r: RunResult): string {
  const how = describeOutcome(r);
  const out = [r.stdout.trim() && `stdout: ${r.stdout.trim()}`, r.stderr.trim() && `stderr: ${r.stderr.trim()}`]
    .filter(Boolean)
    .join('\n');
  return `\`${r.argv.join(' ')}\`: ${how}${out ? `\n${out}` : ''}`;
}

function runOk(argv: readonly string[], options?: RunOptions): RunResult {
  const r = runCommand(argv, options);
  if (r.exitCode !== 0) throw new Error(describeResult(r));
  return r;
}

// ---------------------------------------------------------------------------
// Bookkeeping and cleanup

const created = new Set<Netns>();
const children = new Set<ChildProcess>();
let handlersInstalled = false;

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', cleanupNetns);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      cleanupNetns();
      // If we were the only listener, keep the default behaviour (die by the signal).
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Stop the processes we spawned (by pid), then delete every namespace this
 * process created. Synchronous, so it can run from an 'exit' handler; safe to
 * call several times.
 */
export function cleanupNetns(): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  children.clear();
  for (const ns of [...created]) ns.delete();
}

// ---------------------------------------------------------------------------
// Capability check

/** Why namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (platform is ${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return `network namespaces need root (uid is ${process.getuid()})`;
  }
  const probe = runCommand(['ip', 'netns', 'list'], { timeoutMs: 10_000 });
  if (probe.exitCode !== 0) return `\`ip netns\` is unusable: ${describeResult(probe)}`;
  // Creating one for real is the only reliable test (e.g. no CAP_SYS_ADMIN in a container).
  let ns: Netns | undefined;
  try {
    ns = Netns.create('probe');
    ns.addVeth('probe0');
  } catch (e) {
    return `cannot create a network namespace with a veth pair: ${(e as Error).message}`;
  } finally {
    ns?.delete();
  }
  return undefined;
}

/** True when running under CI (CI=true or CI=1): privileged tests must run, never skip. */
export function isCI(): boolean {
  const ci = (process.env.CI ?? '').toLowerCase();
  return ci !== '' && ci !== '0' && ci !== 'false';
}

// ---------------------------------------------------------------------------
// Namespaces

export interface VethOptions {
  /** Name of the other end; generated when omitted. */
  peer?: string;
  /**
   * Namespace to move the peer into (e.g. to connect two namespaces). Default:
   * the peer stays in this namespace.
   */
  peerNs?: Netns;
  /** Bring both ends up. Default true. */
  up?: boolean;
}

export class Netns {
  readonly name: string;
  private deleted = false;
  private peerCounter = 0;

  private constructor(name: string) {
    this.name = name;
  }

  /** Create a namespace named `${NETNS_PREFIX}${label}` with lo up. */
  static create(label = 'ns'): Netns {
    if (!NSLABEL_RE.test(label)) throw new Error(`bad namespace label '${label}'`);
    const name = `${NETNS_PREFIX}${label}`;
    installHandlers();
    runOk(['ip', 'netns', 'add', name]);
    const ns = new Netns(name);
    created.add(ns);
    try {
      ns.ip('link', 'set', 'lo', 'up');
    } catch (e) {
      ns.delete();
      throw e;
    }
    return ns;
  }

  /** Run `ip -n NS ARGS...`; throws with the command's stderr on failure. */
  ip(...args: string[]): RunResult {
    return runOk(['ip', '-n', this.name, ...args]);
  }

  /** Add a veth pair; `name` lives in this namespace. Returns the peer's name. */
  addVeth(name: string, options: VethOptions = {}): string {
    if (!IFNAME_RE.test(name)) throw new Error(`bad interface name '${name}' (at most 15 characters)`);
    const peer = options.peer ?? `ktsp${this.peerCounter++}`;
    if (!IFNAME_RE.test(peer)) throw new Error(`bad interface name '${peer}' (at most 15 characters)`);
    if (options.peerNs) {
      if (options.peerNs.deleted) throw new Error(`namespace ${options.peerNs.name} was deleted`);
      this.ip('link', 'add', name, 'type', 'veth', 'peer', 'name', peer, 'netns', options.peerNs.name);
    } else {
      this.ip('link', 'add', name, 'type', 'veth', 'peer', 'name', peer);
    }
    if (options.up ?? true) {
      this.ip('link', 'set', name, 'up');
      (options.peerNs ?? this).ip('link', 'set', peer, 'up');
    }
    return peer;
  }

  /** Add several veth interfaces (peers stay in this namespace), all up. */
  addInterfaces(names: readonly string[]): void {
    for (const n of names) this.addVeth(n);
  }

  /** Add a Linux bridge (for an L2 segment shared by several namespaces). */
  addBridge(name: string): void {
    if (!IFNAME_RE.test(name)) throw new Error(`bad interface name '${name}'`);
    this.ip('link', 'add', name, 'type', 'bridge');
    this.ip('link', 'set', name, 'up');
  }

  /** Enslave an interface of this namespace to a bridge of this namespace. */
  setMaster(ifname: string, bridge: string): void {
    this.ip('link', 'set', ifname, 'master', bridge);
  }

  /** `ip addr add CIDR dev IF` (e.g. '198.51.100.11/24', '2001:db8::11/64'). */
  addAddress(ifname: string, cidr: string): void {
    this.ip('addr', 'add', cidr, 'dev', ifname);
  }

  /** Names of the links in this namespace. */
  links(): string[] {
    const r = this.ip('-o', 'link', 'show');
    return r.stdout
      .split('\n')
      .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
      .filter((n): n is string => n !== undefined);
  }

  private execArgv(argv: readonly string[]): string[] {
    if (this.deleted) throw new Error(`namespace ${this.name} was deleted`);
    if (argv.length === 0) throw new Error('empty command');
    return ['ip', 'netns', 'exec', this.name, ...argv];
  }

  /** Run a command inside the namespace and wait for it (with a timeout). */
  run(argv: readonly string[], options: RunOptions = {}): RunResult {
    return runCommand(this.execArgv(argv), options);
  }

  /**
   * Start a long-running command inside the namespace. The process is tracked
   * and killed (by pid) by cleanupNetns() if still running. `ip netns exec`
   * execs the command, so child.pid is the command's own pid.
   */
  spawn(argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const full = this.execArgv(argv);
    const child = nodeSpawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  }

  /** Pids of the processes currently in the namespace. */
  pids(): number[] {
    const r = runCommand(['ip', 'netns', 'pids', this.name], { timeoutMs: 10_000 });
    if (r.exitCode !== 0) return [];
    return r.stdout
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
  }

  /**
   * Delete the namespace. Processes still inside it were started by this test
   * process (the namespace is ours), so they are killed by pid first; otherwise
   * the kernel would keep the namespace (and its interfaces) alive.
   */
  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    created.delete(this);
    const pids = this.pids();
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    for (let i = 0; i < 50 && pids.some(pidAlive); i++) sleepSync(20);
    // Interfaces go away with the namespace; peers moved into other namespaces too.
    runCommand(['ip', 'netns', 'del', this.name], { timeoutMs: 10_000 });
  }

  get isDeleted(): boolean {
    return this.deleted;
  }
}

/** The interface set the config-test oracle needs: eth0..eth3 and eth0.1, all veths. */
export const ORACLE_INTERFACES = ['eth0', 'eth1', 'eth2', 'eth3', 'eth0.1'] as const;

/** A namespace with ORACLE_INTERFACES. */
export function createOracleNamespace(label = 'oracle'): Netns {
  const ns = Netns.create(label);
  try {
    ns.addInterfaces(ORACLE_INTERFACES);
  } catch (e) {
    ns.delete();
    throw e;
  }
  return ns;
}
