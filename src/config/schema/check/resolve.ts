// A checker's effective timers, as keepalived settles them after reading:
// the checker's own setting, else the real server's, else the virtual
// server's, else a default that depends on the checker type. warmup falls
// back to the checker's delay_loop, and a checker type whose default retry
// delay is 0 (DNS_CHECK) uses its delay_loop between retries.
import { CHECK_DEFAULTS, type Checker, type CheckerType, type ResolvedTimers, type TimerName, type TimerSettings, type TimerSource, type VirtualServer } from '../../model/check.js';

/** Default retries when nothing sets retry. */
const DEFAULT_RETRY: Partial<Record<CheckerType, number>> = { MISC_CHECK: 0, DNS_CHECK: 3 };
/** Default seconds between retries; 0 means "the checker's delay_loop". */
const DEFAULT_DELAY_BEFORE_RETRY: Partial<Record<CheckerType, number>> = { HTTP_GET: 3, SSL_GET: 3, DNS_CHECK: 0 };
/** Checkers without a connection have no connect_timeout. */
const NO_CONNECTION: ReadonlySet<CheckerType> = new Set(['MISC_CHECK', 'FILE_CHECK', 'BFD_CHECK']);

const SOURCES: readonly TimerSource[] = ['checker', 'real_server', 'virtual_server', 'default'];

/** Where a timer comes from, as an index in SOURCES: the first layer that sets it. */
function sourceOf(name: TimerName, checker: TimerSettings, rs: TimerSettings, vs: TimerSettings): number {
  if (checker[name] !== undefined) return 0;
  if (rs[name] !== undefined) return 1;
  if (vs[name] !== undefined) return 2;
  return 3;
}

function valueOf(name: TimerName, source: number, checker: TimerSettings, rs: TimerSettings, vs: TimerSettings): number | undefined {
  return source === 0 ? checker[name] : source === 1 ? rs[name] : source === 2 ? vs[name] : undefined;
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
  const vsTimers = vs.timers;
  const delayLoopFrom = sourceOf('delayLoop', own, rs, vsTimers);
  const retryFrom = sourceOf('retry', own, rs, vsTimers);
  const delayBeforeRetryFrom = sourceOf('delayBeforeRetry', own, rs, vsTimers);
  const warmupFrom = sourceOf('warmup', own, rs, vsTimers);
  const connectTimeoutFrom = NO_CONNECTION.has(checker.type) ? undefined : sourceOf('connectTimeout', own, rs, vsTimers);
  const delayLoop = valueOf('delayLoop', delayLoopFrom, own, rs, vsTimers) ?? CHECK_DEFAULTS.delayLoop;
  const resolved: ResolvedTimers = {
    delayLoop,
    retry: valueOf('retry', retryFrom, own, rs, vsTimers) ?? DEFAULT_RETRY[checker.type] ?? 1,
    delayBeforeRetry: valueOf('delayBeforeRetry', delayBeforeRetryFrom, own, rs, vsTimers) ?? ((DEFAULT_DELAY_BEFORE_RETRY[checker.type] ?? 1) || delayLoop),
    warmup: valueOf('warmup', warmupFrom, own, rs, vsTimers) ?? delayLoop,
    source: sharedSource(delayLoopFrom, retryFrom, delayBeforeRetryFrom, warmupFrom, connectTimeoutFrom),
  };
  if (connectTimeoutFrom !== undefined) resolved.connectTimeout = valueOf('connectTimeout', connectTimeoutFrom, own, rs, vsTimers) ?? CHECK_DEFAULTS.connectTimeout;
  return resolved;
}

/** Fills in `resolved` for every checker of the virtual server. */
export function resolveVirtualServerTimers(vs: VirtualServer): void {
  for (const rs of vs.realServers) {
    for (const checker of rs.checkers) checker.resolved = resolveCheckerTimers(checker, rs.timers, vs);
  }
}
