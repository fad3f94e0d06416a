// Adapter: iproute2's `ip -force -batch -`, run with execa, shared by the
// address and route adapters.
//
// A batch is a list of `ip` command lines without the leading `ip`; every
// line is tried and failures are reported per line. With `persistent`, one
// long-running `ip -force -batch -` takes batch after batch, so a change costs
// a line written to a pipe instead of a process spawn (which blocks the event
// loop for several milliseconds). Options such as `-6` cannot be given per
// line (ip answers `Object "-6" is unknown`), so a family-specific batch is a
// process of its own (`family`). Nothing here throws for a failed command:
// failures are values.

import { execa, type ResultPromise } from 'execa';

export interface IpBatchOptions {
  /** Run inside this network namespace (`ip -n NS`); default: the current one. */
  netns?: string;
  /** The `ip` binary. Default `ip`. */
  ipBinary?: string;
  /** Kill a command (or give up on a batch) after this long. Default 10 s. */
  timeoutMs?: number;
  /** Keep one `ip -force -batch -` running for all batches (close() ends it). Default false. */
  persistent?: boolean;
  /** `ip -4` / `ip -6` for every line; default: ip deduces the family from the addresses. */
  family?: 4 | 6;
}

export interface BatchFailure {
  /** 1-based line of the batch. */
  lineNumber: number;
  line: string;
  /** What ip said about it. */
  message: string;
  /** A deletion of something that was not there (address, route, rule). */
  absent: boolean;
  /** An addition of something that was already there (route prepend, rule add). */
  exists: boolean;
}

export interface BatchResult {
  /** Every line succeeded. */
  ok: boolean;
  failures: BatchFailure[];
  /** Set when ip could not run at all, timed out, or failed without naming a line. */
  error?: string;
  durationMs: number;
}

// ip's answers: EADDRNOTAVAIL / "Address not found" for an address, ESRCH
// for a route, ENOENT for a rule; EEXIST for anything added twice.
const ABSENT = /Cannot assign requested address|Address not found|No such process|No such file or directory/i;
const EXISTS = /File exists/i;

function failure(lineNumber: number, line: string, message: string): BatchFailure {
  const verb = ` ${line} `;
  return {
    lineNumber,
    line,
    message,
    absent: / del /.test(verb) && ABSENT.test(message),
    exists: / (add|prepend) /.test(verb) && EXISTS.test(message),
  };
}

/** `Error: ...` lines followed by `Command failed -:N`, as `ip -force -batch -` reports them. */
export function parseBatchErrors(stderr: string, lines: readonly string[]): BatchFailure[] {
  const failures: BatchFailure[] = [];
  let pending: string[] = [];
  for (const raw of stderr.split('\n')) {
    const text = raw.trim();
    if (text === '') continue;
    const m = /^Command failed -:(\d+)$/.exec(text);
    if (!m) {
      pending.push(text);
      continue;
    }
    const lineNumber = Number(m[1]);
    failures.push(failure(lineNumber, lines[lineNumber - 1] ?? '', pending.join('; ') || 'failed'));
    pending = [];
  }
  return failures;
}

/**
 * A batch line that always fails the same way, ending each batch written to
 * a long-running `ip -force -batch -`: when its failure is reported, every
 * line before it has been carried out. '/' never appears in an interface name.
 */
const END_MARK = 'address show dev kts/end-of-batch';

/** One long-running `ip -force -batch -`; batches are written one after another. */
class IpBatchProcess {
  private child: ResultPromise | undefined;
  private lineCount = 0;
  private stderrTail = '';
  private pendingMessages: string[] = [];
  private current:
    | { child: ResultPromise | undefined; base: number; lines: readonly string[]; failures: BatchFailure[]; done: (r: BatchResult) => void; started: number; timer: NodeJS.Timeout }
    | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly argv: readonly string[],
    private readonly timeoutMs: number,
  ) {}

  run(lines: readonly string[]): Promise<BatchResult> {
    const result = this.chain.then(() => this.runNow(lines));
    this.chain = result;
    return result;
  }

  close(): void {
    const child = this.child;
    this.child = undefined;
    child?.stdin?.end();
  }

  private start(): ResultPromise | undefined {
    const child = execa(this.argv[0], this.argv.slice(1), { stdin: 'pipe', stdout: 'ignore', stderr: 'pipe', buffer: false, reject: false });
    this.lineCount = 0;
    this.stderrTail = '';
    this.pendingMessages = [];
    child.stderr?.on('data', (d: Buffer) => this.onStderr(d.toString()));
    child.stdin?.on('error', () => {
      /* reported through the exit below */
    });
    void child.then((r) => {
      if (this.child === child) this.child = undefined;
      // Only a batch written to this process waits for it (after close(), a new one may be running).
      if (this.current?.child !== child) return;
      const why = r.exitCode === undefined ? `ip could not run: ${r.shortMessage ?? r.message ?? 'unknown error'}` : `ip -batch ended (exit ${String(r.exitCode ?? r.signal)})`;
      this.finish(why);
    });
    return child;
  }

  private runNow(lines: readonly string[]): Promise<BatchResult> {
    this.child ??= this.start();
    const child = this.child;
    return new Promise((done) => {
      const started = performance.now();
      const timer = setTimeout(() => {
        // Start afresh next time: this one may have lost count of its lines.
        if (this.child === child) this.child = undefined;
        this.finish(`ip -batch gave no answer within ${this.timeoutMs} ms`);
        child?.kill('SIGKILL');
      }, this.timeoutMs);
      this.current = { child, base: this.lineCount, lines, failures: [], done, started, timer };
      this.lineCount += lines.length + 1;
      child?.stdin?.write(`${lines.join('\n')}\n${END_MARK}\n`);
    });
  }

  private onStderr(text: string): void {
    this.stderrTail += text;
    const parts = this.stderrTail.split('\n');
    this.stderrTail = parts.pop() ?? '';
    for (const raw of parts) {
      const line = raw.trim();
      if (line === '') continue;
      const m = /^Command failed -:(\d+)$/.exec(line);
      if (!m) {
        this.pendingMessages.push(line);
        continue;
      }
      const message = this.pendingMessages.join('; ') || 'failed';
      this.pendingMessages = [];
      const cur = this.current;
      if (!cur) continue;
      const index = Number(m[1]) - cur.base - 1;
      if (index === cur.lines.length) this.finish();
      else if (index >= 0 && index < cur.lines.length) cur.failures.push(failure(index + 1, cur.lines[index], message));
    }
  }

  private finish(error?: string): void {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    clearTimeout(cur.timer);
    const result: BatchResult = { ok: !error && cur.failures.length === 0, failures: cur.failures, durationMs: performance.now() - cur.started };
    if (error) result.error = error;
    cur.done(result);
  }
}

/** Runs batches of `ip` lines: through one long-running ip (persistent) or one ip per batch. */
export class IpBatch {
  private readonly argv: string[];
  private readonly timeoutMs: number;
  private readonly process: IpBatchProcess | undefined;

  constructor(options: IpBatchOptions = {}) {
    this.argv = [
      options.ipBinary ?? 'ip',
      ...(options.netns ? ['-n', options.netns] : []),
      ...(options.family ? [`-${options.family}`] : []),
      '-force',
      '-batch',
      '-',
    ];
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (options.persistent) this.process = new IpBatchProcess(this.argv, this.timeoutMs);
  }

  /** End the long-running ip (persistent mode); a later batch starts a new one. */
  close(): void {
    this.process?.close();
  }

  /** Run lines of `ip` commands (without the leading `ip`) in one process. */
  async run(lines: readonly string[]): Promise<BatchResult> {
    if (lines.length === 0) return { ok: true, failures: [], durationMs: 0 };
    // ip counts lines to report failures: one command per line.
    if (lines.some((l) => /[\r\n]/.test(l))) return { ok: false, failures: [], error: 'a batch line contains a line break', durationMs: 0 };
    if (this.process) return this.process.run(lines);
    const started = performance.now();
    const r = await execa(this.argv[0], this.argv.slice(1), {
      input: `${lines.join('\n')}\n`,
      reject: false,
      timeout: this.timeoutMs,
      stripFinalNewline: false,
    });
    const durationMs = performance.now() - started;
    const stderr = String(r.stderr ?? '');
    const failures = parseBatchErrors(stderr, lines);
    const result: BatchResult = { ok: r.exitCode === 0 && failures.length === 0, failures, durationMs };
    if (r.timedOut) result.error = `ip timed out after ${this.timeoutMs} ms`;
    else if (r.exitCode === undefined) result.error = `ip could not run: ${r.shortMessage ?? r.message ?? 'unknown error'}`;
    else if (r.exitCode !== 0 && failures.length === 0) result.error = `ip exited with ${r.exitCode}: ${stderr.trim()}`;
    if (result.error) result.ok = false;
    return result;
  }
}
