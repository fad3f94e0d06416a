// keepalived --signum: the signal number behind each control function, as the
// Debian build of keepalived 2.2.7 prints them (Linux, glibc).
import os from 'node:os';

const RT = { SIGRTMIN: 34, SIGRTMAX: 64 };

export const SIGNAL_FUNCTIONS: Readonly<Record<string, number>> = {
  STOP: os.constants.signals.SIGTERM,
  RELOAD: os.constants.signals.SIGHUP,
  DATA: os.constants.signals.SIGUSR1,
  STATS: os.constants.signals.SIGUSR2,
  STATS_CLEAR: RT.SIGRTMAX - 1,
  JSON: RT.SIGRTMIN + 2,
};

export function signalNumber(name: string): number | undefined {
  return Object.hasOwn(SIGNAL_FUNCTIONS, name) ? SIGNAL_FUNCTIONS[name] : undefined;
}
