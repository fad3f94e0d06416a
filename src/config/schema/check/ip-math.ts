// Addresses as numbers, for virtual_server_group ranges and masks.
import { formatIpv6Groups, type Family, type IpAddress } from '../../ip.js';

export function bitsOf(family: Family): number {
  return family === 4 ? 32 : 128;
}

/** The address as an unsigned integer (the text must already be a valid address). */
export function ipToBigInt(ip: IpAddress): bigint {
  if (ip.family === 4) return ip.address.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
  return ipv6Groups(ip.address).reduce((n, g) => (n << 16n) | BigInt(g), 0n);
}

function ipv6Groups(text: string): number[] {
  let s = text;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    s = s.slice(0, -v4[1].length);
    if (s.endsWith(':') && !s.endsWith('::')) s = s.slice(0, -1);
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const fill = 8 - left.length - right.length - tail.length;
  return [...left, ...new Array<number>(rest === undefined ? 0 : fill).fill(0), ...right, ...tail];
}

/** Formats an integer as an address of `family` (IPv6 in RFC 5952 form). */
export function bigIntToIp(n: bigint, family: Family): IpAddress {
  if (family === 4) {
    const parts = [24n, 16n, 8n, 0n].map((shift) => Number((n >> shift) & 255n));
    return { family, address: parts.join('.') };
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  const address = formatIpv6Groups(groups);
  return { family, address };
}

/** The host part mask of a prefix: all bits after the first `prefix` bits. */
export function hostMask(prefix: number, family: Family): bigint {
  const bits = bitsOf(family);
  return (1n << BigInt(bits - prefix)) - 1n;
}
