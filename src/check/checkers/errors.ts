// Socket and HTTP client errors in words: every way a check can fail gets a
// reason that says what happened (refused, unreachable, timed out, reset),
// with the system or library code kept for grepping.

const PHRASES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  EPIPE: 'connection closed while sending',
  EADDRNOTAVAIL: 'source address not available (bindto)',
  EADDRINUSE: 'source port in use (bind_port)',
  EACCES: 'not permitted',
  EPERM: 'not permitted',
  EINVAL: 'invalid argument (no usable route?)',
  ENETDOWN: 'network down',
  EHOSTDOWN: 'host down',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the response',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the response body',
  UND_ERR_SOCKET: 'connection closed by peer',
  UND_ERR_ABORTED: 'aborted',
  ABORT_ERR: 'aborted',
};

interface CodedError {
  code?: unknown;
  /** OpenSSL's reason text, on node's TLS errors. */
  reason?: unknown;
  message?: unknown;
  cause?: unknown;
  name?: unknown;
}

function codeOf(err: CodedError): string | undefined {
  return typeof err.code === 'string' ? err.code : undefined;
}

/**
 * A short reason for a failed connection or request. Prefers the deepest
 * system error code (undici wraps ECONNRESET in its own socket error).
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Object)) return String(err);
  const e = err as CodedError;
  const cause = e.cause instanceof Object ? (e.cause as CodedError) : undefined;
  const code = (cause && codeOf(cause) && PHRASES[codeOf(cause)!] ? codeOf(cause) : undefined) ?? codeOf(e);
  if (code !== undefined && PHRASES[code]) return `${PHRASES[code]} (${code})`;
  if (code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS')) {
    // OpenSSL's message is a long error-stack line; its reason says it all.
    const why = typeof e.reason === 'string' ? e.reason : String(e.message).split('\n')[0];
    return `TLS handshake failed: ${why} (${code})`;
  }
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  return code ? `${message} (${code})` : message;
}
