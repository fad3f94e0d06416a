// UDP_CHECK: send a datagram (payload) and, with require_reply, expect an
// answer matching a hex pattern (x nibbles are wildcards) of a length within
// min_reply_length..max_reply_length.
import type { RealServer, UdpCheck } from '../../model/check.js';
import { stmtLoc, type Stmt } from '../../tree.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { blockEndLoc, hasArg, missingValue, readUnsigned } from './common.js';
import { checkerBase, connectedCheckerBlock, connectedCheckerKeywords } from './checkers.js';

export interface HexBytes {
  data: number[];
  /** Wildcard bits per byte; only when the text had x nibbles. */
  mask?: number[];
}

function nibble(c: string, wildcards: boolean): number | 'x' | undefined {
  if (/^[0-9a-fA-F]$/.test(c)) return parseInt(c, 16);
  if (wildcards && (c === 'x' || c === 'X')) return 'x';
  return undefined;
}

/**
 * keepalived's hex strings: pairs of hex digits, blanks between bytes
 * allowed, a lone digit before a blank or the end is one byte. Measured with
 * 2.2.7: a last byte of ff is rejected ('00ff', 'ff'), any other is fine.
 */
export function parseHexBytes(text: string, wildcards: boolean): HexBytes | undefined {
  const data: number[] = [];
  const mask: number[] = [];
  let i = 0;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) break;
    const hi = nibble(text[i++], wildcards);
    if (hi === undefined) return undefined;
    let value = hi === 'x' ? 0 : hi;
    let m = hi === 'x' ? 0x0f : 0;
    if (i < text.length && text[i] !== ' ') {
      const lo = nibble(text[i++], wildcards);
      if (lo === undefined) return undefined;
      value = (value << 4) | (lo === 'x' ? 0 : lo);
      m = (m << 4) | (lo === 'x' ? 0x0f : 0);
    }
    data.push(value);
    mask.push(m);
  }
  // keepalived uses 0xff as its "bad digit" marker, so a string ending in byte ff is rejected too.
  if (data.length === 0 || data[data.length - 1] === 0xff) return undefined;
  return mask.some((b) => b !== 0) ? { data, mask } : { data };
}

function hexArgument(stmt: Stmt): string {
  return stmt.words.slice(1).map((w) => w.v).join(' ');
}

function badHex(stmt: Stmt, ctx: ReadContext, what: string): void {
  const text = hexArgument(stmt);
  const hint = /ff$/i.test(text.trim())
    ? 'keepalived 2.2.7 rejects a hex string whose last byte is ff; the line is ignored'
    : `write bytes as hex digits, e.g. 0a1b2c${what === 'reply' ? ' (x is a wildcard nibble)' : ''}; the line is ignored`;
  ctx.problems.error('invalid-hex', stmtLoc(stmt, 1), `${what} '${text}' is not a hex string keepalived accepts`, { hint });
}

const udpKeywords: Record<string, KeywordHandler<UdpCheck>> = {
  ...connectedCheckerKeywords<UdpCheck>(),
  payload: (stmt, checker, ctx) => {
    if (!hasArg(stmt)) return missingValue(stmt, ctx, 'hex bytes to send', 'HEX');
    const bytes = parseHexBytes(hexArgument(stmt), false);
    if (!bytes) return badHex(stmt, ctx, 'payload');
    checker.payload = bytes.data;
  },
  require_reply: (stmt, checker, ctx) => {
    checker.requireReply = true;
    if (!hasArg(stmt)) return;
    const bytes = parseHexBytes(hexArgument(stmt), true);
    if (!bytes) return badHex(stmt, ctx, 'reply');
    checker.replyData = bytes.data;
    if (bytes.mask) checker.replyMask = bytes.mask;
  },
  min_reply_length: (stmt, checker, ctx) => {
    const n = readUnsigned(stmt, ctx, 1, { min: 0, max: 65535 });
    if (n !== undefined) checker.minReplyLength = n;
  },
  max_reply_length: (stmt, checker, ctx) => {
    const n = readUnsigned(stmt, ctx, 1, { min: 0, max: 65535 });
    if (n !== undefined) checker.maxReplyLength = n;
  },
};

export const udpCheckSpec: BlockSpec<UdpCheck> = { name: 'UDP_CHECK', keywords: udpKeywords };

/** A minimum above the maximum: keepalived keeps the checker, which can then never succeed. */
function checkReplyLengths(checker: UdpCheck, stmt: Stmt, _rs: RealServer, ctx: ReadContext): void {
  if (checker.minReplyLength <= checker.maxReplyLength) return;
  ctx.problems.error('reply-length-range', blockEndLoc(stmt), `min_reply_length ${checker.minReplyLength} is above max_reply_length ${checker.maxReplyLength}`, {
    hint: 'every reply would fail the check; lower the minimum or raise the maximum (default 255)',
  });
}

export const udpCheckKeywords: Record<string, KeywordHandler<RealServer>> = {
  UDP_CHECK: connectedCheckerBlock<UdpCheck>(
    udpCheckSpec,
    (stmt) => ({ type: 'UDP_CHECK', ...checkerBase(stmt), connection: {}, requireReply: false, minReplyLength: 0, maxReplyLength: 255 }),
    { after: checkReplyLengths },
  ),
};
