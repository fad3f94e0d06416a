// The connection an HTTP_GET / SSL_GET check makes, opened for undici (its
// Client's `connect` hook): keepalived's connection options (bindto,
// bind_port, connect_timeout), TLS without certificate verification and
// with SNI only when asked for. undici's own connector does the same with
// more per connection (TCP keep-alive, a weak reference for its timer, a
// TLS session cache per connector, an SSL context per TLS connection): we
// open the socket directly.
import { Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, type SecureContext } from 'node:tls';
import { errors, type buildConnector } from 'undici';
import { answerTimeout } from './answer-timeout.js';
import { connectOptions, type Endpoint } from './endpoint.js';

export interface TlsSettings {
  /** Send SNI (enable_sni): the url's virtualhost as server name. */
  sni: boolean;
  /** Client certificate and key (the top-level ssl block), PEM. */
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  ca?: string | Buffer;
}

/** Where and how one check connects. */
export interface ConnectTarget {
  /** Address, port, bindto, bind_port, connect_timeout: the checker's own options as they are. */
  endpoint: Endpoint & { connectTimeoutMs: number };
  /** Present for SSL_GET. */
  tls?: TlsSettings;
  /** SNI server name (SSL_GET with enable_sni and a virtualhost). */
  servername?: string;
}

/**
 * Opens a connection to `target`; calls back once, with the socket when it
 * is connected (TLS: after the handshake) or with the error. The socket is
 * handed to `prepare` at once, before any of its events: the caller can
 * destroy it with an error to cancel (the callback then gets that error).
 */
export function openConnection(target: ConnectTarget, prepare: (socket: Socket) => void, callback: buildConnector.Callback): void {
  const socket = target.tls ? tlsSocket(target.endpoint, target.tls, target.servername) : plainSocket(target.endpoint);
  let pending: buildConnector.Callback | null = callback;
  const timer = answerTimeout(() => {
    socket.destroy(new errors.ConnectTimeoutError(`connect timed out after ${target.endpoint.connectTimeoutMs} ms`));
  }, target.endpoint.connectTimeoutMs);
  const done = (err: Error | null): void => {
    timer.clear();
    const cb = pending;
    pending = null;
    if (err) cb?.(err, null);
    else cb?.(null, socket);
  };
  // `on`, not `once`: the callback runs once anyway, and once() wraps each listener.
  socket.on(target.tls ? 'secureConnect' : 'connect', () => done(null));
  socket.on('error', done);
  prepare(socket);
}

function plainSocket(target: Endpoint): Socket {
  const socket = new Socket();
  socket.connect({ ...connectOptions(target), noDelay: true });
  return socket;
}

function tlsSocket(target: Endpoint, tls: TlsSettings, servername: string | undefined): Socket {
  const socket = tlsConnect({
    ...connectOptions(target),
    secureContext: secureContextFor(tls),
    // keepalived does not verify the server's certificate.
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
    ...(servername !== undefined ? { servername } : {}),
  });
  // As undici does: the request goes out in one write anyway.
  socket.setNoDelay(true);
  return socket;
}

// An SSL context is the costly part of a TLS client (CA store, the client
// certificate): one per TLS settings, not one per connection. Sessions are
// not reused: node resumes only when handed a session, and none is.
const contexts = new WeakMap<TlsSettings, SecureContext>();
let defaultContext: SecureContext | undefined;

function secureContextFor(tls: TlsSettings): SecureContext {
  if (tls.cert === undefined && tls.key === undefined && tls.ca === undefined && tls.passphrase === undefined) {
    defaultContext ??= createSecureContext({});
    return defaultContext;
  }
  let context = contexts.get(tls);
  if (!context) {
    context = createSecureContext({
      ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
      ...(tls.key !== undefined ? { key: tls.key } : {}),
      ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
      ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    });
    contexts.set(tls, context);
  }
  return context;
}
