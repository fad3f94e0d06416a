// The kernel tier's native IPVS host: a network namespace of this machine's
// own kernel (IPVS state is per namespace, so it has a table of its own),
// commands run in it through `ip netns exec`, background processes started
// by this test process and stopped by pid. It answers what the QEMU guest
// (vm.ts) answers, with the same records (guest/processes.mjs).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { Netns } from '../helpers/netns.js';
import { projectWithBundle } from '../helpers/transpile.js';
import { processStatus, runProcess, startProcess, type ProcessRecord } from './guest/processes.mjs';
import type { IpvsHost, SegmentAttachment } from './ipvs-host.js';
import { describeGuestResult, type GuestResult, type GuestRunOptions, type GuestStatus } from './vm.js';

const RUN_PARENT = '/var/tmp';

export interface NamespaceHostOptions {
  /** The namespace's label (test/helpers/netns.ts makes the name unique). Default kdir. */
  label?: string;
  /** Transpile the project's src/ (see projectDir). */
  withProject?: boolean;
  /** A veth `eth0` in the namespace, its peer on this bridge. */
  network?: SegmentAttachment;
}

const open = new Set<NamespaceHost>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // The namespace itself (and whatever still runs in it) goes with netns.ts's own exit cleanup.
  process.on('exit', () => {
    for (const host of open) rmSync(host.runDir, { recursive: true, force: true });
  });
}

export class NamespaceHost implements IpvsHost {
  readonly kind = 'native' as const;
  readonly kernelRelease = release();
  readonly exchangeDir: string;
  readonly projectDir: string;
  readonly runDir: string;
  private readonly processes = new Map<number, ProcessRecord>();

  private constructor(readonly ns: Netns) {
    this.runDir = mkdtempSync(join(RUN_PARENT, `kts-ns-${process.pid}-`));
    this.exchangeDir = join(this.runDir, 'xchg');
    this.projectDir = join(this.runDir, 'project');
    mkdirSync(this.exchangeDir);
  }

  get description(): string {
    return `network namespace ${this.ns.name} on the host kernel ${this.kernelRelease}`;
  }

  /** A new namespace (lo up), optionally on a bridge; everything is removed if that fails. */
  static async create(options: NamespaceHostOptions = {}): Promise<NamespaceHost> {
    const label = options.label ?? 'kdir';
    const ns = Netns.create(label);
    let host: NamespaceHost | undefined;
    try {
      host = new NamespaceHost(ns);
      installExitHook();
      open.add(host);
      const net = options.network;
      if (net) {
        const peer = `${label}p`;
        ns.addVeth(net.ifname ?? 'eth0', { peer, peerNs: net.ns });
        net.ns.setMaster(peer, net.bridge);
      }
      if (options.withProject) {
        mkdirSync(host.projectDir);
        projectWithBundle(host.projectDir);
      }
      return host;
    } catch (err) {
      if (host) await host.stop();
      else ns.delete();
      throw err;
    }
  }

  private argv(argv: readonly string[]): string[] {
    if (this.ns.isDeleted) throw new Error(`${this.description} was stopped`);
    return ['ip', 'netns', 'exec', this.ns.name, ...argv];
  }

  async run(argv: readonly string[], options: GuestRunOptions = {}): Promise<GuestResult> {
    return runProcess(this.argv(argv), { ...options, timeoutMs: options.timeoutMs ?? 60_000 });
  }

  async runOk(argv: readonly string[], options: GuestRunOptions = {}): Promise<GuestResult> {
    const r = await this.run(argv, options);
    if (r.exitCode !== 0) throw new Error(describeGuestResult(argv, r, this.ns.name));
    return r;
  }

  async spawn(argv: readonly string[], options: Omit<GuestRunOptions, 'input' | 'timeoutMs'> = {}): Promise<number> {
    const proc = startProcess(this.argv(argv), options);
    proc.child.stdin.end();
    if (proc.child.pid === undefined) {
      await proc.closed;
      throw new Error(`${this.ns.name}: spawn ${argv.join(' ')}: ${proc.error ?? 'could not start'}`);
    }
    this.processes.set(proc.child.pid, proc);
    return proc.child.pid;
  }

  private started(pid: number): ProcessRecord {
    const proc = this.processes.get(pid);
    if (!proc) throw new Error(`${this.ns.name}: no process ${pid} started here`);
    return proc;
  }

  async status(pid: number): Promise<GuestStatus> {
    return processStatus(this.started(pid)) as GuestStatus;
  }

  async kill(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.started(pid);
    if (!proc.done) proc.child.kill(signal);
  }

  async waitExit(pid: number, timeoutMs = 30_000): Promise<GuestStatus> {
    const proc = this.started(pid);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    const outcome = await Promise.race([proc.closed, late]);
    clearTimeout(timer);
    if (outcome === 'late') throw new Error(`${this.ns.name}: process ${pid} still running after ${timeoutMs} ms\nstdout: ${proc.stdout}\nstderr: ${proc.stderr}`);
    return processStatus(proc) as GuestStatus;
  }

  /** SIGKILL (by pid) to what it started and still runs, then the namespace and the files go. */
  async stop(): Promise<void> {
    const running = [...this.processes.values()].filter((p) => !p.done);
    for (const proc of running) proc.child.kill('SIGKILL');
    await Promise.all(running.map((p) => p.closed));
    this.ns.delete();
    rmSync(this.runDir, { recursive: true, force: true });
    open.delete(this);
  }
}
