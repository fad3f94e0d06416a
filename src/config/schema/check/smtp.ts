// SMTP_CHECK: connect, read the 220 banner, send HELO. The host { } blocks
// are deprecated (keepalived only logs that): each host is checked in turn
// with its own connection settings; timing keywords inside a host still set
// the checker's.
import type { RealServer, SmtpCheck, SmtpHost, TimerSettings } from '../../model/check.js';
import { stmtLoc, type Stmt } from '../../tree.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { hasArg, missingValue, nestedBlock } from './common.js';
import { checkConnectionEnd, checkerBase, connectedCheckerBlock, connectedCheckerKeywords, copyConnection, forgetConnection } from './checkers.js';

export const SMTP_DEFAULT_HELO = 'smtpchecker.keepalived.org';

/** A host block while it is read: its connection, and the checker-wide settings it may set. */
interface HostDraft extends SmtpHost {
  timers: TimerSettings;
  alpha?: boolean;
  logAllFailures?: boolean;
}

export const smtpHostSpec: BlockSpec<HostDraft> = { name: 'host', keywords: connectedCheckerKeywords<HostDraft>() };

function newHost(stmt: Stmt, checker: SmtpCheck, ctx: ReadContext): HostDraft {
  return { loc: stmtLoc(stmt), locs: {}, connection: copyConnection(ctx, checker.connection), timers: {} };
}

/**
 * The timing settings a host block wrote go to the checker (in the order
 * written); its connection is its own, and keepalived drops a host whose
 * link-local destination has no bind_if.
 */
function finishHost(checker: SmtpCheck, draft: HostDraft, stmt: Stmt, ctx: ReadContext): void {
  Object.assign(checker.timers, draft.timers);
  if (draft.alpha !== undefined) checker.alpha = draft.alpha;
  if (draft.logAllFailures !== undefined) checker.logAllFailures = draft.logAllFailures;
  const dropped = checkConnectionEnd(draft.connection, stmt, ctx);
  forgetConnection(ctx, draft.connection);
  if (dropped) return;
  checker.hosts.push({ loc: draft.loc, locs: draft.locs, connection: draft.connection });
}

const smtpKeywords: Record<string, KeywordHandler<SmtpCheck>> = {
  ...connectedCheckerKeywords<SmtpCheck>(),
  helo_name: (stmt, checker, ctx) => {
    if (!hasArg(stmt)) return missingValue(stmt, ctx, 'a host name', 'NAME');
    checker.heloName = stmt.words[1].v;
  },
  host: nestedBlock<SmtpCheck, HostDraft>(smtpHostSpec, newHost, finishHost),
};

export const smtpCheckSpec: BlockSpec<SmtpCheck> = { name: 'SMTP_CHECK', keywords: smtpKeywords };

export const smtpCheckKeywords: Record<string, KeywordHandler<RealServer>> = {
  SMTP_CHECK: connectedCheckerBlock<SmtpCheck>(smtpCheckSpec, (stmt) => ({
    type: 'SMTP_CHECK',
    ...checkerBase(stmt),
    connection: {},
    heloName: SMTP_DEFAULT_HELO,
    hosts: [],
  })),
};
