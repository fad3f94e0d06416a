// The builder set every checker block shares: connection keywords
// (connect_ip, connect_port, bindto, bind_port, bind_if, fwmark), timing
// keywords, alpha and log_all_failures; creating a checker node; and the
// end-of-block connection check. Per-checker modules add their own keywords.
import type { Family, IpAddress } from '../../ip.js';
import type { Checker, ConnectionOptions, RealServer, ResolvedTimers, TimerSettings } from '../../model/check.js';
import { CHECK_DEFAULTS } from '../../model/check.js';
import type { Loc } from '../../problems.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import { perReadMap } from '../per-read.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { blockEndLoc, hasArg, isLinkLocal, missingValue, nestedBlock, parseInetAddress, readFlag, readUnsigned, requireArg, UINT_MAX } from './common.js';
import { timerKeywords } from './timers.js';

/** What keepalived knows about a checker connection while reading it. */
interface ConnectionState {
  /** Destination so far: the real server, or connect_ip; null once keepalived cleared it. */
  dst: IpAddress | null;
  /** Family of a valid bindto. */
  bindFamily?: Family;
}

/** The reading state of each connection. */
const statesOf = perReadMap<ConnectionOptions, ConnectionState>();

/** Starts reading a connection whose destination defaults to `rsAddress`. */
export function startConnection(ctx: ReadContext, connection: ConnectionOptions, rsAddress: IpAddress): void {
  statesOf(ctx).set(connection, { dst: rsAddress });
}

/**
 * The connection's block has ended: its reading state is not needed any more
 * (kept, the states of 10^4 checkers would fill a map that outlives the read).
 */
export function forgetConnection(ctx: ReadContext, connection: ConnectionOptions): void {
  statesOf(ctx).delete(connection);
}

/** A copy of a connection being read, with its reading state (an SMTP host starts as its checker). */
export function copyConnection(ctx: ReadContext, connection: ConnectionOptions): ConnectionOptions {
  const copy = { ...connection };
  statesOf(ctx).set(copy, { ...stateOf(ctx, connection) });
  return copy;
}

function stateOf(ctx: ReadContext, connection: ConnectionOptions): ConnectionState {
  const states = statesOf(ctx);
  let state = states.get(connection);
  if (!state) {
    state = { dst: null };
    states.set(connection, state);
  }
  return state;
}

interface Connected {
  connection: ConnectionOptions;
}

function readCheckerAddress(stmt: Stmt, ctx: ReadContext): IpAddress | undefined {
  const text = requireArg(stmt, ctx, 1, 'an IP address');
  if (text === undefined) return undefined;
  const ip = parseInetAddress(text);
  if (!ip) {
    ctx.problems.error('invalid-address', stmtLoc(stmt, 1), `'${keywordOf(stmt)}' needs an IPv4 or IPv6 address, not '${text}'`, {
      hint: 'the setting is ignored',
    });
  }
  return ip;
}

function familyName(f: Family): string {
  return f === 4 ? 'IPv4' : 'IPv6';
}

/** connect_ip, connect_port, bindto, bind_port, bind_if, fwmark. */
export function connectionKeywords<T extends Connected>(): Record<string, KeywordHandler<T>> {
  return {
    connect_ip: (stmt, target, ctx) => {
      const state = stateOf(ctx, target.connection);
      const ip = readCheckerAddress(stmt, ctx);
      if (!ip) {
        state.dst = null;
        return;
      }
      if (state.bindFamily !== undefined && state.bindFamily !== ip.family) {
        ctx.problems.error('family-mismatch', stmtLoc(stmt, 1), `connect_ip ${ip.address} is ${familyName(ip.family)} but bindto is ${familyName(state.bindFamily)}`, {
          hint: 'use addresses of the same family; keepalived ignores this connect_ip',
        });
        state.dst = null;
        delete target.connection.connectIp;
        return;
      }
      state.dst = ip;
      target.connection.connectIp = ip;
    },
    connect_port: (stmt, target, ctx) => {
      const port = readUnsigned(stmt, ctx, 1, { min: 1, max: 65535 });
      if (port !== undefined) target.connection.connectPort = port;
    },
    bindto: (stmt, target, ctx) => {
      const state = stateOf(ctx, target.connection);
      const ip = readCheckerAddress(stmt, ctx);
      if (!ip) {
        delete state.bindFamily;
        return;
      }
      if (state.dst && state.dst.family !== ip.family) {
        ctx.problems.error('family-mismatch', stmtLoc(stmt, 1), `bindto ${ip.address} is ${familyName(ip.family)} but the checker connects to ${familyName(state.dst.family)} ${state.dst.address}`, {
          hint: 'bind to an address of the family the check connects to; keepalived ignores this bindto',
        });
        delete state.bindFamily;
        return;
      }
      state.bindFamily = ip.family;
      target.connection.bindTo = ip;
    },
    bind_port: (stmt, target, ctx) => {
      const port = readUnsigned(stmt, ctx, 1, { min: 1, max: 65535 });
      if (port !== undefined) target.connection.bindPort = port;
    },
    bind_if: (stmt, target, ctx) => {
      const name = requireArg(stmt, ctx, 1, 'an interface name');
      if (name === undefined) return;
      if (name.length > 15) {
        ctx.problems.error('invalid-value', stmtLoc(stmt, 1), `interface name '${name}' is longer than 15 characters`, { hint: 'the setting is ignored' });
        return;
      }
      target.connection.bindIf = name;
    },
    fwmark: (stmt, target, ctx) => {
      const mark = readUnsigned(stmt, ctx, 1, { min: 0, max: UINT_MAX });
      if (mark !== undefined) target.connection.fwmark = mark;
    },
  };
}

/** The settings the common keywords write, on a checker or an SMTP host draft. */
export interface CommonTarget {
  timers: TimerSettings;
  alpha?: boolean;
  logAllFailures?: boolean;
}

function flag<T extends CommonTarget>(field: 'alpha' | 'logAllFailures'): KeywordHandler<T> {
  return (stmt, target, ctx) => {
    const value = readFlag(stmt, ctx);
    if (value !== undefined) target[field] = value;
  };
}

/** Timing keywords plus alpha and log_all_failures (MISC_CHECK has these without a connection). */
export function checkerCommonKeywords<T extends CommonTarget>(options: { connectTimeout: boolean }): Record<string, KeywordHandler<T>> {
  return {
    ...timerKeywords<T>('checker', { connectTimeout: options.connectTimeout }),
    alpha: flag<T>('alpha'),
    log_all_failures: flag<T>('logAllFailures'),
    nb_get_retry: nbGetRetry<T>(),
  };
}

/**
 * keepalived 1.x's name for retry. 2.2.7 still takes it in HTTP_GET/SSL_GET
 * (with a deprecation warning) and calls it unknown elsewhere; both are
 * exit 5. We read it as retry everywhere, so an old config keeps working.
 */
function nbGetRetry<T extends CommonTarget>(): KeywordHandler<T> {
  return (stmt, checker, ctx) => {
    const value = stmt.words[1]?.v ?? 'N';
    ctx.problems.warning('deprecated-keyword', stmtLoc(stmt), "'nb_get_retry' is keepalived 1.x's name for 'retry'; it is read as 'retry'", {
      hint: `write 'retry ${value}' (keepalived 2.x calls nb_get_retry unknown outside HTTP_GET/SSL_GET)`,
    });
    // Without a value: HTTP_GET/SSL_GET stop reading before we get here (missing-value.ts);
    // elsewhere keepalived has no such keyword and goes on (exit 5), so no abort here either.
    if (!hasArg(stmt)) return missingValue(stmt, ctx, 'a number of retries', 'N');
    const retry = readUnsigned(stmt, ctx, 1, { min: 0, max: UINT_MAX });
    if (retry !== undefined) checker.timers.retry = retry;
  };
}

/** Everything a checker with a connection shares. */
export function connectedCheckerKeywords<T extends CommonTarget & Connected>(): Record<string, KeywordHandler<T>> {
  return { ...connectionKeywords<T>(), ...checkerCommonKeywords<T>({ connectTimeout: true }) };
}

/** Placeholder until resolve.ts puts the effective timers in its place (one shared object: it is never changed). */
export const UNRESOLVED_TIMERS: ResolvedTimers = Object.freeze({ delayLoop: CHECK_DEFAULTS.delayLoop, retry: 1, delayBeforeRetry: 1, warmup: 0, source: Object.freeze({}) });

/** The fields every checker node starts with. */
export function checkerBase(stmt: Stmt): { loc: Loc; locs: Record<string, Loc>; timers: TimerSettings; resolved: ResolvedTimers } {
  return { loc: stmtLoc(stmt), locs: {}, timers: {}, resolved: UNRESOLVED_TIMERS };
}

/**
 * keepalived's end-of-checker check: an IPv6 link-local destination needs
 * bind_if, else the checker is dropped. Reported at the block's end.
 */
export function checkConnectionEnd(connection: ConnectionOptions, stmt: Stmt, ctx: ReadContext): string | undefined {
  const dst = stateOf(ctx, connection).dst;
  if (dst && isLinkLocal(dst) && connection.bindIf === undefined) {
    ctx.problems.error('link-local-needs-bind-if', blockEndLoc(stmt), `${keywordOf(stmt)} connects to link-local address ${dst.address} but has no bind_if`, {
      hint: 'add bind_if with the interface that reaches it; keepalived drops this checker',
    });
    return 'link-local destination without bind_if';
  }
  return undefined;
}

/**
 * The real_server keyword handler for a checker block: creates the node
 * (which may see the real server), reads the block, lets `finish` make the
 * end-of-block checks, and adds the checker to the real server.
 */
export function checkerBlock<C extends Checker>(
  spec: BlockSpec<C>,
  create: (stmt: Stmt, rs: RealServer, ctx: ReadContext) => C,
  finish?: (checker: C, stmt: Stmt, rs: RealServer, ctx: ReadContext) => void,
): KeywordHandler<RealServer> {
  return nestedBlock<RealServer, C>(spec, create, (rs, checker, stmt, ctx) => {
    finish?.(checker, stmt, rs, ctx);
    rs.checkers.push(checker);
  });
}

export interface EndChecks<C> {
  /** Runs before the connection check; may drop the checker (HTTP_GET without url). */
  before?: (checker: C, stmt: Stmt, rs: RealServer, ctx: ReadContext) => void;
  /** Runs after a passed connection check. */
  after?: (checker: C, stmt: Stmt, rs: RealServer, ctx: ReadContext) => void;
}

/**
 * checkerBlock for a checker with a connection: the destination starts as
 * the real server, and the link-local check runs when the block ends, in
 * keepalived's order with the checker's own end checks.
 */
export function connectedCheckerBlock<C extends Checker & Connected>(
  spec: BlockSpec<C>,
  create: (stmt: Stmt, rs: RealServer) => C,
  end: EndChecks<C> = {},
): KeywordHandler<RealServer> {
  return checkerBlock<C>(
    spec,
    (stmt, rs, ctx) => {
      const checker = create(stmt, rs);
      startConnection(ctx, checker.connection, rs.address);
      return checker;
    },
    (checker, stmt, rs, ctx) => {
      finishConnectedChecker(checker, stmt, rs, ctx, end);
      forgetConnection(ctx, checker.connection);
    },
  );
}

function finishConnectedChecker<C extends Checker & Connected>(checker: C, stmt: Stmt, rs: RealServer, ctx: ReadContext, end: EndChecks<C>): void {
  end.before?.(checker, stmt, rs, ctx);
  if (checker.dropped) return;
  const dropped = checkConnectionEnd(checker.connection, stmt, ctx);
  if (dropped) checker.dropped = dropped;
  else end.after?.(checker, stmt, rs, ctx);
}
