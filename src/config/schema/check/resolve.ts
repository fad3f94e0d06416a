// A checker's effective timers, as keepalived settles them after reading:
// the checker's own setting, else the real server's, else the virtual
// server's, else a default that depends on the checker type. warmup falls
// back to the checker's delay_loop, and a checker type whose default retry
// delay is 0 (DNS_CHECK) uses its delay_loop between retries.
import { CHECK_DEFAULTS, type Checker, type CheckerType, type ResolvedTimers, type TimerSettings, type TimerSource, type VirtualServer } from '../../model/check.js';

/** Default retries when nothing sets retry. */
const DEFAULT_RETRY: Partial<Record<CheckerType, number>> = { MISC_CHECK: 0, DNS_CHECK: 3 };
/** Default seconds between retries; 0 means "the checker's delay_loop". */
const DEFAULT_DELAY_BEFORE_RETRY: Partial<Record<CheckerType, number>> = { HTTP_GET: 3, SSL_GET: 3, DNS_CHECK: 0 };
/** Checkers without a connection have no connect_timeout. */
const NO_CONNECTION: ReadonlySet<CheckerType> = new Set(['MISC_CHECK', 'FILE_CHECK', 'BFD_CHECK']);

const SOURCES: readonly TimerSource[] = ['checker', 'real_server', 'virtual_server', 'default'];

// The layers are read field by field (checker.delayLoop, rs.delayLoop, ...)
// rather than by a variable key: a read by a key that changes at every call
// is a slow lookup, and this runs for each of 10^4-10^5 checkers.

/** Where a timer comes from, as an index in SOURCES: the first layer that sets it. */
function sourceOf(checker: number | undefined, rs: number | undefined, vs: number | undefined): number {
  return checker !== undefined ? 0 : rs !== undefined ? 1 : vs !== undefined ? 2 : 3;
}

/** The value of the layer `source` names (undefined for the default). */
function valueOf(source: number, checker: number | undefined, rs: number | undefined, vs: number | undefined): number | undefined {
  return source === 0 ? checker : source === 1 ? rs : source === 2 ? vs : undefined;
}

/**
 * One shared, frozen `source` record per combination: a large config has
 * tens of thousands of checkers and nearly all share the same few.
 */
const sourceRecords = new Map<number, Readonly<ResolvedTimers['source']>>();

function sharedSource(delayLoop: number, retry: number, delayBeforeRetry: number, warmup: number, connectTimeout: number | undefined): Readonly<ResolvedTimers['source']> {
  const key = delayLoop + 4 * retry + 16 * delayBeforeRetry + 64 * warmup + 256 * (connectTimeout ?? 4);
  let shared = sourceRecords.get(key);
  if (!shared) {
    const record: ResolvedTimers['source'] = { delayLoop: SOURCES[delayLoop], retry: SOURCES[retry], delayBeforeRetry: SOURCES[delayBeforeRetry], warmup: SOURCES[warmup] };
    if (connectTimeout !== undefined) record.connectTimeout = SOURCES[connectTimeout];
    shared = Object.freeze(record);
    sourceRecords.set(key, shared);
  }
  return shared;
}

export function resolveCheckerTimers(checker: Checker, rs: TimerSettings, vs: VirtualServer): ResolvedTimers {
  const own = checker.timers;
  const v = vs.timers;
  const delayLoopFrom = sourceOf(own.delayLoop, rs.delayLoop, v.delayLoop);
  const retryFrom = sourceOf(own.retry, rs.retry, v.retry);
  const delayBeforeRetryFrom = sourceOf(own.delayBeforeRetry, rs.delayBeforeRetry, v.delayBeforeRetry);
  const warmupFrom = sourceOf(own.warmup, rs.warmup, v.warmup);
  const connectTimeoutFrom = NO_CONNECTION.has(checker.type) ? undefined : sourceOf(own.connectTimeout, rs.connectTimeout, v.connectTimeout);
  const delayLoop = valueOf(delayLoopFrom, own.delayLoop, rs.delayLoop, v.delayLoop) ?? CHECK_DEFAULTS.delayLoop;
  const resolved: ResolvedTimers = {
    delayLoop,
    retry: valueOf(retryFrom, own.retry, rs.retry, v.retry) ?? DEFAULT_RETRY[checker.type] ?? 1,
    delayBeforeRetry: valueOf(delayBeforeRetryFrom, own.delayBeforeRetry, rs.delayBeforeRetry, v.delayBeforeRetry) ?? ((DEFAULT_DELAY_BEFORE_RETRY[checker.type] ?? 1) || delayLoop),
    warmup: valueOf(warmupFrom, own.warmup, rs.warmup, v.warmup) ?? delayLoop,
    source: sharedSource(delayLoopFrom, retryFrom, delayBeforeRetryFrom, warmupFrom, connectTimeoutFrom),
  };
  if (connectTimeoutFrom !== undefined) resolved.connectTimeout = valueOf(connectTimeoutFrom, own.connectTimeout, rs.connectTimeout, v.connectTimeout) ?? CHECK_DEFAULTS.connectTimeout;
  return resolved;
}

/** Fills in `resolved` for every checker of the virtual server. */
export function resolveVirtualServerTimers(vs: VirtualServer): void {
  for (const rs of vs.realServers) {
    for (const checker of rs.checkers) checker.resolved = resolveCheckerTimers(checker, rs.timers, vs);
  }
}
