// From tracker values to what an instance's state machine is told: the
// summed priority delta and the set of faulting trackers (priority.ts has
// keepalived's weight rules), and the fsm events that move an instance from
// one summary to the next. Pure.
import type { InstanceEvent } from '../fsm.js';
import { evaluateTrackers, type TrackerStatus, type TrackerSummary } from '../priority.js';
import { trackerKey, type Binding } from './bindings.js';

/** What a tracker currently says. `init`: a vrrp_script that has not reported yet (no weight, no fault). */
export type TrackerValue = { up: boolean } | { value: number } | 'init';

export const NO_TRACKERS: TrackerSummary = { delta: 0, faults: [] };

/** The summary of one instance; trackers with no value yet (or `init`) do not count. */
export function summarize(bindings: readonly Binding[], valueOf: (key: string) => TrackerValue | undefined): TrackerSummary {
  const statuses: TrackerStatus[] = [];
  for (const b of bindings) {
    const v = valueOf(trackerKey(b.kind, b.name));
    if (v === undefined || v === 'init') continue;
    if (b.kind === 'file') {
      statuses.push({ kind: 'file', name: b.name, weight: b.weight, reverse: b.reverse, value: 'value' in v ? v.value : 0 });
    } else {
      statuses.push({ kind: b.kind, name: b.name, weight: b.weight, reverse: b.reverse, up: 'up' in v ? v.up : false });
    }
  }
  const s = evaluateTrackers(statuses);
  // The same tracker from the instance and from its sync group is one fault source.
  return { delta: s.delta, faults: [...new Set(s.faults)] };
}

/** The fsm events that take an instance from `prev` to `next`: the new delta first, then new faults, then cleared ones. */
export function summaryEvents(prev: TrackerSummary, next: TrackerSummary, reason?: string): InstanceEvent[] {
  const events: InstanceEvent[] = [];
  if (next.delta !== prev.delta) events.push(reason === undefined ? { type: 'priority-changed', delta: next.delta } : { type: 'priority-changed', delta: next.delta, reason });
  for (const f of next.faults) if (!prev.faults.includes(f)) events.push({ type: 'fault', source: f });
  for (const f of prev.faults) if (!next.faults.includes(f)) events.push({ type: 'fault-cleared', source: f });
  return events;
}
