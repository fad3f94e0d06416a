// keepalived's respawn policy for a dead child (calc_restart_delay): a child
// that ran for more than a minute is restarted at once; one that dies sooner
// waits 1 s, then twice as long after each quick death, up to a minute. Exit
// codes that mean the child can never work (FATAL, CONFIG, missing
// permission) stop the daemon instead of looping. Pure.

export const LONG_RUN_MS = 60_000;
export const FIRST_DELAY_MS = 1_000;
export const MAX_DELAY_MS = 60_000;

/** keepalived's permanent child exit codes (lib/scheduler.h). */
export const PERMANENT_EXIT_CODES: Readonly<Record<number, string>> = { 1: 'FATAL', 2: 'CONFIG', 4: 'MISSING_PERMISSION' };

export interface RespawnState {
  /** The delay used for the previous quick death; 0 = none yet. */
  lastDelayMs: number;
}

export type RespawnDecision =
  | { action: 'restart'; delayMs: number; state: RespawnState }
  | { action: 'exit'; reason: string };

export interface ChildExit {
  code: number | null;
  signal: string | null;
  /** How long the child ran. */
  ranMs: number;
}

export function decideRespawn(exit: ChildExit, state: RespawnState, dontRespawn: boolean, maxDelayMs = MAX_DELAY_MS): RespawnDecision {
  const permanent = exit.code !== null ? PERMANENT_EXIT_CODES[exit.code] : undefined;
  if (permanent !== undefined) return { action: 'exit', reason: `exited with permanent error ${permanent}` };
  if (dontRespawn) return { action: 'exit', reason: 'died and --dont-respawn is set' };
  if (exit.ranMs > LONG_RUN_MS) return { action: 'restart', delayMs: 0, state: { lastDelayMs: 0 } };
  const delayMs = Math.min(state.lastDelayMs === 0 ? FIRST_DELAY_MS : state.lastDelayMs * 2, maxDelayMs);
  return { action: 'restart', delayMs, state: { lastDelayMs: delayMs } };
}
