// real_server IP [PORT] { ... } and the one-line sorry_server keywords of a
// virtual_server. keepalived copies the virtual server's lb_kind into a real
// (or sorry) server when it reads its first line, and checks the address
// family when the real_server block ends: a server of the other family is
// dropped unless it is tunnelled.
import type { RealServer, SorryServer, VirtualServer } from '../../model/check.js';
import { CHECK_DEFAULTS } from '../../model/check.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import { parseIp } from '../../ip.js';
import { perReadMap } from '../per-read.js';
import { readBlock, reportMissingBlock } from '../reader.js';
import type { BlockSpec, KeywordHandler, ReadContext, Script } from '../types.js';
import { readScript } from '../values.js';
import { bfdCheckKeywords } from './bfd.js';
import { blockEndLoc, exactSize, hasArg, missingValue, PAIRWISE_MAX, readFlag, readServerAddress, readUnsigned, requireArg, sameServer, serverKey, UINT_MAX } from './common.js';
import { dnsCheckKeywords } from './dns.js';
import { fileCheckKeywords } from './file.js';
import { readForwarding } from './forwarding.js';
import { httpCheckKeywords } from './http.js';
import { miscCheckKeywords } from './misc.js';
import { pingCheckKeywords } from './ping.js';
import { smtpCheckKeywords } from './smtp.js';
import { tcpCheckKeywords } from './tcp.js';
import { timerKeywords } from './timers.js';
import { udpCheckKeywords } from './udp.js';

type BoolField = 'inhibitOnFailure' | 'alpha' | 'smtpAlert';

function boolSetting(field: BoolField): KeywordHandler<RealServer> {
  return (stmt, rs, ctx) => {
    const value = readFlag(stmt, ctx);
    if (value !== undefined) rs[field] = value;
  };
}

function threshold(field: 'upperThreshold' | 'lowerThreshold'): KeywordHandler<RealServer> {
  return (stmt, rs, ctx) => {
    const value = readUnsigned(stmt, ctx, 1, { min: 0, max: UINT_MAX });
    if (value !== undefined) rs[field] = value;
  };
}

/** notify_up / notify_down, quorum_up / quorum_down: keepalived keeps the first and reports the others. */
export function onceScript<T>(get: (t: T) => Script | undefined, set: (t: T, s: Script) => void): KeywordHandler<T> {
  return (stmt, target, ctx) => {
    const first = get(target);
    if (first) {
      ctx.problems.error('duplicate-script', stmtLoc(stmt), `${keywordOf(stmt)} is already set (line ${first.loc.line}); keepalived ignores this one`, {
        hint: 'keep one line; to run several commands, call them from one script',
      });
      return;
    }
    if (requireArg(stmt, ctx, 1, 'a script') === undefined) return;
    const script = readScript(stmt, ctx);
    if (script) set(target, script);
  };
}

/** snmp_name takes exactly one word. */
export function snmpName<T extends { snmpName?: string }>(): KeywordHandler<T> {
  return (stmt, target, ctx) => {
    if (stmt.words.length !== 2) {
      ctx.problems.error('invalid-value', stmtLoc(stmt), `'snmp_name' takes exactly one name`, { hint: 'write snmp_name NAME (no spaces); the line is ignored' });
      return;
    }
    target.snmpName = stmt.words[1].v;
  };
}

/** virtualhost NAME (a missing name is reported, not fatal). */
export function virtualhost<T extends { virtualhost?: string }>(): KeywordHandler<T> {
  return (stmt, target, ctx) => {
    if (!hasArg(stmt)) return missingValue(stmt, ctx, 'a host name', 'NAME');
    target.virtualhost = stmt.words[1].v;
  };
}

const WEIGHT_RANGE = { min: 0, max: CHECK_DEFAULTS.maxWeight };

const realServerKeywords: Record<string, KeywordHandler<RealServer>> = {
  weight: (stmt, rs, ctx) => {
    const weight = readUnsigned(stmt, ctx, 1, WEIGHT_RANGE);
    if (weight !== undefined) rs.weight = weight;
  },
  lvs_method: (stmt, rs, ctx) => {
    const method = readForwarding(stmt, ctx, rs.forwarding ?? rs.inheritedForwarding);
    if (method) rs.forwarding = method;
  },
  uthreshold: threshold('upperThreshold'),
  lthreshold: threshold('lowerThreshold'),
  inhibit_on_failure: boolSetting('inhibitOnFailure'),
  alpha: boolSetting('alpha'),
  smtp_alert: boolSetting('smtpAlert'),
  notify_up: onceScript<RealServer>((rs) => rs.notifyUp, (rs, s) => (rs.notifyUp = s)),
  notify_down: onceScript<RealServer>((rs) => rs.notifyDown, (rs, s) => (rs.notifyDown = s)),
  virtualhost: virtualhost<RealServer>(),
  snmp_name: snmpName<RealServer>(),
  ...timerKeywords<RealServer>('real_server'),
  ...tcpCheckKeywords,
  ...httpCheckKeywords,
  ...smtpCheckKeywords,
  ...miscCheckKeywords,
  ...dnsCheckKeywords,
  ...udpCheckKeywords,
  ...pingCheckKeywords,
  ...fileCheckKeywords,
  ...bfdCheckKeywords,
};

export const realServerSpec: BlockSpec<RealServer> = { name: 'real_server', keywords: realServerKeywords };

/** keepalived's check when a real_server block ends; false when it drops the server. */
function familyMatches(rs: RealServer, vs: VirtualServer, stmt: Stmt, ctx: ReadContext): boolean {
  if ((rs.forwarding ?? rs.inheritedForwarding)?.kind === 'TUN') return true;
  if (vs.family === undefined) {
    vs.family = rs.address.family;
    return true;
  }
  if (vs.family === rs.address.family) return true;
  ctx.problems.error('family-mismatch', blockEndLoc(stmt), `real server ${rs.address.address} is IPv${rs.address.family} but the virtual server is IPv${vs.family}`, {
    hint: 'use an address of the same family (only TUN forwarding may mix families); keepalived skips this real server',
  });
  return false;
}

/** Address and port of the real servers read so far, for virtual servers with many. */
const serverKeysOf = perReadMap<VirtualServer, Set<string>>();

/** Whether `rs` has the address and port of a real server `vs` already has; `rs` is about to be added. */
function repeatsEarlier(vs: VirtualServer, rs: RealServer, ctx: ReadContext): boolean {
  const servers = vs.realServers;
  if (servers.length < PAIRWISE_MAX) {
    for (let i = 0; i < servers.length; i++) if (sameServer(servers[i], rs)) return true;
    return false;
  }
  const serverKeys = serverKeysOf(ctx);
  let keys = serverKeys.get(vs);
  if (!keys) {
    keys = new Set(servers.map(serverKey));
    serverKeys.set(vs, keys);
  }
  const key = serverKey(rs);
  if (keys.has(key)) return true;
  keys.add(key);
  return false;
}

/** Scripts of a real server and its checkers. */
function scriptsOf(rs: RealServer): Script[] {
  const scripts = [rs.notifyUp, rs.notifyDown, ...rs.checkers.map((c) => (c.type === 'MISC_CHECK' ? c.script : undefined))];
  return scripts.filter((s): s is Script => s !== undefined);
}

/** keepalived never runs (nor checks) the scripts of a real server it drops. */
function forgetScripts(rs: RealServer, ctx: ReadContext): void {
  const gone = new Set(scriptsOf(rs));
  for (let i = ctx.scripts.length - 1; i >= 0; i--) if (gone.has(ctx.scripts[i])) ctx.scripts.splice(i, 1);
}

/** The virtual_server keyword `real_server IP [PORT] { ... }`. */
export const realServerKeyword: KeywordHandler<VirtualServer> = (stmt, vs, ctx) => {
  const where = readServerAddress(stmt, ctx, 'real server');
  if (!where) {
    // keepalived skips the whole block; but with its '{' missing the skip
    // stops at once, and the lines up to the '}' are still read as a real
    // server's (checked, then dropped).
    if (stmt.block && !stmt.open) readDroppedRealServer(stmt, ctx);
    return;
  }
  const rs: RealServer = { loc: stmtLoc(stmt), locs: {}, address: where.address, timers: {}, checkers: [] };
  if (where.port !== undefined) rs.port = where.port;
  if (vs.forwarding) rs.inheritedForwarding = vs.forwarding;
  // Without a block keepalived reads the next lines in the virtual server.
  if (!stmt.block) return reportMissingBlock(stmt, ctx);
  readBlock(realServerSpec, stmt.block, rs, ctx);
  rs.checkers = exactSize(rs.checkers);
  if (!familyMatches(rs, vs, stmt, ctx)) return forgetScripts(rs, ctx);
  // A repeat of an earlier real server is dropped after reading (see the duplicate pass).
  if (repeatsEarlier(vs, rs, ctx)) forgetScripts(rs, ctx);
  vs.realServers.push(rs);
};

function readDroppedRealServer(stmt: Stmt, ctx: ReadContext): void {
  const rs: RealServer = { loc: stmtLoc(stmt), locs: {}, address: parseIp('0.0.0.0')!, timers: {}, checkers: [] };
  readBlock(realServerSpec, stmt.block, rs, ctx);
  forgetScripts(rs, ctx);
}

// ---------------------------------------------------------------------------
// sorry_server

export const sorryServerKeywords: Record<string, KeywordHandler<VirtualServer>> = {
  sorry_server: (stmt, vs, ctx) => {
    const where = readServerAddress(stmt, ctx, 'sorry server');
    if (!where) return;
    const sorry: SorryServer = { address: where.address, inhibit: false, loc: stmtLoc(stmt) };
    if (where.port !== undefined) sorry.port = where.port;
    if (vs.forwarding) sorry.inheritedForwarding = vs.forwarding;
    vs.sorryServer = sorry;
  },
  sorry_server_inhibit: (stmt, vs, ctx) => {
    if (!vs.sorryServer) {
      ctx.problems.error('sorry-server-missing', stmtLoc(stmt), `'sorry_server_inhibit' comes before any sorry_server`, { hint: 'put it after the sorry_server line; keepalived ignores it' });
      return;
    }
    vs.sorryServer.inhibit = true;
  },
  sorry_server_lvs_method: (stmt, vs, ctx) => {
    const sorry = vs.sorryServer;
    if (!sorry) {
      ctx.problems.error('sorry-server-missing', stmtLoc(stmt), `'sorry_server_lvs_method' comes before any sorry_server`, { hint: 'put it after the sorry_server line; keepalived ignores it' });
      return;
    }
    const method = readForwarding(stmt, ctx, sorry.forwarding ?? sorry.inheritedForwarding);
    if (method) sorry.forwarding = method;
  },
};
