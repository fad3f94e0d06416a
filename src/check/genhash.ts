// keepalived's genhash (`keepalived --genhash`, `-T`): fetch one URL the way
// HTTP_GET / SSL_GET do and print the MD5 digest of the body, to paste into
// a url block's `digest`. Same flags as keepalived 2.2.7's genhash.
import { isIP } from 'node:net';
import type { HttpProtocol } from '../config/model/check.js';
import { httpGet, HttpGetError, requestUrl } from './checkers/http.js';

export interface GenhashOptions {
  server: string;
  port: number;
  path: string;
  ssl: boolean;
  sni: boolean;
  virtualhost?: string;
  protocol: HttpProtocol;
  /** keepalived waits forever by default; we give up after 5 s unless -t says otherwise. */
  timeoutMs: number;
  verbose: boolean;
}

export const GENHASH_DEFAULT_TIMEOUT_MS = 5000;

export const GENHASH_USAGE = `Usage: keepalived-ts --genhash -s ADDRESS -p PORT -u PATH [OPTIONS]
Fetch a URL like HTTP_GET / SSL_GET and print the MD5 digest of its body.

  -s, --server ADDRESS        server IP address
  -p, --port PORT             server port
  -u, --url PATH              path to fetch, e.g. /index.html
  -S, --use-ssl               use TLS (SSL_GET); the certificate is not verified
  -I, --use-sni               send the virtualhost as TLS server name (SNI)
  -V, --use-virtualhost NAME  Host header (default ADDRESS:PORT)
  -P, --protocol VERSION      1.0 (default), 1.0c (1.0 with Connection: close) or 1.1
  -t, --timeout SECONDS       give up after this long (default 5)
  -v, --verbose               also print the status and body size
  -h, --help                  this help
`;

export type GenhashArgs = { ok: true; options: GenhashOptions } | { ok: false; error?: string; help?: boolean };

const LONG: Record<string, string> = {
  server: 's',
  port: 'p',
  url: 'u',
  'use-ssl': 'S',
  'use-sni': 'I',
  'use-virtualhost': 'V',
  protocol: 'P',
  timeout: 't',
  verbose: 'v',
  help: 'h',
  fwmark: 'm',
  genhash: 'T',
};
const TAKES_VALUE = new Set(['s', 'p', 'u', 'V', 'P', 't', 'm']);

/** Parse genhash's flags (a leading -T / --genhash is allowed and ignored). */
export function parseGenhashArgs(argv: readonly string[]): GenhashArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let letter: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      letter = LONG[name];
      if (eq >= 0) inline = arg.slice(eq + 1);
      if (!letter) return { ok: false, error: `unknown option '${arg}'` };
    } else if (/^-[A-Za-z]/.test(arg)) {
      letter = arg[1];
      if (arg.length > 2) inline = arg.slice(2);
    } else {
      return { ok: false, error: `unexpected argument '${arg}'` };
    }
    if (TAKES_VALUE.has(letter)) {
      const value = inline ?? argv[++i];
      if (value === undefined) return { ok: false, error: `option '${arg}' needs a value` };
      values.set(letter, value);
    } else if (['S', 'I', 'v', 'h', 'T'].includes(letter)) {
      if (inline !== undefined) return { ok: false, error: `option '${arg}' takes no value` };
      flags.add(letter);
    } else {
      return { ok: false, error: `unknown option '${arg}'` };
    }
  }
  if (flags.has('h')) return { ok: false, help: true };
  if (values.has('m')) return { ok: false, error: 'fwmark (-m) is not supported' };

  const server = values.get('s');
  const portText = values.get('p');
  const path = values.get('u');
  if (server === undefined || portText === undefined || path === undefined) {
    return { ok: false, error: 'server (-s), port (-p) and url (-u) are required' };
  }
  if (isIP(server) === 0) return { ok: false, error: `server should be an IP, not ${server}` };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return { ok: false, error: `invalid port number '${portText}'` };

  const protocolText = values.get('P') ?? '1.0';
  const protocol = ({ '1.0': '1.0', '1.0c': '1.0C', '1.0C': '1.0C', '1.1': '1.1' } as const)[protocolText];
  if (!protocol) return { ok: false, error: `invalid HTTP protocol version '${protocolText}'` };

  let timeoutMs = GENHASH_DEFAULT_TIMEOUT_MS;
  const timeoutText = values.get('t');
  if (timeoutText !== undefined) {
    if (!/^\s*\d+$/.test(timeoutText)) return { ok: false, error: `invalid timeout '${timeoutText}'` };
    timeoutMs = Number(timeoutText) * 1000;
  }

  const virtualhost = values.get('V');
  return {
    ok: true,
    options: {
      server: server.toLowerCase(),
      port,
      path,
      ssl: flags.has('S'),
      sni: flags.has('I'),
      ...(virtualhost !== undefined ? { virtualhost } : {}),
      protocol,
      timeoutMs,
      verbose: flags.has('v'),
    },
  };
}

export type GenhashResult = { ok: true; digest: string; status: number; bodyBytes: number } | { ok: false; reason: string };

/** Fetch the URL and return the digest keepalived would compare with `digest`. */
export async function genhash(options: GenhashOptions, signal: AbortSignal = new AbortController().signal): Promise<GenhashResult> {
  // connect_timeout covers each step; -t bounds the whole fetch as well.
  const deadline = AbortSignal.timeout(options.timeoutMs);
  try {
    const res = await httpGet(
      {
        host: options.server,
        port: options.port,
        ssl: options.ssl,
        path: options.path,
        ...(options.virtualhost !== undefined ? { virtualhost: options.virtualhost } : {}),
        httpProtocol: options.protocol,
        connectTimeoutMs: options.timeoutMs,
        tls: { sni: options.sni },
        digest: true,
      },
      AbortSignal.any([signal, deadline]),
    );
    return { ok: true, digest: res.digest!, status: res.status, bodyBytes: res.bodyBytes };
  } catch (err) {
    const reason = deadline.aborted ? `no complete answer within ${options.timeoutMs} ms` : (err as Error).message;
    return { ok: false, reason: err instanceof HttpGetError || deadline.aborted ? reason : `unexpected error: ${reason}` };
  }
}

export interface GenhashIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * The command: parse, fetch, print the digest on stdout. Exit code 0 on
 * success, 1 for a failed fetch or bad usage (keepalived exits 0 even when
 * the connection fails; a script is better served by a failure code).
 */
export async function runGenhash(argv: readonly string[], io: GenhashIo): Promise<number> {
  const args = parseGenhashArgs(argv);
  if (!args.ok) {
    if (args.error) io.stderr(`genhash: ${args.error}\n`);
    io.stderr(GENHASH_USAGE);
    return args.help ? 0 : 1;
  }
  const { options } = args;
  const result = await genhash(options);
  if (!result.ok) {
    io.stderr(`genhash: GET ${requestUrl({ ...options, host: options.server })}: ${result.reason}\n`);
    return 1;
  }
  if (options.verbose) io.stderr(`HTTP status ${result.status}, ${result.bodyBytes} body bytes\n`);
  io.stdout(`${result.digest}\n`);
  return 0;
}
