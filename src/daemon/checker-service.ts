// The checker process's work: run the health checks of a config and keep the
// IPVS table in line with their verdicts (config -> planChecks -> one
// CheckRunner for every checker -> health map -> IpvsReconciler).
//
//   const service = new CheckerService({ log, ipvsadm: '/usr/sbin/ipvsadm', keepOnStop: false });
//   await service.start(config);      // adopt the live table, start the checks, program the table
//   await service.reload(newConfig);  // -> { added, changed, removed } (virtual and real servers)
//   service.snapshot();               // plain data for dumps
//   await service.stop();             // stop the checks, remove our entries (unless keepOnStop, -I)
//
// One CheckRunner runs every checker (one schedule, one timer: a runner per
// checker cost 10,000 timers and schedules at 10,000 real servers). A reload
// keeps the checkers whose block did not change (same id, see
// check/plan.ts) with their state, removes the others from the runner and
// adds the new ones; first checks are spread with one golden-ratio sequence
// over the whole service.
//
// A real server is down as soon as one of its checkers has a down verdict,
// and up once all of them have an up verdict. Before that it is what it was:
// at start, what the live table shows (a restarted checker process takes
// the table over without changing anything that is right); after a reload,
// its state before the reload; otherwise up (down with alpha).
//
// The table follows every change at once: changes are coalesced into one
// pass of the reconciler (one `ipvsadm -R`), and passes never overlap. A
// failed pass is retried after the reconciler's growing delay; a periodic
// pass repairs drift made by others.
import type { CheckConfig, RealServer, VirtualServer } from '../config/model/check.js';
import type { TrackFile } from '../config/model/vrrp.js';
import type { Script } from '../config/schema/types.js';
import type { KeepalivedConfig } from '../config/model/index.js';
import { planChecks, sameSettings, type CheckPlan, type PlannedCheck } from '../check/plan.js';
import { CheckRunner, systemTimers, type RunnerEvent, type RunnerTimers } from '../check/runner.js';
import { runScript as runScriptProcess } from '../exec/run-script.js';
import { healthShownBy } from '../ipvs/desired.js';
import { formatBatch } from '../ipvs/diff.js';
import { activeRealServers, type RealServerHealth } from '../ipvs/health-view.js';
import { Ipvsadm } from '../ipvs/ipvsadm.js';
import { IpvsReconciler, type ReconcileOutcome, type ReconcilerStats } from '../ipvs/reconciler.js';
import { realServerKey, serverId, virtualServerId } from '../ipvs/server-id.js';
import type { Log } from '../log.js';

export interface CheckerServiceOptions {
  log: Log;
  /** --ipvsadm PATH; default `ipvsadm` through PATH. */
  ipvsadm?: string;
  /** Environment for ipvsadm on top of this process's (tests: the emulator's table). */
  ipvsadmEnv?: NodeJS.ProcessEnv;
  /** -I / --dont-release-ipvs: leave the table as it is at stop. */
  keepOnStop?: boolean;
  /** Drift repair: a reconcile pass this often even without changes. Default 30 s. */
  reconcileIntervalMs?: number;
  /** First retry delay after a failed ipvsadm run (doubles up to retryMaxMs). Default 1 s. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Clock and timers of the checks, the retries and the repair (tests: a fake clock). */
  timers?: RunnerTimers;
  /** Runs notify_up / notify_down / quorum_up / quorum_down; default src/exec/run-script.ts. */
  runScript?: (command: string, user?: string) => unknown;
  /** Tests: checks from a config other than planChecks'. `running`: see PlanOptions. */
  plan?: (config: CheckConfig, trackFiles: readonly TrackFile[], running?: (id: string) => PlannedCheck | undefined) => CheckPlan;
}

export interface ReloadSummary {
  /** `virtual_server tcp 198.51.100.180:80`, `real_server tcp 198.51.100.180:80 -> 198.51.100.21:80`. */
  added: string[];
  changed: string[];
  removed: string[];
}

export interface CheckerSnapshot {
  virtualServers: Array<{
    vs: string;
    quorum: { up: boolean; liveWeight: number } | null;
    realServers: Array<{
      rs: string;
      up: boolean;
      weight: number;
      reason: string;
      checksRun: number;
      failures: number;
      checkers: Array<{ id: string; type: string; target: string; up: boolean; reason: string; checksRun: number; failures: number }>;
    }>;
  }>;
  skippedCheckers: Array<{ label: string; reason: string }>;
  ipvs: ReconcilerStats;
}

const DEFAULT_RECONCILE_INTERVAL_MS = 30_000;

interface CheckerState {
  planned: PlannedCheck;
  up: boolean;
  /** A verdict (not just a failure that will be retried) has come in. */
  judged: boolean;
  reason: string;
  checksRun: number;
  failures: number;
}

interface ServerState {
  key: string;
  vs: VirtualServer;
  rs: RealServer;
  vsId: string;
  rsId: string;
  checkers: string[];
  // Every field is always present (undefined when unset): 10,000 of these
  // with optional fields added and deleted went to dictionary mode, 430
  // bytes each more.
  /** Its state until the checkers have a say (see the top of the file). */
  provisional: boolean | undefined;
  /** A run-time weight a checker set (misc_dynamic). */
  weight: number | undefined;
  up: boolean;
  reason: string;
}

export class CheckerService {
  private readonly log: Log;
  private readonly timers: RunnerTimers;
  private readonly reconciler: IpvsReconciler;
  private readonly runner: CheckRunner;
  private readonly planFor: NonNullable<CheckerServiceOptions['plan']>;
  private readonly runScriptHook: (command: string, user?: string) => unknown;
  private config: KeepalivedConfig | undefined;
  private plan: CheckPlan = { checks: [], skipped: [] };
  private checkers = new Map<string, CheckerState>();
  private servers = new Map<string, ServerState>();
  private dirty = false;
  private loop: Promise<void> | undefined;
  private retryTimer: unknown;
  private repairTimer: unknown;
  private stopped = false;

  constructor(private readonly options: CheckerServiceOptions) {
    this.log = options.log;
    this.timers = options.timers ?? systemTimers;
    this.planFor = options.plan ?? ((c, trackFiles, running) => planChecks(c, { trackFiles, ...(running ? { running } : {}) }));
    this.runScriptHook = options.runScript ?? ((command, user) => this.runScriptDefault(command, user));
    // standby: a verdict's change goes to an ipvsadm -R already started (ipvsadm.ts).
    const adapter = new Ipvsadm({ standby: true, ...(options.ipvsadm !== undefined ? { command: options.ipvsadm } : {}), ...(options.ipvsadmEnv ? { env: options.ipvsadmEnv } : {}) });
    this.reconciler = new IpvsReconciler(adapter, {
      ...(options.retryMinMs !== undefined ? { retryMinMs: options.retryMinMs } : {}),
      ...(options.retryMaxMs !== undefined ? { retryMaxMs: options.retryMaxMs } : {}),
    });
    this.runner = new CheckRunner([], { timers: this.timers, onEvent: (e) => this.onEvent(e) });
  }

  /** Take over the live table, start the checks and program the table; resolves after the first pass. */
  async start(config: KeepalivedConfig): Promise<void> {
    if (this.config) throw new Error('already started');
    this.config = config;
    const live = await this.reconciler.read();
    if (!live.ok) this.log.error({ err: live.failure.message, stderr: live.failure.stderr }, 'cannot read the IPVS table; checks start anyway');
    const adopted = live.ok ? healthShownBy(config, live.table) : new Map<string, RealServerHealth>();
    this.servers = this.serversOf(config, (key) => adopted.get(key)?.up);
    this.runner.start();
    this.setPlan(this.planFor(config.check, config.vrrp.trackFiles));
    const vss = new Set([...this.servers.values()].map((s) => s.vsId));
    this.log.info({ virtualServers: vss.size, realServers: this.servers.size, checkers: this.checkers.size, adopted: adopted.size }, 'checker started');
    this.kick();
    await this.settled();
    this.armRepair();
  }

  /** Apply a new config: unchanged checkers keep running with their state; the table changes only where needed. */
  async reload(config: KeepalivedConfig): Promise<ReloadSummary> {
    const old = this.config;
    if (!old) throw new Error('not started');
    this.config = config;
    const before = this.servers;
    const oldChecks = this.checkers;
    this.servers = this.serversOf(config, (key) => before.get(key)?.up);
    // Unchanged checkers are taken over as they run, not built again.
    const plan = this.planFor(config.check, config.vrrp.trackFiles, (id) => oldChecks.get(id)?.planned);
    const summary = reloadSummary(old, config, before, this.servers, oldChecks, plan);
    // The new checkers start; those whose id is gone (removed or changed) stop.
    this.setPlan(plan, oldChecks, new Set(before.keys()));
    this.runner.remove([...oldChecks.keys()].filter((id) => !this.checkers.has(id)));
    this.log.info(summary, 'configuration reloaded');
    this.kick();
    await this.settled();
    return summary;
  }

  /** Stop the checks; remove our entries unless keepOnStop. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.disarm();
    await this.runner.stop();
    await this.settled();
    const ipvsadm = this.reconciler.adapter;
    ipvsadm.stopPreparing();
    if (this.options.keepOnStop) {
      await ipvsadm.close();
      this.log.info('checker stopped; IPVS entries kept (-I)');
      return;
    }
    const outcome = await this.reconciler.teardown();
    await ipvsadm.close();
    if (outcome.ok) this.log.info({ removed: outcome.operations.length }, 'checker stopped; IPVS entries removed');
    else this.log.error({ err: outcome.failure?.message, stderr: outcome.failure?.stderr }, 'checker stopped; could not remove the IPVS entries');
  }

  /** Resolves once no reconcile pass runs or waits to run (a failed one may still be due for a retry). */
  async settled(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Health by realServerKey, as the reconciler is given it. */
  health(): Map<string, RealServerHealth> {
    return new Map([...this.servers.values()].map((s) => [s.key, { up: s.up, ...(s.weight !== undefined ? { weight: s.weight } : {}) }]));
  }

  snapshot(): CheckerSnapshot {
    const byVs = new Map<string, CheckerSnapshot['virtualServers'][number]>();
    for (const s of this.servers.values()) {
      let vs = byVs.get(s.vsId);
      if (!vs) byVs.set(s.vsId, (vs = { vs: s.vsId, quorum: this.reconciler.quorum(s.vsId) ?? null, realServers: [] }));
      const checkers = s.checkers.map((id) => this.checkers.get(id)!);
      vs.realServers.push({
        rs: s.rsId,
        up: s.up,
        weight: s.weight ?? s.rs.effective?.weight ?? 0,
        reason: s.reason,
        checksRun: checkers.reduce((n, c) => n + c.checksRun, 0),
        failures: checkers.reduce((n, c) => n + c.failures, 0),
        checkers: checkers.map((c) => ({
          id: c.planned.spec.id,
          type: c.planned.checker.type,
          target: c.planned.checker.target,
          up: c.up,
          reason: c.reason,
          checksRun: c.checksRun,
          failures: c.failures,
        })),
      });
    }
    return {
      virtualServers: [...byVs.values()],
      skippedCheckers: this.plan.skipped.map((s) => ({ label: s.label, reason: s.reason })),
      ipvs: { ...this.reconciler.stats },
    };
  }

  // -------------------------------------------------------------------------
  // Servers and checkers

  private serversOf(config: KeepalivedConfig, provisional: (key: string) => boolean | undefined): Map<string, ServerState> {
    const servers = new Map<string, ServerState>();
    for (const vs of config.check.virtualServers) {
      if (vs.ignored || !vs.effective) continue;
      for (const rs of activeRealServers(vs)) {
        const key = realServerKey(vs, rs);
        if (servers.has(key)) continue;
        const p = provisional(key);
        const previous = this.servers.get(key);
        servers.set(key, {
          key,
          vs,
          rs,
          vsId: virtualServerId(vs),
          rsId: serverId(rs),
          checkers: [],
          provisional: p,
          weight: previous?.weight,
          up: p ?? true,
          reason: previous?.reason ?? (p === undefined ? 'not checked yet' : `as found in the IPVS table (${p ? 'present' : 'absent'})`),
        });
      }
    }
    return servers;
  }

  /** Take on a plan: keep the running checkers it still has, start its new ones. `known`: the real servers kept from before. */
  private setPlan(plan: CheckPlan, running = new Map<string, CheckerState>(), known: ReadonlySet<string> = new Set()): void {
    this.plan = plan;
    this.checkers = new Map();
    for (const skipped of plan.skipped) this.log.warn({ checker: skipped.label, reason: skipped.reason }, 'checker not run');
    const starting: PlannedCheck[] = [];
    for (const planned of plan.checks) {
      const server = this.servers.get(planned.spec.server);
      if (!server) continue;
      const kept = running.get(planned.spec.id);
      if (!kept) starting.push(planned);
      this.checkers.set(planned.spec.id, kept ?? newChecker(planned));
      server.checkers.push(planned.spec.id);
      for (const note of planned.notes) if (!kept) this.log.warn({ vs: planned.vs, rs: planned.rs, checker: planned.label }, note);
    }
    this.runner.add(starting);
    // A kept checker runs with its old instance: let the new plan's twin go (it doubled memory after a reload).
    this.plan = { ...plan, checks: plan.checks.map((p) => this.checkers.get(p.spec.id)?.planned ?? p) };
    // New real servers settle where they start quietly; kept ones log and notify a change.
    for (const server of this.servers.values()) this.judge(server, undefined, !known.has(server.key));
  }

  private onEvent(e: RunnerEvent): void {
    if (e.kind !== 'result' || this.stopped) return;
    const c = this.checkers.get(e.checker);
    if (!c) return;
    c.checksRun++;
    if (!e.ok) c.failures++;
    c.reason = e.reason;
    const server = this.servers.get(c.planned.spec.server);
    if (!server) return;
    if (e.ok && e.weight !== undefined && e.weight !== server.weight) {
      server.weight = e.weight;
      this.log.info({ vs: server.vsId, rs: server.rsId, checker: c.planned.label, weight: e.weight }, 'real server weight set');
      this.kick();
    }
    // A result that is not retried is a verdict: the checker is what it says (schedule.ts's rule).
    if (e.retrying) return;
    const changed = c.up !== e.ok || !c.judged;
    c.judged = true;
    c.up = e.ok;
    if (changed) this.judge(server, c);
  }

  /** Settle a real server's state from its checkers; log, notify and reconcile on a change. */
  private judge(server: ServerState, by: CheckerState | undefined, quiet = false): void {
    const checkers = server.checkers.map((id) => this.checkers.get(id)!);
    const down = checkers.find((c) => c.judged && !c.up);
    let up: boolean;
    if (down) up = false;
    else if (checkers.every((c) => c.judged)) up = true;
    else up = server.provisional ?? checkers.every((c) => c.up);
    if (down || checkers.every((c) => c.judged)) server.provisional = undefined;
    if (up === server.up) return;
    server.up = up;
    server.reason = (down ?? by ?? checkers.find((c) => !c.up))?.reason ?? server.reason;
    if (quiet) return;
    const fields = { vs: server.vsId, rs: server.rsId, checker: (down ?? by)?.planned.label, reason: server.reason };
    if (up) this.log.info(fields, 'real server up');
    else this.log.warn(fields, 'real server down');
    const script = up ? server.rs.notifyUp : server.rs.notifyDown;
    if (script) this.notify(script);
    this.kick();
  }

  private notify(script: Script): void {
    try {
      void Promise.resolve(this.runScriptHook(script.command, script.user)).catch((err: unknown) => this.log.error({ script: script.command, err: String(err) }, 'notify script failed'));
    } catch (err) {
      this.log.error({ script: script.command, err: String(err) }, 'notify script failed');
    }
  }

  private async runScriptDefault(command: string, user?: string): Promise<void> {
    const r = await runScriptProcess(command, { ...(user !== undefined ? { user } : {}) });
    if (r.reason !== undefined || r.exitCode !== 0) this.log.warn({ script: command, exitCode: r.exitCode, signal: r.signal, reason: r.reason, stderr: r.stderrTail }, 'notify script failed');
  }

  // -------------------------------------------------------------------------
  // Reconciling

  /** The table should follow: run a pass soon (changes of the same moment share it). */
  private kick(): void {
    this.dirty = true;
    if (this.loop || this.retryTimer !== undefined || this.stopped || !this.config) return;
    this.loop = this.reconcileLoop().finally(() => {
      this.loop = undefined;
      if (this.dirty) this.kick();
    });
  }

  private async reconcileLoop(): Promise<void> {
    // Verdicts that come in together (one timer tick) go in one batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      // The servers themselves are the health map (up, weight): no copy of 10,000 entries per pass.
      const outcome = await this.reconciler.apply(this.config!, this.servers);
      this.report(outcome);
      if (!outcome.ok) {
        this.dirty = true;
        this.retryTimer = this.timers.setTimeout(() => {
          this.retryTimer = undefined;
          this.kick();
        }, outcome.retryInMs ?? 1000);
        return;
      }
    }
  }

  private report(outcome: ReconcileOutcome): void {
    for (const w of outcome.warnings) this.log.warn(w);
    for (const q of outcome.quorumChanges) {
      const vs = this.config!.check.virtualServers.find((v) => !v.ignored && virtualServerId(v) === q.vs);
      if (q.up) this.log.info({ vs: q.vs }, 'quorum gained');
      else this.log.warn({ vs: q.vs }, 'quorum lost');
      const script = q.up ? vs?.quorumUp : vs?.quorumDown;
      if (script) this.notify(script);
    }
    if (outcome.ok) {
      if (outcome.operations.length > 0) this.log.info({ operations: outcome.operations.length, batch: formatBatch(outcome.operations) }, 'IPVS table updated');
      return;
    }
    const f = outcome.failure!;
    this.log.error({ err: f.message, stderr: f.stderr, batch: f.input, retryInMs: outcome.retryInMs }, 'ipvsadm failed; will retry');
  }

  private armRepair(): void {
    const interval = this.options.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
    if (this.stopped || interval <= 0) return;
    this.repairTimer = this.timers.setTimeout(() => {
      this.repairTimer = undefined;
      // Drift by others shows only in the real table.
      this.reconciler.forget();
      this.kick();
      this.armRepair();
    }, interval);
  }

  private disarm(): void {
    if (this.retryTimer !== undefined) this.timers.clearTimeout(this.retryTimer);
    if (this.repairTimer !== undefined) this.timers.clearTimeout(this.repairTimer);
    this.retryTimer = undefined;
    this.repairTimer = undefined;
  }
}

function newChecker(planned: PlannedCheck): CheckerState {
  return {
    planned,
    up: !planned.spec.alpha,
    judged: false,
    reason: planned.spec.alpha ? 'alpha: down until a check succeeds' : 'not checked yet',
    checksRun: 0,
    failures: 0,
  };
}

/** What a reload adds, changes and removes, by virtual server and real server. */
function reloadSummary(
  old: KeepalivedConfig,
  next: KeepalivedConfig,
  before: ReadonlyMap<string, ServerState>,
  after: ReadonlyMap<string, ServerState>,
  oldChecks: ReadonlyMap<string, CheckerState>,
  plan: CheckPlan,
): ReloadSummary {
  const summary: ReloadSummary = { added: [], changed: [], removed: [] };
  // A virtual server's own settings (its real servers are compared one by one; their total weight with them).
  const virtualServers = (c: KeepalivedConfig): Map<string, VirtualServer> =>
    new Map(c.check.virtualServers.filter((v) => !v.ignored && v.effective).map((v) => [virtualServerId(v), v]));
  compare(virtualServers(old), virtualServers(next), 'virtual_server', summary, (a, b) =>
    sameSettings(a, b, VS_OWN_SETTINGS_IGNORE) && sameSettings(a.effective, b.effective, EFFECTIVE_IGNORE),
  );
  // Checker ids by real server, built once (a filter per server made a 10,000-server reload quadratic).
  const idsByServer = (specs: Iterable<{ server: string; id: string }>): Map<string, string[]> => {
    const by = new Map<string, string[]>();
    for (const spec of specs) {
      const list = by.get(spec.server);
      if (list) list.push(spec.id);
      else by.set(spec.server, [spec.id]);
    }
    for (const list of by.values()) list.sort();
    return by;
  };
  const idsBefore = idsByServer([...oldChecks.values()].map((c) => c.planned.spec));
  const idsAfter = idsByServer(plan.checks.map((c) => c.spec));
  compare(before, after, 'real_server', summary, (a, b) =>
    sameSettings(a.rs, b.rs, RS_OWN_SETTINGS_IGNORE) && sameSettings(idsBefore.get(a.key) ?? [], idsAfter.get(b.key) ?? []),
  );
  return summary;
}

// Compared apart: real servers one by one, their checkers by id, the total weight of a virtual server with its real servers.
const VS_OWN_SETTINGS_IGNORE: ReadonlySet<string> = new Set(['realServers', 'effective']);
const EFFECTIVE_IGNORE: ReadonlySet<string> = new Set(['totalWeight']);
const RS_OWN_SETTINGS_IGNORE: ReadonlySet<string> = new Set(['checkers']);

function compare<T>(before: ReadonlyMap<string, T>, after: ReadonlyMap<string, T>, kind: string, summary: ReloadSummary, same: (a: T, b: T) => boolean): void {
  for (const [id, now] of after) {
    const was = before.get(id);
    if (was === undefined) summary.added.push(`${kind} ${id}`);
    else if (!same(was, now)) summary.changed.push(`${kind} ${id}`);
  }
  for (const id of before.keys()) if (!after.has(id)) summary.removed.push(`${kind} ${id}`);
}
