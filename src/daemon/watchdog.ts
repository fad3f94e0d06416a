// The parent process: owns the config, the pid files and the signals; forks
// the VRRP and checker children, gives each the validated config, restarts
// them with keepalived's policy, and forwards reloads, dumps and stops.
//
// Two things keepalived does not do, because users get hurt by them:
// - a HUP with a broken config is refused (logged with file:line) and the
//   running config stays, instead of the daemon exiting with its VIP left up;
// - when the VRRP child dies, the parent removes the VIPs, virtual routes
//   and rules it held at once, so the restarting child and the peer never
//   both hold them.
// Everything a later control endpoint needs (state, child pids, reload) is a
// method here, not buried in signal handlers.
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigResult } from '../config/index.js';
import type { KeepalivedConfig } from '../config/model/index.js';
import type { Problem } from '../config/problems.js';
import { childConfigText } from './child-config.js';
import type { Log } from '../log.js';
import { AddressAdapter } from '../net/addresses.js';
import type { BatchResult } from '../net/ip-batch.js';
import { RouteAdapter } from '../net/routes.js';
import { routeId, ruleId } from '../vrrp/params.js';
import { dumpFiles, formatTree } from './dumps.js';
import type { ChildMessage, ChildRole, ChildSettings, DumpKind, HeldEntries, ParentMessage } from './ipc.js';
import { removePidFile, runningPid, writePidFile, type PidFiles } from './pid-file.js';
import { decideRespawn, type RespawnState } from './respawn.js';
import { onRealTimeSignal } from './rt-signals.js';

const CHILD_MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'child-main.js');

/**
 * V8 heap settings of the checker child, measured with bench/checks.mjs (see
 * the figures in checker-child.ts): at 10,000 real servers it allocates a
 * socket per check over ~60 MB live, and V8's own growth policy let its RSS
 * pass 200 MB in steady state and 350 MB after a failure and a reload.
 * --expose-gc: the child collects once a new config is in place (child.ts).
 */
const CHECKER_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=50', '--expose-gc'];

/**
 * glibc's malloc raises its mmap threshold to the size of each large block
 * freed, up to 32 MB: after the first reload's IPC buffers (the config, MBs)
 * such blocks came from the heap and their memory stayed in the RSS. A fixed
 * threshold (glibc's initial 128 KiB) keeps them mmapped and given back.
 * bench/checks.mjs at 10,000 real servers: steady 171 -> 161 MB, after a
 * failure and a reload 200-204 -> 178-183 MB. A value in the environment wins.
 */
const CHECKER_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' };

export interface WatchdogOptions {
  log: Log;
  /** Reads and validates the config file (the same reader as -t). */
  loadConfig: () => ConfigResult;
  pidFiles: PidFiles;
  /** -P / -C / --all: which children may run. */
  roles: { vrrp: boolean; checker: boolean; all: boolean };
  /** -R. */
  dontRespawn: boolean;
  /** --respawn-delay-max, in ms (default keepalived's 60 s). */
  respawnDelayMaxMs?: number;
  /** Passed to every child. */
  child: Omit<ChildSettings, 'role'>;
  /** Where `ip` runs to release a dead VRRP child's VIPs (tests). */
  addresses?: AddressAdapter;
  /** The same for its virtual routes and rules. */
  routes?: RouteAdapter;
}

interface Slot {
  role: ChildRole;
  proc: ChildProcess | undefined;
  startedAt: number;
  respawn: RespawnState;
  restartTimer: NodeJS.Timeout | undefined;
  restarts: number;
  /** What the VRRP child reported holding. */
  held: HeldEntries;
  ready: boolean;
}

const NOTHING_HELD: HeldEntries = { vips: [], routes: [], rules: [] };

/** Problems that make a config unfit to replace a running one. */
export function blockingProblems(problems: readonly Problem[]): Problem[] {
  return problems.filter((p) => p.severity === 'error' || p.exit === 2 || p.exit === 4 || p.exit === 6);
}

function where(p: Problem): string {
  return p.loc ? `${p.loc.file}:${p.loc.line}:${p.loc.col}` : '';
}

export class Watchdog {
  private config: KeepalivedConfig | undefined;
  private readonly slots = new Map<ChildRole, Slot>();
  private stopping = false;
  private reloading: Promise<void> | undefined;
  private reloadQueued = false;
  private readonly startedAt = Date.now();
  private reloads = { ok: 0, refused: 0 };
  private exitCode = 0;
  private resolveDone!: (code: number) => void;
  /** Hooks for the service manager (sd_notify RELOADING / READY / STOPPING). */
  onReload: ((phase: 'start' | 'end') => void) | undefined;
  onStopping: (() => void) | undefined;
  /** Resolves with the exit code when the daemon has stopped. */
  readonly done = new Promise<number>((res) => (this.resolveDone = res));

  constructor(private readonly options: WatchdogOptions) {}

  /** Read the config, write the pid file, start the children, listen to signals. false: not started (logged). */
  start(): boolean {
    const { log, pidFiles } = this.options;
    const other = runningPid(pidFiles.parent);
    if (other !== undefined) {
      log.error({ pid: other, pidFile: pidFiles.parent }, 'daemon is already running');
      return false;
    }
    const result = this.options.loadConfig();
    this.logProblems(result.problems, 'config');
    if (result.exitCode === 2) {
      log.error('the config cannot be read to its end (see above): not starting');
      return false;
    }
    this.config = result.config;
    const ns = result.config.top.netNamespace;
    if (ns !== undefined) log.warn({ netNamespace: ns }, `net_namespace ${ns}: keepalived-ts runs in the namespace it was started in; start it with 'ip netns exec ${ns} keepalived-ts ...'`);
    writePidFile(pidFiles.parent, process.pid);
    this.listen();
    this.ensureChildren();
    log.info({ config: result.config.file, children: [...this.slots.keys()] }, 'started');
    return true;
  }

  /** SIGHUP: validate the file; apply it only if it has no errors. */
  reload(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.reloading) {
      this.reloadQueued = true;
      return this.reloading;
    }
    this.onReload?.('start');
    this.reloading = this.doReload().finally(() => {
      this.reloading = undefined;
      this.onReload?.('end');
      if (this.reloadQueued) {
        this.reloadQueued = false;
        void this.reload();
      }
    });
    return this.reloading;
  }

  /** SIGTERM / SIGINT: stop the children (child_wait_time, then SIGKILL), remove pid files. */
  async stop(why: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.onStopping?.();
    const { log } = this.options;
    log.info({ why }, 'stopping');
    const waitMs = (this.config?.top.childWaitTime ?? 5) * 1000;
    await Promise.all([...this.slots.values()].map((slot) => this.stopChild(slot, waitMs)));
    removePidFile(this.options.pidFiles.parent, process.pid);
    log.info('stopped');
    this.options.addresses?.close();
    this.resolveDone(this.exitCode);
  }

  /** State for a dump or a status query. */
  status(): Record<string, unknown> {
    return {
      pid: process.pid,
      config: this.config?.file,
      uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
      reloads: this.reloads,
      children: [...this.slots.values()].map((s) => ({
        role: s.role,
        pid: s.proc?.pid ?? null,
        ready: s.ready,
        restarts: s.restarts,
        heldVips: s.held.vips.map((v) => `${v.address}/${v.prefix} dev ${v.dev}`),
        heldRoutes: s.held.routes.map(routeId),
        heldRules: s.held.rules.map(ruleId),
      })),
    };
  }

  // ---------------------------------------------------------------------------

  private listen(): void {
    process.on('SIGHUP', () => void this.reload());
    process.on('SIGTERM', () => void this.stop('SIGTERM'));
    process.on('SIGINT', () => void this.stop('SIGINT'));
    process.on('SIGUSR1', () => this.dump('data'));
    process.on('SIGUSR2', () => this.dump('stats'));
    onRealTimeSignal('SIGRTMIN_2', () => this.dump('json'));
    onRealTimeSignal('SIGRTMAX_1', () => this.dump('stats-clear'));
  }

  private dump(kind: DumpKind): void {
    if (kind === 'data') {
      try {
        writeFileSync(dumpFiles().parentData, formatTree('Parent', this.status()), { mode: 0o600 });
      } catch (e) {
        this.options.log.error({ err: e }, 'cannot write the parent data dump');
      }
    }
    // keepalived: only the VRRP process has stats and JSON.
    for (const slot of this.slots.values()) {
      if (kind === 'data' || slot.role === 'vrrp') this.send(slot, { type: 'dump', kind });
    }
  }

  private logProblems(problems: readonly Problem[], context: string): void {
    for (const p of problems) {
      if (p.severity === 'note') continue;
      const fields = { where: where(p), code: p.code, ...(p.hint ? { hint: p.hint } : {}) };
      if (p.severity === 'error') this.options.log.error(fields, `${context}: ${p.message}`);
      else this.options.log.warn(fields, `${context}: ${p.message}`);
    }
  }

  private async doReload(): Promise<void> {
    const { log } = this.options;
    log.info('reloading');
    const result = this.options.loadConfig();
    const blocking = blockingProblems(result.problems);
    if (blocking.length > 0 || result.exitCode === 2) {
      this.reloads.refused++;
      this.logProblems(result.problems, 'reload');
      log.error({ problems: blocking.length }, 'reload refused: the new config has errors; still running the previous one');
      return;
    }
    this.logProblems(result.problems, 'reload');
    this.config = result.config;
    this.reloads.ok++;
    for (const slot of this.slots.values()) {
      if (this.needs(slot.role)) this.send(slot, { type: 'config', config: childConfigText(result.config, slot.role), reload: true });
    }
    this.ensureChildren();
  }

  /** Which children this config needs (keepalived: only those with work, unless --all). */
  private needs(role: ChildRole): boolean {
    const { roles } = this.options;
    const c = this.config;
    if (!c) return false;
    if (role === 'vrrp') {
      if (roles.checker && !roles.vrrp) return false;
      return roles.all || c.vrrp.instances.length > 0;
    }
    if (roles.vrrp && !roles.checker) return false;
    return roles.all || c.check.virtualServers.length > 0;
  }

  /** Start the children the config needs and stop those it no longer needs. */
  private ensureChildren(): void {
    for (const role of ['vrrp', 'checker'] as const) {
      const slot = this.slots.get(role);
      if (this.needs(role) && !slot) {
        const s: Slot = { role, proc: undefined, startedAt: 0, respawn: { lastDelayMs: 0 }, restartTimer: undefined, restarts: 0, held: NOTHING_HELD, ready: false };
        this.slots.set(role, s);
        this.spawn(s);
      } else if (!this.needs(role) && slot) {
        this.slots.delete(role);
        void this.stopChild(slot, (this.config?.top.childWaitTime ?? 5) * 1000);
      }
    }
  }

  private pidFileOf(role: ChildRole): string {
    return role === 'vrrp' ? this.options.pidFiles.vrrp : this.options.pidFiles.checker;
  }

  private spawn(slot: Slot): void {
    const { log } = this.options;
    const settings: ChildSettings = { ...this.options.child, role: slot.role };
    const checker = slot.role === 'checker';
    const execArgv = checker ? [...process.execArgv, ...CHECKER_NODE_FLAGS] : process.execArgv;
    const env = checker ? { ...CHECKER_ENV, ...process.env } : process.env;
    const proc = fork(CHILD_MAIN, [slot.role, JSON.stringify(settings)], { serialization: 'advanced', stdio: 'inherit', execArgv, env });
    slot.proc = proc;
    slot.startedAt = Date.now();
    slot.ready = false;
    if (proc.pid !== undefined) writePidFile(this.pidFileOf(slot.role), proc.pid);
    log.info({ child: slot.role, childPid: proc.pid }, 'child started');
    proc.on('message', (m: ChildMessage) => this.onMessage(slot, proc, m));
    proc.on('error', (e) => log.error({ child: slot.role, err: e }, 'child process error'));
    proc.once('exit', (code, signal) => this.onExit(slot, proc, code, signal));
  }

  private onMessage(slot: Slot, proc: ChildProcess, m: ChildMessage): void {
    if (slot.proc !== proc) return;
    switch (m.type) {
      case 'listening':
        if (this.config) this.send(slot, { type: 'config', config: childConfigText(this.config, slot.role), reload: false });
        return;
      case 'ready':
        slot.ready = true;
        this.options.log.info({ child: slot.role, childPid: proc.pid }, 'child ready');
        return;
      case 'reloaded':
        this.options.log.info({ child: slot.role, ...m.summary }, 'child reloaded');
        return;
      case 'held':
        slot.held = m.held;
        return;
      case 'reload-request':
        void this.reload();
        return;
    }
  }

  private send(slot: Slot, m: ParentMessage): void {
    const proc = slot.proc;
    if (proc?.connected) proc.send(m, (e) => e && this.options.log.warn({ child: slot.role, err: e }, 'message to child lost'));
  }

  private onExit(slot: Slot, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.proc !== proc) return;
    slot.proc = undefined;
    slot.ready = false;
    if (proc.pid !== undefined) removePidFile(this.pidFileOf(slot.role), proc.pid);
    if (this.stopping || this.slots.get(slot.role) !== slot) return;
    const { log } = this.options;
    const ranMs = Date.now() - slot.startedAt;
    log.error({ child: slot.role, childPid: proc.pid, code, signal, ranMs }, 'child died');
    void this.releaseHeld(slot);
    const decision = decideRespawn({ code, signal, ranMs }, slot.respawn, this.options.dontRespawn, this.options.respawnDelayMaxMs);
    if (decision.action === 'exit') {
      log.error({ child: slot.role }, `child ${decision.reason}: stopping`);
      this.exitCode = 1;
      void this.stop(`${slot.role} child ${decision.reason}`);
      return;
    }
    slot.respawn = decision.state;
    slot.restarts++;
    log.info({ child: slot.role, delayMs: decision.delayMs }, 'restarting child');
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (!this.stopping && this.slots.get(slot.role) === slot) this.spawn(slot);
    }, decision.delayMs);
  }

  /**
   * A VRRP child that died cannot remove what it installed as master: do it
   * for it. VIPs, routes and rules go at the same time: the VIPs must not
   * wait (the peer is taking them over), and a deletion needs no order.
   */
  private async releaseHeld(slot: Slot): Promise<void> {
    const { vips, routes, rules } = slot.held;
    if (slot.role !== 'vrrp' || vips.length + routes.length + rules.length === 0) return;
    slot.held = NOTHING_HELD;
    const { log } = this.options;
    const report = (what: 'rules' | 'routes' | 'vips', items: string[]) => (r: BatchResult): void => {
      const name = what === 'vips' ? 'VIPs' : `virtual ${what}`;
      if (r.ok || (r.error === undefined && r.failures.every((f) => f.absent))) log.info({ [what]: items }, `removed the dead VRRP child's ${name}`);
      else log.error({ [what]: items, failures: r.failures.map((f) => f.message), error: r.error }, `could not remove the dead VRRP child's ${name}`);
    };
    const addresses = this.options.addresses ?? new AddressAdapter();
    const routing = this.options.routes ?? new RouteAdapter();
    const jobs: Promise<void>[] = [];
    if (vips.length > 0) jobs.push(addresses.removeVips(vips).then(report('vips', vips.map((v) => `${v.address}/${v.prefix}`))));
    if (rules.length > 0) jobs.push(routing.removeRules(rules).then(report('rules', rules.map(ruleId))));
    if (routes.length > 0) jobs.push(routing.removeRoutes(routes).then(report('routes', routes.map(routeId))));
    await Promise.all(jobs);
    // Ours only: given adapters are their owner's to close.
    if (!this.options.routes) routing.close();
  }

  private async stopChild(slot: Slot, waitMs: number): Promise<void> {
    if (slot.restartTimer) clearTimeout(slot.restartTimer);
    const proc = slot.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((res) => proc.once('exit', () => res()));
    proc.kill('SIGTERM');
    const timer = new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), waitMs).unref());
    if ((await Promise.race([exited, timer])) === 'timeout') {
      this.options.log.warn({ child: slot.role, childPid: proc.pid, waitMs }, 'child did not stop in time: killing it');
      proc.kill('SIGKILL');
      await exited;
      await this.releaseHeld(slot);
    }
    if (proc.pid !== undefined) removePidFile(this.pidFileOf(slot.role), proc.pid);
  }
}
