// Which checks the checker process runs for a config: one entry per checker
// block of every real server keepalived keeps, with its timers in
// milliseconds and the key of the real server it votes on. Checkers that
// cannot run (dropped by keepalived's rules, or a type not implemented yet)
// are listed with the reason, and do not vote.
import type { CheckConfig, RealServer, VirtualServer } from '../config/model/check.js';
import type { Loc } from '../config/problems.js';
import { buildChecker, realServerPort, type CheckerContext } from './checkers/index.js';
import { formatHostPort } from './checkers/endpoint.js';
import type { Checker } from './checkers/types.js';
import type { CheckerSpec } from './schedule.js';

/** The key health is reported under: indexes into config.virtualServers[vs].realServers[rs]. */
export function realServerKey(vs: number, rs: number): string {
  return `vs${vs}/rs${rs}`;
}

export function parseRealServerKey(key: string): { vs: number; rs: number } | undefined {
  const m = /^vs(\d+)\/rs(\d+)$/.exec(key);
  return m ? { vs: Number(m[1]), rs: Number(m[2]) } : undefined;
}

export interface PlannedCheck {
  spec: CheckerSpec;
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
}

export function planChecks(config: CheckConfig, options: PlanOptions = {}): CheckPlan {
  const plan: CheckPlan = { checks: [], skipped: [] };
  config.virtualServers.forEach((vs, vsIndex) => {
    if (vs.ignored !== undefined) return;
    vs.realServers.forEach((rs, rsIndex) => {
      if (rs.ignored !== undefined) return;
      const server = realServerKey(vsIndex, rsIndex);
      rs.checkers.forEach((model, index) => {
        const label = `${model.type} ${describeRealServer(vs, rs)}`;
        if (model.dropped !== undefined) {
          plan.skipped.push({ label, loc: model.loc, reason: model.dropped });
          return;
        }
        const built = buildChecker(model, {
          vs,
          rs,
          ...(config.ssl ? { ssl: config.ssl } : {}),
          ...(options.readFile ? { readFile: options.readFile } : {}),
        });
        if (!built.ok) {
          plan.skipped.push({ label, loc: model.loc, reason: built.reason });
          return;
        }
        const t = model.resolved;
        const spec: CheckerSpec = {
          id: `${server}/c${index}`,
          server,
          delayLoopMs: t.delayLoop * 1000,
          retry: t.retry,
          delayBeforeRetryMs: t.delayBeforeRetry * 1000,
          warmupMs: t.warmup * 1000,
          alpha: model.alpha ?? rs.effective?.alpha ?? rs.alpha ?? vs.alpha,
          retryWhileDown: built.retryWhileDown,
        };
        plan.checks.push({ spec, checker: built.checker, label, loc: model.loc, notes: built.notes });
      });
    });
  });
  return plan;
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
