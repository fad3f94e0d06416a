// MISC_CHECK: run a script; its exit status is the verdict (check_misc.c).
// Exit 0 is up. With misc_dynamic, exit 2..255 is up too and sets the real
// server's weight to status - 2 (0..253); exit 1 is down. Without it every
// non-zero status is down. A script that outlives misc_timeout (default: the
// checker's delay_loop) gets SIGTERM, then SIGKILL 2 s later, with its whole
// process group, and counts as a failure; so does death by a signal.
//
// A script that does not exist or cannot be executed is not run at all:
// keepalived disables such a checker at start-up and the real server keeps
// its other checkers' verdict (up, when it has none). That decision is made
// when the checker is built (see index.ts, miscScriptProblem()).
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { runScript, type ScriptResult } from '../../exec/run-script.js';
import { attemptSignal } from './abort.js';
import type { Checker, CheckResult } from './types.js';

export interface MiscCheckOptions {
  /** The script line as written, for messages. */
  command: string;
  /** The line split into argv (keepalived's splitting). */
  argv: readonly string[];
  timeoutMs: number;
  /** misc_dynamic. */
  dynamic: boolean;
  user?: string;
  group?: string;
}

/** The verdict keepalived draws from a finished script. */
export function miscVerdict(r: ScriptResult, o: Pick<MiscCheckOptions, 'command' | 'dynamic' | 'timeoutMs'>): CheckResult {
  const where = `MISC ${o.command}`;
  if (r.reason !== undefined) return { ok: false, reason: `${where}: ${r.reason}` };
  if (r.aborted) return { ok: false, reason: `${where}: aborted` };
  if (r.timedOut) return { ok: false, reason: `${where}: timed out after ${o.timeoutMs} ms (killed with ${r.signal ?? 'SIGTERM'})` };
  if (r.signal !== undefined) return { ok: false, reason: `${where}: killed by ${r.signal}${lastLine(r.stderrTail)}` };
  const status = r.exitCode ?? -1;
  if (status === 0) return { ok: true, reason: `${where}: exit 0` };
  if (o.dynamic && status >= 2 && status <= 255) return { ok: true, reason: `${where}: exit ${status}, weight ${status - 2}`, weight: status - 2 };
  return { ok: false, reason: `${where}: exited with status ${status}${lastLine(r.stderrTail)}` };
}

function lastLine(stderr: string): string {
  const line = stderr.trimEnd().split('\n').pop()?.trim();
  return line ? ` (stderr: ${line.length > 200 ? `${line.slice(0, 200)}...` : line})` : '';
}

/**
 * Why keepalived would not run this script (it removes the checker), or
 * undefined when it can: found (directly, or through PATH for a bare name),
 * a regular file, executable.
 */
export function miscScriptProblem(file: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = isAbsolute(file) || file.includes('/') ? [file] : path.split(delimiter).filter(Boolean).map((d) => join(d, file));
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      accessSync(c, constants.X_OK);
      return undefined;
    } catch {
      // Try the next directory.
    }
  }
  return `${file} is not found or not executable`;
}

export class MiscChecker implements Checker {
  readonly type = 'MISC_CHECK';
  readonly target: string;

  constructor(private readonly options: MiscCheckOptions) {
    this.target = options.command;
  }

  async run(signal: AbortSignal): Promise<CheckResult> {
    const o = this.options;
    // The script runner listens on its signal: give it one of this attempt's own.
    const attempt = attemptSignal(signal);
    try {
      const r = await runScript(o.argv, {
        timeoutMs: o.timeoutMs,
        signal: attempt.signal,
        ...(o.user !== undefined ? { user: o.user } : {}),
        ...(o.group !== undefined ? { group: o.group } : {}),
      });
      return miscVerdict(r, o);
    } finally {
      attempt.release();
    }
  }
}
