// TCP_CHECK: the real server is healthy when a TCP connection to it
// completes within connect_timeout. Like keepalived, the connection is closed
// as soon as it is established; nothing is sent.
import { Socket } from 'node:net';
import { formatEndpoint, type Endpoint } from './endpoint.js';
import { describeError } from './errors.js';
import type { Checker, CheckResult } from './types.js';

export interface TcpCheckOptions extends Endpoint {
  connectTimeoutMs: number;
}

export class TcpChecker implements Checker {
  readonly type = 'TCP_CHECK';
  readonly target: string;

  constructor(private readonly options: TcpCheckOptions) {
    this.target = formatEndpoint(options);
  }

  run(signal: AbortSignal): Promise<CheckResult> {
    return tcpConnect(this.options, signal);
  }
}

/** Connect once; resolves (never rejects) with the outcome. */
export function tcpConnect(options: TcpCheckOptions, signal: AbortSignal): Promise<CheckResult> {
  const target = formatEndpoint(options);
  if (signal.aborted) return Promise.resolve({ ok: false, reason: `connect to ${target}: aborted` });

  return new Promise((resolve) => {
    const socket = new Socket();
    let settled = false;
    const finish = (result: CheckResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish({ ok: false, reason: `connect to ${target}: aborted` });
    const timer = setTimeout(
      () => finish({ ok: false, reason: `connect to ${target}: no answer within ${options.connectTimeoutMs} ms (connect timeout)` }),
      options.connectTimeoutMs,
    );
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ ok: true, reason: `connected to ${target}` }));
    socket.once('error', (err) => finish({ ok: false, reason: `connect to ${target}: ${describeError(err)}` }));
    socket.connect({
      host: options.host,
      port: options.port,
      ...(options.bindTo !== undefined ? { localAddress: options.bindTo } : {}),
      ...(options.bindPort !== undefined ? { localPort: options.bindPort } : {}),
    });
  });
}
