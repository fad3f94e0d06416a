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

type Layer = [TimerSource, TimerSettings];

function pick(layers: Layer[], name: TimerName): [number, TimerSource] | undefined {
  for (const [source, timers] of layers) {
    const v = timers[name];
    if (v !== undefined) return [v, source];
  }
  return undefined;
}

export function resolveCheckerTimers(checker: Checker, rsTimers: TimerSettings, vs: VirtualServer): ResolvedTimers {
  const layers: Layer[] = [
    ['checker', checker.timers],
    ['real_server', rsTimers],
    ['virtual_server', vs.timers],
  ];
  const source: ResolvedTimers['source'] = {};
  const value = (name: TimerName, fallback: () => number): number => {
    const found = pick(layers, name);
    source[name] = found ? found[1] : 'default';
    return found ? found[0] : fallback();
  };
  const delayLoop = value('delayLoop', () => CHECK_DEFAULTS.delayLoop);
  const resolved: ResolvedTimers = {
    delayLoop,
    retry: value('retry', () => DEFAULT_RETRY[checker.type] ?? 1),
    delayBeforeRetry: value('delayBeforeRetry', () => (DEFAULT_DELAY_BEFORE_RETRY[checker.type] ?? 1) || delayLoop),
    warmup: value('warmup', () => delayLoop),
    source,
  };
  if (!NO_CONNECTION.has(checker.type)) resolved.connectTimeout = value('connectTimeout', () => CHECK_DEFAULTS.connectTimeout);
  return resolved;
}

/** Fills in `resolved` for every checker of the virtual server. */
export function resolveVirtualServerTimers(vs: VirtualServer): void {
  for (const rs of vs.realServers) {
    for (const checker of rs.checkers) checker.resolved = resolveCheckerTimers(checker, rs.timers, vs);
  }
}
