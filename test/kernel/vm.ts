// The kernel test tier's virtual machine: a stock Debian kernel (IPVS as
// modules) booted under QEMU with a busybox initramfs (build-image.sh), the
// host's root shared read-only over 9p so the guest runs the host's node,
// ipvsadm and keepalived and this repository, a read-write exchange
// directory shared at the same path on both sides, and a control channel (a
// virtio-serial port, guest/agent.mjs at the other end) to run commands in
// the guest. Optionally one NIC: a tap on a bridge in a test namespace.
//
// TCG (software emulation) unless KVM really works here: /dev/kvm is used
// only when backed by kvm_intel or kvm_amd (a kvm_pvm /dev/kvm never gets a
// stock Debian kernel past its decompressor). KTS_QEMU_ACCEL overrides.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Netns } from '../helpers/netns.js';
import { REPO_ROOT, projectWithBundle } from '../helpers/transpile.js';

export { REPO_ROOT };

const HERE = dirname(fileURLToPath(import.meta.url));
const BUILD_SCRIPT = join(HERE, 'build-image.sh');
const AGENT = join(HERE, 'guest', 'agent.mjs');
const QEMU = process.env.KTS_QEMU ?? 'qemu-system-x86_64';
// Under /var/tmp, not /tmp: the guest mounts a fresh tmpfs on /tmp, and sees
// the rest of the host root, so a file made here before boot is read through
// 9p's cache (a node program loads several times faster than from the
// uncached exchange directory).
const RUN_PARENT = '/var/tmp';

export interface KernelImage {
  kernel: string;
  initrd: string;
  version: string;
  /** How long making sure it exists took (download and build on the first run). */
  prepareMs: number;
}

/** Builds (or finds, cached) the kernel and initramfs. Throws with the script's output. */
export function ensureImage(): KernelImage {
  const started = Date.now();
  const r = spawnSync('bash', [BUILD_SCRIPT], { encoding: 'utf8', timeout: 600_000, killSignal: 'SIGKILL' });
  if (r.status !== 0) {
    throw new Error(`test/kernel/build-image.sh failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}${r.stdout}`);
  }
  const cache = r.stdout.trim().split('\n').at(-1)!;
  return {
    kernel: join(cache, 'vmlinuz'),
    initrd: join(cache, 'initrd.gz'),
    version: readFileSync(join(cache, 'kernel-version'), 'utf8').trim(),
    prepareMs: Date.now() - started,
  };
}

/** Why this machine cannot run the kernel tier, or undefined. */
export function vmUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'the kernel tier needs Linux';
  if (process.getuid?.() !== 0) return 'the kernel tier needs root (taps, namespaces)';
  const q = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  if (q.error || q.status !== 0) return `${QEMU} is not usable (install qemu-system-x86; .ci/setup does): ${q.error?.message ?? q.stderr}`;
  for (const tool of ['apt-get', 'dpkg-deb', 'flock', 'gzip', 'setpriv', 'tar']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is missing (build-image.sh needs it)`;
  }
  return undefined;
}

/** 'kvm' when /dev/kvm is backed by a hardware virtualisation module, else 'tcg'. */
export function chooseAccel(): 'kvm' | 'tcg' {
  const forced = process.env.KTS_QEMU_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return 'tcg';
  }
  return existsSync('/sys/module/kvm_intel') || existsSync('/sys/module/kvm_amd') ? 'kvm' : 'tcg';
}

export interface GuestResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
  /** Set when the command could not start. */
  error?: string;
}

export interface GuestStatus {
  running: boolean;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  error?: string;
}

export interface GuestRunOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
  /** Killed (SIGKILL) in the guest after this long. Default 60 s (the guest is slow). */
  timeoutMs?: number;
}

export interface VmNetwork {
  /** The namespace QEMU runs in; the tap is created there. */
  ns: Netns;
  /** A bridge in `ns` the tap joins. */
  bridge: string;
  /** Default tap0 (the namespace is unique to the test run). */
  tap?: string;
  mac?: string;
}

export interface BootOptions {
  network?: VmNetwork;
  memoryMb?: number;
  /** Default 1: under TCG a second vCPU made boot and fork+exec slower, not faster (2-core host). */
  cpus?: number;
  /** From QEMU's start to the agent's hello. Default 240 s (TCG on a loaded 2-core machine). */
  bootTimeoutMs?: number;
  image?: KernelImage;
  /** Transpile the project's src/ before boot (see projectDir). */
  withProject?: boolean;
}

/** "what the guest said": a command, its outcome and its output, for error messages (`where`: which IPVS host, default guest). */
export function describeGuestResult(argv: readonly string[], r: GuestResult, where = 'guest'): string {
  const how = r.error ? `failed to start: ${r.error}` : r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`;
  const out = [r.stdout.trim() && `stdout: ${r.stdout.trim()}`, r.stderr.trim() && `stderr: ${r.stderr.trim()}`].filter(Boolean).join('\n');
  return `${where} \`${argv.join(' ')}\`: ${how}${out ? `\n${out}` : ''}`;
}

interface Pending {
  resolve: (value: Record<string, unknown>) => void;
  reject: (err: Error) => void;
}

/** Run directories left by test processes that died by a signal (named kts-vm-PID-*). */
function removeStaleRunDirs(): void {
  for (const name of readdirSync(RUN_PARENT)) {
    const pid = Number(/^kts-vm-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(join(RUN_PARENT, name), { recursive: true, force: true });
    }
  }
}

const running = new Set<Vm>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const vm of running) vm.killNow();
  });
}

export class Vm {
  /** Which kernel tier this is (test/kernel/ipvs-host.ts: Vm is one IpvsHost, a namespace the other). */
  readonly kind = 'qemu' as const;
  /** Host directory shared read-write with the guest at the same path. */
  readonly exchangeDir: string;
  /** With `withProject`: the current src/ as JavaScript (test/helpers/transpile.ts), at the same path in the guest. */
  readonly projectDir: string;
  readonly accel: 'kvm' | 'tcg';
  readonly image: KernelImage;
  /** From spawning QEMU to the agent's hello. */
  bootMs = 0;
  /** The guest's uptime when the agent said hello. */
  guestUptimeAtHello = 0;
  private readonly runDir: string;
  private readonly serialLog: string;
  private qemu?: ChildProcess;
  private qemuStderr = '';
  private socket?: Socket;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedError?: Error;

  private constructor(image: KernelImage, accel: 'kvm' | 'tcg') {
    this.image = image;
    this.accel = accel;
    removeStaleRunDirs();
    this.runDir = mkdtempSync(join(RUN_PARENT, `kts-vm-${process.pid}-`));
    this.exchangeDir = join(this.runDir, 'xchg');
    this.projectDir = join(this.runDir, 'project');
    mkdirSync(this.exchangeDir);
    this.serialLog = join(this.runDir, 'serial.log');
  }

  /** Boots a guest and waits for its agent. Everything is torn down if that fails. */
  static async boot(options: BootOptions = {}): Promise<Vm> {
    const image = options.image ?? ensureImage();
    const accel = chooseAccel();
    installExitHook();
    // KVM that boots nothing (as a kvm_pvm /dev/kvm does) must not cost the whole timeout.
    const attempts: [('kvm' | 'tcg'), number | undefined][] =
      accel === 'kvm' ? [['kvm', Math.min(options.bootTimeoutMs ?? 60_000, 60_000)], ['tcg', options.bootTimeoutMs]] : [['tcg', options.bootTimeoutMs]];
    let lastError: unknown;
    for (const [attempt, bootTimeoutMs] of attempts) {
      const vm = new Vm(image, attempt);
      running.add(vm);
      try {
        await vm.start({ ...options, ...(bootTimeoutMs !== undefined ? { bootTimeoutMs } : {}) });
        return vm;
      } catch (err) {
        vm.killNow();
        lastError = err;
        if (attempt === 'kvm') console.warn(`kernel tier: KVM boot failed, falling back to TCG: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    throw lastError;
  }

  /** `uname -r` in the guest. */
  get kernelRelease(): string {
    return this.image.version;
  }

  /** For logs: the kernel, the accelerator, the boot time. */
  get description(): string {
    return `${this.image.version} under QEMU (${this.accel}), booted in ${this.bootMs} ms`;
  }

  /** The guest's console (kernel and init messages), for diagnostics. */
  serialOutput(): string {
    try {
      return readFileSync(this.serialLog, 'utf8').replace(/\r/g, '');
    } catch {
      return '';
    }
  }

  private qemuArgs(options: BootOptions): string[] {
    const socketPath = join(this.runDir, 'ctl.sock');
    const append = ['console=ttyS0', 'panic=-1', 'quiet', 'loglevel=3', `kts.agent=${AGENT}`, `kts.xchg=${this.exchangeDir}`];
    const args = [
      '-machine', 'q35',
      '-accel', this.accel === 'kvm' ? 'kvm' : 'tcg,thread=multi',
      // Without 5-level paging: the guest kernel uses it when offered, and TCG
      // then spends about half again as long in every fork and exec.
      '-cpu', this.accel === 'kvm' ? 'host' : 'max,la57=off',
      '-m', String(options.memoryMb ?? 1024),
      '-smp', String(options.cpus ?? 1),
      '-nographic', '-no-reboot', '-nodefaults', '-monitor', 'none',
      '-serial', `file:${this.serialLog}`,
      '-kernel', this.image.kernel,
      '-initrd', this.image.initrd,
      '-append', append.join(' '),
      '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
      '-virtfs', `local,path=${this.exchangeDir},mount_tag=xchg,security_model=none`,
      '-device', 'virtio-serial-pci',
      '-chardev', `socket,id=ctl,path=${socketPath},server=on,wait=off`,
      '-device', 'virtserialport,chardev=ctl,name=kts.ctl',
    ];
    const net = options.network;
    if (net) {
      args.push('-netdev', `tap,id=n0,ifname=${net.tap ?? 'tap0'},script=no,downscript=no`);
      // romfile=: no PXE option ROM, the kernel is loaded directly.
      args.push('-device', `virtio-net-pci,netdev=n0,romfile=,mac=${net.mac ?? '52:54:00:4b:54:53'}`);
    }
    return args;
  }

  private async start(options: BootOptions): Promise<void> {
    if (options.withProject) {
      mkdirSync(this.projectDir);
      projectWithBundle(this.projectDir);
    }
    const net = options.network;
    if (net) {
      const tap = net.tap ?? 'tap0';
      if (!net.ns.links().includes(tap)) net.ns.ip('tuntap', 'add', 'dev', tap, 'mode', 'tap'); // a second attempt reuses it
      net.ns.setMaster(tap, net.bridge);
      net.ns.ip('link', 'set', tap, 'up');
    }
    // SIGKILL to QEMU if the test process dies without cleaning up (e.g. killed by a signal).
    const argv = ['setpriv', '--pdeathsig', 'KILL', QEMU, ...this.qemuArgs(options)];
    const started = Date.now();
    this.qemu = net ? net.ns.spawn(argv, { stdio: ['ignore', 'ignore', 'pipe'] }) : spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.qemu.stderr?.setEncoding('utf8');
    this.qemu.stderr?.on('data', (d: string) => (this.qemuStderr += d));
    const exited = new Promise<never>((_, reject) => {
      this.qemu!.once('exit', (code, signal) => {
        const err = new Error(`QEMU exited (${signal ?? `exit ${code}`}): ${this.qemuStderr.trim()}\n--- guest console ---\n${this.serialOutput().slice(-4000)}`);
        this.failAll(err);
        reject(err);
      });
    });
    exited.catch(() => {}); // also reported through the hello wait below
    const timeoutMs = options.bootTimeoutMs ?? 240_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the guest agent did not say hello within ${timeoutMs} ms (accel ${this.accel})\n--- guest console ---\n${this.serialOutput().slice(-4000)}`)), timeoutMs);
    });
    try {
      const hello = await Promise.race([this.connectAndHello(join(this.runDir, 'ctl.sock')), exited, timeout]);
      this.guestUptimeAtHello = Number(hello.uptime ?? 0);
    } finally {
      clearTimeout(timer);
    }
    this.bootMs = Date.now() - started;
  }

  private async connectAndHello(socketPath: string): Promise<Record<string, unknown>> {
    for (;;) {
      if (this.qemu?.exitCode !== null || this.qemu?.signalCode !== null) throw new Error('QEMU is gone');
      if (existsSync(socketPath)) {
        const socket = await new Promise<Socket | undefined>((resolve) => {
          const s = connect(socketPath);
          s.once('connect', () => resolve(s));
          s.once('error', () => resolve(undefined));
        });
        if (socket) {
          this.socket = socket;
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const socket = this.socket!;
    return new Promise((resolve, reject) => {
      let buffered = '';
      let greeted = false;
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => {
        buffered += d;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          let msg: Record<string, unknown>;
          try {
            msg = JSON.parse(line) as Record<string, unknown>;
          } catch {
            continue; // not ours (nothing else writes to the port, but be safe)
          }
          if (!greeted && msg.hello) {
            greeted = true;
            resolve(msg.hello as Record<string, unknown>);
            continue;
          }
          const waiter = this.pending.get(msg.id as number);
          if (waiter) {
            this.pending.delete(msg.id as number);
            waiter.resolve(msg);
          }
        }
      });
      socket.on('close', () => {
        const err = new Error('the control channel to the guest closed');
        this.failAll(err);
        if (!greeted) reject(err);
      });
      socket.on('error', () => {});
    });
  }

  private failAll(err: Error): void {
    this.closedError ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (!this.socket) return Promise.reject(new Error('the guest is not booted'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket!.write(`${JSON.stringify({ ...message, id })}\n`);
    });
  }

  private static checked(reply: Record<string, unknown>, what: string): Record<string, unknown> {
    if (typeof reply.error === 'string' && !('exitCode' in reply)) throw new Error(`guest ${what}: ${reply.error}`);
    return reply;
  }

  /** Runs a command in the guest and waits for it. Never throws for what the command does. */
  async run(argv: readonly string[], options: GuestRunOptions = {}): Promise<GuestResult> {
    const reply = await this.request({ op: 'run', argv, ...options, timeoutMs: options.timeoutMs ?? 60_000 });
    return reply as unknown as GuestResult;
  }

  /** Like run(), but throws unless the command exits 0. */
  async runOk(argv: readonly string[], options: GuestRunOptions = {}): Promise<GuestResult> {
    const r = await this.run(argv, options);
    if (r.exitCode !== 0) throw new Error(describeGuestResult(argv, r));
    return r;
  }

  /** Starts a background process in the guest; returns its guest pid. */
  async spawn(argv: readonly string[], options: Omit<GuestRunOptions, 'input' | 'timeoutMs'> = {}): Promise<number> {
    const reply = Vm.checked(await this.request({ op: 'spawn', argv, ...options }), `spawn ${argv.join(' ')}`);
    return reply.pid as number;
  }

  /** A background process's state and output so far. */
  async status(pid: number): Promise<GuestStatus> {
    return Vm.checked(await this.request({ op: 'status', pid }), `status ${pid}`) as unknown as GuestStatus;
  }

  /** Signals a background process the agent started. */
  async kill(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    Vm.checked(await this.request({ op: 'kill', pid, signal }), `kill ${pid}`);
  }

  /** Waits for a background process to end (polling); its final status. */
  async waitExit(pid: number, timeoutMs = 30_000): Promise<GuestStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.status(pid);
      if (!s.running) return s;
      if (Date.now() > deadline) throw new Error(`guest process ${pid} still running after ${timeoutMs} ms\nstdout: ${s.stdout}\nstderr: ${s.stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Powers the guest off (SIGKILL to QEMU if it does not go) and removes the run directory. */
  async stop(): Promise<void> {
    const qemu = this.qemu;
    if (qemu && qemu.exitCode === null && qemu.signalCode === null) {
      const gone = new Promise<void>((resolve) => qemu.once('exit', () => resolve()));
      if (!this.closedError) this.request({ op: 'poweroff' }).catch(() => {});
      const timer = setTimeout(() => qemu.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    }
    this.killNow();
  }

  /** Synchronous teardown (also run on process exit): SIGKILL QEMU by pid, remove our files. */
  killNow(): void {
    const qemu = this.qemu;
    if (qemu?.pid !== undefined && qemu.exitCode === null && qemu.signalCode === null) {
      try {
        process.kill(qemu.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    this.socket?.destroy();
    this.failAll(new Error('the guest was stopped'));
    rmSync(this.runDir, { recursive: true, force: true });
    running.delete(this);
  }
}
