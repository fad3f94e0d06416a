// Adapter: runs ipvsadm (found through PATH, so a stand-in earlier on PATH is
// used; or an explicit path from --ipvsadm) to read the live table with -Sn
// and to apply a list of operations as one `ipvsadm -R` batch on stdin: one
// process per change, whatever its size. Decides nothing and logs nothing:
// every outcome, with ipvsadm's stderr, is returned to the caller.
import { spawn } from 'node:child_process';
import { formatBatch, type IpvsOperation } from './diff.js';
import { IpvsParseError, parseSave, parseThresholdListing, withThresholds, type IpvsTable } from './table.js';

export interface IpvsadmOptions {
  /** The program: a name looked up through PATH (default "ipvsadm") or a path. */
  command?: string;
  /** Environment for ipvsadm, on top of this process's (e.g. a PATH with a stand-in first). */
  env?: NodeJS.ProcessEnv;
  /** Kill ipvsadm after this many milliseconds (default 10 s). */
  timeoutMs?: number;
}

/** How one ipvsadm run went wrong: the run, and one line for a log (what failed and ipvsadm's first words about it). */
export type IpvsadmFailure = IpvsadmRun & { message: string };

export type ReadResult = { ok: true; table: IpvsTable } | { ok: false; failure: IpvsadmFailure };
export type ApplyResult = { ok: true; processes: number } | { ok: false; failure: IpvsadmFailure };

/** One ipvsadm run as it happened. */
export interface IpvsadmRun {
  argv: string[];
  input?: string;
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Why the program did not run at all (e.g. not found). */
  startError?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

function failure(run: IpvsadmRun, reason: string): IpvsadmFailure {
  const detail = run.stderr.trim().split('\n')[0] || run.startError || '';
  return { ...run, message: `${run.argv.join(' ')}: ${reason}${detail ? `: ${detail}` : ''}` };
}

function outcome(run: IpvsadmRun): string {
  if (run.startError) return 'did not start';
  if (run.timedOut) return 'timed out';
  if (run.signal) return `killed by ${run.signal}`;
  return `exit ${run.exitCode}`;
}

export class Ipvsadm {
  readonly command: string;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly timeoutMs: number;

  constructor(options: IpvsadmOptions = {}) {
    this.command = options.command ?? 'ipvsadm';
    this.env = options.env;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /**
   * Runs ipvsadm once; never throws for what ipvsadm does. Plain
   * child_process: execa cost 2-3 ms more CPU per run, on the path from a
   * verdict to the table.
   */
  run(args: readonly string[], input?: string): Promise<IpvsadmRun> {
    const argv = [this.command, ...args];
    return new Promise((resolve) => {
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let startError: string | undefined;
      let timedOut = false;
      // The PATH of `env` finds the command, as for any spawn.
      const child = spawn(this.command, args, { stdio: 'pipe', ...(this.env ? { env: { ...process.env, ...this.env } } : {}) });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGTERM');
      }, this.timeoutMs);
      child.on('error', (err) => (startError = err.message));
      child.stdout.on('data', (d: Buffer) => stdout.push(d));
      child.stderr.on('data', (d: Buffer) => stderr.push(d));
      // ipvsadm may exit without reading all of its input (EPIPE): its status says what happened.
      child.stdin.on('error', () => {});
      child.stdin.end(input ?? '');
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        // A program that did not start has no status ('close' then carries the errno).
        const ended = startError === undefined ? { ...(code !== null ? { exitCode: code } : {}), ...(signal !== null ? { signal } : {}) } : { startError };
        resolve({
          argv,
          ...(input !== undefined ? { input } : {}),
          ...ended,
          timedOut,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
        });
      });
    });
  }

  /**
   * The live table from `ipvsadm -Sn`. With `thresholds`, also
   * `ipvsadm -Ln --thresholds`, since -S leaves connection limits out.
   */
  async read(options: { thresholds?: boolean } = {}): Promise<ReadResult> {
    const save = await this.run(['-Sn']);
    if (save.exitCode !== 0 || save.stderr !== '') return { ok: false, failure: failure(save, outcome(save)) };
    let table: IpvsTable;
    try {
      table = parseSave(save.stdout);
    } catch (err) {
      if (!(err instanceof IpvsParseError)) throw err;
      return { ok: false, failure: failure(save, `cannot read its output (${err.message})`) };
    }
    if (!options.thresholds) return { ok: true, table };
    const list = await this.run(['-Ln', '--thresholds']);
    if (list.exitCode !== 0 || list.stderr !== '') return { ok: false, failure: failure(list, outcome(list)) };
    try {
      return { ok: true, table: withThresholds(table, parseThresholdListing(list.stdout)) };
    } catch (err) {
      if (!(err instanceof IpvsParseError)) throw err;
      return { ok: false, failure: failure(list, `cannot read its output (${err.message})`) };
    }
  }

  /**
   * Applies the operations as one `ipvsadm -R`. ipvsadm -R carries on after a
   * line the kernel refuses and exits with the last line's status, so any
   * stderr output means some line failed: re-read the table to see which.
   */
  async apply(operations: readonly IpvsOperation[]): Promise<ApplyResult> {
    if (operations.length === 0) return { ok: true, processes: 0 };
    const run = await this.run(['-R'], formatBatch(operations));
    if (run.exitCode === 0 && run.stderr === '') return { ok: true, processes: 1 };
    return { ok: false, failure: failure(run, run.exitCode === 0 ? 'some lines failed' : outcome(run)) };
  }
}
