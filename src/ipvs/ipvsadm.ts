// Adapter: runs ipvsadm (found through PATH, so a stand-in earlier on PATH is
// used; or an explicit path from --ipvsadm) to read the live table with -Sn
// and to apply a list of operations as one `ipvsadm -R` batch on stdin: one
// process per change, whatever its size. Decides nothing and logs nothing:
// every outcome, with ipvsadm's stderr, is returned to the caller.
import { execa } from 'execa';
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

  /** Runs ipvsadm once; never throws for what ipvsadm does. */
  async run(args: readonly string[], input?: string): Promise<IpvsadmRun> {
    const r = await execa(this.command, args, {
      reject: false,
      input: input ?? '',
      timeout: this.timeoutMs,
      stripFinalNewline: false,
      ...(this.env ? { env: this.env } : {}),
    });
    const run: IpvsadmRun = {
      argv: [this.command, ...args],
      ...(input !== undefined ? { input } : {}),
      ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
      ...(r.signal ? { signal: r.signal } : {}),
      timedOut: r.timedOut,
      stdout: typeof r.stdout === 'string' ? r.stdout : '',
      stderr: typeof r.stderr === 'string' ? r.stderr : '',
    };
    if (r.failed && r.exitCode === undefined && !r.signal && !r.timedOut) run.startError = r.originalMessage || r.shortMessage || 'could not start';
    return run;
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
