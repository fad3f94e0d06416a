// virtual_server_group NAME { ... }: a value block whose lines are
//   IP [PORT]            one address
//   IP-LAST [PORT]       last octet (IPv4, decimal) or last group (IPv6, hex) ends the range
//   IP-IP [PORT]         explicit first and last address
//   NET/LEN [PORT]       a whole prefix (host bits must be zero)
//   fwmark N [inet|inet6]
// A port of 0 (or none) means "no port". keepalived removes a group that ends
// up empty, or that mixes IPv4, IPv6 and a fwmark without a family.
import type { Family } from '../../ip.js';
import type { KeepalivedConfig } from '../../model/index.js';
import type { VirtualServerGroup, VirtualServerGroupEntry, VsgAddressRange } from '../../model/check.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import { subBlock } from '../reader.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { abortMissing, blockEndLoc, checkUnsigned, parseInetAddress, requireArg, UINT_MAX } from './common.js';
import { bigIntToIp, bitsOf, hostMask, ipToBigInt } from './ip-math.js';

function fwmarkEntry(stmt: Stmt, ctx: ReadContext): VirtualServerGroupEntry | undefined {
  const text = requireArg(stmt, ctx, 1, 'a firewall mark');
  if (text === undefined) return undefined;
  const fwmark = checkUnsigned(stmt, ctx, 1, text, { min: 0, max: UINT_MAX }, 'fwmark');
  if (fwmark === undefined) return undefined;
  const entry: VirtualServerGroupEntry = { kind: 'fwmark', fwmark, loc: stmtLoc(stmt) };
  const familyWord = stmt.words[2]?.v;
  if (familyWord !== undefined) {
    if (familyWord !== 'inet' && familyWord !== 'inet6') {
      ctx.problems.error('invalid-value', stmtLoc(stmt, 2), `fwmark ${fwmark}: unknown address family '${familyWord}'`, {
        hint: "use 'inet' or 'inet6'; keepalived ignores this entry",
      });
      return undefined;
    }
    entry.family = familyWord === 'inet' ? 4 : 6;
  }
  return entry;
}

function invalidEntry(stmt: Stmt, ctx: ReadContext, message: string, hint: string, index = 0): undefined {
  ctx.problems.error('invalid-group-entry', stmtLoc(stmt, index), message, { hint: `${hint}; keepalived skips this entry` });
  return undefined;
}

/** The numeric end of a short range (IP-LAST): decimal for IPv4, hex for IPv6. */
function shortRangeEnd(stmt: Stmt, ctx: ReadContext, text: string, end: string, family: Family): number | undefined {
  const pattern = family === 4 ? /^\d*$/ : /^[0-9a-fA-F]*$/;
  if (!pattern.test(end)) {
    return invalidEntry(stmt, ctx, `range '${text}' has stray characters after '-'`, family === 4 ? 'write the last octet of the range, e.g. 198.51.100.10-20' : 'write the last group in hex, e.g. 2001:db8::10-2f');
  }
  const value = end === '' ? 0 : parseInt(end, family === 4 ? 10 : 16);
  const max = family === 4 ? 255 : 0xffff;
  if (value > max) return invalidEntry(stmt, ctx, `range '${text}' ends at ${end}, beyond ${family === 4 ? 255 : 'ffff'}`, 'the end is the last octet (IPv4) or last group (IPv6), not a count');
  return value;
}

function addressEntry(stmt: Stmt, ctx: ReadContext): VirtualServerGroupEntry | undefined {
  const text = stmt.words[0].v;
  const portText = stmt.words[1]?.v;
  let port = 0;
  if (portText !== undefined && !/^0*$/.test(portText)) {
    const p = checkUnsigned(stmt, ctx, 1, portText, { min: 1, max: 65535 }, `port of '${text}'`);
    if (p === undefined) return undefined;
    port = p;
  }
  const first = parseInetAddress(text);
  if (!first) return invalidEntry(stmt, ctx, `'${text}' is not an address, range or prefix`, 'write IP, IP-LAST, IP-IP or NET/LEN, then the port');
  const family = first.family;
  const start = ipToBigInt(first);
  const range = (last: bigint): VsgAddressRange => ({ kind: 'range', family, first, last: last === start ? first : bigIntToIp(last, family), port, loc: stmtLoc(stmt) });

  const slash = text.indexOf('/');
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    const len = /^\d+$/.test(lenText) ? Number(lenText) : NaN;
    if (!(len >= 1 && len <= bitsOf(family))) {
      return invalidEntry(stmt, ctx, `'${text}': prefix length '${lenText}' is not 1 to ${bitsOf(family)}`, 'fix the prefix length');
    }
    const host = hostMask(len, family);
    if ((start & host) !== 0n) {
      return invalidEntry(stmt, ctx, `'${text}' has host bits set after the /${len} prefix`, `use the network address, ${bigIntToIp(start & ~host, family).address}/${len}`);
    }
    return range(start | host);
  }

  const dash = text.indexOf('-');
  if (dash < 0) return range(start);
  const end = text.slice(dash + 1);
  if ((family === 4 && end.includes('.')) || (family === 6 && end.includes(':'))) {
    const last = parseInetAddress(end);
    if (!last) return invalidEntry(stmt, ctx, `'${text}': range end '${end}' is not an address`, 'write IP-IP with two addresses of the same family');
    if (last.family !== family) return invalidEntry(stmt, ctx, `'${text}': range ends are not the same address family`, 'use two IPv4 or two IPv6 addresses');
    const lastN = ipToBigInt(last);
    if (lastN < start) return invalidEntry(stmt, ctx, `'${text}': range ends before it starts`, 'write the lower address first');
    return range(lastN);
  }
  const endValue = shortRangeEnd(stmt, ctx, text, end, family);
  if (endValue === undefined) return undefined;
  const lowBits = family === 4 ? 8n : 16n;
  const startLow = Number(start & ((1n << lowBits) - 1n));
  if (startLow >= endValue) {
    return invalidEntry(stmt, ctx, `'${text}': the range end ${end || '(empty)'} is not above the start`, `the part after '-' replaces the last ${family === 4 ? 'octet' : 'group'}; it must be greater than it`);
  }
  return range(((start >> lowBits) << lowBits) | BigInt(endValue));
}

function readEntry(stmt: Stmt, group: VirtualServerGroup, ctx: ReadContext): void {
  const entry = keywordOf(stmt) === 'fwmark' ? fwmarkEntry(stmt, ctx) : addressEntry(stmt, ctx);
  if (entry) group.entries.push(entry);
}

export const virtualServerGroupSpec: BlockSpec<VirtualServerGroup> = {
  name: 'virtual_server_group',
  keywords: {},
  dataLine: (stmt, group, ctx) => readEntry(stmt, group, ctx),
};

/** keepalived's checks when the group's block ends; false when it drops the group. */
function keepGroup(group: VirtualServerGroup, stmt: Stmt, ctx: ReadContext): boolean {
  const at = blockEndLoc(stmt);
  if (group.entries.length === 0) {
    ctx.problems.error('empty-group', at, `virtual_server_group ${group.name} has no valid entries`, {
      hint: 'add IP PORT, IP-LAST PORT, NET/LEN PORT or fwmark N lines; keepalived removes the group',
    });
    return false;
  }
  const ranges = group.entries.filter((e): e is VsgAddressRange => e.kind === 'range');
  const hasV4 = ranges.some((e) => e.family === 4) || group.entries.some((e) => e.kind === 'fwmark' && e.family === 4);
  const hasV6 = ranges.some((e) => e.family === 6) || group.entries.some((e) => e.kind === 'fwmark' && e.family === 6);
  const bareFwmark = group.entries.find((e) => e.kind === 'fwmark' && e.family === undefined);
  if (hasV4 && hasV6 && bareFwmark) {
    ctx.problems.error('mixed-group', at, `virtual_server_group ${group.name} has IPv4 and IPv6 entries and a fwmark without a family`, {
      hint: `add 'inet' or 'inet6' to the fwmark line (line ${bareFwmark.loc.line}); keepalived removes the group`,
    });
    return false;
  }
  return true;
}

export const virtualServerGroupKeyword: KeywordHandler<KeepalivedConfig> = (stmt, config, ctx) => {
  const name = requireArg(stmt, ctx, 1, 'a group name');
  if (name === undefined) return;
  if (stmt.words.length > 2) {
    // keepalived feeds the extra words to its entry reader as a line without a first word.
    abortMissing(stmt, ctx, `'virtual_server_group ${name}' takes only a name, not '${stmt.words[2].v}'`, 'put the entries inside the block, one per line', 2);
    return;
  }
  if (!stmt.block) {
    abortMissing(stmt, ctx, `virtual_server_group ${name} needs a block of entries`, "write 'virtual_server_group NAME {', the entries, and '}'", 1);
    return;
  }
  const handler = subBlock<KeepalivedConfig, VirtualServerGroup>(
    virtualServerGroupSpec,
    (s) => ({ name, entries: [], loc: stmtLoc(s), locs: {} }),
    (cfg, group, s) => {
      if (keepGroup(group, s, ctx)) cfg.check.virtualServerGroups.push(group);
    },
  );
  handler(stmt, config, ctx);
};
