// delay_loop, retry, delay_before_retry, warmup, connect_timeout: the timing
// keywords that virtual_server, real_server and the checkers share (a
// checker inherits what it does not set, see resolve.ts). Ranges are
// keepalived 2.2.7's; retry may be 0 only in a checker.
import type { TimerSettings } from '../../model/check.js';
import type { Stmt } from '../../tree.js';
import type { KeywordHandler, ReadContext } from '../types.js';
import { CONNECT_TIMEOUT_MAX_SECONDS, ONE_MICROSECOND, readTimer, readUnsigned, TIMER_MAX_SECONDS, UINT_MAX } from './common.js';

export type TimerLevel = 'virtual_server' | 'real_server' | 'checker';

interface Timed {
  timers: TimerSettings;
}

type Reader = (stmt: Stmt, ctx: ReadContext) => number | undefined;

function timer(min: number, max: number): Reader {
  const range = { min, max };
  return (stmt, ctx) => readTimer(stmt, ctx, 1, range);
}

/**
 * Writes one timer. A function per timer, not `timers[name] = value` with
 * the name as a variable: that one store would see every timer's name and
 * become a slow generic lookup, in blocks read 10^4-10^5 times.
 */
type Write = (timers: TimerSettings, value: number) => void;

function setter<T extends Timed>(write: Write, read: Reader): KeywordHandler<T> {
  return (stmt, target, ctx) => {
    const value = read(stmt, ctx);
    if (value !== undefined) write(target.timers, value);
  };
}

/** The five timing keywords for a block at `level`. */
export function timerKeywords<T extends Timed>(level: TimerLevel, options: { connectTimeout?: boolean } = {}): Record<string, KeywordHandler<T>> {
  const retryRange = { min: level === 'checker' ? 0 : 1, max: UINT_MAX };
  const keywords: Record<string, KeywordHandler<T>> = {
    delay_loop: setter((t, v) => (t.delayLoop = v), timer(ONE_MICROSECOND, TIMER_MAX_SECONDS)),
    delay_before_retry: setter((t, v) => (t.delayBeforeRetry = v), timer(0, TIMER_MAX_SECONDS)),
    warmup: setter((t, v) => (t.warmup = v), timer(0, TIMER_MAX_SECONDS)),
    retry: setter((t, v) => (t.retry = v), (stmt, ctx) => readUnsigned(stmt, ctx, 1, retryRange)),
  };
  if (options.connectTimeout ?? true) keywords.connect_timeout = setter((t, v) => (t.connectTimeout = v), timer(ONE_MICROSECOND, CONNECT_TIMEOUT_MAX_SECONDS));
  return keywords;
}
