// virtual_server IP [PORT] | fwmark N | group NAME { ... }: an IPVS service.
// keepalived reads the block in order and some keywords depend on what came
// before (sh-port needs lb_algo sh first; a real server inherits the lb_kind
// written above it), so the handlers keep that state on the node as they go.
// A virtual server whose address or fwmark is bad is skipped whole.
import type { Family } from '../../ip.js';
import type { KeepalivedConfig } from '../../model/index.js';
import {
  CHECK_DEFAULTS,
  SCHEDULERS,
  type Protocol,
  type Scheduler,
  type VirtualServer,
  type VirtualServerFlags,
  type VirtualServerKey,
} from '../../model/check.js';
import { didYouMean } from '../../suggest.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { blockEndLoc, exactSize, hasArg, nestedBlock, parseInetAton, readFlag, readServerAddress, readUnsigned, requireArg, UINT_MAX } from './common.js';
import { readForwarding } from './forwarding.js';
import { onceScript, realServerKeyword, snmpName, sorryServerKeywords, virtualhost } from './real-server.js';
import { rememberCheckConfig } from './references.js';
import { resolveVirtualServerTimers } from './resolve.js';
import { timerKeywords } from './timers.js';

/** Longest persistence engine name IPVS takes (IP_VS_PENAME_MAXLEN - 1). */
const MAX_PE_NAME = 15;
/** persistence_timeout's upper bound: 31 days. */
const MAX_PERSISTENCE_TIMEOUT = 2678400;

function familyName(f: Family): string {
  return f === 4 ? 'inet (IPv4)' : 'inet6 (IPv6)';
}

function setTrue(field: 'haSuspend' | 'alpha' | 'omega' | 'inhibitOnFailure'): KeywordHandler<VirtualServer> {
  return (_stmt, vs) => {
    vs[field] = true;
  };
}

/** Scheduler flag keywords and the flag each sets. */
const FLAG_KEYWORDS: Readonly<Record<string, keyof VirtualServerFlags>> = {
  hashed: 'hashed',
  ops: 'ops',
  'flag-1': 'flag1',
  'flag-2': 'flag2',
  'flag-3': 'flag3',
  'sh-port': 'shPort',
  'sh-fallback': 'shFallback',
  'mh-port': 'mhPort',
  'mh-fallback': 'mhFallback',
};

const ALWAYS_APPLY: ReadonlySet<keyof VirtualServerFlags> = new Set(['ops', 'flag1', 'flag2', 'flag3']);

/**
 * ops and flag-N always apply. The sh- and mh- flags (and, in 2.2.7, hashed)
 * need lb_algo sh or mh set before them; otherwise keepalived reports and
 * ignores them. It sets an sh flag only with sh, an mh flag only with mh,
 * and never sets hashed.
 */
function schedulerFlag(keyword: string, flag: keyof VirtualServerFlags): KeywordHandler<VirtualServer> {
  return (stmt, vs, ctx) => {
    if (ALWAYS_APPLY.has(flag)) {
      vs.flags[flag] = true;
      return;
    }
    const wants = flag.startsWith('mh') ? 'mh' : 'sh';
    if (vs.scheduler === 'sh' || vs.scheduler === 'mh') {
      if (vs.scheduler === wants && flag !== 'hashed') vs.flags[flag] = true;
      return;
    }
    const now = vs.scheduler ? `lb_algo is ${vs.scheduler}` : 'no lb_algo is set above it';
    ctx.problems.error('flag-needs-scheduler', stmtLoc(stmt), `'${keyword}' only applies to the ${flag === 'hashed' ? 'sh or mh' : wants} scheduler (${now})`, {
      hint: flag === 'hashed' ? 'remove it (keepalived 2.2.7 ignores it)' : `write 'lb_algo ${wants}' before this line, or remove it`,
    });
  };
}

const schedulerFlags: Record<string, KeywordHandler<VirtualServer>> = Object.fromEntries(
  Object.entries(FLAG_KEYWORDS).map(([keyword, flag]) => [keyword, schedulerFlag(keyword, flag)]),
);

const scheduler: KeywordHandler<VirtualServer> = (stmt, vs, ctx) => {
  const text = requireArg(stmt, ctx, 1, 'a scheduler');
  if (text === undefined) return;
  const found = SCHEDULERS.find((s) => s === text);
  if (!found) {
    const lower = text.toLowerCase();
    const hint = SCHEDULERS.includes(lower as Scheduler) ? `write it in lower case: '${lower}'` : didYouMean(text, SCHEDULERS) ?? `use one of: ${SCHEDULERS.join(', ')}`;
    ctx.problems.error('invalid-value', stmtLoc(stmt, 1), `'${keywordOf(stmt)}' does not know scheduler '${text}'`, { hint });
    return;
  }
  vs.scheduler = found;
};

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

const protocol: KeywordHandler<VirtualServer> = (stmt, vs, ctx) => {
  const text = requireArg(stmt, ctx, 1, 'a protocol');
  if (text === undefined) return;
  const found = PROTOCOLS.find((p) => p === text.toUpperCase());
  if (!found) {
    ctx.problems.error('invalid-value', stmtLoc(stmt, 1), `'protocol' does not accept '${text}'`, { hint: didYouMean(text.toUpperCase(), PROTOCOLS) ?? 'use TCP, UDP or SCTP' });
    return;
  }
  vs.protocol = found;
};

const ipFamily: KeywordHandler<VirtualServer> = (stmt, vs, ctx) => {
  const text = requireArg(stmt, ctx, 1, 'inet or inet6');
  if (text === undefined) return;
  const family: Family | undefined = text === 'inet' ? 4 : text === 'inet6' ? 6 : undefined;
  if (family === undefined) {
    ctx.problems.error('invalid-value', stmtLoc(stmt, 1), `'ip_family' does not accept '${text}'`, { hint: "use 'inet' or 'inet6'" });
    return;
  }
  if (vs.family !== undefined && vs.family !== family) {
    ctx.problems.error('family-mismatch', stmtLoc(stmt, 1), `ip_family ${text} conflicts with the virtual server's servers, which are ${familyName(vs.family)}`, {
      hint: 'remove ip_family, or make the addresses match it; keepalived ignores this line',
    });
    return;
  }
  vs.family = family;
  vs.ipFamily = family;
};

const persistenceTimeout: KeywordHandler<VirtualServer> = (stmt, vs, ctx) => {
  if (!hasArg(stmt)) {
    vs.persistenceTimeout = CHECK_DEFAULTS.persistenceTimeout;
    return;
  }
  const seconds = readUnsigned(stmt, ctx, 1, { min: 1, max: MAX_PERSISTENCE_TIMEOUT });
  if (seconds !== undefined) vs.persistenceTimeout = seconds;
};

/** A netmask for IPv4 services, a prefix length (1..128) for IPv6 ones; sets persistence if none. */
const persistenceGranularity: KeywordHandler<VirtualServer> = (stmt, vs, ctx) => {
  const text = requireArg(stmt, ctx, 1, 'a netmask or prefix length');
  if (text === undefined) return;
  const family: Family = vs.family ?? (text.includes('.') ? 4 : 6);
  if (family === 6) {
    if (readUnsigned(stmt, ctx, 1, { min: 1, max: 128 }) === undefined) return;
  } else if (parseInetAton(text) === undefined) {
    ctx.problems.error('invalid-value', stmtLoc(stmt, 1), `'${text}' is not an IPv4 netmask`, { hint: 'write a mask such as 255.255.255.0; the line is ignored' });
    return;
  }
  vs.persistenceGranularity = text;
  vs.family ??= family;
  vs.persistenceTimeout ??= CHECK_DEFAULTS.persistenceTimeout;
};

/** lb_kind / lvs_method: the default forwarding of the real servers read after it. */
const forwarding: KeywordHandler<VirtualServer> = (stmt, vs, ctx) => {
  const method = readForwarding(stmt, ctx, vs.forwarding);
  if (method) vs.forwarding = method;
};

const persistenceEngine: KeywordHandler<VirtualServer> = (stmt, vs, ctx) => {
  const name = requireArg(stmt, ctx, 1, 'an engine name');
  if (name === undefined) return;
  if (name.length > MAX_PE_NAME) {
    ctx.problems.error('invalid-value', stmtLoc(stmt, 1), `persistence engine name '${name}' is longer than ${MAX_PE_NAME} characters`, {
      hint: `keepalived cuts it to '${name.slice(0, MAX_PE_NAME)}'`,
    });
  }
  vs.persistenceEngine = name.slice(0, MAX_PE_NAME);
};

const virtualServerKeywords: Record<string, KeywordHandler<VirtualServer>> = {
  ip_family: ipFamily,
  ...timerKeywords<VirtualServer>('virtual_server'),
  inhibit_on_failure: setTrue('inhibitOnFailure'),
  lb_algo: scheduler,
  lvs_sched: scheduler,
  ...schedulerFlags,
  lb_kind: forwarding,
  lvs_method: forwarding,
  persistence_engine: persistenceEngine,
  persistence_timeout: persistenceTimeout,
  persistence_granularity: persistenceGranularity,
  protocol,
  ha_suspend: setTrue('haSuspend'),
  smtp_alert: (stmt, vs, ctx) => {
    const value = readFlag(stmt, ctx);
    if (value !== undefined) vs.smtpAlert = value;
  },
  virtualhost: virtualhost<VirtualServer>(),
  snmp_name: snmpName<VirtualServer>(),
  alpha: setTrue('alpha'),
  omega: setTrue('omega'),
  quorum_up: onceScript<VirtualServer>((vs) => vs.quorumUp, (vs, s) => (vs.quorumUp = s)),
  quorum_down: onceScript<VirtualServer>((vs) => vs.quorumDown, (vs, s) => (vs.quorumDown = s)),
  quorum: (stmt, vs, ctx) => {
    // keepalived falls back to 1 (not to the previous value) when quorum is bad.
    vs.quorum = readUnsigned(stmt, ctx, 1, { min: 1, max: UINT_MAX }) ?? 1;
  },
  hysteresis: (stmt, vs, ctx) => {
    const value = readUnsigned(stmt, ctx, 1, { min: 0, max: UINT_MAX });
    if (value !== undefined) vs.hysteresis = value;
  },
  weight: (stmt, vs, ctx) => {
    const value = readUnsigned(stmt, ctx, 1, { min: 1, max: CHECK_DEFAULTS.maxWeight });
    if (value !== undefined) vs.weight = value;
  },
  ...sorryServerKeywords,
  real_server: realServerKeyword,
};

export const virtualServerSpec: BlockSpec<VirtualServer> = { name: 'virtual_server', keywords: virtualServerKeywords };

function readKey(stmt: Stmt, ctx: ReadContext): { key: VirtualServerKey; family?: Family } | undefined {
  const first = requireArg(stmt, ctx, 1, 'an IP address, fwmark N or group NAME');
  if (first === undefined) return undefined;
  if (first === 'group') {
    const group = requireArg(stmt, ctx, 2, 'a group name');
    return group === undefined ? undefined : { key: { kind: 'group', group } };
  }
  if (first === 'fwmark') {
    if (requireArg(stmt, ctx, 2, 'a firewall mark') === undefined) return undefined;
    const fwmark = readUnsigned(stmt, ctx, 2, { min: 0, max: UINT_MAX });
    return fwmark === undefined ? undefined : { key: { kind: 'fwmark', fwmark } };
  }
  const where = readServerAddress(stmt, ctx, 'virtual server');
  if (!where) return undefined;
  return { key: { kind: 'address', address: where.address, port: where.port ?? 0 }, family: where.address.family };
}

function createVirtualServer(stmt: Stmt, key: VirtualServerKey, family?: Family): VirtualServer {
  const vs: VirtualServer = {
    loc: stmtLoc(stmt),
    locs: {},
    key,
    flags: { hashed: false, ops: false, flag1: false, flag2: false, flag3: false, shPort: false, shFallback: false, mhPort: false, mhFallback: false },
    haSuspend: false,
    alpha: false,
    omega: false,
    inhibitOnFailure: false,
    quorum: CHECK_DEFAULTS.quorum,
    hysteresis: CHECK_DEFAULTS.hysteresis,
    weight: CHECK_DEFAULTS.weight,
    timers: {},
    realServers: [],
  };
  if (family !== undefined) vs.family = family;
  return vs;
}

/** keepalived's checks when the virtual_server block ends (sorry server family, the family of fwmark services). */
function finishVirtualServer(vs: VirtualServer, stmt: Stmt, ctx: ReadContext): void {
  vs.realServers = exactSize(vs.realServers);
  const sorry = vs.sorryServer;
  if (sorry && (sorry.forwarding ?? sorry.inheritedForwarding)?.kind !== 'TUN') {
    if (vs.family === undefined) {
      vs.family = sorry.address.family;
    } else if (vs.family !== sorry.address.family) {
      ctx.problems.error('family-mismatch', blockEndLoc(stmt), `sorry server ${sorry.address.address} is IPv${sorry.address.family} but the virtual server is IPv${vs.family}`, {
        hint: `use an address of the same family (sorry_server is at line ${sorry.loc.line}); keepalived drops the sorry server`,
      });
      delete vs.sorryServer;
    }
  }
  if (vs.family === undefined && vs.key.kind !== 'group') {
    // Only tunnelled servers: keepalived takes their family if they agree, else IPv4.
    const families = new Set<Family>([...(vs.sorryServer ? [vs.sorryServer.address.family] : []), ...vs.realServers.map((rs) => rs.address.family)]);
    vs.family = families.size === 1 ? [...families][0] : 4;
  }
  resolveVirtualServerTimers(vs);
}

/** The top-level `virtual_server` keyword. */
export const virtualServerKeyword: KeywordHandler<KeepalivedConfig> = (stmt, config, ctx) => {
  rememberCheckConfig(ctx, config);
  const head = readKey(stmt, ctx);
  // keepalived skips a bad virtual server's block. Without '{' there is no block to skip, and its checker
  // process reads the lines that follow as a virtual server's all the same: read them for their problems, keep nothing.
  if (!head && (stmt.block || stmt.words.length < 2)) return;
  const read = nestedBlock<KeepalivedConfig, VirtualServer>(
    virtualServerSpec,
    (s) => createVirtualServer(s, head?.key ?? { kind: 'fwmark', fwmark: 0 }, head?.family),
    (cfg, vs, s, c) => {
      if (!head) return;
      finishVirtualServer(vs, s, c);
      cfg.check.virtualServers.push(vs);
    },
    true,
  );
  read(stmt, config, ctx);
};
