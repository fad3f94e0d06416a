// Pid files as keepalived keeps them: one line with the pid. A file whose
// process is still alive means another daemon runs with the same files, and
// starting a second one would fight it over the VIPs and the IPVS table.
import fs from 'node:fs';
import path from 'node:path';

export interface PidFiles {
  parent: string;
  vrrp: string;
  checker: string;
}

export const DEFAULT_PID_FILES: PidFiles = { parent: '/run/keepalived.pid', vrrp: '/run/vrrp.pid', checker: '/run/checkers.pid' };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in `file` if that process is running (and is not us). */
export function runningPid(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
}

export function writePidFile(file: string, pid: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${pid}\n`, { mode: 0o644 });
}

/** Remove `file` if it still names `pid` (a successor may have written its own). */
export function removePidFile(file: string, pid: number): void {
  try {
    if (Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10) === pid) fs.unlinkSync(file);
  } catch {
    /* already gone */
  }
}
