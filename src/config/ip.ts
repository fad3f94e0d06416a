// Address syntax as keepalived accepts it: IPv4 dotted quads, IPv6 (with ::
// and an embedded IPv4 tail), optional /prefix. Pure; no DNS.
import { isIPv6 } from 'node:net';

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
  if (isDottedQuad(text)) return { family: 4, address: text };
  if (isIPv6(text)) return { family: 6, address: text.toLowerCase() };
  return undefined;
}

/**
 * What node's isIPv4 accepts: four decimal parts 0..255 without leading
 * zeros. Written out because it runs for every address of a large config,
 * where the regex was a visible cost.
 */
export function isDottedQuad(text: string): boolean {
  const n = text.length;
  if (n < 7 || n > 15) return false;
  let parts = 0;
  let i = 0;
  for (;;) {
    const start = i;
    let value = 0;
    while (i < n) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || value > 255 || (digits > 1 && text.charCodeAt(start) === 48)) return false;
    if (++parts === 4) return i === n;
    if (i >= n || text.charCodeAt(i) !== 46) return false;
    i++;
  }
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
