// bfd_instance NAME { neighbor_ip ADDR; source_ip ADDR; min_rx MS; min_tx MS;
//   idle_tx MS; multiplier N; passive; ttl|hoplimit N; max_hops N;
//   weight N [reverse]; vrrp; checker }
// Kept light: keywords and ranges as keepalived 2.2.7 checks them, and the
// checks it makes when the block ends (reported on the '}' line).
import { parseIp } from '../../ip.js';
import type { KeepalivedConfig } from '../../model/index.js';
import { createBfdInstance, type BfdInstance } from '../../model/vrrp.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import { readBlock } from '../reader.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { argAt, readDecimal, readInteger } from '../values.js';
import { blockName, endLocOf, flag, integer, rememberConfig } from './common.js';

type Handler = KeywordHandler<BfdInstance>;

/** Instances whose neighbor_ip was malformed: keepalived ignores them, and the rest of their block. */
const malformedNeighbor = new WeakSet<BfdInstance>();

/** Longest BFD instance name keepalived takes. */
const MAX_NAME = 31;

function address(set: (b: BfdInstance, ip: ReturnType<typeof parseIp> & object) => void): Handler {
  return (stmt, bfd, ctx) => {
    const text = argAt(stmt, ctx, 1, 'an IP address');
    if (text === undefined) return;
    const ip = parseIp(text);
    if (!ip) {
      ctx.problems.error('vrrp-invalid-ip', stmtLoc(stmt, 1), `'${text}' is not a valid IP address for '${keywordOf(stmt)}' of bfd_instance ${bfd.name}`);
      if (keywordOf(stmt) !== 'source_ip') malformedNeighbor.add(bfd);
      return;
    }
    set(bfd, ip);
  };
}

/** Milliseconds, as a decimal within range. */
function millis(min: number, set: (b: BfdInstance, ms: number) => void): Handler {
  return (stmt, bfd, ctx) => {
    const value = readDecimal(stmt, ctx, 1, { min, max: 4294967 });
    if (value !== undefined) set(bfd, value);
  };
}

const bfdKeywords: Record<string, Handler> = {
  neighbor_ip: address((b, ip) => (b.neighbor = ip)),
  neighbour_ip: address((b, ip) => (b.neighbor = ip)),
  source_ip: address((b, ip) => (b.source = ip)),
  min_rx: millis(1, (b, v) => (b.minRx = v)),
  min_tx: millis(1, (b, v) => (b.minTx = v)),
  idle_tx: millis(1000, (b, v) => (b.idleTx = v)),
  multiplier: integer({ min: 1, max: 255 }, (b, v) => (b.multiplier = v)),
  passive: flag((b) => (b.passive = true)),
  ttl: integer({ min: 1, max: 255 }, (b, v) => (b.ttl = v)),
  hoplimit: integer({ min: 1, max: 255 }, (b, v) => (b.ttl = v)),
  max_hops: integer({ min: -1, max: 255 }, (b, v) => (b.maxHops = v)),
  weight: (stmt, bfd, ctx) => {
    const value = readInteger(stmt, ctx, 1, { min: -253, max: 253 });
    if (value === undefined) return;
    bfd.weight = value;
    if (stmt.words[2]?.v === 'reverse') bfd.weightReverse = true;
  },
  vrrp: flag((b) => {
    b.vrrp = true;
    if (!b.locs.checker) b.checker = false;
  }),
  checker: flag((b) => {
    b.checker = true;
    if (!b.locs.vrrp) b.vrrp = false;
  }),
};

/**
 * After a malformed neighbor_ip keepalived's BFD process ignores the rest of
 * the block; only the VRRP process's reading of `weight` (and of unknown
 * keywords) is still reported.
 */
function unlessNeighborMalformed(handler: Handler): Handler {
  return (stmt, bfd, ctx) => {
    if (!malformedNeighbor.has(bfd)) handler(stmt, bfd, ctx);
  };
}

export const bfdSpec: BlockSpec<BfdInstance> = {
  name: 'bfd_instance',
  keywords: Object.fromEntries(Object.entries(bfdKeywords).map(([k, h]) => [k, k === 'weight' ? h : unlessNeighborMalformed(h)])),
};

/** The top-level bfd_instance keyword. */
export function readBfdInstance(stmt: Stmt, config: KeepalivedConfig, ctx: ReadContext): void {
  rememberConfig(ctx, config);
  const name = blockName(stmt, ctx, false);
  if (name === undefined) return;
  if (name.length > MAX_NAME) {
    ctx.problems.error('vrrp-bfd-name', stmtLoc(stmt, 1), `bfd_instance name '${name}' is longer than ${MAX_NAME} characters; the block is skipped`);
    return;
  }
  if (config.vrrp.bfdInstances.some((b) => b.name === name)) {
    ctx.problems.error('vrrp-bfd-duplicate', stmtLoc(stmt, 1), `bfd_instance ${name} is already defined; this block is skipped`);
    return;
  }
  const bfd = createBfdInstance(name, stmtLoc(stmt, 1));
  readBlock(bfdSpec, stmt.block, bfd, ctx);
  bfd.endLoc = endLocOf(stmt);
  if (malformedNeighbor.has(bfd)) return;
  if (!bfd.neighbor) {
    ctx.problems.error('vrrp-bfd-no-neighbor', bfd.endLoc, `bfd_instance ${name} has no neighbor_ip; it is disabled`, { hint: "add 'neighbor_ip ADDR'" });
    return;
  }
  if (bfd.source && bfd.source.family !== bfd.neighbor.family) {
    ctx.problems.error('vrrp-bfd-family', bfd.endLoc, `source_ip and neighbor_ip of bfd_instance ${name} are of different families; it is disabled`);
    return;
  }
  if (config.vrrp.bfdInstances.some((b) => b.neighbor?.address === bfd.neighbor!.address)) {
    ctx.problems.error('vrrp-bfd-duplicate-neighbor', bfd.endLoc, `another bfd_instance already has neighbor ${bfd.neighbor.address}; ${name} is ignored`);
    return;
  }
  config.vrrp.bfdInstances.push(bfd);
}
