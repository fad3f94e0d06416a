// One HTTP GET over a new connection, through undici's lowest public layer:
// a Client's dispatch() with a handler of our own. At 10,000 real servers
// this runs 10,000 times a second, so it avoids what undici's request() API
// adds per call (a body stream, an async iterator, an AbortSignal, a Client
// made and closed per request: each close builds an error with its stack
// trace).
//
// Clients are pooled: undici's Client is a connection manager, and ours
// connect through the hook in http-connect.ts to whatever the exchange
// using the Client says, so any idle Client serves any real server. Every
// request says `Connection: close`, so undici closes the connection after
// the response and the next exchange on that Client opens a new one:
// nothing is kept alive between checks, as in keepalived, and a refused or
// reset connection is seen by the check that meets it. A Client goes back
// to the pool only once undici has finished with the request on it (its
// last handler call), so two exchanges never share one.
//
// The digest, as keepalived computes it: the MD5 of every byte after the
// header block until the server closes. (It means to stop at
// Content-Length, but its parser never finds a value, so it reads to the
// end.) For an HTTP/1.0 request the server sends the body as is, which is
// the body undici decodes from our HTTP/1.1 request, so we hash the decoded
// body. With `http_protocol 1.1` a server may answer in chunks and
// keepalived then hashes the chunk framing too; to get the same digest we
// hash the raw bytes the socket delivers after the header block.
import { createHash, type Hash } from 'node:crypto';
import type { Socket } from 'node:net';
import { Client, type buildConnector, type Dispatcher } from 'undici';
import { offAbort, onAbort } from './abort.js';
import { describeError } from './errors.js';
import { openConnection, type ConnectTarget } from './http-connect.js';
import { quietUntilDestroyed, startQuietReset } from './quiet-reset.js';

/** What to fetch and from where. */
export interface ExchangeTarget extends ConnectTarget {
  /** undici's request: GET, path, headers, timeouts. */
  request: Dispatcher.DispatchOptions;
  /** Hash the decoded body ('body') or the raw bytes after the header block ('raw'). */
  digest: 'none' | 'body' | 'raw';
}

export type ExchangeOutcome =
  | { ok: true; status: number; bodyBytes: number; /** Lower-case hex MD5, when asked for. */ digest?: string }
  | { ok: false; /** Why, in words (describeError). */ reason: string };

/** GET `target` over a new connection; resolves (never rejects) with the outcome. */
export function exchange(target: ExchangeTarget, signal: AbortSignal): Promise<ExchangeOutcome> {
  if (signal.aborted) return Promise.resolve(ABORTED_OUTCOME);
  return new Promise((resolve) => {
    const pooled = idle.pop() ?? new PooledClient();
    const ex = new Exchange(target, signal, pooled, resolve);
    pooled.current = ex;
    onAbort(signal, ex.abort);
    pooled.client.dispatch(target.request, ex);
  });
}

// ---------------------------------------------------------------------------
// The Client pool

/** An undici Client and the exchange it connects for now. */
class PooledClient {
  current: Exchange | undefined;
  readonly client: Client;

  constructor() {
    // The origin is a placeholder: the connect hook decides where to connect, every request has its Host header.
    this.client = new Client('http://localhost', {
      connect: (_options, callback) => {
        if (this.current) this.current.connect(callback);
        else callback(new Error('a pooled HTTP client connected without an exchange'), null);
      },
      pipelining: 1,
    });
  }

  /** undici is done with the exchange's request: the Client can serve another. */
  release(): void {
    this.current = undefined;
    if (idle.length < MAX_IDLE) idle.push(this);
  }
}

const idle: PooledClient[] = [];
/** Idle Clients kept (the rest are left to the GC): enough for a burst of checks in flight. */
const MAX_IDLE = 1024;

/** Idle Clients in the pool (for tests). */
export function idleClients(): number {
  return idle.length;
}

// ---------------------------------------------------------------------------
// One exchange: undici's handler, the connection, the abort

const ABORTED_OUTCOME: ExchangeOutcome = Object.freeze({ ok: false, reason: describeError({ code: 'ABORT_ERR' }) });

/** The error an aborted exchange hands undici (made once: aborting at stop ends every check in flight). */
const ABORTED: Error = Object.assign(new Error('aborted'), { code: 'ABORT_ERR' });

const HEADER_END = Buffer.from('\r\n\r\n');

class Exchange implements Dispatcher.DispatchHandler {
  private status = 0;
  private bodyBytes = 0;
  private readonly md5: Hash | undefined;
  /** Raw digest only: the bytes of the header block seen so far (until its end is found). */
  private head: Buffer | undefined;
  private socket: Socket | undefined;
  private controller: Dispatcher.DispatchController | undefined;
  private settled = false;
  /** undici is done with the request (its last handler call). */
  private finished = false;

  constructor(
    private readonly target: ExchangeTarget,
    private readonly signal: AbortSignal,
    private readonly pooled: PooledClient,
    private readonly resolve: (outcome: ExchangeOutcome) => void,
  ) {
    if (target.digest !== 'none') this.md5 = createHash('md5');
    if (target.digest === 'raw') this.head = Buffer.alloc(0);
  }

  /** The Client's connect hook, for this exchange. */
  connect(callback: buildConnector.Callback): void {
    if (this.settled) {
      callback(ABORTED, null);
      return;
    }
    openConnection(
      this.target,
      (socket) => {
        this.socket = socket;
        quietUntilDestroyed(socket);
        if (this.target.digest === 'raw') tapReads(socket, this);
      },
      callback,
    );
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(ABORTED);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    // 1xx interim responses are not the answer.
    if (statusCode >= 200) this.status = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bodyBytes += chunk.length;
    if (this.target.digest === 'body') this.md5!.update(chunk);
  }

  onResponseEnd(): void {
    this.finish();
    const digest = this.md5?.digest('hex');
    this.settle({ ok: true, status: this.status, bodyBytes: this.bodyBytes, ...(digest !== undefined ? { digest } : {}) });
    // Last: undici now closes the connection with an error of its own (quiet-reset.ts).
    startQuietReset();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.finish();
    this.settle(err === ABORTED ? ABORTED_OUTCOME : { ok: false, reason: describeError(err) });
  }

  /** The runner's signal aborted: answer now; undici hears it through the controller or the socket. */
  readonly abort = (): void => {
    this.settle(ABORTED_OUTCOME);
    if (this.finished) return;
    if (this.controller) this.controller.abort(ABORTED);
    else this.socket?.destroy(ABORTED);
  };

  /** Raw digest: the bytes the socket delivers, header block included. */
  rawBytes(chunk: Buffer): void {
    if (this.head === undefined) {
      this.md5!.update(chunk);
      return;
    }
    // The blank line may straddle chunks: search the tail of the head too.
    const joined = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
    const at = joined.indexOf(HEADER_END);
    if (at < 0) {
      this.head = joined;
      return;
    }
    this.head = undefined;
    this.md5!.update(joined.subarray(at + HEADER_END.length));
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.pooled.release();
  }

  private settle(outcome: ExchangeOutcome): void {
    if (this.settled) return;
    this.settled = true;
    offAbort(this.signal, this.abort);
    this.resolve(outcome);
  }
}

/**
 * See every byte undici reads from the socket (decrypted, for TLS). undici
 * pulls data with socket.read(); wrapping that method on this one socket
 * shows us the same bytes without changing what undici gets.
 */
function tapReads(socket: Socket, ex: Exchange): void {
  const read = socket.read.bind(socket);
  socket.read = ((size?: number) => {
    const chunk = read(size) as Buffer | string | null;
    if (chunk !== null) ex.rawBytes(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return chunk;
  }) as Socket['read'];
}
