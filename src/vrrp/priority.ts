// Effective priority from tracker results, as keepalived computes it
// (vrrp_track.c: the per-tracker contributions summed into total_priority,
// then vrrp_set_effective_priority's clamp). Pure.
import { OWNER_PRIORITY } from './timing.js';

/** An interface, script, process or BFD tracker: it is up or down. */
export interface UpDownTracker {
  kind: 'interface' | 'script' | 'process' | 'bfd';
  name: string;
  /** `weight N` of the tracker line or block; 0 means "failure puts the instance in FAULT". */
  weight: number;
  /** `weight N reverse`. */
  reverse?: boolean;
  /** Interface up / script succeeding (after rise/fall) / process quorum held / BFD session up. */
  up: boolean;
}

/** A track_file: its content is a number, multiplied by the weight. */
export interface FileTracker {
  kind: 'file';
  name: string;
  weight: number;
  reverse?: boolean;
  /** The number read from the file. */
  value: number;
}

export type TrackerStatus = UpDownTracker | FileTracker;

export interface TrackerContribution {
  /** Added to the base priority (0 when the tracker is in fault). */
  delta: number;
  /** The tracker puts the instance in FAULT. */
  fault: boolean;
}

/**
 * What one tracker adds to the priority, or whether it faults the instance.
 * - weight 0: fault when down (with `reverse`: fault when up).
 * - weight > 0: adds weight when up, nothing when down; `reverse` subtracts instead.
 * - weight < 0: adds the (negative) weight when down, nothing when up; `reverse` adds |weight|.
 * - files: value * weight (negated by `reverse`), capped at 253; a result of
 *   -254 or less faults the instance. With weight 0 a non-zero value faults it
 *   (with `reverse`, a zero value does).
 */
export function trackerContribution(t: TrackerStatus): TrackerContribution {
  const multiplier = t.reverse ? -1 : 1;
  if (t.kind === 'file') {
    if (t.weight === 0) return { delta: 0, fault: (t.value !== 0) === !t.reverse };
    const status = t.value * t.weight * multiplier;
    if (status <= -254) return { delta: 0, fault: true };
    return { delta: Math.min(status, 253), fault: false };
  }
  if (t.weight === 0) return { delta: 0, fault: t.up === Boolean(t.reverse) };
  if (t.up) return { delta: t.weight > 0 ? t.weight * multiplier : 0, fault: false };
  return { delta: t.weight < 0 ? t.weight * multiplier : 0, fault: false };
}

export interface TrackerSummary {
  /** Sum of the contributions: what the fsm's priority-changed event carries. */
  delta: number;
  /** `kind name` of every tracker faulting the instance: the fsm's fault sources. */
  faults: string[];
}

export function evaluateTrackers(trackers: readonly TrackerStatus[]): TrackerSummary {
  let delta = 0;
  const faults: string[] = [];
  for (const t of trackers) {
    const c = trackerContribution(t);
    if (c.fault) faults.push(`${t.kind} ${t.name}`);
    delta += c.delta;
  }
  return { delta, faults };
}

/**
 * Effective priority: base + tracker delta clamped to 1..254. The address
 * owner (base 255) ignores weights and stays 255 (keepalived does not apply
 * weights to an owner).
 */
export function effectivePriority(base: number, delta: number): number {
  if (base === OWNER_PRIORITY) return OWNER_PRIORITY;
  const total = base + delta;
  if (total < 1) return 1;
  if (total >= OWNER_PRIORITY) return OWNER_PRIORITY - 1;
  return total;
}
