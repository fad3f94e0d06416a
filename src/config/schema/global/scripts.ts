// global_defs keywords about scripts: startup/shutdown scripts, notify FIFOs
// and their scripts, script_user and enable_script_security. Besides the
// values, they record the order in which keepalived settles the default
// script user (see ScriptSecuritySettings), which script security needs.
import type { GlobalDefs, NotifyFifo } from '../../model/global.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import type { KeywordHandler, ReadContext, Script } from '../types.js';
import { readScript } from '../values.js';
import { hasValue, unsigned } from './builders.js';
import { parseScriptLine } from './script-words.js';

type Handlers = Record<string, KeywordHandler<GlobalDefs>>;

/** Records that `stmt` makes keepalived settle the default script user. */
function defaultUserStep(g: GlobalDefs, stmt: Stmt, extra: { user?: string; group?: string; script?: Script } = {}): void {
  g.scriptSecurity.defaultUserSteps.push({
    keyword: keywordOf(stmt),
    loc: stmtLoc(stmt),
    securityEnabledBefore: g.scriptSecurity.enabled,
    ...extra,
  });
}

/** Reads a script keyword that may name its user after the command; records a step when it does not. */
function readOwnedScript(stmt: Stmt, g: GlobalDefs, ctx: ReadContext): Script | undefined {
  const script = readScript(stmt, ctx);
  if (!script) return undefined;
  const parsed = parseScriptLine(script.command, true);
  // An unparsable line never gets as far as choosing a user (script security reports it).
  if (parsed.ok && parsed.line.user === undefined) defaultUserStep(g, stmt, { script });
  return script;
}

function duplicate(stmt: Stmt, ctx: ReadContext, what: string): void {
  ctx.problems.error('duplicate-keyword', stmtLoc(stmt), `${what} is given twice; keepalived ignores this one`, {
    hint: `keep one '${keywordOf(stmt)}' line`,
  });
}

function startStopScript(kind: 'startup' | 'shutdown'): KeywordHandler<GlobalDefs> {
  return (stmt, g, ctx) => {
    if (g.scripts[kind] !== undefined) {
      duplicate(stmt, ctx, `${kind}_script`);
      return;
    }
    if (!hasValue(stmt, ctx, 1, 'error', 'a script path')) return;
    const script = readOwnedScript(stmt, g, ctx);
    if (script) g.scripts[kind] = script;
  };
}

function startStopTimeout(kind: 'startup' | 'shutdown'): KeywordHandler<GlobalDefs> {
  return unsigned({ min: 1, max: 1000, missing: 'error', what: 'a timeout in seconds (1 to 1000)' }, (g, seconds) => {
    if (kind === 'startup') g.scripts.startupTimeoutSec = seconds;
    else g.scripts.shutdownTimeoutSec = seconds;
  });
}

type FifoKind = 'all' | 'vrrp' | 'lvs';
const FIFO_PREFIX: Record<FifoKind, string> = { all: '', vrrp: 'vrrp_', lvs: 'lvs_' };

/** notify_fifo PATH [USER [GROUP]] (and the vrrp_ / lvs_ ones). */
function notifyFifo(kind: FifoKind): KeywordHandler<GlobalDefs> {
  return (stmt, g, ctx) => {
    const fifo: NotifyFifo = g.notifyFifos[kind];
    if (!hasValue(stmt, ctx, 1, 'error', 'a FIFO path')) return;
    if (fifo.path !== undefined) {
      duplicate(stmt, ctx, `${FIFO_PREFIX[kind]}notify_fifo`);
      return;
    }
    if (stmt.words.length > 2) {
      fifo.owner = { user: stmt.words[2].v, ...(stmt.words[3] ? { group: stmt.words[3].v } : {}) };
    } else {
      defaultUserStep(g, stmt);
    }
    fifo.path = stmt.words[1].v;
  };
}

/** notify_fifo_script COMMAND [USER [GROUP]] (and the vrrp_ / lvs_ ones). */
function notifyFifoScript(kind: FifoKind): KeywordHandler<GlobalDefs> {
  return (stmt, g, ctx) => {
    const fifo: NotifyFifo = g.notifyFifos[kind];
    if (!hasValue(stmt, ctx, 1, 'error', 'a script path')) return;
    if (fifo.script !== undefined) {
      duplicate(stmt, ctx, `${FIFO_PREFIX[kind]}notify_fifo_script`);
      return;
    }
    const script = readOwnedScript(stmt, g, ctx);
    if (script) fifo.script = script;
  };
}

const scriptUser: KeywordHandler<GlobalDefs> = (stmt, g, ctx) => {
  if (!hasValue(stmt, ctx, 1, 'error', 'a user name')) return;
  const user = stmt.words[1].v;
  const group = stmt.words[2]?.v;
  g.scriptUser = { user, ...(group !== undefined ? { group } : {}), loc: stmtLoc(stmt, 1) };
  defaultUserStep(g, stmt, { user, ...(group !== undefined ? { group } : {}) });
};

export const scriptHandlers: Handlers = {
  startup_script: startStopScript('startup'),
  startup_script_timeout: startStopTimeout('startup'),
  shutdown_script: startStopScript('shutdown'),
  shutdown_script_timeout: startStopTimeout('shutdown'),
  notify_fifo: notifyFifo('all'),
  notify_fifo_script: notifyFifoScript('all'),
  vrrp_notify_fifo: notifyFifo('vrrp'),
  vrrp_notify_fifo_script: notifyFifoScript('vrrp'),
  lvs_notify_fifo: notifyFifo('lvs'),
  lvs_notify_fifo_script: notifyFifoScript('lvs'),
  script_user: scriptUser,
  enable_script_security: (_stmt, g) => {
    g.enableScriptSecurity = true;
    g.scriptSecurity.enabled = true;
  },
};
