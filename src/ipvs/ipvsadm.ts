// Adapter: runs ipvsadm (found through PATH, so a stand-in earlier on PATH is
// used; or an explicit path from --ipvsadm) to read the live table with -Sn
// and to apply a list of operations as one `ipvsadm -R` batch on stdin: one
// process per change, whatever its size. Decides nothing and logs nothing:
// every outcome, with ipvsadm's stderr, is returned to the caller.
//
// With `standby`, the next `ipvsadm -R` is started as soon as a run ends and
// waits for its batch on stdin, so that starting a process (a fork of this
// one, an exec, ipvsadm's netlink set-up) is not on the path from a check's
// verdict to the table. ipvsadm -R applies lines as it reads them, so a
// process started early applies its batch to the table as it is then. An
// unused standby is given an empty batch (nothing to do) by close(), or
// reads end-of-file when this process dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { formatBatch, type IpvsOperation } from './diff.js';
import { IpvsParseError, parseSave, parseThresholdListing, withThresholds, type IpvsTable } from './table.js';

export interface IpvsadmOptions {
  /** The program: a name looked up through PATH (default "ipvsadm") or a path. */
  command?: string;
  /** Environment for ipvsadm, on top of this process's (e.g. a PATH with a stand-in first). */
  env?: NodeJS.ProcessEnv;
  /** Kill ipvsadm after this many milliseconds from when it is given its input (default 10 s). */
  timeoutMs?: number;
  /** Keep the next `ipvsadm -R` started, waiting for its batch (see above). Default off. */
  standby?: boolean;
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

const sameArgs = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

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

/** A started ipvsadm that has not been given its input yet. */
class StartedRun {
  private readonly child: ChildProcess;
  private readonly stdout: Buffer[] = [];
  private readonly stderr: Buffer[] = [];
  private startError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timedOut = false;
  private input: string | undefined;
  /** The process has ended (a standby that ended before it was given its input is not used: a fresh run is started instead). */
  ended = false;
  /** How it went, once it has ended. */
  private readonly result: Promise<IpvsadmRun>;

  constructor(
    readonly argv: string[],
    env: NodeJS.ProcessEnv | undefined,
    private readonly timeoutMs: number,
  ) {
    // The PATH of `env` finds the command, as for any spawn.
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'pipe', ...(env ? { env: { ...process.env, ...env } } : {}) });
    this.child = child;
    child.on('error', (err) => (this.startError = err.message));
    child.stdout!.on('data', (d: Buffer) => this.stdout.push(d));
    child.stderr!.on('data', (d: Buffer) => this.stderr.push(d));
    // ipvsadm may exit without reading all of its input (EPIPE): its status says what happened.
    child.stdin!.on('error', () => {});
    this.result = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.ended = true;
        clearTimeout(this.timer);
        // A program that did not start has no status ('close' then carries the errno).
        const ended = this.startError === undefined ? { ...(code !== null ? { exitCode: code } : {}), ...(signal !== null ? { signal } : {}) } : { startError: this.startError };
        resolve({
          argv: this.argv,
          ...(this.input !== undefined ? { input: this.input } : {}),
          ...ended,
          timedOut: this.timedOut,
          stdout: Buffer.concat(this.stdout).toString('utf8'),
          stderr: Buffer.concat(this.stderr).toString('utf8'),
        });
      });
    });
  }

  /** While it waits, it keeps neither this process alive nor its event loop busy. */
  idle(): this {
    this.keepsAlive(false);
    return this;
  }

  /** Hands it its input (none: an empty stdin) and waits for it to end. */
  give(input?: string): Promise<IpvsadmRun> {
    this.keepsAlive(true);
    if (input !== undefined) this.input = input;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.child.kill('SIGTERM');
    }, this.timeoutMs);
    this.child.stdin!.end(input ?? '');
    return this.result;
  }

  /** The child and its pipes hold this process open (ref) or not (unref). */
  private keepsAlive(on: boolean): void {
    const handles: Array<{ ref(): unknown; unref(): unknown } | null> = [this.child, this.child.stdin as never, this.child.stdout as never, this.child.stderr as never];
    for (const h of handles) if (h) on ? h.ref() : h.unref();
  }
}

const RESTORE = ['-R'];

export class Ipvsadm {
  readonly command: string;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly timeoutMs: number;
  private readonly keepStandby: boolean;
  private standby: StartedRun | undefined;
  private noMoreStandby = false;

  constructor(options: IpvsadmOptions = {}) {
    this.command = options.command ?? 'ipvsadm';
    this.env = options.env;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.keepStandby = options.standby ?? false;
  }

  /**
   * Runs ipvsadm once; never throws for what ipvsadm does. Plain
   * child_process: execa cost 2-3 ms more CPU per run, on the path from a
   * verdict to the table.
   */
  async run(args: readonly string[], input?: string): Promise<IpvsadmRun> {
    let started: StartedRun;
    if (this.standby && !this.standby.ended && sameArgs(args, RESTORE)) started = this.standby;
    else started = new StartedRun([this.command, ...args], this.env, this.timeoutMs);
    if (started === this.standby) this.standby = undefined;
    const run = await started.give(input);
    this.prepareNext();
    return run;
  }

  /** No standby is started after this; one already waiting still serves the next batch (e.g. the teardown's). */
  stopPreparing(): void {
    this.noMoreStandby = true;
  }

  /** Ends the standby (an empty batch: nothing changes) and starts no more. */
  async close(): Promise<void> {
    this.noMoreStandby = true;
    const standby = this.standby;
    this.standby = undefined;
    if (standby && !standby.ended) await standby.give();
  }

  /** After a run: the next batch's process, started now (only then, so a failing ipvsadm is not restarted in a loop). */
  private prepareNext(): void {
    if (!this.keepStandby || this.noMoreStandby || (this.standby && !this.standby.ended)) return;
    this.standby = new StartedRun([this.command, ...RESTORE], this.env, this.timeoutMs).idle();
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
