// Addresses the way glibc reads and prints them for ipvsadm: inet_aton for
// IPv4 (with its short forms "a.b", "0x7f.1", octal "010"), inet_pton for
// IPv6, inet_ntoa / inet_ntop for output. Addresses are kept as text in the
// state file and turned into 32-bit words for ipvsadm's sort order.
import { isIPv6 } from 'node:net';

const isSpace = (c) => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';

/** inet_aton: the address as an unsigned 32-bit number, or undefined. */
export function inetAton(text) {
  const parts = [];
  let rest = text;
  let value;
  for (;;) {
    // Each part starts with a digit and is read like strtoul(base 0).
    const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(rest);
    if (!m) return undefined;
    value = m[1].startsWith('0x') || m[1].startsWith('0X') ? parseInt(m[1].slice(2), 16) : m[1].length > 1 && m[1][0] === '0' ? parseInt(m[1], 8) : Number(m[1]);
    if (!Number.isFinite(value) || value > 0xffffffff) return undefined;
    rest = rest.slice(m[1].length);
    if (rest[0] !== '.') break;
    if (parts.length > 2 || value > 0xff) return undefined;
    parts.push(value);
    rest = rest.slice(1);
  }
  if (rest !== '' && !isSpace(rest[0])) return undefined;
  const limits = [0xffffffff, 0xffffff, 0xffff, 0xff];
  if (value > limits[parts.length]) return undefined;
  let high = 0;
  parts.forEach((p, i) => (high += p * 2 ** (24 - 8 * i)));
  return high + value;
}

export function formatIpv4(u32) {
  return [24, 16, 8, 0].map((s) => Math.floor(u32 / 2 ** s) % 256).join('.');
}

/** inet_pton(AF_INET6): eight 16-bit groups, or undefined. */
export function parseIpv6(text) {
  if (text.includes('%') || !isIPv6(text)) return undefined;
  let tail = [];
  let body = text;
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const octets = v4[2].split('.');
    // inet_pton's dotted quad: decimal octets without leading zeros.
    if (octets.some((o) => (o.length > 1 && o[0] === '0') || Number(o) > 255)) return undefined;
    const n = octets.map(Number);
    tail = [n[0] * 256 + n[1], n[2] * 256 + n[3]];
    body = v4[1].endsWith('::') ? v4[1] : v4[1].slice(0, -1);
  }
  const [head, after] = body.includes('::') ? body.split('::') : [body, undefined];
  const groups = (s) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = after === undefined ? [] : groups(after);
  const fill = 8 - tail.length - left.length - right.length;
  if (fill < 0 || (after === undefined && fill !== 0)) return undefined;
  return [...left, ...new Array(after === undefined ? 0 : fill).fill(0), ...right, ...tail];
}

/** inet_ntop(AF_INET6), as glibc writes it. */
export function formatIpv6(groups) {
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  groups.forEach((g, i) => {
    if (g === 0) {
      cur = cur.base === -1 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
      if (cur.len > best.len) best = { ...cur };
    } else cur = { base: -1, len: 0 };
  });
  if (best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    // An IPv4-compatible or IPv4-mapped address ends in a dotted quad.
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && groups[5] === 0xffff))) {
      out += formatIpv4(groups[6] * 65536 + groups[7]);
      break;
    }
    out += groups[i].toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ':';
  return out;
}

/** An address as four 32-bit words (IPv4 uses the first), for ipvsadm's comparisons. */
export function addressWords(af, text) {
  if (af === 4) return [inetAton(text), 0, 0, 0];
  const g = parseIpv6(text);
  return [0, 2, 4, 6].map((i) => g[i] * 65536 + g[i + 1]);
}

export function isIpv4Multicast(u32) {
  return u32 >= 0xe0000000 && u32 <= 0xefffffff;
}
