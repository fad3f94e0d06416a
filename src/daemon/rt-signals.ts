// keepalived uses two real-time signals (JSON = SIGRTMIN+2, STATS_CLEAR =
// SIGRTMAX-1) that node has no names for. Node listens to any signal whose
// name is in os.constants.signals, so the two are named there once; the
// numbers are those of Linux with glibc (what --signum prints).
import os from 'node:os';

export const RT_SIGNALS = { SIGRTMIN_2: 36, SIGRTMAX_1: 63 } as const;

export type RtSignal = keyof typeof RT_SIGNALS;

let named = false;

/** Make the real-time signals usable with process.on / process.kill. */
export function nameRealTimeSignals(): void {
  if (named) return;
  const table = os.constants.signals as Record<string, number>;
  for (const [name, num] of Object.entries(RT_SIGNALS)) {
    if (table[name] === undefined) table[name] = num;
  }
  named = true;
}

export function onRealTimeSignal(name: RtSignal, handler: () => void): void {
  nameRealTimeSignals();
  process.on(name as NodeJS.Signals, handler);
}
