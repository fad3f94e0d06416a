// Which checks the checker process runs for a config: one entry per checker
// block of every real server keepalived keeps, with its timers in
// milliseconds and the key of the real server it votes on. Checkers that
// cannot run (dropped by keepalived's rules, or a type not implemented yet)
// are listed with the reason, and do not vote.
//
// Names survive reloads: a real server is keyed by realServerKey() (its
// virtual server's identity and its own address:port, see ipvs/server-id.ts),
// and a checker by its real server plus a fingerprint of everything that
// decides how it runs, so an unchanged checker block keeps its id (and its
// state) while a changed one gets a new id.
import { createHash } from 'node:crypto';
import type { CheckConfig, Checker as CheckerModel, RealServer, VirtualServer } from '../config/model/check.js';
import type { Loc } from '../config/problems.js';
import { realServerKey, serverId, virtualServerId } from '../ipvs/server-id.js';
import { buildChecker, realServerPort, type CheckerContext } from './checkers/index.js';
import { formatHostPort } from './checkers/endpoint.js';
import type { Checker } from './checkers/types.js';
import type { CheckerSpec } from './schedule.js';

export interface PlannedCheck {
  /** spec.server is the real server's realServerKey(); spec.id is stable while the checker block is unchanged. */
  spec: CheckerSpec;
  /** virtualServerId() and serverId() of the real server checked, for logs. */
  vs: string;
  rs: string;
  checker: Checker;
  /** e.g. `TCP_CHECK 198.51.100.21:80 of VS 198.51.100.50:80`. */
  label: string;
  loc: Loc;
  /** Settings accepted but not applied (e.g. bind_if). */
  notes: string[];
}

export interface SkippedCheck {
  label: string;
  loc: Loc;
  reason: string;
}

export interface CheckPlan {
  checks: PlannedCheck[];
  skipped: SkippedCheck[];
}

export interface PlanOptions {
  readFile?: CheckerContext['readFile'];
  /** The config's track_file blocks (config.vrrp.trackFiles): FILE_CHECK watches them. */
  trackFiles?: CheckerContext['trackFiles'];
  /**
   * A reload: the planned checks running now, by id. A checker whose id is
   * among them (its block did not change) is taken as it is, not built
   * again: a reload of 10,000 real servers otherwise built 10,000 checkers
   * only to throw them away, all held at once on top of two configs.
   */
  running?: (id: string) => PlannedCheck | undefined;
}

/**
 * Checker types whose build depends on more than what their id fingerprints
 * (MISC_CHECK: whether the script can run now; FILE_CHECK: the track_file
 * blocks): built anew at every reload, as the build may now fail.
 */
const BUILT_FROM_OUTSIDE: ReadonlySet<string> = new Set(['MISC_CHECK', 'FILE_CHECK']);

export function planChecks(config: CheckConfig, options: PlanOptions = {}): CheckPlan {
  const plan: CheckPlan = { checks: [], skipped: [] };
  const ids = new Set<string>();
  for (const vs of config.virtualServers) {
    if (vs.ignored !== undefined) continue;
    for (const rs of vs.realServers) {
      if (rs.ignored !== undefined) continue;
      const server = realServerKey(vs, rs);
      for (const model of rs.checkers) {
        if (model.dropped !== undefined) {
          plan.skipped.push({ label: checkerLabel(model, vs, rs), loc: model.loc, reason: model.dropped });
          continue;
        }
        const alpha = model.alpha ?? rs.effective?.alpha ?? rs.alpha ?? vs.alpha;
        const id = uniqueId(ids, `${server} / ${model.type} ${checkerFingerprint(config, vs, rs, model, alpha)}`);
        const running = BUILT_FROM_OUTSIDE.has(model.type) ? undefined : options.running?.(id);
        if (running) {
          ids.add(id);
          plan.checks.push(running);
          continue;
        }
        const built = buildChecker(model, {
          vs,
          rs,
          ...(config.ssl ? { ssl: config.ssl } : {}),
          ...(options.readFile ? { readFile: options.readFile } : {}),
          ...(options.trackFiles ? { trackFiles: options.trackFiles } : {}),
        });
        const label = checkerLabel(model, vs, rs);
        if (!built.ok) {
          plan.skipped.push({ label, loc: model.loc, reason: built.reason });
          continue;
        }
        ids.add(id);
        const t = model.resolved;
        const spec: CheckerSpec = {
          id,
          server,
          // A checker type's own timing (FILE_CHECK polls its file) wins over the timers.
          delayLoopMs: built.timing?.delayLoopMs ?? t.delayLoop * 1000,
          retry: built.timing?.retry ?? t.retry,
          delayBeforeRetryMs: t.delayBeforeRetry * 1000,
          warmupMs: t.warmup * 1000,
          alpha,
          retryWhileDown: built.retryWhileDown,
        };
        plan.checks.push({ spec, vs: virtualServerId(vs), rs: serverId(rs), checker: built.checker, label, loc: model.loc, notes: built.notes });
      }
    }
  }
  return plan;
}

/** Two identical checker blocks on one real server: the second gets `#2`, and so on. `ids`: those of the checks planned so far (skipped ones take none). */
function uniqueId(ids: ReadonlySet<string>, base: string): string {
  let id = base;
  for (let n = 2; ids.has(id); n++) id = `${base}#${n}`;
  return id;
}

/**
 * Eight hex digits over what decides how a checker runs: its block (without
 * source locations, and resolved timers by value, not by where they were
 * written) and what it takes from its servers and the ssl block.
 */
export function checkerFingerprint(config: CheckConfig, vs: VirtualServer, rs: RealServer, model: CheckerModel, alpha: boolean): string {
  const inputs = {
    // Timers by their resolved values only.
    model: { ...model, timers: undefined },
    alpha,
    port: realServerPort(vs, rs),
    virtualhost: [rs.virtualhost, vs.virtualhost],
    ssl: model.type === 'SSL_GET' ? config.ssl : undefined,
  };
  return fingerprintOf(inputs);
}

/** Eight hex digits that change when a setting in `value` changes, and not when only where it was written does. */
export function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 8);
}

/** Keys that say where something was written, not what: source locations, and which level a timer came from. */
const WHERE_WRITTEN = new Set(['loc', 'locs', 'source']);

/**
 * Whether two model values say the same thing: what fingerprintOf compares,
 * without building strings (a reload compares every real server).
 * `ignore`: keys of the two top-level objects to leave out.
 */
export function sameSettings(a: unknown, b: unknown, ignore?: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameSettings(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let unmatched = 0;
  for (const key in x) {
    if (!isSetting(key, x[key], ignore)) continue;
    if (!sameSettings(x[key], y[key])) return false;
    unmatched++;
  }
  for (const key in y) if (isSetting(key, y[key], ignore)) unmatched--;
  return unmatched === 0;
}

function isSetting(key: string, value: unknown, ignore: ReadonlySet<string> | undefined): boolean {
  return value !== undefined && !WHERE_WRITTEN.has(key) && !(ignore?.has(key) ?? false);
}

/**
 * JSON with sorted keys, without WHERE_WRITTEN. Built by concatenation, with
 * no array of entries per object: it runs over every checker at each reload
 * (at 10,000 real servers the entries version was two thirds of planChecks).
 */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + stableJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = sortedInPlace(Object.keys(record));
  let out = '{';
  for (const key of keys) {
    const v = record[key];
    if (v === undefined || WHERE_WRITTEN.has(key)) continue;
    out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + stableJson(v);
  }
  return `${out}}`;
}

/** `HTTP_GET 198.51.100.21:80 of VS 198.51.100.50:80`. */
function checkerLabel(model: CheckerModel, vs: VirtualServer, rs: RealServer): string {
  return `${model.type} ${describeRealServer(vs, rs)}`;
}

/** `198.51.100.21:80 of VS 198.51.100.50:80` (fwmark / group services by name). */
export function describeRealServer(vs: VirtualServer, rs: RealServer): string {
  const service =
    vs.key.kind === 'address'
      ? formatHostPort(vs.key.address.address, vs.key.port)
      : vs.key.kind === 'fwmark'
        ? `fwmark ${vs.key.fwmark}`
        : `group ${vs.key.group}`;
  return `${formatHostPort(rs.address.address, realServerPort(vs, rs))} of VS ${service}`;
}

/** Insertion sort: a model object has a few keys, and Array.prototype.sort allocated a work copy for each (a third of a reload's fingerprint garbage). */
function sortedInPlace(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}
