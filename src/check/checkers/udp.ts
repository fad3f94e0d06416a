// UDP_CHECK, and the datagram exchange DNS_CHECK shares with it.
//
// What keepalived does (check_udp.c, layer4.c): a connected UDP socket sends
// the payload (or, without one, 32 bytes of "keepalived check - " repeated)
// and waits connect_timeout for an answer. An ICMP error (port or host
// unreachable) is a failure. Silence until the timeout is a success unless
// require_reply is set. A reply is accepted as is, except when require_reply
// gave expected bytes: then its length must be within min_reply_length ..
// max_reply_length and its first bytes must match them (x nibbles match
// anything). keepalived reads at most max_reply_length + 1 bytes, so a longer
// reply fails the length test.
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { offAbort, onAbort } from './abort.js';
import { answerTimeout } from './answer-timeout.js';
import { formatEndpoint, type Endpoint } from './endpoint.js';
import { describeError } from './errors.js';
import type { Checker, CheckResult } from './types.js';

const FILLER = 'keepalived check - ';
/** keepalived's payload when none is configured (UDP_BUFSIZE = 32 bytes of filler). */
export const DEFAULT_UDP_PAYLOAD = fillerBytes(32);

/** `length` bytes of keepalived's filler text, as it pads its probes. */
export function fillerBytes(length: number): Buffer {
  return Buffer.from(FILLER.repeat(Math.ceil(length / FILLER.length)).slice(0, length), 'latin1');
}

/** What to do with a datagram: keep waiting for another, or end with a result. */
export type ReplyVerdict = CheckResult | 'ignore';

export type ExchangeOutcome = { kind: 'done'; result: CheckResult } | { kind: 'timeout' };

/**
 * Send one datagram from a connected socket and wait for a reply that
 * `judge` accepts, an error (ICMP unreachable, refused), the timeout or the
 * abort. Never rejects.
 */
export function udpExchange(
  to: Endpoint,
  payload: Uint8Array,
  timeoutMs: number,
  signal: AbortSignal,
  judge: (reply: Buffer) => ReplyVerdict,
): Promise<ExchangeOutcome> {
  const target = formatEndpoint(to);
  const failed = (why: string): ExchangeOutcome => ({ kind: 'done', result: { ok: false, reason: `${target}: ${why}` } });
  if (signal.aborted) return Promise.resolve(failed('aborted'));

  return new Promise((resolve) => {
    const socket: Socket = createSocket({ type: isIPv6(to.host) ? 'udp6' : 'udp4' });
    let settled = false;
    const finish = (outcome: ExchangeOutcome): void => {
      if (settled) return;
      settled = true;
      timer.clear();
      offAbort(signal, abort);
      try {
        socket.close();
      } catch {
        // Already closed.
      }
      resolve(outcome);
    };
    const abort = (): void => finish(failed('aborted'));
    const timer = answerTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    onAbort(signal, abort);
    socket.on('error', (err) => finish(failed(describeError(err))));
    socket.on('message', (msg) => {
      const verdict = judge(msg);
      if (verdict !== 'ignore') finish({ kind: 'done', result: verdict });
    });
    const send = (): void => {
      socket.connect(to.port, to.host, (err?: Error) => {
        if (err) return finish(failed(describeError(err)));
        socket.send(payload, (sendErr) => {
          if (sendErr) finish(failed(describeError(sendErr)));
        });
      });
    };
    if (to.bindTo !== undefined || to.bindPort !== undefined) {
      socket.bind({ port: to.bindPort ?? 0, ...(to.bindTo !== undefined ? { address: to.bindTo } : {}), exclusive: true }, send);
    } else {
      send();
    }
  });
}

export interface UdpCheckOptions extends Endpoint {
  connectTimeoutMs: number;
  /** Bytes to send; default keepalived's 32 filler bytes. */
  payload?: Uint8Array;
  requireReply: boolean;
  /** Expected leading bytes of the reply (only with requireReply). */
  replyData?: Uint8Array;
  /** Per byte, the bits that may differ (x nibbles). */
  replyMask?: Uint8Array;
  minReplyLength: number;
  maxReplyLength: number;
}

/** Why a reply does not match what require_reply asked for; undefined when it matches. */
export function replyMismatch(reply: Uint8Array, o: Pick<UdpCheckOptions, 'replyData' | 'replyMask' | 'minReplyLength' | 'maxReplyLength'>): string | undefined {
  if (o.replyData === undefined) return undefined;
  // keepalived's receive buffer holds max_reply_length + 1 bytes.
  const len = Math.min(reply.length, o.maxReplyLength + 1);
  if (len < o.minReplyLength || len > o.maxReplyLength) {
    return `reply of ${reply.length} bytes, expected ${o.minReplyLength} to ${o.maxReplyLength}`;
  }
  const n = Math.min(len, o.replyData.length);
  for (let i = 0; i < n; i++) {
    const care = o.replyMask ? ~o.replyMask[i] & 0xff : 0xff;
    if ((reply[i] ^ o.replyData[i]) & care) return `reply byte ${i} is 0x${hex2(reply[i])}, expected 0x${hex2(o.replyData[i])}`;
  }
  return undefined;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

export class UdpChecker implements Checker {
  readonly type = 'UDP_CHECK';
  readonly target: string;

  constructor(private readonly options: UdpCheckOptions) {
    this.target = formatEndpoint(options);
  }

  async run(signal: AbortSignal): Promise<CheckResult> {
    const o = this.options;
    const where = `UDP ${this.target}`;
    const outcome = await udpExchange(o, o.payload ?? DEFAULT_UDP_PAYLOAD, o.connectTimeoutMs, signal, (reply) => {
      const wrong = o.requireReply ? replyMismatch(reply, o) : undefined;
      return wrong === undefined
        ? { ok: true, reason: `${where}: reply of ${reply.length} bytes` }
        : { ok: false, reason: `${where}: ${wrong}` };
    });
    if (outcome.kind === 'done') return { ...outcome.result, reason: outcome.result.reason.startsWith(where) ? outcome.result.reason : `UDP ${outcome.result.reason}` };
    return o.requireReply
      ? { ok: false, reason: `${where}: no reply within ${o.connectTimeoutMs} ms (require_reply)` }
      : { ok: true, reason: `${where}: no error within ${o.connectTimeoutMs} ms` };
  }
}
