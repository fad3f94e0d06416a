// Addresses as ipvsadm prints them (inet_ntop: lower case, the longest run
// of zero groups as "::", IPv4-mapped and -compatible addresses with a dotted
// tail), so that what we ask for and what `ipvsadm -Sn` shows compare equal;
// and keepalived's expansion of virtual_server_group ranges. Pure.
import type { Family, IpAddress } from '../config/ip.js';

function ipv4Number(text: string): number {
  return text.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function ipv4Text(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** The eight 16-bit groups of a valid IPv6 address. */
export function ipv6Groups(text: string): number[] {
  let body = text;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (v4) {
    const n = ipv4Number(v4[1]);
    tail.push(Math.floor(n / 65536), n % 65536);
    body = body.slice(0, -v4[1].length);
    if (body.endsWith(':') && !body.endsWith('::')) body = body.slice(0, -1);
  }
  const [head, rest] = body.split('::') as [string, string | undefined];
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const fill = rest === undefined ? 0 : 8 - left.length - right.length - tail.length;
  return [...left, ...new Array<number>(fill).fill(0), ...right, ...tail];
}

/** inet_ntop(AF_INET6) as glibc writes it. */
export function formatIpv6(groups: readonly number[]): string {
  let best = { base: -1, len: 0 };
  let run = { base: -1, len: 0 };
  groups.forEach((g, i) => {
    run = g === 0 ? { base: run.base < 0 ? i : run.base, len: run.len + 1 } : { base: -1, len: 0 };
    if (run.len > best.len) best = run;
  });
  if (best.len < 2) best = { base: -1, len: 0 };
  const embedsIpv4 = best.base === 0 && (best.len === 6 || (best.len === 5 && groups[5] === 0xffff));
  const parts: string[] = [];
  for (let i = 0; i < 8; i++) {
    if (best.base >= 0 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) parts.push('');
      continue;
    }
    if (i === 6 && embedsIpv4) {
      parts.push(ipv4Text(groups[6] * 65536 + groups[7]));
      break;
    }
    parts.push(groups[i].toString(16));
  }
  if (best.base === 0) parts.unshift('');
  if (best.base >= 0 && best.base + best.len === 8) parts.push('');
  return parts.join(':');
}

const canonical = new WeakMap<IpAddress, string>();

/**
 * An address written the way ipvsadm prints it. Made once per address
 * object of the config model (which is not changed once read): a reconcile
 * pass asks for every real server's.
 */
export function canonicalAddress(ip: IpAddress): string {
  let text = canonical.get(ip);
  if (text === undefined) canonical.set(ip, (text = ip.family === 4 ? ipv4Text(ipv4Number(ip.address)) : formatIpv6(ipv6Groups(ip.address))));
  return text;
}

/** `host:port` as ipvsadm writes it (IPv6 in brackets). */
export function hostPort(family: Family, address: string, port: number): string {
  return family === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The addresses of a virtual_server_group range, as keepalived walks them:
 * an IPv4 range counts up the whole address, an IPv6 range only its last
 * group. At most `limit` addresses; `truncated` says when there were more.
 */
export function expandRange(first: IpAddress, last: IpAddress, limit: number): { addresses: string[]; truncated: boolean } {
  const addresses: string[] = [];
  if (first.family === 4) {
    const end = ipv4Number(last.address);
    for (let n = ipv4Number(first.address); n <= end; n++) {
      if (addresses.length === limit) return { addresses, truncated: true };
      addresses.push(ipv4Text(n));
    }
    return { addresses, truncated: false };
  }
  const groups = ipv6Groups(first.address);
  const end = ipv6Groups(last.address)[7];
  for (let low = groups[7]; ; low = (low + 1) % 65536) {
    if (addresses.length === limit) return { addresses, truncated: true };
    addresses.push(formatIpv6([...groups.slice(0, 7), low]));
    if (low === end) return { addresses, truncated: false };
  }
}
