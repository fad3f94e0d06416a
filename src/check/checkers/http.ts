// HTTP_GET and SSL_GET: fetch each url over a new connection and check the
// status code and, when given, the MD5 digest of the body. Every url must
// pass. TLS certificates are not verified, as in keepalived.
//
// What keepalived sends (check_http.c): `GET <path> HTTP/1.0` (1.1 with
// `http_protocol 1.1`), `User-Agent: KeepAliveClient`, `Connection: close`
// for 1.0C and 1.1, and `Host: <virtualhost>` or `Host: <ip>:<port>`.
// undici always speaks HTTP/1.1, so we send the same headers plus
// `Connection: close` on every request (one request per connection, like
// keepalived).
//
// The digest, as keepalived computes it: the MD5 of every byte after the
// header block until the server closes. (It means to stop at Content-Length,
// but its parser never finds a value, so it reads to the end.) For an
// HTTP/1.0 request the server sends the body as is, which is the body undici
// decodes from our HTTP/1.1 request, so we hash the decoded body. With
// `http_protocol 1.1` a server may answer in chunks and keepalived then hashes
// the chunk framing too; to get the same digest we hash the raw bytes the
// socket delivers after the header block.
import { createHash, type Hash } from 'node:crypto';
import type { Socket } from 'node:net';
import { buildConnector, Client } from 'undici';
import type { HttpProtocol } from '../../config/model/check.js';
import { attemptSignal } from './abort.js';
import { formatHostPort, type Endpoint } from './endpoint.js';
import { describeError } from './errors.js';
import type { Checker, CheckResult } from './types.js';

export const KEEPALIVED_USER_AGENT = 'KeepAliveClient';

export interface TlsSettings {
  /** Send SNI (enable_sni): the url's virtualhost as server name. */
  sni: boolean;
  /** Client certificate and key (the top-level ssl block), PEM. */
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  ca?: string | Buffer;
}

export interface HttpGetRequest extends Endpoint {
  ssl: boolean;
  path: string;
  /** Host header (and SNI name); default `<ip>:<port>`. */
  virtualhost?: string;
  httpProtocol: HttpProtocol;
  connectTimeoutMs: number;
  tls?: TlsSettings;
  /** Compute the body digest. */
  digest: boolean;
}

export interface HttpGetResponse {
  status: number;
  /** MD5 of the body as keepalived computes it, lower-case hex; present when asked for. */
  digest?: string;
  /** Bytes of (decoded) body received. */
  bodyBytes: number;
}

/** A failed fetch, with a reason in words. */
export class HttpGetError extends Error {}

/** The URL a request goes to, for messages: `http://198.51.100.21:80/health`. */
export function requestUrl(req: Pick<HttpGetRequest, 'ssl' | 'host' | 'port' | 'path'>): string {
  return `${req.ssl ? 'https' : 'http'}://${formatHostPort(req.host, req.port)}${req.path}`;
}

/** One GET over a new connection; throws HttpGetError with the reason. */
export async function httpGet(req: HttpGetRequest, signal: AbortSignal): Promise<HttpGetResponse> {
  const origin = `${req.ssl ? 'https' : 'http'}://${formatHostPort(req.host, req.port)}`;
  const raw = req.digest && req.httpProtocol === '1.1' ? new RawBodyDigest() : undefined;
  const client = new Client(origin, {
    connect: connector(req, raw),
    headersTimeout: req.connectTimeoutMs,
    bodyTimeout: req.connectTimeoutMs,
    pipelining: 1,
  });
  try {
    const res = await client.request({
      method: 'GET',
      path: req.path,
      headers: {
        'user-agent': KEEPALIVED_USER_AGENT,
        connection: 'close',
        host: req.virtualhost ?? formatHostPort(req.host, req.port),
      },
      signal,
    });
    const decoded = req.digest && !raw ? createHash('md5') : undefined;
    let bodyBytes = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      bodyBytes += chunk.length;
      decoded?.update(chunk);
    }
    const digest = raw ? raw.hex() : decoded?.digest('hex');
    return { status: res.statusCode, bodyBytes, ...(digest !== undefined ? { digest } : {}) };
  } catch (err) {
    client.destroy().catch(() => {});
    throw new HttpGetError(describeError(err));
  } finally {
    // After a complete response a graceful close has nothing to cancel; destroy() builds an error
    // (with its stack trace) for every check, a fifth of HTTP_GET's CPU at scale.
    if (!client.destroyed) client.close().catch(() => {});
  }
}

/**
 * undici's connector with keepalived's connection options: bindto /
 * bind_port, connect_timeout, no certificate verification, SNI only when
 * asked for (undici would otherwise derive it from the Host header).
 */
function connector(req: HttpGetRequest, raw: RawBodyDigest | undefined): buildConnector.connector {
  const base = buildConnector({
    timeout: req.connectTimeoutMs,
    keepAlive: false,
    rejectUnauthorized: false,
    ...(req.bindPort !== undefined ? { localPort: req.bindPort } : {}),
    ...(req.tls?.cert !== undefined ? { cert: req.tls.cert } : {}),
    ...(req.tls?.key !== undefined ? { key: req.tls.key } : {}),
    ...(req.tls?.passphrase !== undefined ? { passphrase: req.tls.passphrase } : {}),
    ...(req.tls?.ca !== undefined ? { ca: req.tls.ca } : {}),
  } as buildConnector.BuildOptions);
  const servername = req.tls?.sni && req.virtualhost !== undefined ? req.virtualhost : '';
  return (options, callback) =>
    base({ ...options, servername, ...(req.bindTo !== undefined ? { localAddress: req.bindTo } : {}) }, (err, socket) => {
      if (socket && raw) tapReads(socket as Socket, (chunk) => raw.update(chunk));
      callback(err, socket as never);
    });
}

/**
 * See every byte undici reads from the socket (decrypted, for TLS). undici
 * pulls data with socket.read(); wrapping that method on this one socket
 * shows us the same bytes without changing what undici gets.
 */
function tapReads(socket: Socket, onBytes: (chunk: Buffer) => void): void {
  const read = socket.read.bind(socket);
  socket.read = ((size?: number) => {
    const chunk = read(size) as Buffer | string | null;
    if (chunk !== null) onBytes(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return chunk;
  }) as Socket['read'];
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** MD5 of the bytes after the first blank line of a raw response stream. */
class RawBodyDigest {
  private head: Buffer | undefined = Buffer.alloc(0);
  private readonly md5: Hash = createHash('md5');

  update(chunk: Buffer): void {
    if (this.head === undefined) {
      this.md5.update(chunk);
      return;
    }
    // The blank line may straddle chunks: search the tail of the head too.
    const joined = Buffer.concat([this.head, chunk]);
    const at = joined.indexOf(HEADER_END);
    if (at < 0) {
      this.head = joined;
      return;
    }
    this.head = undefined;
    this.md5.update(joined.subarray(at + HEADER_END.length));
  }

  hex(): string {
    return this.md5.digest('hex');
  }
}

// ---------------------------------------------------------------------------
// The checker

export interface HttpUrlCheck {
  path: string;
  /** Expected MD5 of the body, hex. */
  digest?: string;
  /** Accepted status codes, inclusive ranges. */
  statusCodes: ReadonlyArray<readonly [number, number]>;
  /** Overrides the checker's virtualhost for this url. */
  virtualhost?: string;
}

export interface HttpCheckOptions extends Endpoint {
  type: 'HTTP_GET' | 'SSL_GET';
  connectTimeoutMs: number;
  urls: HttpUrlCheck[];
  /** The checker's, else the real server's, else the virtual server's virtualhost. */
  virtualhost?: string;
  httpProtocol: HttpProtocol;
  tls?: TlsSettings;
}

export class HttpChecker implements Checker {
  readonly type: 'HTTP_GET' | 'SSL_GET';
  readonly target: string;

  constructor(private readonly options: HttpCheckOptions) {
    this.type = options.type;
    this.target = requestUrl({ ...options, ssl: options.type === 'SSL_GET', path: '' });
  }

  async run(signal: AbortSignal): Promise<CheckResult> {
    // undici listens on the signal it is given: give it one of this attempt's own.
    const attempt = attemptSignal(signal);
    try {
      return await this.fetchAll(attempt.signal);
    } finally {
      attempt.release();
    }
  }

  private async fetchAll(signal: AbortSignal): Promise<CheckResult> {
    const o = this.options;
    const passed: string[] = [];
    for (const url of o.urls) {
      const vhost = url.virtualhost ?? o.virtualhost;
      const req: HttpGetRequest = {
        host: o.host,
        port: o.port,
        ...(o.bindTo !== undefined ? { bindTo: o.bindTo } : {}),
        ...(o.bindPort !== undefined ? { bindPort: o.bindPort } : {}),
        ssl: o.type === 'SSL_GET',
        path: url.path,
        ...(vhost !== undefined ? { virtualhost: vhost } : {}),
        httpProtocol: o.httpProtocol,
        connectTimeoutMs: o.connectTimeoutMs,
        ...(o.tls ? { tls: o.tls } : {}),
        digest: url.digest !== undefined,
      };
      const where = `GET ${requestUrl(req)}`;
      let res: HttpGetResponse;
      try {
        res = await httpGet(req, signal);
      } catch (err) {
        return { ok: false, reason: `${where}: ${(err as Error).message}` };
      }
      if (!statusAccepted(res.status, url.statusCodes)) {
        return { ok: false, reason: `${where}: status ${res.status}, expected ${formatRanges(url.statusCodes)}` };
      }
      if (url.digest !== undefined && res.digest !== url.digest.toLowerCase()) {
        return { ok: false, reason: `${where}: MD5 digest ${res.digest} of the body, expected ${url.digest.toLowerCase()}` };
      }
      passed.push(`${url.path} ${res.status}${url.digest !== undefined ? ' digest ok' : ''}`);
    }
    return { ok: true, reason: `GET ${this.target}: ${passed.join(', ')}` };
  }
}

export function statusAccepted(status: number, ranges: ReadonlyArray<readonly [number, number]>): boolean {
  return ranges.some(([lo, hi]) => status >= lo && status <= hi);
}

function formatRanges(ranges: ReadonlyArray<readonly [number, number]>): string {
  return ranges.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(' ');
}
