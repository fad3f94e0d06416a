// The Internet checksum (RFC 1071) and the pseudo-headers VRRP puts in front
// of its message: IPv4 for VRRPv3 (RFC 5798 section 5.2.8), IPv6 for both
// versions (RFC 8200 section 8.1, what the kernel computes for a raw socket
// with IPV6_CHECKSUM). Pure: no I/O, never throws on any input.

/**
 * One's-complement sum of 16-bit big-endian words, folded to 16 bits, over
 * the parts taken as one byte stream (a part of odd length does not shift the
 * next one). Not complemented; see internetChecksum.
 */
export function onesComplementSum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  let pending = -1; // a high byte waiting for its low byte from the next part
  for (const part of parts) {
    let i = 0;
    if (pending >= 0 && part.length > 0) {
      sum += (pending << 8) | part[0];
      pending = -1;
      i = 1;
    }
    for (; i + 1 < part.length; i += 2) {
      sum += (part[i] << 8) | part[i + 1];
      // Fold now and then so the number stays a small integer.
      if (sum > 0x7fff0000) sum = (sum & 0xffff) + (sum >>> 16);
    }
    if (i < part.length) pending = part[i];
  }
  if (pending >= 0) sum += pending << 8; // odd total: pad with a zero byte
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * The Internet checksum of the concatenated parts: the complement of their
 * one's-complement sum. Put it in a zeroed checksum field to send; over data
 * that already contains a correct checksum it yields 0.
 */
export function internetChecksum(...parts: Uint8Array[]): number {
  return ~onesComplementSum(parts) & 0xffff;
}

/** True when the parts, checksum field included, sum to a valid checksum. */
export function checksumValid(...parts: Uint8Array[]): boolean {
  return internetChecksum(...parts) === 0;
}

/**
 * IPv4 pseudo-header (12 bytes): source, destination, zero, protocol,
 * 16-bit length of the upper-layer message. `src` and `dst` are 4 bytes each.
 */
export function ipv4PseudoHeader(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): Buffer {
  const b = Buffer.alloc(12);
  b.set(src.subarray(0, 4), 0);
  b.set(dst.subarray(0, 4), 4);
  b[9] = protocol & 0xff;
  b.writeUInt16BE(length & 0xffff, 10);
  return b;
}

/**
 * IPv6 pseudo-header (40 bytes): source, destination, 32-bit upper-layer
 * length, three zero bytes, next header. `src` and `dst` are 16 bytes each.
 */
export function ipv6PseudoHeader(src: Uint8Array, dst: Uint8Array, nextHeader: number, length: number): Buffer {
  const b = Buffer.alloc(40);
  b.set(src.subarray(0, 16), 0);
  b.set(dst.subarray(0, 16), 16);
  b.writeUInt32BE(length >>> 0, 32);
  b[39] = nextHeader & 0xff;
  return b;
}
