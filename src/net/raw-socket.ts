// The raw-socket package (a native addon that ships no types): the part of
// its API this project uses, loaded on first use, a load failure returned as
// a value instead of thrown.
import { createRequire } from 'node:module';
import { isIP } from 'node:net';

export interface RawSocket {
  on(event: 'message', fn: (buffer: Buffer, source: string) => void): void;
  on(event: 'error', fn: (error: Error) => void): void;
  on(event: 'close', fn: () => void): void;
  setOption(level: number, option: number, value: number | Buffer, length?: number): void;
  send(buffer: Buffer, offset: number, length: number, address: string, callback: (error: Error | null, bytes: number) => void): void;
  /** Stop reading (the socket then only waits to be writable). */
  pauseRecv(): RawSocket;
  close(): void;
  /** raw-socket 1.8 internals, used by sendDatagram: the sends waiting for the socket to be writable... */
  readonly requests?: readonly unknown[];
  /** ...and the native socket, whose send() calls sendto(2) at once and its callback before returning. */
  readonly wrap?: { send(buffer: Buffer, offset: number, length: number, address: string, callback: (bytes: number) => void): void };
}

export type RawSendResult = { ok: true; bytes: number } | { ok: false; error: string };

export interface RawSocketModule {
  createSocket(options: { protocol: number; addressFamily: number; bufferSize?: number }): RawSocket;
  AddressFamily: { IPv4: number; IPv6: number };
  createChecksum(buffer: Buffer): number;
  writeChecksum(buffer: Buffer, offset: number, checksum: number): Buffer;
}

let rawModule: RawSocketModule | Error | undefined;

export function loadRawSocket(): RawSocketModule | Error {
  if (rawModule === undefined) {
    try {
      rawModule = createRequire(import.meta.url)('raw-socket') as RawSocketModule;
    } catch (e) {
      rawModule = new Error(`cannot load raw-socket: ${(e as Error).message}`);
    }
  }
  return rawModule;
}

/**
 * raw-socket's native wrapper is weak: a socket that only its pending
 * callbacks refer to can be garbage-collected mid-send, and the send then
 * never completes. Every socket made here is held until it closes.
 */
const openSockets = new Set<RawSocket>();

/** A raw socket of `protocol` (IPv4 or IPv6), held until closed; a failure is returned as an Error. */
export function createRawSocket(protocol: number, family: 4 | 6, bufferSize?: number): RawSocket | Error {
  const raw = loadRawSocket();
  if (raw instanceof Error) return raw;
  let socket: RawSocket;
  try {
    socket = raw.createSocket({ protocol, addressFamily: family === 4 ? raw.AddressFamily.IPv4 : raw.AddressFamily.IPv6, ...(bufferSize ? { bufferSize } : {}) });
  } catch (e) {
    return new Error(`cannot create a raw socket: ${(e as Error).message}`);
  }
  openSockets.add(socket);
  socket.on('close', () => openSockets.delete(socket));
  return socket;
}

/** strerror(EAGAIN), as raw-socket reports it: the socket's send buffer is full. */
const SEND_BUFFER_FULL = /temporarily unavailable|EAGAIN|EWOULDBLOCK/i;

/**
 * Send one datagram to `address`. raw-socket's send() always waits for its
 * poll handle to report the socket writable first: two more event-loop turns
 * and three epoll_ctl calls per packet, and the packet leaves that much later
 * (a VRRP master sends 10 adverts a second at advert_int 0.1). So when no
 * send is queued on the socket, the native sendto(2) is called at once; only
 * a full send buffer (EAGAIN), an earlier send still queued, or a raw-socket
 * without these internals goes through the queue. Never rejects.
 */
export function sendDatagram(socket: RawSocket, buffer: Buffer, address: string): Promise<RawSendResult> {
  // The native call takes any text; raw-socket's own send() checks it.
  if (isIP(address) === 0) return Promise.resolve({ ok: false, error: `Invalid IP address '${address}'` });
  if (socket.wrap && socket.requests?.length === 0) {
    try {
      let bytes = buffer.length;
      socket.wrap.send(buffer, 0, buffer.length, address, (n) => {
        bytes = n;
      });
      return Promise.resolve({ ok: true, bytes });
    } catch (e) {
      const error = (e as Error).message;
      if (!SEND_BUFFER_FULL.test(error)) return Promise.resolve({ ok: false, error });
    }
  }
  return new Promise((resolve) => {
    try {
      socket.send(buffer, 0, buffer.length, address, (error, bytes) => resolve(error ? { ok: false, error: error.message } : { ok: true, bytes }));
    } catch (e) {
      resolve({ ok: false, error: (e as Error).message });
    }
  });
}
