// A boolean observed from outside (an interface's link, a process quorum)
// that is only believed after it has stayed changed for a delay: keepalived's
// fork_delay / terminate_delay of track_process (the quorum gained / lost
// timers of track_process.c) and the up / down delays of
// interface_up_down_delays. Pure: time comes in as `now` (ms), and the caller
// delivers `settle(now)` at the returned deadline.
//
// As keepalived does it: a change back before the delay ran out cancels the
// timer (nothing is reported); when the timer fires, the value at that moment
// is what counts.

export interface Debounced {
  /** What has been reported (believed). */
  readonly value: boolean;
  /** The latest observation. */
  readonly observed: boolean;
  /** When the pending change is believed; null when none is pending. */
  readonly until: number | null;
}

export interface Delays {
  /** ms an up (true) observation must last; 0 = at once. */
  riseMs: number;
  /** ms a down (false) observation must last; 0 = at once. */
  fallMs: number;
}

export function createDebounced(initial: boolean): Debounced {
  return { value: initial, observed: initial, until: null };
}

/** A new observation at `now`. */
export function observe(d: Debounced, observed: boolean, now: number, delays: Delays): Debounced {
  if (observed === d.value) return { value: d.value, observed, until: null };
  if (d.until !== null && d.observed === observed) return { ...d, observed };
  const delay = observed ? delays.riseMs : delays.fallMs;
  if (delay <= 0) return { value: observed, observed, until: null };
  return { value: d.value, observed, until: now + delay };
}

/** Deliver at (or after) `until`: the pending change is believed if it still holds. */
export function settle(d: Debounced, now: number): Debounced {
  if (d.until === null || now < d.until) return d;
  return { value: d.observed, observed: d.observed, until: null };
}
