// From the config model's checker blocks to runnable checkers. Each checker
// type maps its own settings; the connection defaults (the real server's
// address and port) are settled here once.
import { readFileSync } from 'node:fs';
import type {
  Checker as CheckerModel,
  ConnectionOptions,
  FileCheck,
  HttpCheck,
  MiscCheck,
  RealServer,
  SmtpCheck,
  SslSettings,
  UdpCheck,
  VirtualServer,
} from '../../config/model/check.js';
import type { TrackFile } from '../../config/model/vrrp.js';
import { DnsChecker } from './dns.js';
import type { Endpoint } from './endpoint.js';
import { FileChecker } from './file.js';
import { HttpChecker, type TlsSettings } from './http.js';
import { MiscChecker, miscScriptProblem } from './misc.js';
import { PingChecker } from './ping.js';
import { SmtpChecker } from './smtp.js';
import { TcpChecker } from './tcp.js';
import type { Checker } from './types.js';
import { UdpChecker } from './udp.js';

export interface CheckerContext {
  vs: VirtualServer;
  rs: RealServer;
  /** The top-level ssl block, for SSL_GET client certificates. */
  ssl?: SslSettings;
  /** Reads certificate files; default fs.readFileSync. */
  readFile?: (path: string) => Buffer;
  /** The top-level track_file blocks (config.vrrp.trackFiles), for FILE_CHECK. */
  trackFiles?: readonly TrackFile[];
  /** Whether a MISC_CHECK script can run; default: found and executable (misc.ts). */
  scriptProblem?: (file: string) => string | undefined;
}

/** Timing that a checker type imposes whatever its timers say (FILE_CHECK). */
export interface TimingOverride {
  delayLoopMs?: number;
  retry?: number;
}

export type BuiltChecker =
  | {
      ok: true;
      checker: Checker;
      /** keepalived keeps retrying TCP_CHECK while down. */
      retryWhileDown: boolean;
      notes: string[];
      /** Use these instead of the checker's resolved timers. */
      timing?: TimingOverride;
    }
  | { ok: false; reason: string };

/** Checker types this module can run. */
export const SUPPORTED_CHECKERS = ['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'DNS_CHECK', 'SMTP_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK'] as const;

/** How often FILE_CHECK reads its file (keepalived reacts to inotify at once). */
export const FILE_CHECK_POLL_MS = 1000;

export function buildChecker(model: CheckerModel, ctx: CheckerContext): BuiltChecker {
  switch (model.type) {
    case 'TCP_CHECK': {
      const { endpoint, notes } = endpointOf(model.connection, ctx);
      return { ok: true, checker: new TcpChecker({ ...endpoint, connectTimeoutMs: connectTimeoutMs(model) }), retryWhileDown: true, notes };
    }
    case 'HTTP_GET':
    case 'SSL_GET':
      return buildHttp(model, ctx);
    case 'MISC_CHECK':
      return buildMisc(model, ctx);
    case 'DNS_CHECK': {
      const { endpoint, notes } = endpointOf(model.connection, ctx);
      const checker = new DnsChecker({ ...endpoint, connectTimeoutMs: connectTimeoutMs(model), queryType: model.queryType, name: model.name });
      return { ok: true, checker, retryWhileDown: false, notes };
    }
    case 'SMTP_CHECK':
      return buildSmtp(model, ctx);
    case 'UDP_CHECK':
      return buildUdp(model, ctx);
    case 'PING_CHECK': {
      const { endpoint, notes } = endpointOf(model.connection, ctx);
      if (endpoint.bindTo !== undefined) notes.push(`bindto ${endpoint.bindTo} is not applied to PING_CHECK (raw sockets are not bound)`);
      return { ok: true, checker: new PingChecker({ host: endpoint.host, connectTimeoutMs: connectTimeoutMs(model) }), retryWhileDown: false, notes };
    }
    case 'FILE_CHECK':
      return buildFile(model, ctx);
    case 'BFD_CHECK':
      return { ok: false, reason: 'BFD_CHECK is not supported (keepalived-ts has no BFD process); the checker does not vote' };
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

function buildMisc(model: MiscCheck, ctx: CheckerContext): BuiltChecker {
  const script = model.script;
  if (!script || script.argv.length === 0) return { ok: false, reason: 'MISC_CHECK has no misc_path' };
  const problem = (ctx.scriptProblem ?? ((f: string) => miscScriptProblem(f)))(script.argv[0]);
  // keepalived removes such a checker at start-up: the real server keeps the verdict of its other checkers.
  if (problem !== undefined) return { ok: false, reason: `misc_path ${problem}: the checker is disabled, as keepalived does` };
  const user = model.user?.user ?? script.user;
  const group = model.user ? model.user.group : script.group;
  const timeoutS = model.timeout ?? model.resolved.delayLoop;
  const checker = new MiscChecker({
    command: script.command,
    argv: script.argv,
    timeoutMs: timeoutS * 1000,
    dynamic: model.dynamic,
    ...(user !== undefined ? { user } : {}),
    ...(user !== undefined && group !== undefined ? { group } : {}),
  });
  return { ok: true, checker, retryWhileDown: false, notes: [] };
}

function buildSmtp(model: SmtpCheck, ctx: CheckerContext): BuiltChecker {
  const notes: string[] = [];
  // A host { } block starts from the checker's connection options and overrides what it sets.
  const connections = model.hosts.length > 0 ? model.hosts.map((h) => ({ ...model.connection, ...defined(h.connection) })) : [model.connection];
  const hosts = connections.map((conn) => {
    const built = endpointOf(conn, ctx);
    for (const n of built.notes) if (!notes.includes(n)) notes.push(n);
    return built.endpoint;
  });
  const checker = new SmtpChecker({ hosts, connectTimeoutMs: connectTimeoutMs(model), heloName: model.heloName });
  return { ok: true, checker, retryWhileDown: false, notes };
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function buildUdp(model: UdpCheck, ctx: CheckerContext): BuiltChecker {
  const { endpoint, notes } = endpointOf(model.connection, ctx);
  if (model.requireReply && model.replyData && model.minReplyLength > model.maxReplyLength) {
    notes.push(`min_reply_length ${model.minReplyLength} > max_reply_length ${model.maxReplyLength}: the check always fails (as in keepalived)`);
  }
  const checker = new UdpChecker({
    ...endpoint,
    connectTimeoutMs: connectTimeoutMs(model),
    ...(model.payload ? { payload: Uint8Array.from(model.payload) } : {}),
    requireReply: model.requireReply,
    ...(model.replyData ? { replyData: Uint8Array.from(model.replyData) } : {}),
    ...(model.replyMask ? { replyMask: Uint8Array.from(model.replyMask) } : {}),
    minReplyLength: model.minReplyLength,
    maxReplyLength: model.maxReplyLength,
  });
  return { ok: true, checker, retryWhileDown: false, notes };
}

function buildFile(model: FileCheck, ctx: CheckerContext): BuiltChecker {
  if (model.trackFile === undefined) return { ok: false, reason: 'FILE_CHECK has no track_file' };
  const track = ctx.trackFiles?.find((t) => t.name === model.trackFile);
  if (!track) return { ok: false, reason: `track_file ${model.trackFile} is not defined` };
  if (track.file === undefined) return { ok: false, reason: `track_file ${model.trackFile} has no file` };
  // keepalived takes the track_file's weight (and reverse) when the checker sets none, or 0.
  const own = model.weight !== undefined && model.weight !== 0;
  const checker = new FileChecker({
    trackName: track.name,
    path: track.file,
    weight: own ? model.weight! : track.weight,
    reverse: own ? model.reverse : track.weightReverse,
    baseWeight: ctx.rs.effective?.weight ?? ctx.rs.weight ?? ctx.vs.weight,
    ...(track.init ? { init: track.init } : {}),
  });
  return { ok: true, checker, retryWhileDown: false, notes: [], timing: { delayLoopMs: FILE_CHECK_POLL_MS, retry: 0 } };
}
