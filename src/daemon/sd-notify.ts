// systemd readiness (Type=notify) without a native module: node has no unix
// datagram sockets, so the message goes through systemd's own systemd-notify
// tool, naming our pid (the unit says NotifyAccess=all). Outside systemd
// (no NOTIFY_SOCKET) it does nothing.
import { execa } from 'execa';
import type { Log } from '../log.js';

export async function notifySystemd(state: string, log: Log): Promise<void> {
  if (!process.env.NOTIFY_SOCKET) return;
  const r = await execa('systemd-notify', [`--pid=${process.pid}`, ...state.split('\n')], { reject: false, timeout: 5000 });
  if (r.exitCode !== 0) log.warn({ state, error: r.stderr || r.shortMessage }, 'systemd-notify failed');
}
