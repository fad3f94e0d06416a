// sendDatagram (src/net/raw-socket.ts): a datagram leaves at once through the
// native sendto(2) when nothing is queued on the socket; raw-socket's queue,
// which waits for the socket to be writable, takes it when the kernel's send
// buffer is full or an earlier send is still queued (order kept), and when
// raw-socket lacks the internals. The socket here is a stand-in with
// raw-socket 1.8's shape; the VRRP socket tests send through the real one.
import { describe, expect, it } from 'vitest';
import { createRawSocket, sendDatagram, type RawSocket } from '../../src/net/raw-socket.js';
import { cannotRun } from '../helpers/gate.js';

interface Sent {
  via: 'sendto' | 'queue';
  bytes: number;
  address: string;
}

/** A raw-socket look-alike: `sendto` throws `nativeError` if set; `send` queues until flush(). */
function fakeSocket(options: { nativeError?: string; internals?: boolean; queued?: number } = {}) {
  const sent: Sent[] = [];
  const requests: (() => void)[] = [];
  for (let i = 0; i < (options.queued ?? 0); i++) requests.push(() => {});
  const socket = {
    requests,
    send(buffer: Buffer, _offset: number, length: number, address: string, callback: (error: Error | null, bytes: number) => void) {
      requests.push(() => {
        sent.push({ via: 'queue', bytes: length, address });
        callback(null, length);
      });
    },
    ...(options.internals === false
      ? {}
      : {
          wrap: {
            send(buffer: Buffer, _offset: number, length: number, address: string, callback: (bytes: number) => void) {
              if (options.nativeError) throw new Error(options.nativeError);
              sent.push({ via: 'sendto', bytes: length, address });
              callback(length);
            },
          },
        }),
  } as unknown as RawSocket;
  const flush = (): void => {
    while (requests.length > 0) requests.shift()!();
  };
  return { socket, sent, flush };
}

const packet = Buffer.alloc(32, 1);

describe('sendDatagram', () => {
  it('sends at once with sendto when nothing is queued: the packet has left before the call returns', async () => {
    const { socket, sent } = fakeSocket();
    const result = sendDatagram(socket, packet, '224.0.0.18');
    expect(sent).toEqual([{ via: 'sendto', bytes: 32, address: '224.0.0.18' }]);
    expect(await result).toEqual({ ok: true, bytes: 32 });
  });

  it('a full send buffer (EAGAIN) goes through the queue, which waits for the socket to be writable', async () => {
    const { socket, sent, flush } = fakeSocket({ nativeError: 'Resource temporarily unavailable' });
    const result = sendDatagram(socket, packet, '224.0.0.18');
    expect(sent).toEqual([]);
    flush();
    expect(await result).toEqual({ ok: true, bytes: 32 });
    expect(sent).toEqual([{ via: 'queue', bytes: 32, address: '224.0.0.18' }]);
  });

  it('behind a send still queued, a packet queues too, so that packets leave in order', async () => {
    const { socket, sent, flush } = fakeSocket({ queued: 1 });
    const result = sendDatagram(socket, packet, '198.51.100.12');
    expect(sent).toEqual([]);
    flush();
    expect(await result).toEqual({ ok: true, bytes: 32 });
    expect(sent.map((s) => s.via)).toEqual(['queue']);
  });

  it('any other error of sendto is the result, nothing queued', async () => {
    const { socket, sent, flush } = fakeSocket({ nativeError: 'Network is unreachable' });
    expect(await sendDatagram(socket, packet, '198.51.100.12')).toEqual({ ok: false, error: 'Network is unreachable' });
    flush();
    expect(sent).toEqual([]);
  });

  it('an address that is not one is refused before any system call', async () => {
    const { socket, sent, flush } = fakeSocket();
    expect(await sendDatagram(socket, packet, 'not-an-address')).toEqual({ ok: false, error: "Invalid IP address 'not-an-address'" });
    flush();
    expect(sent).toEqual([]);
  });

  it('a raw-socket without these internals is used through its queue', async () => {
    const { socket, sent, flush } = fakeSocket({ internals: false });
    const result = sendDatagram(socket, packet, '224.0.0.18');
    flush();
    expect(await result).toEqual({ ok: true, bytes: 32 });
    expect(sent.map((s) => s.via)).toEqual(['queue']);
  });
});

describe('raw-socket as installed', () => {
  if (process.getuid?.() !== 0) {
    cannotRun('raw-socket internals test', 'opening a raw socket needs root');
    return;
  }

  it('has the internals sendDatagram sends through (else every packet would wait for the socket to be writable)', () => {
    const socket = createRawSocket(112, 4);
    if (socket instanceof Error) throw socket;
    try {
      expect(typeof socket.wrap?.send).toBe('function');
      expect(Array.isArray(socket.requests)).toBe(true);
    } finally {
      socket.close();
    }
  });
});
