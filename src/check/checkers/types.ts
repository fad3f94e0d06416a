// What every health checker is: one attempt at a time, resolved (never
// rejected) with a verdict and a reason a human can act on. Timers, retries
// and state belong to schedule.ts; a checker only answers "does it work now?".

export interface CheckResult {
  ok: boolean;
  /** Why: what failed (refused, timed out, status 503, digest mismatch...) or what passed. */
  reason: string;
  /**
   * The real server's weight this result asks for (MISC_CHECK misc_dynamic,
   * FILE_CHECK with a weight); absent: leave the weight as it is.
   */
  weight?: number;
}

export interface Checker {
  /** keepalived's name of the check, e.g. TCP_CHECK, HTTP_GET. */
  readonly type: string;
  /** Where it connects, for logs: `198.51.100.21:80`, `https://[2001:db8::21]:443/health`. */
  readonly target: string;
  /**
   * One attempt. Aborting the signal ends it promptly with ok: false. The
   * signal is shared by every check in flight (the runner's): hear it
   * through abort.ts, never with an 'abort' listener of the attempt's own.
   */
  run(signal: AbortSignal): Promise<CheckResult>;
}
