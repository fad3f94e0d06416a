// SMTP_CHECK: keepalived's dialogue (check_smtp.c): connect, read the
// greeting and require status 220, send `HELO <helo_name>`, require 250, send
// `QUIT` and read one more line (any status). A "line" is whatever has been
// read once a newline is in the buffer; the status is its first three digits,
// so multi-line replies (220-...) count by their first line. Each step (the
// connect, every read, every write) has connect_timeout. With the deprecated
// host { } blocks every host is checked in turn and all must pass.
import { Socket } from 'node:net';
import { offAbort, onAbort } from './abort.js';
import { connectOptions, formatEndpoint, type Endpoint } from './endpoint.js';
import { describeError } from './errors.js';
import type { Checker, CheckResult } from './types.js';

export const SMTP_DEFAULT_HELO = 'smtpchecker.keepalived.org';
/** keepalived's SMTP_BUFF_MAX: a reply line longer than this is cut. */
const LINE_MAX = 512;

export interface SmtpCheckOptions {
  /** The hosts to check in turn (one unless host { } blocks were used). */
  hosts: Endpoint[];
  connectTimeoutMs: number;
  heloName: string;
}

/** The three-digit status at the start of a reply line, or undefined. */
export function smtpStatus(line: string): number | undefined {
  return /^\d{3}/.test(line) ? Number(line.slice(0, 3)) : undefined;
}

class SmtpStepError extends Error {}

/** A TCP connection read line by line, every step bounded by a timeout. */
class SmtpSession {
  private buffered = '';
  private waiter: (() => void) | undefined;
  private failure: string | undefined;
  private closed = false;
  private readonly abort = (): void => this.fail('aborted');

  constructor(
    private readonly socket: Socket,
    private readonly stepMs: number,
    private readonly signal: AbortSignal,
  ) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buffered = (this.buffered + d).slice(0, LINE_MAX * 4);
      this.wake();
    });
    socket.on('error', (err) => this.fail(describeError(err)));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    onAbort(signal, this.abort);
  }

  /** The dialogue is over: stop listening for the abort. */
  release(): void {
    offAbort(this.signal, this.abort);
  }

  private fail(why: string): void {
    this.failure ??= why;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private async until<T>(what: string, ready: () => T | undefined): Promise<T> {
    const deadline = performance.now() + this.stepMs;
    for (;;) {
      if (this.failure !== undefined) throw new SmtpStepError(`${what}: ${this.failure}`);
      const value = ready();
      if (value !== undefined) return value;
      if (this.closed) throw new SmtpStepError(`${what}: connection closed by the server`);
      const left = deadline - performance.now();
      if (left <= 0) throw new SmtpStepError(`${what}: no answer within ${this.stepMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  connect(to: Endpoint): Promise<void> {
    this.socket.connect(connectOptions(to));
    let connected = false;
    this.socket.once('connect', () => {
      connected = true;
      this.wake();
    });
    return this.until('connect', () => (connected ? true : undefined)).then(() => {});
  }

  /** The next reply line; what followed it in the same read is dropped, as keepalived does. */
  async readLine(what: string): Promise<string> {
    const line = await this.until(what, () => {
      const nl = this.buffered.indexOf('\n');
      return nl >= 0 ? this.buffered.slice(0, nl).replace(/\r$/, '') : undefined;
    });
    this.buffered = '';
    return line;
  }

  async write(what: string, text: string): Promise<void> {
    let written = false;
    this.socket.write(text, 'latin1', (err) => {
      if (err) this.fail(describeError(err));
      written = true;
      this.wake();
    });
    await this.until(what, () => (written ? true : undefined));
  }
}

/** The dialogue with one host; throws SmtpStepError with the step that failed. */
async function checkHost(to: Endpoint, o: SmtpCheckOptions, signal: AbortSignal): Promise<void> {
  const socket = new Socket();
  const session = new SmtpSession(socket, o.connectTimeoutMs, signal);
  try {
    await session.connect(to);
    const banner = await session.readLine('greeting');
    if (smtpStatus(banner) !== 220) throw new SmtpStepError(`greeting ${quote(banner)}, expected 220`);
    await session.write('HELO', `HELO ${o.heloName}\r\n`);
    const helo = await session.readLine('HELO reply');
    if (smtpStatus(helo) !== 250) throw new SmtpStepError(`HELO answered ${quote(helo)}, expected 250`);
    await session.write('QUIT', 'QUIT\r\n');
    await session.readLine('QUIT reply');
  } finally {
    session.release();
    socket.destroy();
  }
}

function quote(line: string): string {
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}...` : line);
}

export class SmtpChecker implements Checker {
  readonly type = 'SMTP_CHECK';
  readonly target: string;

  constructor(private readonly options: SmtpCheckOptions) {
    this.target = options.hosts.map(formatEndpoint).join(', ');
  }

  async run(signal: AbortSignal): Promise<CheckResult> {
    for (const host of this.options.hosts) {
      const where = `SMTP ${formatEndpoint(host)}`;
      if (signal.aborted) return { ok: false, reason: `${where}: aborted` };
      try {
        await checkHost(host, this.options, signal);
      } catch (err) {
        return { ok: false, reason: `${where}: ${err instanceof SmtpStepError ? err.message : describeError(err)}` };
      }
    }
    return { ok: true, reason: `SMTP ${this.target}: 220, HELO 250, QUIT answered` };
  }
}
