// From the config model's checker blocks to runnable checkers. Each checker
// type maps its own settings; the connection defaults (the real server's
// address and port) are settled here once.
import { readFileSync } from 'node:fs';
import type { Checker as CheckerModel, ConnectionOptions, HttpCheck, RealServer, SslSettings, VirtualServer } from '../../config/model/check.js';
import type { Endpoint } from './endpoint.js';
import { HttpChecker, type TlsSettings } from './http.js';
import { TcpChecker } from './tcp.js';
import type { Checker } from './types.js';

export interface CheckerContext {
  vs: VirtualServer;
  rs: RealServer;
  /** The top-level ssl block, for SSL_GET client certificates. */
  ssl?: SslSettings;
  /** Reads certificate files; default fs.readFileSync. */
  readFile?: (path: string) => Buffer;
}

export type BuiltChecker =
  | { ok: true; checker: Checker; /** keepalived keeps retrying TCP_CHECK while down. */ retryWhileDown: boolean; notes: string[] }
  | { ok: false; reason: string };

/** Checker types this module can run so far. */
export const SUPPORTED_CHECKERS = ['TCP_CHECK', 'HTTP_GET', 'SSL_GET'] as const;

export function buildChecker(model: CheckerModel, ctx: CheckerContext): BuiltChecker {
  switch (model.type) {
    case 'TCP_CHECK': {
      const { endpoint, notes } = endpointOf(model.connection, ctx);
      return { ok: true, checker: new TcpChecker({ ...endpoint, connectTimeoutMs: connectTimeoutMs(model) }), retryWhileDown: true, notes };
    }
    case 'HTTP_GET':
    case 'SSL_GET':
      return buildHttp(model, ctx);
    default:
      return { ok: false, reason: `${model.type} is not implemented yet` };
  }
}

function connectTimeoutMs(model: CheckerModel): number {
  return (model.resolved.connectTimeout ?? 5) * 1000;
}

/** The real server's port as keepalived checks it (after its DR / TUN port corrections). */
export function realServerPort(vs: VirtualServer, rs: RealServer): number {
  return rs.effective?.port ?? rs.port ?? (vs.key.kind === 'address' ? vs.key.port : 0);
}

function endpointOf(conn: ConnectionOptions, ctx: CheckerContext): { endpoint: Endpoint; notes: string[] } {
  const notes: string[] = [];
  // node's sockets cannot set SO_BINDTODEVICE or SO_MARK.
  if (conn.bindIf !== undefined) notes.push(`bind_if ${conn.bindIf} is not supported; connecting without it`);
  if (conn.fwmark !== undefined) notes.push(`fwmark ${conn.fwmark} is not supported; connecting without it`);
  const endpoint: Endpoint = {
    host: (conn.connectIp ?? ctx.rs.address).address,
    port: conn.connectPort ?? realServerPort(ctx.vs, ctx.rs),
    ...(conn.bindTo !== undefined ? { bindTo: conn.bindTo.address } : {}),
    ...(conn.bindPort !== undefined ? { bindPort: conn.bindPort } : {}),
  };
  return { endpoint, notes };
}

function buildHttp(model: HttpCheck, ctx: CheckerContext): BuiltChecker {
  const { endpoint, notes } = endpointOf(model.connection, ctx);
  const virtualhost = model.virtualhost ?? ctx.rs.virtualhost ?? ctx.vs.virtualhost;
  let tls: TlsSettings | undefined;
  if (model.type === 'SSL_GET') {
    tls = { sni: model.enableSni };
    const read = ctx.readFile ?? ((path: string) => readFileSync(path));
    const file = (what: string, path: string | undefined): Buffer | undefined => {
      if (path === undefined) return undefined;
      try {
        return read(path);
      } catch (err) {
        notes.push(`cannot read ssl ${what} ${path}: ${(err as Error).message}`);
        return undefined;
      }
    };
    const cert = file('certificate', ctx.ssl?.certificate);
    const key = file('key', ctx.ssl?.key);
    const ca = file('ca', ctx.ssl?.ca);
    if (cert && key) Object.assign(tls, { cert, key });
    if (ca) tls.ca = ca;
    if (ctx.ssl?.password !== undefined) tls.passphrase = ctx.ssl.password;
  }
  if (model.urls.some((u) => u.regex !== undefined)) notes.push('url regex is not supported yet; only status and digest are checked');
  const checker = new HttpChecker({
    ...endpoint,
    type: model.type,
    connectTimeoutMs: connectTimeoutMs(model),
    urls: model.urls.map((u) => ({
      path: u.path ?? '/',
      statusCodes: u.statusCodes,
      ...(u.digest !== undefined ? { digest: u.digest } : {}),
      ...(u.virtualhost !== undefined ? { virtualhost: u.virtualhost } : {}),
    })),
    ...(virtualhost !== undefined ? { virtualhost } : {}),
    httpProtocol: model.httpProtocol,
    ...(tls ? { tls } : {}),
  });
  return { ok: true, checker, retryWhileDown: false, notes };
}
