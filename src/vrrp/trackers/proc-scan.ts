// Reads the process table from /proc for track_process (adapter; the
// matching rules are in process-match.ts). keepalived follows processes with
// the kernel's process connector; we read /proc again at an interval instead.
import { readdir, readFile } from 'node:fs/promises';
import type { ProcessEntry } from './process-match.js';

export interface ScanOptions {
  /** Read /proc/PID/cmdline too (needed by full_command and parameter matching). */
  cmdline: boolean;
  /** Default /proc. */
  procRoot?: string;
}

/** comm and state from the text of /proc/PID/stat ("1234 (name) S ..."); the name may hold spaces and ')'. */
export function parseStat(text: string): { comm: string; state: string } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  return { comm: text.slice(open + 1, close), state: text.slice(close + 2, close + 3) };
}

/** argv from the bytes of /proc/PID/cmdline (NUL-separated, NUL-terminated). */
export function parseCmdline(bytes: Buffer): string[] {
  if (bytes.length === 0) return [];
  const text = bytes.toString('utf8');
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

async function readEntry(root: string, pid: string, withCmdline: boolean): Promise<ProcessEntry | undefined> {
  try {
    const stat = parseStat(await readFile(`${root}/${pid}/stat`, 'utf8'));
    if (!stat) return undefined;
    const argv = withCmdline ? parseCmdline(await readFile(`${root}/${pid}/cmdline`)) : [];
    return { pid: Number(pid), comm: stat.comm, argv, zombie: stat.state === 'Z' };
  } catch {
    // The process ended while we read it.
    return undefined;
  }
}

export async function scanProcesses(options: ScanOptions): Promise<ProcessEntry[]> {
  const root = options.procRoot ?? '/proc';
  const names = (await readdir(root)).filter((n) => /^[1-9]\d*$/.test(n));
  const out: ProcessEntry[] = [];
  // In slices, so that a large process table does not open thousands of files at once.
  for (let i = 0; i < names.length; i += 64) {
    const slice = await Promise.all(names.slice(i, i + 64).map((pid) => readEntry(root, pid, options.cmdline)));
    for (const e of slice) if (e) out.push(e);
  }
  return out;
}
