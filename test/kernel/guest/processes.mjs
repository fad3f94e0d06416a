// Child processes with their output kept, for the two IPVS hosts of the
// kernel tier: the guest agent (guest/agent.mjs, commands from the host over
// the control port) and the network-namespace host (ipvs-host.ts, commands
// through `ip netns exec`). Both answer `run`, `spawn` and `status` with the
// same records, so a test cannot tell them apart by their shape.
import { spawn } from 'node:child_process';

const OUTPUT_CAP = 4 * 1024 * 1024;

/** Appends to a capped string, keeping the end. */
function capped(text, more) {
  const all = text + more;
  return all.length > OUTPUT_CAP ? all.slice(all.length - OUTPUT_CAP) : all;
}

/**
 * @typedef {object} ProcessRecord
 * @property {import('node:child_process').ChildProcessWithoutNullStreams} child
 * @property {string} stdout
 * @property {string} stderr
 * @property {number | null} exitCode
 * @property {NodeJS.Signals | null} signal
 * @property {string | undefined} error Set when the command could not start.
 * @property {boolean} done
 * @property {Promise<void>} closed
 */

/**
 * Starts argv with stdin, stdout and stderr piped; `env` is added to this
 * process's environment. The record's `closed` promise settles once the
 * process has ended and its output is read (or it could not start).
 */
/**
 * @param {readonly string[]} argv
 * @param {{ cwd?: string, env?: Record<string, string> }} [options]
 * @returns {ProcessRecord}
 */
export function startProcess(argv, { cwd, env } = {}) {
  const child = spawn(argv[0], argv.slice(1), {
    cwd,
    env: { ...process.env, ...(env ?? {}) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  /** @type {ProcessRecord} */
  const proc = { child, stdout: '', stderr: '', exitCode: null, signal: null, error: undefined, done: false, closed: Promise.resolve() };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => (proc.stdout = capped(proc.stdout, d)));
  child.stderr.on('data', (d) => (proc.stderr = capped(proc.stderr, d)));
  child.stdin.on('error', () => {}); // a command that does not read its stdin
  proc.closed = new Promise((resolve) => {
    child.once('error', (err) => {
      proc.error = err.message;
      proc.done = true;
      resolve();
    });
    child.once('close', (code, signal) => {
      proc.exitCode = code;
      proc.signal = signal;
      proc.done = true;
      resolve();
    });
  });
  return proc;
}

/** Runs argv to its end (SIGKILL after timeoutMs, default 30 s); exit code, signal, output, duration. */
/**
 * @param {readonly string[]} argv
 * @param {{ cwd?: string, env?: Record<string, string>, input?: string, timeoutMs?: number }} [options]
 */
export async function runProcess(argv, { cwd, env, input, timeoutMs } = {}) {
  const started = process.hrtime.bigint();
  const proc = startProcess(argv, { cwd, env });
  proc.child.stdin.end(input ?? '');
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.child.kill('SIGKILL');
  }, timeoutMs ?? 30_000);
  await proc.closed;
  clearTimeout(timer);
  return {
    exitCode: proc.exitCode,
    signal: proc.signal,
    stdout: proc.stdout,
    stderr: proc.stderr,
    timedOut,
    durationMs: Number(process.hrtime.bigint() - started) / 1e6,
    ...(proc.error ? { error: proc.error } : {}),
  };
}

/**
 * A background process's state and output so far.
 * @param {ProcessRecord} proc
 */
export function processStatus(proc) {
  return { running: !proc.done, exitCode: proc.exitCode, signal: proc.signal, stdout: proc.stdout, stderr: proc.stderr, ...(proc.error ? { error: proc.error } : {}) };
}
