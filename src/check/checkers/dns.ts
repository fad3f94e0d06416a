// DNS_CHECK: one query over UDP, as keepalived sends it (check_dns.c): a
// random id, recursion desired, one question `name` / `type` / class IN. The
// server is healthy when a response (QR set) with the same id arrives within
// connect_timeout with RCODE 0 (NOERROR); keepalived does not look at the
// answer section. Datagrams with another id, queries and runts are ignored and
// the wait goes on; a non-zero RCODE, an ICMP error or the timeout fail.
import { randomInt } from 'node:crypto';
import type { DnsQueryType } from '../../config/model/check.js';
import { formatEndpoint, type Endpoint } from './endpoint.js';
import type { Checker, CheckResult } from './types.js';
import { udpExchange } from './udp.js';

export const DNS_TYPE_CODES: Record<DnsQueryType, number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  RRSIG: 46,
  DNSKEY: 48,
};

const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];
const HEADER_BYTES = 12;
const FLAG_QR = 0x8000;
const FLAG_RD = 0x0100;

/**
 * The query keepalived sends. Labels are split at dots (a trailing dot
 * optional, "." alone is the root; empty labels are skipped). Like
 * keepalived, a label is written as is: one over 63 bytes makes a query
 * servers reject.
 */
export function buildDnsQuery(id: number, name: string, type: number): Buffer {
  const labels = name.split('.').filter((l) => l !== '');
  const parts: Buffer[] = [];
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(FLAG_RD, 2);
  header.writeUInt16BE(1, 4); // QDCOUNT
  parts.push(header);
  for (const label of labels) {
    const bytes = Buffer.from(label, 'latin1');
    parts.push(Buffer.from([bytes.length & 0xff]), bytes);
  }
  parts.push(Buffer.from([0]));
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2); // class IN
  parts.push(tail);
  return Buffer.concat(parts);
}

export type DnsReplyVerdict = { kind: 'ignore'; why: string } | { kind: 'answer'; rcode: number };

/** How keepalived treats a datagram that arrives after its query. */
export function judgeDnsReply(reply: Uint8Array, id: number): DnsReplyVerdict {
  if (reply.length < HEADER_BYTES) return { kind: 'ignore', why: `short message (${reply.length} bytes)` };
  const view = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  if (view.readUInt16BE(0) !== (id & 0xffff)) return { kind: 'ignore', why: 'another id' };
  const flags = view.readUInt16BE(2);
  if (!(flags & FLAG_QR)) return { kind: 'ignore', why: 'not a response' };
  return { kind: 'answer', rcode: flags & 0x0f };
}

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE ${rcode}`;
}

export interface DnsCheckOptions extends Endpoint {
  connectTimeoutMs: number;
  queryType: DnsQueryType;
  name: string;
}

export class DnsChecker implements Checker {
  readonly type = 'DNS_CHECK';
  readonly target: string;

  constructor(
    private readonly options: DnsCheckOptions,
    /** Query ids; random by default, as keepalived's. */
    private readonly nextId: () => number = () => randomInt(0x10000),
  ) {
    this.target = formatEndpoint(options);
  }

  async run(signal: AbortSignal): Promise<CheckResult> {
    const o = this.options;
    const id = this.nextId();
    const query = buildDnsQuery(id, o.name, DNS_TYPE_CODES[o.queryType]);
    const where = `DNS ${o.queryType} ${o.name} to ${this.target}`;
    const outcome = await udpExchange(o, query, o.connectTimeoutMs, signal, (reply) => {
      const v = judgeDnsReply(reply, id);
      if (v.kind === 'ignore') return 'ignore';
      return v.rcode === 0
        ? { ok: true, reason: `${where}: NOERROR` }
        : { ok: false, reason: `${where}: answered ${rcodeName(v.rcode)} (rcode ${v.rcode})` };
    });
    if (outcome.kind === 'timeout') return { ok: false, reason: `${where}: no answer within ${o.connectTimeoutMs} ms` };
    return outcome.result.ok || outcome.result.reason.startsWith(where)
      ? outcome.result
      : { ok: false, reason: `DNS ${o.queryType} ${o.name} to ${outcome.result.reason}` };
  }
}
