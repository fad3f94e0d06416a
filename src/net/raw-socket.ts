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
