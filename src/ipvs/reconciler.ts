// Keeps the live IPVS table equal to what the config and the real servers'
// health ask for: a pass computes the desired table, diffs it with the table
// as it stands, and applies the difference as one `ipvsadm -R`. The table is
// read (`ipvsadm -Sn`) on the first pass, after a failure and on repair();
// otherwise it is the one our last batch left, so a change costs one process. It
// remembers what it owns (so it removes only that, and leaves others' entries
// alone) and the quorum state of each virtual server between passes.
//
// Entries that already exist and match are adopted as they are (the diff
// only adds what is missing). A failed ipvsadm run is returned with its
// stderr and a retry delay that grows with each failure; nothing here throws
// for what ipvsadm does. Passes never overlap: a call made while one runs
// waits for it.
import type { KeepalivedConfig } from '../config/model/index.js';
import { desiredFrom, desiredLayout, type DesiredLayout } from './desired.js';
import { applyOperations, diffTables, teardownOperations, type IpvsOperation } from './diff.js';
import type { HealthMap, QuorumState, QuorumStates } from './health-view.js';
import type { Ipvsadm, IpvsadmFailure } from './ipvsadm.js';
import { destinationId, serviceKeyText, usesThresholds, type IpvsTable, type TableKeys } from './table.js';

export interface ReconcileOutcome {
  ok: boolean;
  /** The operations applied (or attempted, when the batch failed). */
  operations: IpvsOperation[];
  /** ipvsadm processes this pass started: reads and the batch (0 or 1). */
  processes: number;
  /** The failed run, with ipvsadm's stderr. */
  failure?: IpvsadmFailure;
  /** After a failure: when to try again. */
  retryInMs?: number;
  /** Virtual servers (by virtualServerId) whose quorum changed in this pass. */
  quorumChanges: Array<{ vs: string; up: boolean }>;
  /** What the config asks for that cannot be done (desired.ts), new in this pass. */
  warnings: string[];
}

export interface ReconcilerStats {
  /** Passes that read the table. */
  reads: number;
  /** `ipvsadm -R` batches run. */
  batches: number;
  /** Every ipvsadm process started. */
  processes: number;
  /** Operations applied in successful batches. */
  operations: number;
  /** Failed passes (read or batch). */
  errors: number;
  lastError?: string;
}

export interface ReconcilerOptions {
  /** First retry delay after a failure; it doubles with each failure in a row. Default 1 s. */
  retryMinMs?: number;
  /** Default 30 s. */
  retryMaxMs?: number;
}

const NOTHING: TableKeys = { services: new Set(), destinations: new Set() };

function union(a: TableKeys, b: TableKeys): TableKeys {
  // Mostly one holds the other (what we own is what the config describes): no copies of 10,000 keys then.
  if (contains(b, a)) return b;
  if (contains(a, b)) return a;
  return { services: new Set([...a.services, ...b.services]), destinations: new Set([...a.destinations, ...b.destinations]) };
}

function contains(outer: TableKeys, inner: TableKeys): boolean {
  if (outer === inner) return true;
  if (inner.services.size > outer.services.size || inner.destinations.size > outer.destinations.size) return false;
  for (const s of inner.services) if (!outer.services.has(s)) return false;
  for (const d of inner.destinations) if (!outer.destinations.has(d)) return false;
  return true;
}

/**
 * What may be deleted: the owned entries, except that a service holding
 * destinations we do not own is not deleted whole (that would take them
 * along); only our destinations in it are.
 */
export function deletable(live: IpvsTable, owned: TableKeys): TableKeys {
  // The services are made when asked for: the diff asks only about services no longer wanted (rare), and a pass at 10,000 destinations need not look at all of them.
  let services: Set<string> | undefined;
  const deletableServices = (): Set<string> => {
    services = new Set(owned.services);
    for (const s of live.services) {
      if (s.destinations.some((d) => !owned.destinations.has(destinationId(s.key, d)))) services.delete(serviceKeyText(s.key));
    }
    return services;
  };
  return {
    get services() {
      return services ?? deletableServices();
    },
    destinations: owned.destinations,
  };
}

export class IpvsReconciler {
  private ownedKeys: TableKeys = NOTHING;
  private quorumStates: QuorumStates = new Map();
  private last: { config: KeepalivedConfig; health: HealthMap } | undefined;
  /** What the config alone decides, made once per config (a pass per change of health reuses it). */
  private layout: { config: KeepalivedConfig; layout: DesiredLayout } | undefined;
  /**
   * The table as it is after our last successful batch (the one read, with
   * our operations applied): the next change is diffed against it, so it
   * costs one ipvsadm process, not a read of the whole table first. Dropped
   * after any failure; repair() and the first pass read the real one.
   */
  private known: IpvsTable | undefined;
  private failuresInRow = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly warned = new Set<string>();
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  readonly stats: ReconcilerStats = { reads: 0, batches: 0, processes: 0, operations: 0, errors: 0 };

  constructor(
    readonly adapter: Ipvsadm,
    options: ReconcilerOptions = {},
  ) {
    this.retryMinMs = options.retryMinMs ?? 1000;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
  }

  /** Services (serviceKeyText) and destinations (destinationId) this reconciler put in or adopted. */
  get owned(): TableKeys {
    return this.ownedKeys;
  }

  /** The quorum state of a virtual server (by virtualServerId) after the last pass. */
  quorum(vs: string): QuorumState | undefined {
    return this.quorumStates.get(vs);
  }

  /** The live table; a failed read counts as an error. */
  read(): Promise<{ ok: true; table: IpvsTable } | { ok: false; failure: IpvsadmFailure }> {
    return this.serial(async () => {
      const r = await this.adapter.read();
      this.stats.reads++;
      this.stats.processes++;
      if (!r.ok) this.failed(r.failure);
      return r;
    });
  }

  /** Make the table what `config` and `health` ask for. */
  apply(config: KeepalivedConfig, health: HealthMap): Promise<ReconcileOutcome> {
    this.last = { config, health };
    return this.serial(() => this.pass(config, health));
  }

  /** Repair drift: read the real table and apply the last apply() again (nothing to do before the first). */
  repair(): Promise<ReconcileOutcome> {
    const last = this.last;
    if (!last) return Promise.resolve({ ok: true, operations: [], processes: 0, quorumChanges: [], warnings: [] });
    return this.serial(() => {
      this.known = undefined;
      return this.pass(last.config, last.health);
    });
  }

  /** The next pass reads the real table (periodic drift repair). */
  forget(): void {
    this.known = undefined;
  }

  /** Remove every entry we own that is still in the table; others' entries stay. */
  teardown(): Promise<ReconcileOutcome> {
    return this.serial(async () => {
      // Deletes services: the real table, not what we remember.
      this.known = undefined;
      const live = await this.current(false);
      if (!live.ok) return this.failed(live.failure, [], live.reads);
      const operations = teardownOperations(live.table, deletable(live.table, this.ownedKeys));
      const outcome = await this.run(operations, live.reads, []);
      this.known = undefined;
      if (outcome.ok) this.ownedKeys = NOTHING;
      return outcome;
    });
  }

  private async pass(config: KeepalivedConfig, health: HealthMap): Promise<ReconcileOutcome> {
    if (this.layout?.config !== config) this.layout = { config, layout: desiredLayout(config) };
    const desired = desiredFrom(this.layout.layout, health, this.quorumStates);
    // A virtual server starts without quorum (as in keepalived), so gaining it at start is a change.
    const quorumChanges = [...desired.quorum].filter(([vs, q]) => (this.quorumStates.get(vs)?.up ?? false) !== q.up).map(([vs, q]) => ({ vs, up: q.up }));
    // The quorum is a decision about health, not about the table: it moves on even when ipvsadm fails.
    this.quorumStates = desired.quorum;
    const warnings = desired.warnings.filter((w) => !this.warned.has(w));
    for (const w of warnings) this.warned.add(w);

    // Everything the config describes is ours (adopted when it exists), and so is what we owned before.
    const owned = union(this.ownedKeys, desired.managed);
    let live = await this.current(usesThresholds(desired.table));
    let reads = live.reads;
    if (!live.ok) return { ...this.failed(live.failure, [], reads), quorumChanges, warnings };
    let diff = diffTables(live.table, desired.table, deletable(live.table, owned));
    // Deleting a whole service takes every destination in it: only on a table
    // read now, never on what we remember (someone may have added to it).
    if (live.reads === 0 && diff.operations.some((op) => op.kind === 'delete-service')) {
      this.known = undefined;
      live = await this.current(usesThresholds(desired.table));
      reads += live.reads;
      if (!live.ok) return { ...this.failed(live.failure, [], reads), quorumChanges, warnings };
      diff = diffTables(live.table, desired.table, deletable(live.table, owned));
    }
    const outcome = await this.run(diff.operations, reads, warnings);
    this.known = outcome.ok ? applyOperations(live.table, diff.operations) : undefined;
    // Left-overs of an earlier config stay ours until they are gone.
    // What we own is then what the config describes (the desired entries are among them).
    this.ownedKeys = outcome.ok ? desired.managed : owned;
    return { ...outcome, quorumChanges };
  }

  /** The table we know after our last batch, or the live one read now (`reads`: ipvsadm processes used). */
  private async current(thresholds: boolean): Promise<({ ok: true; table: IpvsTable } | { ok: false; failure: IpvsadmFailure }) & { reads: number }> {
    if (this.known) return { ok: true, table: this.known, reads: 0 };
    const live = await this.adapter.read({ thresholds });
    const reads = thresholds ? 2 : 1;
    this.stats.reads++;
    this.stats.processes += reads;
    return { ...live, reads };
  }

  private async run(operations: IpvsOperation[], reads: number, warnings: string[]): Promise<ReconcileOutcome> {
    const applied = await this.adapter.apply(operations);
    const processes = reads + (applied.ok ? applied.processes : 1);
    if (operations.length > 0) {
      this.stats.batches++;
      this.stats.processes++;
    }
    if (!applied.ok) return { ...this.failed(applied.failure, operations, processes), warnings };
    this.failuresInRow = 0;
    this.stats.operations += operations.length;
    return { ok: true, operations, processes, quorumChanges: [], warnings };
  }

  private failed(failure: IpvsadmFailure, operations: IpvsOperation[] = [], processes = 0): ReconcileOutcome {
    this.failuresInRow++;
    this.stats.errors++;
    this.stats.lastError = failure.message;
    const retryInMs = Math.min(this.retryMinMs * 2 ** (this.failuresInRow - 1), this.retryMaxMs);
    return { ok: false, operations, processes, failure, retryInMs, quorumChanges: [], warnings: [] };
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
