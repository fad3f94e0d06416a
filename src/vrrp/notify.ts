// Notifications of VRRP state changes, as keepalived 2.2.7 sends them
// (vrrp_notify.c): for an instance or sync group entering MASTER / BACKUP /
// FAULT / STOP, first the state's own script (notify_master, ...), then the
// generic `notify` script with four more arguments TYPE NAME STATE PRIORITY
// (TYPE is INSTANCE or GROUP; a group's priority is 0), then one line on each
// notify FIFO:
//
//   INSTANCE "VI_1" MASTER 100\n        GROUP "G1" FAULT 0\n
//   INSTANCE "VI_1" MASTER_PRIORITY 90\n   (notify_priority_changes; BACKUP_PRIORITY unless master)
//   INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100\n   (with notify_master_rx_lower_pri; our own priority)
//
// Unlike keepalived, which forks the scripts and does not wait, scripts run one
// at a time in the order of the events, each with a timeout, and every exit
// status is logged: so notify_backup can never overtake the notify_master
// before it. FIFO lines are written at once, in order, without waiting for
// scripts. The FIFO is created (mode 0644) when missing and removed on close
// if we created it; its reader script (notify_fifo_script) is started with the
// FIFO's path as last argument and stopped on close.
//
// Integration: `const n = new Notifier({ vrrp: config.vrrp, fifos: notifyFifos(config.global), log });
// await n.open();` then pass `(x) => n.deliver(x)` as the instance runtime's
// notify port, deliver sync-group notifications as { type: 'group-state', ... },
// and `await n.close()` at shutdown (after the STOP notifications).
import { chown, constants, openSync, closeSync, writeSync, lstatSync, unlinkSync } from 'node:fs';
import { execa } from 'execa';
import type { GlobalDefs } from '../config/model/global.js';
import type { NotifyScripts, VrrpConfig } from '../config/model/vrrp.js';
import type { Script } from '../config/schema/types.js';
import { lookupUser, runScript as realRunScript, type RunScriptOptions, type ScriptResult } from '../exec/run-script.js';
import type { Log } from '../log.js';
import type { NotifyState } from './fsm.js';
import type { Notification } from './instance.js';
import { runAs, type ScriptUser } from './trackers/script-user.js';

export type NotifyEvent = Notification | { type: 'group-state'; group: string; state: NotifyState };

export type RunScriptFn = (command: string | readonly string[], options: RunScriptOptions) => Promise<ScriptResult>;

// ---------------------------------------------------------------------------
// Pure part: what an event runs and writes.

/** A FIFO line exactly as keepalived writes it. */
export function fifoLine(type: 'INSTANCE' | 'GROUP', name: string, state: string, priority: number): string {
  return `${type} "${name}" ${state} ${priority}\n`;
}

export interface NotifyJob {
  /** Which keyword configured the script (notify_master, notify, ...). */
  keyword: string;
  argv: string[];
  user?: string;
  group?: string;
}

export interface NotifyPlan {
  /** The instance or group it is about. */
  subject: { type: 'INSTANCE' | 'GROUP'; name: string };
  jobs: NotifyJob[];
  fifo?: string;
}

/** What the notifier remembers of an instance to fill in priority and state lines. */
export interface InstanceMemory {
  state?: NotifyState;
  priority: number;
}

const STATE_SCRIPT: Record<NotifyState, keyof NotifyScripts> = { MASTER: 'master', BACKUP: 'backup', FAULT: 'fault', STOP: 'stop' };

function job(script: Script, extra: string[] = []): NotifyJob {
  const j: NotifyJob = { keyword: script.keyword, argv: [...script.argv, ...extra] };
  if (script.user !== undefined) j.user = script.user;
  if (script.group !== undefined) j.group = script.group;
  return j;
}

/** The scripts to run and the FIFO line to write for one event. */
export function planNotification(event: NotifyEvent, scripts: NotifyScripts, memory: InstanceMemory): NotifyPlan {
  if (event.type === 'group-state') {
    const jobs: NotifyJob[] = [];
    const own = scripts[STATE_SCRIPT[event.state]];
    if (own) jobs.push(job(own));
    if (scripts.generic) jobs.push(job(scripts.generic, ['GROUP', event.group, event.state, '0']));
    return { subject: { type: 'GROUP', name: event.group }, jobs, fifo: fifoLine('GROUP', event.group, event.state, 0) };
  }
  const subject = { type: 'INSTANCE' as const, name: event.instance };
  switch (event.type) {
    case 'state': {
      const jobs: NotifyJob[] = [];
      const own = scripts[STATE_SCRIPT[event.state]];
      if (own) jobs.push(job(own));
      if (scripts.generic) jobs.push(job(scripts.generic, ['INSTANCE', event.instance, event.state, String(event.priority)]));
      return { subject, jobs, fifo: fifoLine('INSTANCE', event.instance, event.state, event.priority) };
    }
    case 'priority': {
      const state = memory.state === 'MASTER' ? 'MASTER_PRIORITY' : 'BACKUP_PRIORITY';
      return { subject, jobs: [], fifo: fifoLine('INSTANCE', event.instance, state, event.priority) };
    }
    case 'master-rx-lower-pri': {
      const jobs = scripts.masterRxLowerPri ? [job(scripts.masterRxLowerPri)] : [];
      return { subject, jobs, fifo: fifoLine('INSTANCE', event.instance, 'MASTER_RX_LOWER_PRI', memory.priority) };
    }
  }
}

/** The VRRP child's FIFOs from global_defs: notify_fifo (shared with the checker) and vrrp_notify_fifo. */
export function notifyFifos(global: Pick<GlobalDefs, 'notifyFifos'>, options: { runSharedScript?: boolean } = {}): FifoSpec[] {
  const out: FifoSpec[] = [];
  const add = (f: GlobalDefs['notifyFifos']['all'], withScript: boolean): void => {
    if (!f.path) return;
    const spec: FifoSpec = { path: f.path };
    if (f.owner) spec.owner = f.owner;
    if (withScript && f.script) spec.script = f.script;
    out.push(spec);
  };
  add(global.notifyFifos.all, options.runSharedScript ?? true);
  add(global.notifyFifos.vrrp, true);
  return out;
}

// ---------------------------------------------------------------------------
// The notifier (adapter).

export interface FifoSpec {
  path: string;
  owner?: { user: string; group?: string };
  /** notify_fifo_script: started with the FIFO's path as last argument, stopped on close. */
  script?: Script;
}

export interface NotifyResult {
  subject: { type: 'INSTANCE' | 'GROUP'; name: string };
  keyword: string;
  argv: string[];
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  reason?: string;
  durationMs: number;
}

export interface NotifierOptions {
  vrrp: Pick<VrrpConfig, 'instances' | 'syncGroups'>;
  fifos?: FifoSpec[];
  log?: Log;
  runScript?: RunScriptFn;
  /** Each script is killed after this long. Default 30000 ms. */
  timeoutMs?: number;
  /** script_user: who runs a script with no user of its own. Default: this process's user. */
  defaultScriptUser?: ScriptUser;
  /** Called after every script run (tests, dumps). */
  onResult?: (r: NotifyResult) => void;
}

interface OpenFifo {
  spec: FifoSpec;
  fd: number;
  created: boolean;
  reader?: Promise<ScriptResult>;
}

export class Notifier {
  private vrrp: NotifierOptions['vrrp'];
  private readonly runScript: RunScriptFn;
  private readonly memory = new Map<string, InstanceMemory>();
  private fifos: OpenFifo[] = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private closed = false;
  /** FIFO lines that could not be written (reader gone, pipe full). */
  lostFifoLines = 0;

  constructor(private readonly options: NotifierOptions) {
    this.vrrp = options.vrrp;
    this.runScript = options.runScript ?? realRunScript;
  }

  /** Create / open the FIFOs and start their reader scripts. */
  async open(): Promise<void> {
    for (const spec of this.options.fifos ?? []) {
      const opened = await this.openFifo(spec);
      if (opened) this.fifos.push(opened);
    }
  }

  /** New notify scripts (config reload); what is queued runs as it was planned. */
  reload(vrrp: NotifierOptions['vrrp']): void {
    this.vrrp = vrrp;
  }

  /**
   * Deliver one event: its FIFO line is written now; its scripts run after
   * those of earlier events. Resolves when its scripts have finished.
   */
  deliver(event: NotifyEvent): Promise<void> {
    if (this.closed) return Promise.resolve();
    const plan = planNotification(event, this.scriptsOf(event), this.remember(event));
    if (plan.fifo) this.writeFifos(plan.fifo);
    const run = this.chain.then(() => this.runJobs(plan));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves when every queued script has finished. */
  async idle(): Promise<void> {
    for (;;) {
      const c = this.chain;
      await c;
      if (c === this.chain) return;
    }
  }

  /** Wait for queued scripts (each bounded by its timeout), stop FIFO readers, close and remove created FIFOs. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.idle();
    this.closed = true;
    this.abort.abort();
    for (const f of this.fifos) {
      try {
        closeSync(f.fd);
      } catch {
        /* already closed */
      }
      if (f.created) {
        try {
          unlinkSync(f.spec.path);
        } catch {
          /* gone already */
        }
      }
    }
    await Promise.all(this.fifos.map((f) => f.reader));
    this.fifos = [];
  }

  // --- internals ---------------------------------------------------------------

  private scriptsOf(event: NotifyEvent): NotifyScripts {
    if (event.type === 'group-state') return this.vrrp.syncGroups.find((g) => g.name === event.group)?.notify ?? {};
    return this.vrrp.instances.find((i) => i.name === event.instance)?.notify ?? {};
  }

  private remember(event: NotifyEvent): InstanceMemory {
    if (event.type === 'group-state') return { priority: 0 };
    const base = this.vrrp.instances.find((i) => i.name === event.instance)?.priority ?? 0;
    const m = this.memory.get(event.instance) ?? { priority: base };
    if (event.type === 'state') {
      m.state = event.state;
      m.priority = event.priority;
    } else if (event.type === 'priority') {
      m.priority = event.priority;
    }
    this.memory.set(event.instance, m);
    return { ...m };
  }

  private async runJobs(plan: NotifyPlan): Promise<void> {
    for (const j of plan.jobs) {
      const options = runAs(j, this.options.defaultScriptUser, { timeoutMs: this.options.timeoutMs ?? 30_000, signal: this.abort.signal });
      let r: ScriptResult;
      try {
        r = await this.runScript(j.argv, options);
      } catch (err) {
        r = { timedOut: false, aborted: false, stderrTail: '', durationMs: 0, reason: (err as Error).message };
      }
      const result: NotifyResult = {
        subject: plan.subject,
        keyword: j.keyword,
        argv: j.argv,
        timedOut: r.timedOut,
        durationMs: Math.round(r.durationMs),
        ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
        ...(r.signal !== undefined ? { signal: r.signal } : {}),
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
      };
      this.report(result, r.stderrTail);
    }
  }

  private report(r: NotifyResult, stderr: string): void {
    const subject = r.subject.type === 'GROUP' ? { group: r.subject.name } : { instance: r.subject.name };
    const fields = { ...subject, script: r.keyword, argv: r.argv, exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, durationMs: r.durationMs, stderr: stderr || undefined };
    if (r.exitCode === 0) this.options.log?.info(fields, `${r.keyword} script exited 0`);
    else {
      const how = r.reason ?? (r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exited ${r.exitCode}`);
      this.options.log?.warn(fields, `${r.keyword} script ${how}`);
    }
    try {
      this.options.onResult?.(r);
    } catch {
      /* an observer must not stop notifications */
    }
  }

  private writeFifos(line: string): void {
    for (const f of this.fifos) {
      try {
        // A line is far below PIPE_BUF: written whole or not at all.
        writeSync(f.fd, line);
      } catch (err) {
        this.lostFifoLines++;
        this.options.log?.warn({ fifo: f.spec.path, err: (err as Error).message }, `notify FIFO line lost: ${line.trim()}`);
      }
    }
  }

  private async openFifo(spec: FifoSpec): Promise<OpenFifo | undefined> {
    let created = false;
    let exists = true;
    try {
      lstatSync(spec.path);
    } catch {
      exists = false;
    }
    if (!exists) {
      const r = await execa('mkfifo', ['-m', '644', spec.path], { reject: false, stdin: 'ignore' });
      if (r.exitCode !== 0) {
        this.options.log?.error({ fifo: spec.path, stderr: r.stderr }, `unable to create notify FIFO ${spec.path}`);
        return undefined;
      }
      created = true;
      if (spec.owner) {
        const ids = await lookupUser(spec.owner.user, spec.owner.group);
        if (typeof ids === 'string') this.options.log?.warn({ fifo: spec.path }, `failed to set owner of FIFO ${spec.path}: ${ids}`);
        else await new Promise<void>((resolve) => chown(spec.path, ids.uid, ids.gid, (err) => {
          if (err) this.options.log?.warn({ fifo: spec.path, err: err.message }, `failed to set owner of FIFO ${spec.path}`);
          resolve();
        }));
      }
    }
    try {
      const fd = openSync(spec.path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
      const opened: OpenFifo = { spec, fd, created };
      const reader = this.startReader(spec);
      if (reader) opened.reader = reader;
      return opened;
    } catch (err) {
      this.options.log?.error({ fifo: spec.path, err: (err as Error).message }, `unable to open notify FIFO ${spec.path}`);
      if (created) {
        try {
          unlinkSync(spec.path);
        } catch {
          /* gone */
        }
      }
      return undefined;
    }
  }

  /** notify_fifo_script: runs until close, with the FIFO's path as last argument. */
  private startReader(spec: FifoSpec): Promise<ScriptResult> | undefined {
    if (!spec.script) return undefined;
    const options = runAs(spec.script, this.options.defaultScriptUser, { signal: this.abort.signal });
    return this.runScript([...spec.script.argv, spec.path], options).then((r) => {
      if (!r.aborted) this.options.log?.warn({ fifo: spec.path, exitCode: r.exitCode, signal: r.signal, reason: r.reason }, `notify FIFO script for ${spec.path} ended`);
      return r;
    });
  }
}
