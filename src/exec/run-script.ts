// Runs one keepalived script (misc_path, vrrp_script, notify_*) the way
// keepalived does: the command line split into argv (no shell), optionally as
// another user, in a process group of its own so that a timeout ends the
// script and everything it started: SIGTERM to the group, then SIGKILL after a
// grace period (keepalived waits 2 s). It never throws: a script that cannot
// start (missing, not executable, unknown user) is a result with a reason.
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { splitScript } from '../config/script.js';

/** keepalived's wait between SIGTERM and SIGKILL of a timed-out script. */
export const KILL_GRACE_MS = 2000;

/** How much of the end of stderr a result keeps. */
export const STDERR_TAIL_BYTES = 4096;

/** After the script exits, how long its stderr may stay open (a background child holding it). */
const STDIO_LINGER_MS = 200;

export interface RunScriptOptions {
  /** Kill the script's process group after this long; default no limit. */
  timeoutMs?: number;
  /** Run as this user (name or number); needs root unless it is the current user. */
  user?: string;
  /** With `user`: this group (name or number) instead of the user's primary group. */
  group?: string;
  /** Aborting kills the process group at once (SIGKILL) and ends the run. */
  signal?: AbortSignal;
  /** Added to the inherited environment. */
  env?: Record<string, string>;
  /** Between SIGTERM and SIGKILL on timeout; default KILL_GRACE_MS. */
  killGraceMs?: number;
}

export interface ScriptResult {
  /** Exit status when the script exited on its own. */
  exitCode?: number;
  /** The signal that ended it, e.g. SIGTERM after a timeout. */
  signal?: string;
  /** It ran past timeoutMs and was killed. */
  timedOut: boolean;
  /** The abort signal ended it. */
  aborted: boolean;
  /** The last STDERR_TAIL_BYTES of what it wrote to stderr. */
  stderrTail: string;
  durationMs: number;
  /** Set when it could not be started: why (not found, not executable, unknown user...). */
  reason?: string;
}

export interface UserIds {
  uid: number;
  gid: number;
}

/** Run `command` (a keepalived script line, or argv already split) once. */
export async function runScript(command: string | readonly string[], options: RunScriptOptions = {}): Promise<ScriptResult> {
  const started = performance.now();
  const argv = typeof command === 'string' ? splitScript(command) : [...command];
  const notRun = (reason: string): ScriptResult => ({
    timedOut: false,
    aborted: options.signal?.aborted ?? false,
    stderrTail: '',
    durationMs: performance.now() - started,
    reason,
  });
  if (argv.length === 0 || argv[0] === '') return notRun('empty command');
  if (options.signal?.aborted) return notRun('aborted before start');

  let ids: UserIds | undefined;
  if (options.user !== undefined) {
    const lookedUp = await lookupUser(options.user, options.group);
    if (typeof lookedUp === 'string') return notRun(lookedUp);
    const self = { uid: process.getuid?.(), gid: process.getgid?.() };
    if (lookedUp.uid !== self.uid || lookedUp.gid !== self.gid) {
      if (self.uid !== 0) return notRun(`cannot run as ${options.user}: only root can change user (running as uid ${self.uid})`);
      ids = lookedUp;
    }
  }

  const subprocess = execa(argv[0], argv.slice(1), {
    // A process group of its own (setsid), so the whole group can be killed.
    detached: true,
    cleanup: false,
    reject: false,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'pipe',
    buffer: false,
    encoding: 'buffer',
    ...(options.env ? { env: options.env } : {}),
    ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
  });

  const stderr = new TailBuffer(STDERR_TAIL_BYTES);
  (subprocess.stderr as Readable | null)?.on('data', (chunk: Buffer) => stderr.push(chunk));

  let timedOut = false;
  let aborted = false;
  let exited = false;
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  const killGroup = (sig: NodeJS.Signals): void => {
    const pid = subprocess.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // Already gone, or not ours to kill: nothing more to do.
    }
  };
  if (options.timeoutMs !== undefined) {
    timers.push(
      setTimeout(() => {
        if (exited) return;
        timedOut = true;
        killGroup('SIGTERM');
        timers.push(setTimeout(() => killGroup('SIGKILL'), options.killGraceMs ?? KILL_GRACE_MS));
      }, Math.max(0, options.timeoutMs)),
    );
  }
  const onAbort = (): void => {
    aborted = true;
    killGroup('SIGKILL');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  subprocess.once('exit', () => {
    exited = true;
    // What the script started in the background dies with a timed-out or
    // aborted script (keepalived kills the group after a SIGTERM ends it).
    if (timedOut || aborted) killGroup('SIGKILL');
    // A background child may keep stderr open; do not wait for it.
    timers.push(setTimeout(() => (subprocess.stderr as Readable | null)?.destroy(), STDIO_LINGER_MS));
  });

  try {
    const result = await subprocess;
    const base = { timedOut, aborted, stderrTail: stderr.text(), durationMs: performance.now() - started };
    // execa sets `code` only when spawning failed (ENOENT, EACCES...).
    const code = (result as { code?: string }).code;
    if (result.exitCode === undefined && result.signal === undefined && code !== undefined) {
      return { ...base, reason: spawnReason(argv[0], code) };
    }
    return {
      ...base,
      ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
      ...(result.signal !== undefined ? { signal: result.signal } : {}),
    };
  } catch (err) {
    // reject: false makes this unreachable in practice; keep the promise.
    return { timedOut, aborted, stderrTail: stderr.text(), durationMs: performance.now() - started, reason: String((err as Error)?.message ?? err) };
  } finally {
    for (const t of timers) clearTimeout(t);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function spawnReason(file: string, code: string): string {
  switch (code) {
    case 'ENOENT':
      return `${file}: not found (ENOENT)`;
    case 'EACCES':
      return `${file}: permission denied (EACCES)`;
    case 'ENOEXEC':
      return `${file}: not an executable format (ENOEXEC)`;
    default:
      return `${file}: cannot run (${code})`;
  }
}

/** Keeps the last `limit` bytes of a stream. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0].length >= this.limit) this.size -= this.chunks.shift()!.length;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

// ---------------------------------------------------------------------------
// Users and groups

const idCache = new Map<string, UserIds | string>();

/**
 * uid and gid of `user` (and `group`, else the user's primary group), names
 * or numbers, through the system's user database (getent, so NSS sources
 * count too; /etc/passwd and /etc/group when getent is missing). A string
 * result says why it failed. Results are cached for the life of the process.
 */
export async function lookupUser(user: string, group?: string): Promise<UserIds | string> {
  const key = `${user}\0${group ?? ''}`;
  const cached = idCache.get(key);
  if (cached !== undefined) return cached;
  const found = await resolveIds(user, group);
  idCache.set(key, found);
  return found;
}

async function resolveIds(user: string, group: string | undefined): Promise<UserIds | string> {
  const pw = await databaseEntry('passwd', user);
  let uid: number;
  let gid: number;
  if (pw) {
    uid = Number(pw[2]);
    gid = Number(pw[3]);
  } else if (/^\d+$/.test(user)) {
    // A number with no passwd entry: keepalived accepts it, with gid = uid unless a group is given.
    uid = Number(user);
    gid = uid;
  } else {
    return `unknown user ${user}`;
  }
  if (group !== undefined) {
    const gr = await databaseEntry('group', group);
    if (gr) gid = Number(gr[2]);
    else if (/^\d+$/.test(group)) gid = Number(group);
    else return `unknown group ${group}`;
  }
  return { uid, gid };
}

/** The fields of one passwd / group entry, by name or number. */
async function databaseEntry(db: 'passwd' | 'group', key: string): Promise<string[] | undefined> {
  const got = await execa('getent', [db, key], { reject: false, stdin: 'ignore', timeout: 5000 });
  if (got.exitCode === 0 && typeof got.stdout === 'string' && got.stdout !== '') return got.stdout.split('\n')[0].split(':');
  if (got.exitCode === 2) return undefined; // getent: key not found
  // No getent: read the files.
  try {
    const text = await readFile(db === 'passwd' ? '/etc/passwd' : '/etc/group', 'utf8');
    const numeric = /^\d+$/.test(key);
    for (const line of text.split('\n')) {
      const f = line.split(':');
      if (f.length >= 3 && (numeric ? f[2] === key : f[0] === key)) return f;
    }
  } catch {
    // Neither source: unknown.
  }
  return undefined;
}
