// Address syntax as keepalived accepts it: IPv4 dotted quads, IPv6 (with ::
// and an embedded IPv4 tail), optional /prefix. Pure; no DNS.
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

export interface IpAddress {
  family: Family;
  /** Normalised text form. */
  address: string;
}

export interface IpPrefix extends IpAddress {
  /** Prefix length; the family's full length when none was written. */
  prefix: number;
  /** True when the text had an explicit /prefix. */
  explicitPrefix: boolean;
}

export function parseIp(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { family: 4, address: text };
  if (isIPv6(text)) return { family: 6, address: text.toLowerCase() };
  return undefined;
}

/** RFC 5952 text of eight 16-bit groups: lower case, the longest run (2+) of zero groups as '::'. */
export function formatIpv6Groups(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
