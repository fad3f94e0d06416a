// VRRP advertisement codec: VRRPv2 (RFC 3768) and VRRPv3 (RFC 5798), over
// IPv4 and IPv6, with the receive-side checks keepalived 2.2.7 makes (in its
// order, so that a packet with several faults is dropped for the same reason).
//
// Pure: no sockets, timers, logger or clock. Encoding throws a RangeError on
// fields no valid config can produce (a programming error); decoding never
// throws, whatever the bytes: every fault is a value (`{ ok: false, reason }`).
//
// Wire layout (all big-endian):
//   0  version(4 bits) | type(4 bits)      type 1 = ADVERTISEMENT
//   1  VRID
//   2  priority
//   3  count of addresses
//   4  v2: auth type (8 bits), advert interval in seconds (8 bits)
//      v3: reserved (4 bits), advert interval in centiseconds (12 bits)
//   6  checksum
//   8  addresses (4 bytes each for IPv4, 16 for IPv6)
//   .. v2 over IPv4 only: 8 bytes of authentication data (PASS: the password)
//
// Checksums: v2/IPv4 over the VRRP message alone; v3/IPv4 over an IPv4
// pseudo-header and the message; IPv6 (either version) over an IPv6
// pseudo-header and the message, which the kernel computes and verifies for a
// raw socket with IPV6_CHECKSUM set to offset 6.

import { checksumValid, internetChecksum, ipv4PseudoHeader, ipv6PseudoHeader } from './checksum.js';
import { formatIpv6Groups } from '../config/ip.js';

// ---------------------------------------------------------------------------
// Constants

/** IP protocol number of VRRP. */
export const IPPROTO_VRRP = 112;
/** IP protocol number of IPsec AH (VRRPv2 `auth_type AH` wraps VRRP in it). */
export const IPPROTO_AH = 51;
/** TTL / hop limit of multicast adverts (sent and required on receipt). */
export const VRRP_TTL = 255;
/** Type of service keepalived puts in its IPv4 header (network control). */
export const VRRP_TOS = 0xc0;
export const VRRP_MCAST_GROUP4 = '224.0.0.18';
export const VRRP_MCAST_GROUP6 = 'ff02::12';
/** The only VRRP message type. */
export const VRRP_TYPE_ADVERTISEMENT = 1;
/** Fixed part of the VRRP message. */
export const VRRP_HEADER_LENGTH = 8;
/** Authentication data after the addresses (v2 over IPv4 only). */
export const VRRP_AUTH_LENGTH = 8;
/** Byte offset of the checksum (the value for IPV6_CHECKSUM). */
export const VRRP_CHECKSUM_OFFSET = 6;
/** Length of keepalived's AH header (next header .. 96-bit ICV). */
export const AH_HEADER_LENGTH = 24;

export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
export const AUTH_AH = 2;

/** Largest v2 interval: 255 s. */
export const V2_MAX_INTERVAL_CS = 255 * 100;
/** Largest v3 interval: 12 bits of centiseconds (40.95 s). */
export const V3_MAX_INTERVAL_CS = 0xfff;

export type VrrpVersion = 2 | 3;
/** Same shape as the config's Family. */
export type IpFamily = 4 | 6;

// ---------------------------------------------------------------------------
// Addresses (text <-> bytes), without node:net so that the codec stays pure

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP_RE = /^[0-9a-fA-F]{1,4}$/;

/** 4 bytes of a dotted-quad IPv4 address, or undefined when the text is not one. */
export function ipv4ToBytes(text: string): Buffer | undefined {
  const m = IPV4_RE.exec(text);
  if (!m) return undefined;
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const part = m[i + 1];
    if (part.length > 1 && part[0] === '0') return undefined; // no octal-looking octets
    const n = Number(part);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/**
 * 16 bytes of an IPv6 address in any RFC 4291 text form (`::`, an embedded
 * dotted IPv4 tail), or undefined. Zone suffixes (`%eth0`) are not addresses.
 */
export function ipv6ToBytes(text: string): Buffer | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  let s = text;
  const tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > lastColon) {
    const v4 = ipv4ToBytes(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    s = s.slice(0, lastColon + 1);
    if (s.endsWith('::')) {
      // "::a.b.c.d": keep the "::"
    } else {
      s = s.slice(0, -1); // drop the separator before the tail
    }
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!HEX_GROUP_RE.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]);
  const rest = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (!head || !rest) return undefined;
  const given = head.length + rest.length + tail.length;
  let groups: number[];
  if (halves.length === 2) {
    if (given > 7) return undefined; // "::" stands for at least one group
    groups = [...head, ...new Array<number>(8 - given).fill(0), ...rest, ...tail];
  } else {
    if (given !== 8) return undefined;
    groups = [...head, ...tail];
  }
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Bytes of an address of the given family, or undefined. */
export function addressToBytes(text: string, family: IpFamily): Buffer | undefined {
  return family === 4 ? ipv4ToBytes(text) : ipv6ToBytes(text);
}

/** Dotted-quad text of 4 bytes. */
export function formatIpv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** RFC 5952 text of 16 bytes: lower case, longest run (2+) of zero groups as `::`. */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[i * 2] << 8) | bytes[i * 2 + 1]);
  return formatIpv6Groups(groups);
}

export function formatAddress(bytes: Uint8Array, family: IpFamily): string {
  return family === 4 ? formatIpv4(bytes) : formatIpv6(bytes);
}

/** Canonical text of an address (RFC 5952 for IPv6), or undefined when invalid. */
export function normaliseAddress(text: string, family: IpFamily): string | undefined {
  const b = addressToBytes(text, family);
  return b ? formatAddress(b, family) : undefined;
}

/** Is this (valid) address multicast: 224.0.0.0/4 or ff00::/8? */
export function isMulticastAddress(text: string, family: IpFamily): boolean {
  const b = addressToBytes(text, family);
  if (!b) return false;
  return family === 4 ? (b[0] & 0xf0) === 0xe0 : b[0] === 0xff;
}

/** The 8 authentication bytes of a password: UTF-8, cut to 8 bytes, zero-padded. */
export function authBytes(password: string | Uint8Array): Buffer {
  const src = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const out = Buffer.alloc(VRRP_AUTH_LENGTH);
  out.set(src.subarray(0, VRRP_AUTH_LENGTH));
  return out;
}

function equalConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

// ---------------------------------------------------------------------------
// Types

/** What an advert says, as given to the encoder. */
export interface AdvertFields {
  version: VrrpVersion;
  family: IpFamily;
  /** 1..255. */
  vrid: number;
  /** 0..255; 0 = the master is leaving, 255 = address owner. */
  priority: number;
  /**
   * Advertisement interval in centiseconds. v2 carries whole seconds, so this
   * must be a multiple of 100 (at most 25500); v3 at most 4095.
   */
  intervalCs: number;
  /** Virtual addresses of `family`, in text form, in wire order (at most 255). */
  addresses: readonly string[];
  /** v2 only: 0 none (default), 1 PASS, 2 AH. v3 has no auth field. */
  authType?: number;
  /**
   * v2 over IPv4 only: the 8 authentication bytes (the PASS password; zero for
   * none). A string or shorter array is zero-padded, a longer one cut to 8.
   */
  authData?: string | Uint8Array;
}

/** A decoded advert. Encoding it again gives the same bytes. */
export interface Advert {
  version: number;
  family: IpFamily;
  /** 1 = ADVERTISEMENT (decodeAdvert drops anything else). */
  type: number;
  vrid: number;
  priority: number;
  /** Interval in centiseconds (v2: the seconds field × 100). */
  intervalCs: number;
  /** Canonical text (RFC 5952 for IPv6), in wire order. */
  addresses: string[];
  /** v2: the auth type field; v3: 0. */
  authType: number;
  /** v2 over IPv4: the 8 bytes after the addresses; otherwise empty. */
  authData: Buffer;
  /** The checksum field as received. */
  checksum: number;
}

export interface EncodeOptions {
  /**
   * Pseudo-header source and destination. Required for VRRPv3 over IPv4. For
   * IPv6 the checksum is computed when both are given, and left 0 otherwise
   * (the kernel fills it in on a socket with IPV6_CHECKSUM = 6). Unused by
   * v2 over IPv4. The unicast v3 "old checksum" form is this with `dst` set to
   * the multicast group instead of the peer.
   */
  src?: string;
  dst?: string;
}

/** Why a received advert is not taken. */
export type DropReason =
  /** Fewer bytes than the headers, or than the address count needs. */
  | 'too-short'
  /** More bytes than the address count accounts for. */
  | 'too-long'
  /** IPv4 header not well formed, or not VRRP/AH. */
  | 'bad-ip-header'
  /** TTL/hop limit not 255 on a multicast instance, or outside a unicast peer's min/max. */
  | 'bad-ttl'
  | 'bad-version'
  /** v2: unknown auth type, or not the configured one (including AH vs not AH). */
  | 'bad-auth-type'
  /** v2 PASS: the password differs. */
  | 'bad-auth'
  /** v2 AH: the ICV is not verified by this codec. */
  | 'unsupported-auth'
  /** v2: the advert interval differs from ours. */
  | 'interval-mismatch'
  | 'bad-type'
  /** Number of addresses differs from the configured VIPs (2.2.7 drops). */
  | 'address-count-mismatch'
  | 'bad-checksum'
  /** Multicast advert on a unicast instance, or unicast on a multicast one. */
  | 'cast-mismatch'
  /** A configured VIP is missing from the advert. */
  | 'address-list-mismatch'
  /** Unicast source is not one of the unicast peers (with check_unicast_src). */
  | 'unknown-unicast-src'
  /** No instance has this VRID (on this interface and family). */
  | 'unknown-vrid';

/** What the receiving side knows about how the bytes arrived. */
export interface Reception {
  family: IpFamily;
  /** Source address (IPv4 header, or the IPv6 recvfrom address). */
  src?: string;
  /** Destination address (IPv4 header, or IPV6_PKTINFO). */
  dst?: string;
  /** TTL (IPv4) or hop limit (IPv6 IPV6_HOPLIMIT); absent = unknown, not checked. */
  ttl?: number;
  /** Sent to a multicast address? Default: derived from `dst`; unknown when both are absent. */
  multicast?: boolean;
  /** IPv4 protocol of the packet: 112 (default) or 51 when AH wrapped the message. */
  protocol?: number;
  /**
   * The kernel already verified the checksum (IPv6 raw sockets with
   * IPV6_CHECKSUM). Default: true for IPv6, false for IPv4. When false for
   * IPv6, `src` and `dst` are needed to verify it here.
   */
  checksumVerified?: boolean;
}

export interface UnicastPeer {
  address: string;
  /** Accepted TTL/hop-limit range (checked with checkUnicastSrc). */
  minTtl?: number;
  maxTtl?: number;
}

/**
 * How keepalived may compute the v3/IPv4 checksum of unicast adverts:
 * 'auto' (default) checks the standard form and falls back to the old one
 * (pseudo-header destination = the multicast group), reporting which matched;
 * 'never' checks only the standard form; 'always' only the old one.
 */
export type OldUnicastChecksum = 'auto' | 'never' | 'always';

/** What the receiving instance expects. */
export interface InstanceView {
  version: VrrpVersion;
  /** v2: expected auth type (0 none, 1 PASS, 2 AH). Default 0. Ignored for v3. */
  authType?: number;
  /** v2 PASS: the configured password (compared over 8 bytes as authBytes gives). */
  password?: string | Uint8Array;
  /** Our advert interval, centiseconds: v2 drops adverts with another one. */
  intervalCs: number;
  /** Configured VIPs (text); absent = no address checks. */
  addresses?: readonly string[];
  /**
   * false skips the address count and list checks for this advert (keepalived's
   * skip_check_adv_addr, for adverts from the current master). Default true.
   */
  checkAddresses?: boolean;
  /**
   * 'drop' (keepalived 2.2.7, default): an address count or list mismatch drops
   * the advert. 'accept': it is accepted and the mismatch reported.
   */
  addressMismatch?: 'drop' | 'accept';
  /** Unicast peers; empty or absent = a multicast instance. */
  unicastPeers?: readonly UnicastPeer[];
  /** Drop unicast adverts whose source is not a peer (and check the peer's TTL range). */
  checkUnicastSrc?: boolean;
  /** v3/IPv4 unicast checksum compatibility. Default 'auto'. */
  oldUnicastChecksum?: OldUnicastChecksum;
  /** The IPv4 group for the old unicast checksum. Default 224.0.0.18. */
  mcastGroup4?: string;
}

export interface DecodeContext extends Reception {
  /** The instance, or a lookup by VRID (undefined = no such instance). */
  instance: InstanceView | ((vrid: number) => InstanceView | undefined);
}

/**
 * Which checksum matched: 'v2' (message only), 'pseudo-header' (v3/IPv4 or
 * IPv6 verified here), 'old-unicast' (v3/IPv4 with the multicast group as
 * destination: the sender uses keepalived's old unicast form), 'kernel'
 * (IPv6, verified by the kernel).
 */
export type ChecksumForm = 'v2' | 'pseudo-header' | 'old-unicast' | 'kernel';

export interface DecodeOk {
  ok: true;
  advert: Advert;
  checksumForm: ChecksumForm;
  /** Set when addressMismatch is 'accept' and the addresses did not match. */
  addressMismatch?: 'count' | 'list';
}

export interface DecodeDrop {
  ok: false;
  reason: DropReason;
  /** A short explanation with the values involved, for logs. */
  detail: string;
  /** The advert's VRID when the bytes got that far. */
  vrid?: number;
}

export type DecodeResult = DecodeOk | DecodeDrop;

// ---------------------------------------------------------------------------
// Encoding

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer in ${min}..${max} (got ${v})`);
}

/** Length of a VRRP message with `count` addresses. */
export function vrrpMessageLength(version: number, family: IpFamily, count: number): number {
  const alen = family === 4 ? 4 : 16;
  return VRRP_HEADER_LENGTH + count * alen + (version === 2 && family === 4 ? VRRP_AUTH_LENGTH : 0);
}

/**
 * The checksum `message` should carry (its own checksum field is treated as
 * zero). Returns undefined when the pseudo-header addresses it needs (v3/IPv4,
 * IPv6) are missing or invalid.
 */
export function vrrpChecksum(message: Uint8Array, version: number, family: IpFamily, src?: string, dst?: string): number | undefined {
  const zeroed = Buffer.from(message);
  if (zeroed.length >= VRRP_CHECKSUM_OFFSET + 2) zeroed.writeUInt16BE(0, VRRP_CHECKSUM_OFFSET);
  const pseudo = pseudoHeader(zeroed.length, version, family, src, dst);
  if (pseudo === null) return internetChecksum(zeroed);
  if (pseudo === undefined) return undefined;
  return internetChecksum(pseudo, zeroed);
}

/** null: no pseudo-header (v2/IPv4); undefined: one is needed but src/dst are missing. */
function pseudoHeader(length: number, version: number, family: IpFamily, src?: string, dst?: string): Buffer | null | undefined {
  if (family === 4 && version === 2) return null;
  if (src === undefined || dst === undefined) return undefined;
  const s = addressToBytes(src, family);
  const d = addressToBytes(dst, family);
  if (!s || !d) return undefined;
  return family === 4 ? ipv4PseudoHeader(s, d, IPPROTO_VRRP, length) : ipv6PseudoHeader(s, d, IPPROTO_VRRP, length);
}

/**
 * The VRRP message (no IP header) for `advert`. Throws RangeError on fields
 * out of range, addresses not of the family, or a v3/IPv4 advert without
 * pseudo-header addresses.
 */
export function encodeAdvert(advert: AdvertFields, options: EncodeOptions = {}): Buffer {
  const { version, family } = advert;
  if (version !== 2 && version !== 3) throw new RangeError(`VRRP version must be 2 or 3 (got ${String(version)})`);
  if (family !== 4 && family !== 6) throw new RangeError(`family must be 4 or 6 (got ${String(family)})`);
  checkInt('vrid', advert.vrid, 1, 255);
  checkInt('priority', advert.priority, 0, 255);
  checkInt('address count', advert.addresses.length, 0, 255);
  if (version === 2) {
    checkInt('v2 interval (centiseconds)', advert.intervalCs, 0, V2_MAX_INTERVAL_CS);
    if (advert.intervalCs % 100 !== 0) throw new RangeError(`v2 interval must be whole seconds (got ${advert.intervalCs} cs)`);
    checkInt('auth type', advert.authType ?? AUTH_NONE, 0, 255);
  } else {
    checkInt('v3 interval (centiseconds)', advert.intervalCs, 0, V3_MAX_INTERVAL_CS);
  }

  const alen = family === 4 ? 4 : 16;
  const buf = Buffer.alloc(vrrpMessageLength(version, family, advert.addresses.length));
  buf[0] = (version << 4) | VRRP_TYPE_ADVERTISEMENT;
  buf[1] = advert.vrid;
  buf[2] = advert.priority;
  buf[3] = advert.addresses.length;
  if (version === 2) {
    buf[4] = advert.authType ?? AUTH_NONE;
    buf[5] = advert.intervalCs / 100;
  } else {
    buf.writeUInt16BE(advert.intervalCs & 0x0fff, 4);
  }
  advert.addresses.forEach((text, i) => {
    const b = addressToBytes(text, family);
    if (!b) throw new RangeError(`'${text}' is not an IPv${family} address`);
    buf.set(b, VRRP_HEADER_LENGTH + i * alen);
  });
  if (version === 2 && family === 4 && advert.authData !== undefined) {
    buf.set(authBytes(advert.authData), VRRP_HEADER_LENGTH + advert.addresses.length * alen);
  }

  if (family === 6 && (options.src === undefined || options.dst === undefined)) return buf; // the kernel's job
  const sum = vrrpChecksum(buf, version, family, options.src, options.dst);
  if (sum === undefined) {
    throw new RangeError(`the checksum needs valid IPv${family} src and dst (got ${String(options.src)} -> ${String(options.dst)})`);
  }
  buf.writeUInt16BE(sum, VRRP_CHECKSUM_OFFSET);
  return buf;
}

// ---------------------------------------------------------------------------
// Parsing (structure only)

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

interface Header {
  version: number;
  type: number;
  vrid: number;
  priority: number;
  count: number;
  /** The message length the header's version and count call for. */
  expectedLength: number;
}

function readHeader(buf: Buffer, family: IpFamily): Header | undefined {
  if (buf.length < VRRP_HEADER_LENGTH) return undefined;
  const version = buf[0] >> 4;
  const count = buf[3];
  return {
    version,
    type: buf[0] & 0x0f,
    vrid: buf[1],
    priority: buf[2],
    count,
    // Like keepalived, anything but version 2 is sized as v3 (no auth data).
    expectedLength: vrrpMessageLength(version === 2 ? 2 : 3, family, count),
  };
}

/** The fields of a message whose length has been checked. */
function readAdvert(buf: Buffer, family: IpFamily, h: Header): Advert {
  const alen = family === 4 ? 4 : 16;
  const addresses: string[] = [];
  for (let i = 0; i < h.count; i++) {
    const off = VRRP_HEADER_LENGTH + i * alen;
    addresses.push(formatAddress(buf.subarray(off, off + alen), family));
  }
  const v2 = h.version === 2;
  const authOff = VRRP_HEADER_LENGTH + h.count * alen;
  return {
    version: h.version,
    family,
    type: h.type,
    vrid: h.vrid,
    priority: h.priority,
    intervalCs: v2 ? buf[5] * 100 : buf.readUInt16BE(4) & 0x0fff,
    addresses,
    authType: v2 ? buf[4] : 0,
    authData: v2 && family === 4 ? Buffer.from(buf.subarray(authOff, authOff + VRRP_AUTH_LENGTH)) : Buffer.alloc(0),
    checksum: buf.readUInt16BE(VRRP_CHECKSUM_OFFSET),
  };
}

function lengthDrop(actual: number, expected: number, vrid?: number): DecodeDrop {
  const drop: DecodeDrop = {
    ok: false,
    reason: actual < expected ? 'too-short' : 'too-long',
    detail: `VRRP message of ${actual} bytes, expected ${expected}`,
  };
  if (vrid !== undefined) drop.vrid = vrid;
  return drop;
}

/**
 * The advert in `bytes` (a VRRP message, no IP header) without any check
 * but its length: for demultiplexing, dumps and tests. Never throws.
 */
export function parseAdvert(bytes: Uint8Array, family: IpFamily): { ok: true; advert: Advert } | DecodeDrop {
  const buf = asBuffer(bytes);
  const h = readHeader(buf, family);
  if (!h) return lengthDrop(buf.length, VRRP_HEADER_LENGTH);
  if (buf.length !== h.expectedLength) return lengthDrop(buf.length, h.expectedLength, h.vrid);
  return { ok: true, advert: readAdvert(buf, family, h) };
}

// ---------------------------------------------------------------------------
// Decoding with the receive-side checks

function drop(reason: DropReason, detail: string, vrid: number): DecodeDrop {
  return { ok: false, reason, detail, vrid };
}

function isMulticastBytes(b: Uint8Array, family: IpFamily): boolean {
  return family === 4 ? (b[0] & 0xf0) === 0xe0 : b[0] === 0xff;
}

/**
 * Decode and check a VRRP message (no IP header) as keepalived 2.2.7 would,
 * for the instance the context names or its lookup finds by VRID. The checks,
 * in keepalived's order: length; TTL/hop limit 255 on a multicast instance;
 * version; v2 auth type, password, interval; type; address count; checksum;
 * multicast vs unicast; address list; unicast source and its TTL range.
 * Never throws.
 */
export function decodeAdvert(bytes: Uint8Array, context: DecodeContext): DecodeResult {
  const { family } = context;
  const buf = asBuffer(bytes);
  const h = readHeader(buf, family);
  if (!h) return lengthDrop(buf.length, VRRP_HEADER_LENGTH);
  const vrid = h.vrid;

  const instance = typeof context.instance === 'function' ? context.instance(vrid) : context.instance;
  if (!instance) return drop('unknown-vrid', `no instance with VRID ${vrid}`, vrid);

  // AH wrapping must agree with the configured auth type (IPv4 only).
  const expectedAuth = instance.version === 2 ? (instance.authType ?? AUTH_NONE) : AUTH_NONE;
  if (family === 4) {
    const isAh = context.protocol === IPPROTO_AH;
    if (isAh !== (expectedAuth === AUTH_AH)) {
      return drop('bad-auth-type', isAh ? 'AH header but auth type is not AH' : 'no AH header but auth type is AH', vrid);
    }
    if (isAh) return drop('unsupported-auth', 'AH authentication is not verified by this codec', vrid);
  }

  if (buf.length !== h.expectedLength) return lengthDrop(buf.length, h.expectedLength, vrid);

  const unicast = (instance.unicastPeers?.length ?? 0) > 0;
  if (!unicast && context.ttl !== undefined && context.ttl !== VRRP_TTL) {
    return drop('bad-ttl', `TTL/hop limit ${context.ttl}, expected ${VRRP_TTL}`, vrid);
  }

  if (h.version !== instance.version) return drop('bad-version', `version ${h.version}, expected ${instance.version}`, vrid);

  const advert = readAdvert(buf, family, h);

  if (h.version === 2) {
    const at = advert.authType;
    if (at !== AUTH_NONE && at !== AUTH_PASS && at !== AUTH_AH) return drop('bad-auth-type', `invalid auth type ${at}`, vrid);
    if (at !== expectedAuth) return drop('bad-auth-type', `auth type ${at}, expected ${expectedAuth}`, vrid);
    // PASS data exists only over IPv4 (keepalived's v2 over IPv6 carries none).
    if (at === AUTH_PASS && family === 4) {
      if (!equalConstantTime(advert.authData, authBytes(instance.password ?? ''))) return drop('bad-auth', 'invalid password', vrid);
    }
    if (advert.intervalCs !== instance.intervalCs) {
      return drop('interval-mismatch', `interval ${advert.intervalCs / 100} s, ours ${instance.intervalCs / 100} s`, vrid);
    }
  }

  if (h.type !== VRRP_TYPE_ADVERTISEMENT) return drop('bad-type', `type ${h.type}, expected ${VRRP_TYPE_ADVERTISEMENT}`, vrid);

  const checkAddresses = instance.addresses !== undefined && instance.checkAddresses !== false;
  const acceptMismatch = instance.addressMismatch === 'accept';
  let addressMismatch: 'count' | 'list' | undefined;
  if (checkAddresses && h.count !== instance.addresses!.length) {
    if (!acceptMismatch) {
      return drop('address-count-mismatch', `${h.count} addresses, expected ${instance.addresses!.length}`, vrid);
    }
    addressMismatch = 'count';
  }

  // Checksum.
  let checksumForm: ChecksumForm;
  if (family === 4 && h.version === 2) {
    if (!checksumValid(buf)) return drop('bad-checksum', 'invalid VRRPv2 checksum', vrid);
    checksumForm = 'v2';
  } else if (family === 4) {
    const mode = instance.oldUnicastChecksum ?? 'auto';
    const group = instance.mcastGroup4 ?? VRRP_MCAST_GROUP4;
    const verify = (dst: string | undefined): boolean | undefined => {
      const pseudo = pseudoHeader(buf.length, 3, 4, context.src, dst);
      return pseudo ? checksumValid(pseudo, buf) : undefined;
    };
    const standard = mode === 'always' ? false : verify(context.dst);
    if (standard === undefined) return drop('bad-checksum', 'cannot verify the VRRPv3 checksum: source/destination unknown', vrid);
    if (standard) {
      checksumForm = 'pseudo-header';
    } else if (unicast && mode !== 'never' && (mode === 'always' || context.dst !== group) && verify(group)) {
      checksumForm = 'old-unicast';
    } else {
      return drop('bad-checksum', 'invalid VRRPv3 checksum', vrid);
    }
  } else if (context.checksumVerified ?? true) {
    checksumForm = 'kernel';
  } else {
    const pseudo = pseudoHeader(buf.length, h.version, 6, context.src, context.dst);
    if (!pseudo) return drop('bad-checksum', 'cannot verify the IPv6 checksum: source/destination unknown', vrid);
    if (!checksumValid(pseudo, buf)) return drop('bad-checksum', 'invalid IPv6 VRRP checksum', vrid);
    checksumForm = 'pseudo-header';
  }

  // Multicast advert for a multicast instance, unicast for a unicast one.
  let multicast = context.multicast;
  if (multicast === undefined && context.dst !== undefined) {
    const d = addressToBytes(context.dst, family);
    if (d) multicast = isMulticastBytes(d, family);
  }
  if (multicast !== undefined && multicast === unicast) {
    return drop('cast-mismatch', `expected ${unicast ? 'unicast' : 'multicast'}, received ${multicast ? 'multicast' : 'unicast'}`, vrid);
  }

  if (checkAddresses && addressMismatch === undefined) {
    const alen = family === 4 ? 4 : 16;
    const received = buf.subarray(VRRP_HEADER_LENGTH, VRRP_HEADER_LENGTH + h.count * alen);
    for (const text of instance.addresses!) {
      const want = addressToBytes(text, family);
      let found = false;
      for (let off = 0; want && !found && off < received.length; off += alen) {
        found = want.equals(received.subarray(off, off + alen));
      }
      if (!found) {
        if (!acceptMismatch) return drop('address-list-mismatch', `${text} missing from the advert`, vrid);
        addressMismatch = 'list';
        break;
      }
    }
  }

  if (unicast && instance.checkUnicastSrc) {
    const src = context.src === undefined ? undefined : addressToBytes(context.src, family);
    const peer = src && instance.unicastPeers!.find((p) => addressToBytes(p.address, family)?.equals(src));
    if (!peer) return drop('unknown-unicast-src', `unicast source ${String(context.src)} is not a peer`, vrid);
    const ttl = context.ttl;
    if (ttl !== undefined && ((peer.minTtl !== undefined && ttl < peer.minTtl) || (peer.maxTtl !== undefined && ttl > peer.maxTtl))) {
      return drop('bad-ttl', `TTL/hop limit ${ttl} not in ${peer.minTtl ?? 0}..${peer.maxTtl ?? 255}`, vrid);
    }
  }

  const ok: DecodeOk = { ok: true, advert, checksumForm };
  if (addressMismatch) ok.addressMismatch = addressMismatch;
  return ok;
}

// ---------------------------------------------------------------------------
// IPv4 packets as a raw socket delivers them (and as keepalived builds them)

export interface Ipv4Header {
  /** Header length in bytes (IHL × 4). */
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  /** The 3 flag bits (bit 1 = DF, bit 0 = MF). */
  flags: number;
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  headerChecksum: number;
  src: string;
  dst: string;
}

export type Ipv4ParseResult =
  | { ok: true; header: Ipv4Header; /** The bytes after the IP header, up to totalLength. */ payload: Buffer }
  | { ok: false; reason: 'too-short' | 'bad-ip-header'; detail: string };

/**
 * Split an IPv4 packet into header and payload. Bytes beyond the total
 * length (Ethernet padding) are ignored; the header checksum is not checked
 * (the kernel has). Never throws.
 */
export function parseIpv4Packet(bytes: Uint8Array): Ipv4ParseResult {
  const buf = asBuffer(bytes);
  if (buf.length < 20) return { ok: false, reason: 'too-short', detail: `${buf.length} bytes, an IPv4 header needs 20` };
  const version = buf[0] >> 4;
  if (version !== 4) return { ok: false, reason: 'bad-ip-header', detail: `IP version ${version}` };
  const headerLength = (buf[0] & 0x0f) * 4;
  if (headerLength < 20) return { ok: false, reason: 'bad-ip-header', detail: `header length ${headerLength}` };
  const totalLength = buf.readUInt16BE(2);
  if (totalLength < headerLength) return { ok: false, reason: 'bad-ip-header', detail: `total length ${totalLength} < header ${headerLength}` };
  if (buf.length < totalLength) return { ok: false, reason: 'too-short', detail: `${buf.length} bytes, total length says ${totalLength}` };
  const fragment = buf.readUInt16BE(6);
  return {
    ok: true,
    header: {
      headerLength,
      tos: buf[1],
      totalLength,
      id: buf.readUInt16BE(4),
      flags: fragment >> 13,
      fragmentOffset: fragment & 0x1fff,
      ttl: buf[8],
      protocol: buf[9],
      headerChecksum: buf.readUInt16BE(10),
      src: formatIpv4(buf.subarray(12, 16)),
      dst: formatIpv4(buf.subarray(16, 20)),
    },
    payload: buf.subarray(headerLength, totalLength),
  };
}

export interface Ipv4DecodeContext {
  instance: DecodeContext['instance'];
}

/**
 * Decode a whole IPv4 packet (header + VRRP, or header + AH + VRRP) as the
 * raw socket delivers it: the header supplies TTL, source, destination and
 * protocol. Never throws.
 */
export function decodeIpv4Packet(bytes: Uint8Array, context: Ipv4DecodeContext): DecodeResult {
  const ip = parseIpv4Packet(bytes);
  if (!ip.ok) return { ok: false, reason: ip.reason, detail: ip.detail };
  const { header } = ip;
  let message = ip.payload;
  if (header.protocol === IPPROTO_AH) {
    if (message.length < AH_HEADER_LENGTH + VRRP_HEADER_LENGTH) {
      return { ok: false, reason: 'too-short', detail: `${message.length} bytes after the IP header, AH + VRRP need ${AH_HEADER_LENGTH + VRRP_HEADER_LENGTH}` };
    }
    if (message[0] !== IPPROTO_VRRP) return { ok: false, reason: 'bad-ip-header', detail: `AH next header ${message[0]}, not VRRP` };
    message = message.subarray(AH_HEADER_LENGTH);
  } else if (header.protocol !== IPPROTO_VRRP) {
    return { ok: false, reason: 'bad-ip-header', detail: `protocol ${header.protocol}, not VRRP` };
  }
  return decodeAdvert(message, {
    family: 4,
    src: header.src,
    dst: header.dst,
    ttl: header.ttl,
    protocol: header.protocol,
    instance: context.instance,
  });
}

export interface Ipv4HeaderFields {
  src: string;
  dst: string;
  /** Default 255. */
  ttl?: number;
  /** Default 0xc0. */
  tos?: number;
  /** Default 0. */
  id?: number;
  /** Default 112. */
  protocol?: number;
}

/**
 * An IPv4 packet carrying `payload` with a 20-byte header as keepalived
 * builds it (TOS 0xc0, no DF, TTL 255), header checksum filled in. Throws
 * RangeError on invalid addresses or fields.
 */
export function encodeIpv4Packet(payload: Uint8Array, fields: Ipv4HeaderFields): Buffer {
  const src = ipv4ToBytes(fields.src);
  const dst = ipv4ToBytes(fields.dst);
  if (!src || !dst) throw new RangeError(`invalid IPv4 addresses ${fields.src} -> ${fields.dst}`);
  const ttl = fields.ttl ?? VRRP_TTL;
  const tos = fields.tos ?? VRRP_TOS;
  const id = fields.id ?? 0;
  const protocol = fields.protocol ?? IPPROTO_VRRP;
  checkInt('ttl', ttl, 0, 255);
  checkInt('tos', tos, 0, 255);
  checkInt('id', id, 0, 0xffff);
  checkInt('protocol', protocol, 0, 255);
  checkInt('total length', 20 + payload.length, 20, 0xffff);
  const buf = Buffer.alloc(20 + payload.length);
  buf[0] = 0x45;
  buf[1] = tos;
  buf.writeUInt16BE(buf.length, 2);
  buf.writeUInt16BE(id, 4);
  buf[8] = ttl;
  buf[9] = protocol;
  buf.set(src, 12);
  buf.set(dst, 16);
  buf.writeUInt16BE(internetChecksum(buf.subarray(0, 20)), 10);
  buf.set(payload, 20);
  return buf;
}
