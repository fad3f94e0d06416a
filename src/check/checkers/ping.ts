// PING_CHECK: one ICMP (IPv4) or ICMPv6 echo request to the real server; it
// is healthy when the echo reply comes back within connect_timeout.
//
// keepalived (check_ping.c) sends a 128-byte body of its filler text with a
// sequence number that counts up, over the kernel's unprivileged "ping"
// datagram socket, and fails on the timeout, a send error, an ICMP error or a
// reply that is not an echo reply. node has no ICMP sockets, so we use raw
// sockets (raw-socket, needs CAP_NET_RAW): one per address family, shared by
// all ping checks and open only while some echo is outstanding. A raw socket
// sees every ICMP message the host receives, so a reply is matched by our
// identifier, its sequence number and its source address; a destination
// unreachable or time exceeded that quotes one of our requests fails it.
// bindto is not applied (raw-socket cannot bind).
import { randomInt } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { offAbort, onAbort } from './abort.js';
import { answerTimeout } from './answer-timeout.js';
import type { Checker, CheckResult } from './types.js';
import { fillerBytes } from './udp.js';
import { createRawSocket, loadRawSocket, type RawSocket } from '../../net/raw-socket.js';

/** keepalived's ICMP_BUFSIZE: bytes after the 8-byte echo header. */
export const PING_BODY_BYTES = 128;

const ICMP_ECHO_REPLY = 0;
const ICMP_DEST_UNREACH = 3;
const ICMP_ECHO = 8;
const ICMP_TIME_EXCEEDED = 11;
const ICMP6_DEST_UNREACH = 1;
const ICMP6_TIME_EXCEEDED = 3;
const ICMP6_ECHO_REQUEST = 128;
const ICMP6_ECHO_REPLY = 129;
const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;

const UNREACH4: Record<number, string> = { 0: 'network unreachable', 1: 'host unreachable', 3: 'port unreachable', 9: 'network prohibited', 10: 'host prohibited', 13: 'administratively prohibited' };
const UNREACH6: Record<number, string> = { 0: 'no route to destination', 1: 'administratively prohibited', 3: 'address unreachable', 4: 'port unreachable' };


/** An echo request: type, code 0, checksum (IPv4 only; the kernel fills ICMPv6's), id, seq, filler. */
export function buildEcho(family: 4 | 6, id: number, seq: number, checksum?: (b: Buffer) => number): Buffer {
  const b = Buffer.alloc(8 + PING_BODY_BYTES);
  b[0] = family === 4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
  b.writeUInt16BE(id & 0xffff, 4);
  b.writeUInt16BE(seq & 0xffff, 6);
  fillerBytes(PING_BODY_BYTES).copy(b, 8);
  if (family === 4 && checksum) b.writeUInt16BE(checksum(b), 2);
  return b;
}

/** What a received ICMP message means for our requests. */
export type IcmpEvent =
  | { kind: 'reply'; id: number; seq: number }
  | { kind: 'error'; id: number; seq: number; reason: string }
  | { kind: 'other' };

/**
 * Reads a received message: IPv4 raw sockets hand over the IP header too,
 * IPv6 ones the ICMPv6 message only. Errors quote the offending packet's
 * header, from which our id and sequence are read.
 */
export function parseIcmp(family: 4 | 6, packet: Buffer): IcmpEvent {
  let icmp = packet;
  if (family === 4) {
    if (packet.length < 20) return { kind: 'other' };
    icmp = packet.subarray((packet[0] & 0x0f) * 4);
  }
  if (icmp.length < 8) return { kind: 'other' };
  const type = icmp[0];
  const code = icmp[1];
  if (type === (family === 4 ? ICMP_ECHO_REPLY : ICMP6_ECHO_REPLY)) {
    return { kind: 'reply', id: icmp.readUInt16BE(4), seq: icmp.readUInt16BE(6) };
  }
  const isError = family === 4 ? type === ICMP_DEST_UNREACH || type === ICMP_TIME_EXCEEDED : type === ICMP6_DEST_UNREACH || type === ICMP6_TIME_EXCEEDED;
  if (!isError) return { kind: 'other' };
  const quoted = icmp.subarray(8);
  let inner: Buffer;
  if (family === 4) {
    if (quoted.length < 20 || quoted[9] !== IPPROTO_ICMP) return { kind: 'other' };
    inner = quoted.subarray((quoted[0] & 0x0f) * 4);
  } else {
    if (quoted.length < 40 || quoted[6] !== IPPROTO_ICMPV6) return { kind: 'other' };
    inner = quoted.subarray(40);
  }
  if (inner.length < 8 || inner[0] !== (family === 4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST)) return { kind: 'other' };
  const timeExceeded = family === 4 ? type === ICMP_TIME_EXCEEDED : type === ICMP6_TIME_EXCEEDED;
  const words = timeExceeded ? 'time exceeded' : ((family === 4 ? UNREACH4 : UNREACH6)[code] ?? 'destination unreachable');
  return { kind: 'error', id: inner.readUInt16BE(4), seq: inner.readUInt16BE(6), reason: `${words} (ICMP${family === 6 ? 'v6' : ''} type ${type} code ${code})` };
}

interface Outstanding {
  host: string;
  finish(result: CheckResult): void;
}

/** One raw socket per family, shared by the echoes in flight; closed when none is. */
class EchoSocket {
  private socket: RawSocket | undefined;
  private readonly outstanding = new Map<number, Outstanding>();
  private readonly id = randomInt(0x10000);
  private seq = randomInt(0x10000);

  constructor(private readonly family: 4 | 6) {}

  echo(host: string, timeoutMs: number, signal: AbortSignal): Promise<CheckResult> {
    const where = `ping ${host}`;
    if (signal.aborted) return Promise.resolve({ ok: false, reason: `${where}: aborted` });
    const raw = loadRawSocket();
    if (raw instanceof Error) return Promise.resolve({ ok: false, reason: `${where}: ${raw.message}` });
    const socket = this.open();
    if (typeof socket === 'string') return Promise.resolve({ ok: false, reason: `${where}: ${socket}` });

    let seq = this.seq;
    while (this.outstanding.has(seq)) seq = (seq + 1) & 0xffff;
    this.seq = (seq + 1) & 0xffff;
    const started = performance.now();
    return new Promise((resolve) => {
      let done = false;
      const finish = (result: CheckResult): void => {
        if (done) return;
        done = true;
        timer.clear();
        offAbort(signal, abort);
        this.outstanding.delete(seq);
        if (this.outstanding.size === 0) this.close();
        resolve(result);
      };
      const abort = (): void => finish({ ok: false, reason: `${where}: aborted` });
      const timer = answerTimeout(() => finish({ ok: false, reason: `${where}: no echo reply within ${timeoutMs} ms` }), timeoutMs);
      onAbort(signal, abort);
      this.outstanding.set(seq, {
        host,
        finish: (result) => finish(result.ok ? { ...result, reason: `${result.reason} in ${Math.round(performance.now() - started)} ms` } : result),
      });
      const packet = buildEcho(this.family, this.id, seq, (b) => raw.createChecksum(b));
      socket.send(packet, 0, packet.length, host, (err) => {
        if (err) finish({ ok: false, reason: `${where}: cannot send echo request: ${err.message}` });
      });
    });
  }

  private open(): RawSocket | string {
    if (this.socket) return this.socket;
    const socket = createRawSocket(this.family === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, this.family, 1500);
    if (socket instanceof Error) return `cannot open a raw ICMP socket: ${socket.message}`;
    socket.on('message', (packet, source) => this.receive(packet, source));
    socket.on('error', (err) => {
      // raw-socket closes the socket after an error: fail what was waiting.
      this.socket = undefined;
      for (const o of [...this.outstanding.values()]) o.finish({ ok: false, reason: `ping ${o.host}: socket error: ${err.message}` });
    });
    this.socket = socket;
    return socket;
  }

  private receive(packet: Buffer, source: string): void {
    const event = parseIcmp(this.family, packet);
    if (event.kind === 'other' || event.id !== this.id) return;
    const o = this.outstanding.get(event.seq);
    if (!o) return;
    if (event.kind === 'reply') {
      // Replies come from the address pinged; errors from a router or the host itself.
      if (normalise(source) !== normalise(o.host)) return;
      o.finish({ ok: true, reason: `ping ${o.host}: echo reply` });
    } else {
      o.finish({ ok: false, reason: `ping ${o.host}: ${event.reason} from ${source}` });
    }
  }

  private close(): void {
    const s = this.socket;
    this.socket = undefined;
    try {
      s?.close();
    } catch {
      // Already closed.
    }
  }
}

/** One spelling per address (IPv6 compressed, lower case), without a zone. */
function normalise(address: string): string {
  const bare = address.replace(/%.*$/, '');
  return isIPv6(bare) ? new URL(`http://[${bare}]/`).hostname.slice(1, -1) : bare;
}

const sockets = { 4: new EchoSocket(4), 6: new EchoSocket(6) };

export interface PingCheckOptions {
  host: string;
  connectTimeoutMs: number;
}

export class PingChecker implements Checker {
  readonly type = 'PING_CHECK';
  readonly target: string;

  constructor(private readonly options: PingCheckOptions) {
    this.target = options.host;
  }

  run(signal: AbortSignal): Promise<CheckResult> {
    return sockets[isIPv6(this.options.host) ? 6 : 4].echo(this.options.host, this.options.connectTimeoutMs, signal);
  }
}
