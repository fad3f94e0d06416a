// The raw-socket package (a native addon that ships no types): the part of
// its API this project uses, loaded on first use, a load failure returned as
// a value instead of thrown.
import { createRequire } from 'node:module';

export interface RawSocket {
  on(event: 'message', fn: (buffer: Buffer, source: string) => void): void;
  on(event: 'error', fn: (error: Error) => void): void;
  on(event: 'close', fn: () => void): void;
  setOption(level: number, option: number, value: number | Buffer, length?: number): void;
  send(buffer: Buffer, offset: number, length: number, address: string, callback: (error: Error | null, bytes: number) => void): void;
  /** Stop reading (the socket then only waits to be writable). */
  pauseRecv(): RawSocket;
  close(): void;
}

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
