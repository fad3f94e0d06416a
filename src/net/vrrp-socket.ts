// Adapter: raw IP sockets (protocol 112) per interface and address family (one
// that receives, one that sends; see open()),
// over the `raw-socket` package.
//
// IPv4: the socket has IP_HDRINCL and we build the header as keepalived does
// (vrrp_build_ip4: TOS 0xc0, TTL 255 or the unicast TTL, DF clear, an id that
// counts up and is never 0, source = mcast_src_ip / unicast_src_ip or the
// interface's primary address), so that our adverts match keepalived's
// byte for byte. IP_MULTICAST_IF picks the interface for multicast,
// SO_BINDTODEVICE keeps the socket to its interface in both directions,
// IP_MULTICAST_LOOP is off (we never hear our own adverts) and the socket joins
// the VRRP group on the interface (ip_mreq with the interface's address: with
// 0.0.0.0 and no default route the kernel answers ENODEV). Received IPv4
// packets come with their IP header (TTL, source, destination).
//
// IPv6: the kernel builds the header; hop limit 255 (multicast and unicast),
// traffic class 0xc0, IPV6_CHECKSUM at offset 6 so the kernel computes and
// verifies the checksum. A raw IPv6 socket hands over the VRRP message only;
// raw-socket reads no ancillary data, so the hop limit and destination of a
// received IPv6 packet are unknown.
//
// The adapter decides nothing: it sends bytes where it is told and hands
// over what arrives. Nothing throws: opening returns an error value, sending
// resolves to a result, receive errors go to the error listener.

import { isIPv4, isIPv6 } from 'node:net';
import { endianness } from 'node:os';
import { encodeIpv4Packet, ipv4ToBytes, ipv6ToBytes, IPPROTO_VRRP, VRRP_CHECKSUM_OFFSET, VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6, VRRP_TOS, VRRP_TTL } from '../vrrp/packet.js';
import { createRawSocket, sendDatagram, type RawSendResult, type RawSocket } from './raw-socket.js';

// Socket option numbers from <linux/in.h>, <linux/in6.h>, <asm-generic/socket.h>.
const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const SO_RCVBUF = 8;
const IPPROTO_IP = 0;
const IPPROTO_IPV6 = 41;
const IP_TOS = 1;
const IP_TTL = 2;
const IP_HDRINCL = 3;
const IP_MULTICAST_IF = 32;
const IP_MULTICAST_TTL = 33;
const IP_MULTICAST_LOOP = 34;
const IP_ADD_MEMBERSHIP = 35;
const IPV6_CHECKSUM = 7;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MULTICAST_IF = 17;
const IPV6_MULTICAST_HOPS = 18;
const IPV6_MULTICAST_LOOP = 19;
const IPV6_ADD_MEMBERSHIP = 20;
const IPV6_TCLASS = 67;


export interface VrrpSocketOptions {
  /** Interface name. */
  interface: string;
  family: 4 | 6;
  /**
   * IPv4: the address adverts are sent from, also used to name the interface
   * when joining the group and for IP_MULTICAST_IF. IPv6: unused (the kernel
   * picks the link-local source).
   */
  sourceAddress?: string;
  /** IPv6: the interface index (for the group join and IPV6_MULTICAST_IF). */
  ifindex?: number;
  /** Multicast group to join and to send to by default (224.0.0.18 / ff02::12). */
  group?: string;
  /** Join the group (default true; a unicast-only instance does not need to). */
  join?: boolean;
  /** TTL / hop limit of unicast adverts (keepalived's unicast_ttl). Default 255. */
  unicastTtl?: number;
}

/** A packet as the socket received it. */
export interface ReceivedPacket {
  family: 4 | 6;
  /** IPv4: the whole IP packet (header + VRRP). IPv6: the VRRP message only. */
  bytes: Buffer;
  /** Source address as the kernel reported it. */
  source: string;
  /** Interface the socket is bound to. */
  interface: string;
  /** performance.now() at reception. */
  receivedAt: number;
}

export type SendResult = RawSendResult;

export type OpenResult = { ok: true; socket: VrrpSocket } | { ok: false; error: string };

/** A C `int` / `unsigned` in host byte order (socket option structs). */
function uint32(value: number): Buffer {
  const b = Buffer.alloc(4);
  if (endianness() === 'LE') b.writeUInt32LE(value >>> 0);
  else b.writeUInt32BE(value >>> 0);
  return b;
}

function closeQuietly(socket: RawSocket): void {
  try {
    socket.close();
  } catch {
    /* already closed */
  }
}

/** A raw VRRP socket with every option set (the group joined if `join`), or why not. */
function createConfigured(options: VrrpSocketOptions, group: string, join: boolean): RawSocket | string {
  const family = options.family;
  const socket = createRawSocket(IPPROTO_VRRP, family);
  if (socket instanceof Error) return socket.message;
  // Until the VrrpSocket exists, an asynchronous error must not go unheard.
  socket.on('error', () => {});
  let step = '';
  try {
    step = 'SO_BINDTODEVICE';
    const name = Buffer.from(`${options.interface}\0`);
    socket.setOption(SOL_SOCKET, SO_BINDTODEVICE, name, name.length);
    if (family === 4) {
      const local = ipv4ToBytes(options.sourceAddress!)!;
      step = 'IP_HDRINCL';
      socket.setOption(IPPROTO_IP, IP_HDRINCL, 1);
      // Inert while IP_HDRINCL is on (our header carries TOS and TTL), but
      // the socket stays right should the header ever be left to the kernel.
      step = 'IP_TOS';
      socket.setOption(IPPROTO_IP, IP_TOS, VRRP_TOS);
      step = 'IP_TTL';
      socket.setOption(IPPROTO_IP, IP_TTL, options.unicastTtl ?? VRRP_TTL);
      step = 'IP_MULTICAST_TTL';
      socket.setOption(IPPROTO_IP, IP_MULTICAST_TTL, Buffer.from([VRRP_TTL]), 1);
      step = 'IP_MULTICAST_IF';
      socket.setOption(IPPROTO_IP, IP_MULTICAST_IF, local, 4);
      step = 'IP_MULTICAST_LOOP';
      socket.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, Buffer.from([0]), 1);
      if (join) {
        step = `IP_ADD_MEMBERSHIP ${group} on ${options.sourceAddress}`;
        const mreq = Buffer.concat([ipv4ToBytes(group)!, local]);
        socket.setOption(IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq, mreq.length);
      }
    } else {
      const ifindex = options.ifindex!;
      step = 'IPV6_CHECKSUM';
      socket.setOption(IPPROTO_IPV6, IPV6_CHECKSUM, VRRP_CHECKSUM_OFFSET);
      step = 'IPV6_TCLASS';
      socket.setOption(IPPROTO_IPV6, IPV6_TCLASS, VRRP_TOS);
      step = 'IPV6_MULTICAST_HOPS';
      socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP_TTL);
      step = 'IPV6_UNICAST_HOPS';
      socket.setOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, options.unicastTtl ?? VRRP_TTL);
      step = 'IPV6_MULTICAST_IF';
      socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_IF, uint32(ifindex), 4);
      step = 'IPV6_MULTICAST_LOOP';
      socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
      if (join) {
        step = `IPV6_ADD_MEMBERSHIP ${group} on index ${ifindex}`;
        const mreq = Buffer.concat([ipv6ToBytes(group)!, uint32(ifindex)]);
        socket.setOption(IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, mreq, mreq.length);
      }
    }
  } catch (e) {
    closeQuietly(socket);
    return `${step} on ${options.interface}: ${(e as Error).message}`;
  }
  return socket;
}

export class VrrpSocket {
  readonly interface: string;
  readonly family: 4 | 6;
  readonly group: string;
  private readonly source: string | undefined;
  private readonly unicastTtl: number;
  private ipId = 0;
  private closed = false;
  private packetListeners: ((p: ReceivedPacket) => void)[] = [];
  private errorListeners: ((error: string) => void)[] = [];

  private constructor(
    private readonly receiver: RawSocket,
    private readonly sender: RawSocket,
    options: VrrpSocketOptions,
    group: string,
  ) {
    this.interface = options.interface;
    this.family = options.family;
    this.group = group;
    this.source = options.sourceAddress;
    this.unicastTtl = options.unicastTtl ?? VRRP_TTL;
    receiver.on('message', (buffer, source) => {
      // raw-socket reuses its receive buffer: copy before anyone keeps it.
      const packet: ReceivedPacket = { family: this.family, bytes: Buffer.from(buffer), source, interface: this.interface, receivedAt: performance.now() };
      for (const fn of this.packetListeners) fn(packet);
    });
    for (const raw of [receiver, sender]) {
      raw.on('error', (error) => {
        // raw-socket closes the socket after an error.
        this.closed = true;
        this.reportError(`socket on ${this.interface} failed: ${error.message}`);
      });
      raw.on('close', () => {
        this.closed = true;
      });
    }
  }

  /** Open and configure the socket; every failure is returned, nothing is left open. */
  static open(options: VrrpSocketOptions): OpenResult {
    const family = options.family;
    const group = options.group ?? (family === 4 ? VRRP_MCAST_GROUP4 : VRRP_MCAST_GROUP6);
    const groupOk = family === 4 ? isIPv4(group) : isIPv6(group);
    if (!groupOk) return { ok: false, error: `multicast group ${group} is not an IPv${family} address` };
    if (!/^[^\s/]{1,15}$/.test(options.interface)) return { ok: false, error: `bad interface name '${options.interface}'` };
    if (family === 4 && (options.sourceAddress === undefined || ipv4ToBytes(options.sourceAddress) === undefined)) {
      return { ok: false, error: `IPv4 needs a source address (got ${String(options.sourceAddress)})` };
    }
    if (family === 6 && (options.ifindex === undefined || !Number.isInteger(options.ifindex) || options.ifindex <= 0)) {
      return { ok: false, error: `IPv6 needs the interface index (got ${String(options.ifindex)})` };
    }
    // Two sockets: raw-socket reports a socket ready to send only while it has
    // nothing to read, so on a busy segment a socket that also receives could
    // never send (seen under load: no advert for minutes). The sending one
    // does not read at all.
    const receiver = createConfigured(options, group, options.join ?? true);
    if (typeof receiver === 'string') return { ok: false, error: receiver };
    const sender = createConfigured(options, group, false);
    if (typeof sender === 'string') {
      closeQuietly(receiver);
      return { ok: false, error: sender };
    }
    sender.pauseRecv();
    try {
      // The kernel still queues what arrives for it: keep that queue minimal.
      sender.setOption(SOL_SOCKET, SO_RCVBUF, 1);
    } catch {
      /* only a memory saving */
    }
    return { ok: true, socket: new VrrpSocket(receiver, sender, options, group) };
  }

  /** Called with every packet received on the interface. */
  onPacket(fn: (packet: ReceivedPacket) => void): void {
    this.packetListeners.push(fn);
  }

  /** Called when the socket fails after opening (it is closed then). */
  onError(fn: (error: string) => void): void {
    this.errorListeners.push(fn);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Send a VRRP message (no IP header) to `destination` (default: the group).
   * IPv4 wraps it in keepalived's header; IPv6 leaves the header (and the
   * checksum) to the kernel. Resolves with the result; never rejects.
   */
  send(message: Uint8Array, destination: string = this.group): Promise<SendResult> {
    if (this.closed) return Promise.resolve({ ok: false, error: 'socket is closed' });
    let bytes: Buffer;
    if (this.family === 4) {
      const dst = ipv4ToBytes(destination);
      if (!dst) return Promise.resolve({ ok: false, error: `destination ${destination} is not an IPv4 address` });
      const multicast = (dst[0] & 0xf0) === 0xe0;
      this.ipId = this.ipId >= 0xffff ? 1 : this.ipId + 1;
      try {
        bytes = encodeIpv4Packet(message, { src: this.source!, dst: destination, ttl: multicast ? VRRP_TTL : this.unicastTtl, tos: VRRP_TOS, id: this.ipId });
      } catch (e) {
        return Promise.resolve({ ok: false, error: (e as Error).message });
      }
    } else {
      if (!isIPv6(destination)) return Promise.resolve({ ok: false, error: `destination ${destination} is not an IPv6 address` });
      bytes = Buffer.from(message);
    }
    // Leaves before this returns (sendto(2) at once) unless the kernel's buffer is full.
    return sendDatagram(this.sender, bytes, destination);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeQuietly(this.receiver);
    closeQuietly(this.sender);
  }

  private reportError(error: string): void {
    for (const fn of this.errorListeners) fn(error);
  }
}
