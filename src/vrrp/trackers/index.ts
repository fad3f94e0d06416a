// Trackers of the VRRP side: track_interface, vrrp_script, track_file and
// track_process, for a whole configuration. The TrackerSet keeps every
// tracker's state, works out each instance's priority delta and fault
// sources from them (keepalived 2.2.7's rules: bindings.ts, priority.ts) and
// tells the instances through fsm events when those change.
//
// How the VRRP child wires it (integration point):
//
//   const links = new LinkMonitor({ log });          // src/net/link-monitor.ts
//   await links.start();
//   const trackers = new TrackerSet(config.vrrp, { log, links, timers, runScript, defaultScriptUser });
//   trackers.onEvent((instance, event) => runtimes.get(instance)?.dispatch(event));
//   await trackers.start();   // initial states read; initial events emitted (before the instances start,
//                             // so an instance whose interface is down starts in FAULT)
//   ...start the instances...
//   trackers.snapshot();      // JSON-able state of every tracker, for dumps
//   await trackers.reload(newConfig.vrrp);   // keeps what persists, emits the differences
//   await trackers.stop();    // timers off, running scripts killed, watches closed
//
// Events are `priority-changed { delta, reason }` (delta = the whole tracker
// sum, not an increment), `fault { source }` and `fault-cleared { source }`
// with sources named "interface eth0", "script chk_http", "file f1",
// "process nginx". An instance in a sync group gets its events like any
// other; the caller routes them to the group's runtime.
//
// The link monitor is not owned: start it before and stop it after.
import type { VrrpConfig, VrrpScript, TrackFile } from '../../config/model/vrrp.js';
import { runScript as realRunScript, type RunScriptOptions, type ScriptResult } from '../../exec/run-script.js';
import type { Log } from '../../log.js';
import type { InstanceEvent } from '../fsm.js';
import { realTimers, type Timers } from '../instance.js';
import type { TrackerSummary } from '../priority.js';
import { configBindings, trackerKey, type InstanceBindings } from './bindings.js';
import { createDebounced, observe, settle, type Debounced, type Delays } from './debounce.js';
import { NO_TRACKERS, summarize, summaryEvents, type TrackerValue } from './evaluate.js';
import { FileWatch, initTrackFile, readTrackFile } from './file-watch.js';
import { scanProcesses } from './proc-scan.js';
import { countProcesses, hasQuorum, processMatcher, type ProcessEntry, type ProcessMatcher } from './process-match.js';
import { runAs, type ScriptUser } from './script-user.js';
import { createScriptCounter, recordRun, type ScriptCounter, type ScriptStatus } from './script-state.js';

export { configBindings, instanceBindings, trackerKey, type Binding, type InstanceBindings } from './bindings.js';

// ---------------------------------------------------------------------------
// Ports

/** Link states (LinkMonitor has this shape). `up`: IFF_UP and IFF_RUNNING, as keepalived's IF_FLAGS_UP. */
export interface LinkSource {
  isUp(name: string): boolean | undefined;
  onChange(listener: (name: string, up: boolean) => void): () => void;
}

export type RunScriptFn = (command: string | readonly string[], options: RunScriptOptions) => Promise<ScriptResult>;

export interface FileSource {
  read(path: string): Promise<number>;
  init(path: string, init: { value: number; overwrite: boolean }, reload: boolean): Promise<string | undefined>;
  watch(path: string, onChange: () => void): { stop(): void };
}

export interface TrackerPorts {
  log?: Log;
  timers?: Timers;
  /** Default: src/exec/run-script.ts. */
  runScript?: RunScriptFn;
  /** Needed when an instance tracks an interface (its own included); without it interfaces count as up. */
  links?: LinkSource;
  /** Default: read /proc. */
  processes?: (options: { cmdline: boolean }) => Promise<ProcessEntry[]>;
  /** Default: the real file system (fs.watch plus a periodic re-read). */
  files?: FileSource;
  /** script_user: who runs a vrrp_script with no user of its own. Default: this process's user. */
  defaultScriptUser?: ScriptUser;
  /** How often /proc is read for track_process. Default 1000 ms. */
  processScanMs?: number;
}

export const realFiles: FileSource = {
  read: readTrackFile,
  init: initTrackFile,
  watch(path, onChange) {
    const w = new FileWatch(path, onChange);
    w.start();
    return w;
  },
};

// ---------------------------------------------------------------------------
// Snapshot (dumps)

export interface ScriptRunRecord {
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  reason?: string;
  durationMs: number;
}

export interface TrackerSnapshot {
  instances: Array<{ name: string; group?: string; delta: number; faults: string[]; trackers: InstanceBindings['trackers']; ignored: string[]; unsupported: string[] }>;
  scripts: Array<{ name: string; status: ScriptStatus; result: number; rise: number; fall: number; running: boolean; runs: number; last?: ScriptRunRecord }>;
  interfaces: Array<{ name: string; up: boolean | undefined; link: boolean | undefined; pendingUntil: number | null }>;
  files: Array<{ name: string; path?: string; value: number }>;
  processes: Array<{ name: string; count: number; quorum: boolean; pendingUntil: number | null }>;
}

// ---------------------------------------------------------------------------

interface ScriptTracker {
  def: VrrpScript;
  counter: ScriptCounter;
  running: boolean;
  runs: number;
  last?: ScriptRunRecord;
  timer: unknown;
}

interface DebouncedTracker {
  state: Debounced;
  timer: unknown;
}

interface ProcessTracker extends DebouncedTracker {
  matcher: ProcessMatcher;
  delays: Delays;
  count: number;
}

interface FileTracker {
  def: TrackFile;
  value: number;
  watch?: { stop(): void };
}

export type TrackerListener = (instance: string, event: InstanceEvent) => void;

export class TrackerSet {
  private readonly timers: Timers;
  private readonly runScript: RunScriptFn;
  private readonly files: FileSource;
  private readonly scanProcesses: (options: { cmdline: boolean }) => Promise<ProcessEntry[]>;
  private readonly listeners = new Set<TrackerListener>();

  private bindings: InstanceBindings[] = [];
  private readonly summaries = new Map<string, TrackerSummary>();
  private readonly scripts = new Map<string, ScriptTracker>();
  private readonly interfaces = new Map<string, DebouncedTracker>();
  private readonly fileTrackers = new Map<string, FileTracker>();
  private readonly processTrackers = new Map<string, ProcessTracker>();
  private scanTimer: unknown = undefined;
  private scanning = false;
  private unsubscribeLinks: (() => void) | undefined;
  private running = false;
  private abort = new AbortController();
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private config: VrrpConfig,
    private readonly ports: TrackerPorts = {},
  ) {
    this.timers = ports.timers ?? realTimers;
    this.runScript = ports.runScript ?? realRunScript;
    this.files = ports.files ?? realFiles;
    this.scanProcesses = ports.processes ?? scanProcesses;
  }

  onEvent(listener: TrackerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The summary last sent to an instance (delta and fault sources). */
  summary(instance: string): TrackerSummary {
    return this.summaries.get(instance) ?? NO_TRACKERS;
  }

  /** Read every tracker's initial state, emit the initial events, then keep watching. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.unsubscribeLinks = this.ports.links?.onChange((name, up) => this.onLink(name, up));
    await this.build(false);
    this.recompute('initial state');
    this.scheduleScripts();
    this.scheduleScan();
  }

  /** Stop watching: timers cleared, running scripts killed, file watches closed. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    this.unsubscribeLinks?.();
    this.unsubscribeLinks = undefined;
    this.clear(this.scanTimer);
    this.scanTimer = undefined;
    for (const s of this.scripts.values()) this.clear(s.timer);
    for (const i of this.interfaces.values()) this.clear(i.timer);
    for (const p of this.processTrackers.values()) this.clear(p.timer);
    for (const f of this.fileTrackers.values()) f.watch?.stop();
    await Promise.all([...this.inflight]);
  }

  /**
   * A new configuration: trackers that keep their name (and, for scripts,
   * their command, rise and fall) keep their state; the others start afresh.
   * Events bring each instance from what it was told to the new summary.
   */
  async reload(config: VrrpConfig): Promise<void> {
    const wasRunning = this.running;
    if (wasRunning) await this.stop();
    this.config = config;
    if (!wasRunning) return;
    this.running = true;
    this.abort = new AbortController();
    this.unsubscribeLinks = this.ports.links?.onChange((name, up) => this.onLink(name, up));
    await this.build(true);
    // Instances that are gone are not told anything any more.
    for (const name of [...this.summaries.keys()]) if (!this.bindings.some((b) => b.instance === name)) this.summaries.delete(name);
    this.recompute('reload');
    this.scheduleScripts();
    this.scheduleScan();
  }

  snapshot(): TrackerSnapshot {
    return {
      instances: this.bindings.map((b) => {
        const s = this.summary(b.instance);
        return { name: b.instance, ...(b.group ? { group: b.group } : {}), delta: s.delta, faults: [...s.faults], trackers: b.trackers, ignored: b.ignored, unsupported: b.unsupported };
      }),
      scripts: [...this.scripts.values()].map((s) => ({
        name: s.def.name,
        status: s.counter.status,
        result: s.counter.result,
        rise: s.counter.rise,
        fall: s.counter.fall,
        running: s.running,
        runs: s.runs,
        ...(s.last ? { last: s.last } : {}),
      })),
      interfaces: [...this.interfaces.entries()].map(([name, t]) => ({ name, up: t.state.value, link: this.ports.links?.isUp(name), pendingUntil: t.state.until })),
      files: [...this.fileTrackers.values()].map((f) => ({ name: f.def.name, ...(f.def.file ? { path: f.def.file } : {}), value: f.value })),
      processes: [...this.processTrackers.entries()].map(([name, p]) => ({ name, count: p.count, quorum: p.state.value, pendingUntil: p.state.until })),
    };
  }

  // --- building ------------------------------------------------------------------

  private async build(reload: boolean): Promise<void> {
    this.bindings = configBindings(this.config);
    const used = (kind: string): Set<string> => new Set(this.bindings.flatMap((b) => b.trackers.filter((t) => t.kind === kind).map((t) => t.name)));
    for (const b of this.bindings) {
      for (const why of [...b.ignored, ...b.unsupported]) this.ports.log?.warn({ instance: b.instance }, why);
    }

    // Scripts: keep the counter of an unchanged script.
    const scripts = used('script');
    for (const [name, s] of this.scripts) {
      const def = this.config.scripts.find((d) => d.name === name);
      if (!scripts.has(name) || !def || !sameScript(def, s.def)) this.scripts.delete(name);
      else s.def = def;
    }
    for (const def of this.config.scripts) {
      if (!scripts.has(def.name) || this.scripts.has(def.name)) continue;
      this.scripts.set(def.name, { def, counter: createScriptCounter(def.rise, def.fall, def.initFail), running: false, runs: 0, timer: undefined });
    }

    // Interfaces: the link monitor's state, through the up/down delays.
    const interfaces = used('interface');
    for (const name of [...this.interfaces.keys()]) if (!interfaces.has(name)) this.interfaces.delete(name);
    for (const name of interfaces) {
      const link = this.linkUp(name);
      const existing = this.interfaces.get(name);
      if (existing) this.onLink(name, link);
      else this.interfaces.set(name, { state: createDebounced(link), timer: undefined });
    }

    // Files.
    const files = used('file');
    for (const name of [...this.fileTrackers.keys()]) if (!files.has(name)) this.fileTrackers.delete(name);
    for (const def of this.config.trackFiles) {
      if (!files.has(def.name)) continue;
      const path = def.file;
      if (path && def.init) {
        const problem = await this.files.init(path, def.init, reload);
        if (problem) this.ports.log?.warn({ trackFile: def.name }, problem);
      }
      const value = path ? await this.files.read(path) : 0;
      const t: FileTracker = { def, value };
      if (path) t.watch = this.files.watch(path, () => this.track(this.rereadFile(def.name)));
      this.fileTrackers.set(def.name, t);
    }

    // Processes: one scan, believed at once (as keepalived's initial read of /proc).
    const processes = used('process');
    for (const name of [...this.processTrackers.keys()]) if (!processes.has(name)) this.processTrackers.delete(name);
    const defs = this.config.trackProcesses.filter((d) => processes.has(d.name));
    if (defs.length > 0) {
      const matchers = defs.map((d) => processMatcher(d));
      const table = await this.scan(matchers);
      defs.forEach((def, i) => {
        const matcher = matchers[i];
        const count = table ? countProcesses(matcher, table) : 0;
        const fork = (def.forkDelay ?? def.delay ?? 0) * 1000;
        const terminate = (def.terminateDelay ?? def.delay ?? 0) * 1000;
        this.processTrackers.set(def.name, { matcher, count, delays: { riseMs: fork, fallMs: terminate }, state: createDebounced(hasQuorum(matcher, count)), timer: undefined });
      });
    }
  }

  // --- values and events -----------------------------------------------------------

  private valueOf(key: string): TrackerValue | undefined {
    const space = key.indexOf(' ');
    const kind = key.slice(0, space);
    const name = key.slice(space + 1);
    switch (kind) {
      case 'interface': {
        const t = this.interfaces.get(name);
        return t ? { up: t.state.value } : undefined;
      }
      case 'script': {
        const s = this.scripts.get(name);
        if (!s) return undefined;
        return s.counter.status === 'init' ? 'init' : { up: s.counter.status === 'up' };
      }
      case 'file': {
        const f = this.fileTrackers.get(name);
        return f ? { value: f.value } : undefined;
      }
      case 'process': {
        const p = this.processTrackers.get(name);
        return p ? { up: p.state.value } : undefined;
      }
      default:
        return undefined;
    }
  }

  /** Work out every instance's summary and emit what changed. `reason` names the tracker that moved. */
  private recompute(reason: string): void {
    for (const b of this.bindings) {
      const prev = this.summary(b.instance);
      const next = summarize(b.trackers, (k) => this.valueOf(k));
      const events = summaryEvents(prev, next, reason);
      this.summaries.set(b.instance, next);
      for (const e of events) this.emit(b.instance, e);
    }
  }

  private emit(instance: string, event: InstanceEvent): void {
    for (const l of this.listeners) {
      try {
        l(instance, event);
      } catch (err) {
        this.ports.log?.error({ instance, err }, 'tracker event listener failed');
      }
    }
  }

  // --- interfaces ------------------------------------------------------------------

  private linkUp(name: string): boolean {
    if (!this.ports.links) return true;
    return this.ports.links.isUp(name) ?? false;
  }

  private interfaceDelays(name: string): Delays {
    const d = this.config.interfaceDelays.find((x) => x.name === name);
    return { riseMs: (d?.upDelay ?? 0) * 1000, fallMs: (d?.downDelay ?? 0) * 1000 };
  }

  private onLink(name: string, up: boolean): void {
    const t = this.interfaces.get(name);
    if (!t || !this.running) return;
    this.updateDebounced(t, up, this.interfaceDelays(name), `interface ${name} ${up ? 'up' : 'down'}`, (believed) => {
      this.ports.log?.info({ interface: name }, `interface ${name} is ${believed ? 'up' : 'down'}`);
    });
  }

  /** Feed an observation to a debounced tracker; recompute when its believed value changes, re-arm its timer. */
  private updateDebounced(t: DebouncedTracker, observed: boolean, delays: Delays, reason: string, changed: (value: boolean) => void): void {
    const before = t.state.value;
    t.state = observe(t.state, observed, this.timers.now(), delays);
    this.clear(t.timer);
    t.timer = undefined;
    if (t.state.value !== before) {
      changed(t.state.value);
      this.recompute(reason);
    }
    if (t.state.until !== null) {
      t.timer = this.timers.setTimeout(() => {
        t.timer = undefined;
        const was = t.state.value;
        t.state = settle(t.state, Math.max(this.timers.now(), t.state.until ?? 0));
        if (t.state.value !== was) {
          changed(t.state.value);
          this.recompute(reason);
        }
      }, Math.max(0, t.state.until - this.timers.now()));
    }
  }

  // --- scripts ---------------------------------------------------------------------

  private scheduleScripts(): void {
    // keepalived runs each script at once, then every `interval`, skipping a
    // run while the previous one is still going.
    for (const s of this.scripts.values()) this.armScript(s, 0);
  }

  private armScript(s: ScriptTracker, delayMs: number): void {
    this.clear(s.timer);
    s.timer = this.timers.setTimeout(() => {
      s.timer = undefined;
      if (!this.running || this.scripts.get(s.def.name) !== s) return;
      this.armScript(s, s.def.interval * 1000);
      if (s.running) {
        this.ports.log?.warn({ script: s.def.name }, `track script ${s.def.name} is still running: run skipped`);
        return;
      }
      this.track(this.runTrackScript(s));
    }, delayMs);
  }

  private async runTrackScript(s: ScriptTracker): Promise<void> {
    const def = s.def;
    if (!def.script) return;
    s.running = true;
    const options = runAs(def.user, this.ports.defaultScriptUser, { timeoutMs: (def.timeout ?? def.interval) * 1000, signal: this.abort.signal });
    let result: ScriptResult;
    try {
      result = await this.runScript(def.script.argv, options);
    } catch (err) {
      result = { timedOut: false, aborted: false, stderrTail: '', durationMs: 0, reason: (err as Error).message };
    }
    s.running = false;
    if (result.aborted || !this.running || this.scripts.get(def.name) !== s) return;
    s.runs++;
    s.last = {
      timedOut: result.timedOut,
      durationMs: Math.round(result.durationMs),
      ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
      ...(result.signal !== undefined ? { signal: result.signal } : {}),
      ...(result.reason !== undefined ? { reason: result.reason } : {}),
    };
    const success = result.exitCode === 0 && !result.timedOut;
    const before = s.counter.status;
    s.counter = recordRun(s.counter, success);
    if (s.counter.status !== before) {
      const how = success ? 'succeeded' : result.timedOut ? 'timed out' : 'failed';
      const detail = result.reason ?? (result.signal ? `signal ${result.signal}` : result.exitCode !== undefined ? `exit ${result.exitCode}` : '');
      this.ports.log?.info({ script: def.name, ...s.last, stderr: result.stderrTail || undefined }, `VRRP_Script(${def.name}) ${how}${detail && !success ? ` (${detail})` : ''}`);
      this.recompute(`script ${def.name} ${s.counter.status}`);
    }
  }

  // --- files -----------------------------------------------------------------------

  private async rereadFile(name: string): Promise<void> {
    const t = this.fileTrackers.get(name);
    if (!t?.def.file || !this.running) return;
    const value = await this.files.read(t.def.file);
    if (value === t.value || this.fileTrackers.get(name) !== t || !this.running) return;
    this.ports.log?.info({ trackFile: name, value, previous: t.value }, `track file ${name} now holds ${value}`);
    t.value = value;
    this.recompute(`file ${name} = ${value}`);
  }

  // --- processes -------------------------------------------------------------------

  private async scan(matchers: readonly ProcessMatcher[]): Promise<ProcessEntry[] | undefined> {
    try {
      return await this.scanProcesses({ cmdline: matchers.some((m) => m.fullCommand) });
    } catch (err) {
      this.ports.log?.error({ err }, 'cannot read the process table');
      return undefined;
    }
  }

  private scheduleScan(): void {
    if (this.processTrackers.size === 0) return;
    this.clear(this.scanTimer);
    this.scanTimer = this.timers.setTimeout(() => {
      this.scanTimer = undefined;
      if (!this.running) return;
      this.track(this.rescan().finally(() => this.running && this.scheduleScan()));
    }, this.ports.processScanMs ?? 1000);
  }

  private async rescan(): Promise<void> {
    if (this.scanning) return;
    this.scanning = true;
    try {
      const trackers = [...this.processTrackers.entries()];
      const table = await this.scan(trackers.map(([, p]) => p.matcher));
      if (!table || !this.running) return;
      for (const [name, p] of trackers) {
        if (this.processTrackers.get(name) !== p) continue;
        p.count = countProcesses(p.matcher, table);
        this.updateDebounced(p, hasQuorum(p.matcher, p.count), p.delays, `process ${name} quorum`, (quorum) => {
          this.ports.log?.info({ trackProcess: name, count: p.count }, `Quorum ${quorum ? 'gained' : 'lost'} for tracked process ${name}`);
        });
      }
    } finally {
      this.scanning = false;
    }
  }

  // --- helpers ---------------------------------------------------------------------

  private clear(handle: unknown): void {
    if (handle !== undefined) this.timers.clearTimeout(handle);
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((err: unknown) => this.ports.log?.error({ err }, 'tracker task failed'));
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }
}

function sameScript(a: VrrpScript, b: VrrpScript): boolean {
  return a.script?.command === b.script?.command && a.rise === b.rise && a.fall === b.fall;
}
