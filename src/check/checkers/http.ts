// HTTP_GET and SSL_GET: fetch each url over a new connection and check the
// status code and, when given, the MD5 digest of the body (http-exchange.ts
// says how it is computed). Every url must pass. TLS certificates are not
// verified, as in keepalived.
//
// What keepalived sends (check_http.c): `GET <path> HTTP/1.0` (1.1 with
// `http_protocol 1.1`), `User-Agent: KeepAliveClient`, `Connection: close`
// for 1.0C and 1.1, and `Host: <virtualhost>` or `Host: <ip>:<port>`.
// undici always speaks HTTP/1.1, so we send the same headers plus
// `Connection: close` on every request (one request per connection, like
// keepalived).
//
// A passing check that answers as the last one did returns the same result
// object.
import type { HttpProtocol } from '../../config/model/check.js';
import { formatHostPort, type Endpoint } from './endpoint.js';
import type { TlsSettings } from './http-connect.js';
import { exchange, type ExchangeTarget } from './http-exchange.js';
import type { Checker, CheckResult } from './types.js';

export type { TlsSettings } from './http-connect.js';

export const KEEPALIVED_USER_AGENT = 'KeepAliveClient';

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
  const outcome = await exchange(exchangeTarget(req, req.ssl, req), signal);
  if (!outcome.ok) throw new HttpGetError(outcome.reason);
  const { ok: _ok, ...response } = outcome;
  return response;
}

/** What one url asks for. */
interface UrlRequest {
  path: string;
  virtualhost?: string;
  httpProtocol: HttpProtocol;
  digest: boolean;
  tls?: TlsSettings;
}

/**
 * undici's request and the connection for one url. Made per check, not kept:
 * a few small objects per check cost less than keeping them for 10,000
 * checkers (and for the twin of each one a reload plans).
 */
function exchangeTarget(endpoint: ExchangeTarget['endpoint'], ssl: boolean, url: UrlRequest): ExchangeTarget {
  const timeoutMs = endpoint.connectTimeoutMs;
  const target: ExchangeTarget = {
    endpoint,
    request: {
      method: 'GET',
      path: url.path,
      // Name-value pairs: undici takes them as they are, no object to walk.
      headers: ['user-agent', KEEPALIVED_USER_AGENT, 'connection', 'close', 'host', url.virtualhost ?? formatHostPort(endpoint.host, endpoint.port)],
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    },
    digest: !url.digest ? 'none' : url.httpProtocol === '1.1' ? 'raw' : 'body',
  };
  if (ssl) {
    target.tls = url.tls ?? NO_CLIENT_CERTIFICATE;
    // SNI only when asked for (enable_sni), with the virtualhost; never the address.
    if (url.tls?.sni && url.virtualhost !== undefined) target.servername = url.virtualhost;
  }
  return target;
}

const NO_CLIENT_CERTIFICATE: TlsSettings = Object.freeze({ sni: false });

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
  /** The last passing result and the statuses it reports. */
  private passed: CheckResult | undefined;
  private passedStatuses: number[] | undefined;

  constructor(private readonly options: HttpCheckOptions) {
    this.type = options.type;
    this.target = requestUrl({ ...options, ssl: options.type === 'SSL_GET', path: '' });
  }

  async run(signal: AbortSignal): Promise<CheckResult> {
    const o = this.options;
    const ssl = o.type === 'SSL_GET';
    const statuses: number[] = [];
    for (const url of o.urls) {
      const vhost = url.virtualhost ?? o.virtualhost;
      const req: UrlRequest = { path: url.path, httpProtocol: o.httpProtocol, digest: url.digest !== undefined };
      if (vhost !== undefined) req.virtualhost = vhost;
      if (o.tls) req.tls = o.tls;
      const res = await exchange(exchangeTarget(o, ssl, req), signal);
      if (!res.ok) return this.failed(url, res.reason);
      if (!statusAccepted(res.status, url.statusCodes)) return this.failed(url, `status ${res.status}, expected ${formatRanges(url.statusCodes)}`);
      const expected = url.digest?.toLowerCase();
      if (expected !== undefined && res.digest !== expected) return this.failed(url, `MD5 digest ${res.digest} of the body, expected ${expected}`);
      statuses.push(res.status);
    }
    return this.passResult(statuses);
  }

  private failed(url: HttpUrlCheck, why: string): CheckResult {
    return { ok: false, reason: `GET ${this.target}${url.path}: ${why}` };
  }

  /** The same result object as last time when the statuses are the same (as TCP_CHECK's success). */
  private passResult(statuses: number[]): CheckResult {
    const last = this.passedStatuses;
    if (this.passed && last && last.every((s, i) => s === statuses[i])) return this.passed;
    const parts = this.options.urls.map((u, i) => `${u.path} ${statuses[i]}${u.digest !== undefined ? ' digest ok' : ''}`);
    this.passed = Object.freeze({ ok: true, reason: `GET ${this.target}: ${parts.join(', ')}` });
    this.passedStatuses = statuses;
    return this.passed;
  }
}

export function statusAccepted(status: number, ranges: ReadonlyArray<readonly [number, number]>): boolean {
  return ranges.some(([lo, hi]) => status >= lo && status <= hi);
}

function formatRanges(ranges: ReadonlyArray<readonly [number, number]>): string {
  return ranges.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(' ');
}
