// The result counter of one vrrp_script, as keepalived 2.2.7 keeps it
// (vrrp_scheduler.c, the script child handler; vrrp_init_script). Pure.
//
// keepalived keeps one number per script, `result`, in 0 .. rise+fall-1; the
// script is "up" when result >= rise. At start it is rise-1 (so the first
// success is enough), or 0 with init_fail. While the script has not reported
// yet (the INIT state) it neither adds its weight nor faults the instance, and
// its first run decides either way. Then:
// - a success below rise-1 counts up; at rise-1 it turns the script up and
//   jumps to rise+fall-1 (so `fall` failures are needed to go down again);
// - a failure above rise counts down; at rise it turns the script down and
//   drops to 0 (so `rise` successes are needed to come back).
// A run that timed out or was killed by a signal is a failure.

export type ScriptStatus = 'init' | 'up' | 'down';

export interface ScriptCounter {
  readonly rise: number;
  readonly fall: number;
  /** keepalived's `result`. */
  readonly result: number;
  /** Before the first reported run (keepalived SCRIPT_INIT_STATE_INIT); init_fail starts at 'down' instead. */
  readonly status: ScriptStatus;
}

export function createScriptCounter(rise: number, fall: number, initFail: boolean): ScriptCounter {
  const r = Math.max(1, rise);
  const f = Math.max(1, fall);
  return initFail ? { rise: r, fall: f, result: 0, status: 'down' } : { rise: r, fall: f, result: r - 1, status: 'init' };
}

/** The counter after one run: success = exit status 0. */
export function recordRun(c: ScriptCounter, success: boolean): ScriptCounter {
  const top = c.rise + c.fall - 1;
  if (success) {
    if (c.result < c.rise - 1) return { ...c, result: c.result + 1 };
    return { ...c, result: top, status: 'up' };
  }
  if (c.result > c.rise) return { ...c, result: c.result - 1 };
  return { ...c, result: 0, status: 'down' };
}
