// global_defs keywords for IPVS and the checkers: connection timeouts,
// flushing, the IPVS sync daemon, checker logging.
import { parseIp } from '../../ip.js';
import type { GlobalDefs, LvsSyncDaemon } from '../../model/global.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import type { KeywordHandler, ReadContext } from '../types.js';
import { bool, flag, hasValue, noteRenamed, once } from './builders.js';
import { parseUnsigned, type WholeRange } from './numbers.js';

type Handlers = Record<string, KeywordHandler<GlobalDefs>>;

/** keepalived's LVS_MAX_TIMEOUT: 31 days, in seconds. */
const LVS_MAX_TIMEOUT = 86400 * 31;
/** IP_VS_IFNAME_MAXLEN - 1. */
const SYNCD_IFNAME_MAX = 15;

const TIMEOUT_FIELDS = { tcp: 'tcpSec', tcpfin: 'tcpFinSec', udp: 'udpSec' } as const;

/** lvs_timeouts tcp N tcpfin N udp N (any subset, any order). */
const lvsTimeouts: KeywordHandler<GlobalDefs> = (stmt, g, ctx) => {
  if (stmt.words.length < 3) {
    ctx.problems.error('missing-argument', stmtLoc(stmt), "'lvs_timeouts' needs at least one 'tcp|tcpfin|udp SECONDS' pair", {
      hint: "for example 'lvs_timeouts tcp 900 tcpfin 120 udp 300'",
    });
    return;
  }
  for (let i = 1; i < stmt.words.length; i++) {
    const option = stmt.words[i].v;
    if (!Object.prototype.hasOwnProperty.call(TIMEOUT_FIELDS, option)) {
      ctx.problems.error('invalid-value', stmtLoc(stmt, i), `'lvs_timeouts' has no option '${option}'`, { hint: 'the options are tcp, tcpfin and udp' });
      continue;
    }
    if (i === stmt.words.length - 1) {
      ctx.problems.error('missing-argument', stmtLoc(stmt, i), `'lvs_timeouts ${option}' needs a number of seconds`, { hint: 'keepalived ignores it' });
      continue;
    }
    const value = parseUnsigned(stmt, ctx, i + 1, { min: 0, max: LVS_MAX_TIMEOUT }, { what: `lvs_timeouts ${option}` });
    if (value !== undefined) g.lvs.timeouts[TIMEOUT_FIELDS[option as keyof typeof TIMEOUT_FIELDS]] = value;
    i++;
  }
};

const flushOnStop: KeywordHandler<GlobalDefs> = (stmt, g, ctx) => {
  const kind = stmt.words[1]?.v;
  if (kind === undefined) g.lvs.flushOnStop = 'all';
  else if (kind === 'VS') g.lvs.flushOnStop = 'vs';
  else {
    ctx.problems.error('invalid-value', stmtLoc(stmt, 1), `'${keywordOf(stmt)}' does not accept '${kind}'`, {
      hint: "write it alone to flush all of IPVS, or 'VS' (upper case) to remove only keepalived's virtual servers",
    });
  }
};

/** One `lvs_sync_daemon` option with a numeric value. */
function syncNumber(stmt: Stmt, ctx: ReadContext, i: number, option: string, range: WholeRange): number | undefined {
  if (i === stmt.words.length - 1) {
    ctx.problems.error('missing-argument', stmtLoc(stmt, i), `'lvs_sync_daemon ${option}' needs a value`, { hint: 'keepalived ignores it' });
    return undefined;
  }
  return parseUnsigned(stmt, ctx, i + 1, range, { what: `lvs_sync_daemon ${option}` });
}

const SYNC_RANGES: Readonly<Record<string, { field: 'syncId' | 'maxLen' | 'port' | 'ttl'; range: WholeRange }>> = {
  id: { field: 'syncId', range: { min: 0, max: 255 } },
  maxlen: { field: 'maxLen', range: { min: 1, max: 65507 } },
  port: { field: 'port', range: { min: 1, max: 65535 } },
  ttl: { field: 'ttl', range: { min: 1, max: 255 } },
};

/**
 * lvs_sync_daemon IFNAME [inst NAME] [id N] [maxlen N] [port N] [ttl N] [group ADDR],
 * or the old form lvs_sync_daemon IFNAME INSTANCE [SYNCID].
 */
const syncDaemon: KeywordHandler<GlobalDefs> = (stmt, g, ctx) => {
  if (!hasValue(stmt, ctx, 1, 'error', 'an interface name')) return;
  const ifname = stmt.words[1].v;
  if (ifname.length > SYNCD_IFNAME_MAX) {
    ctx.problems.error('name-too-long', stmtLoc(stmt, 1), `interface name '${ifname}' is longer than ${SYNCD_IFNAME_MAX} characters`, {
      hint: 'keepalived ignores the line',
    });
    return;
  }
  const syncd: LvsSyncDaemon = { interface: ifname, loc: stmtLoc(stmt) };
  for (let i = 2; i < stmt.words.length; i++) {
    const option = stmt.words[i].v;
    if (option === 'inst') {
      // keepalived reads the name without checking it is there: it stops reading the config.
      if (!hasValue(stmt, ctx, i + 1, 'abort', 'a VRRP instance name')) return;
      if (syncd.vrrpInstance !== undefined) {
        ctx.problems.error('duplicate-keyword', stmtLoc(stmt, i), `'lvs_sync_daemon' names the VRRP instance twice`, { hint: 'keepalived keeps the first' });
      } else syncd.vrrpInstance = stmt.words[i + 1].v;
      i++;
      continue;
    }
    const numeric = SYNC_RANGES[option];
    if (numeric !== undefined && Object.prototype.hasOwnProperty.call(SYNC_RANGES, option)) {
      const value = syncNumber(stmt, ctx, i, option, numeric.range);
      if (value !== undefined) syncd[numeric.field] = value;
      if (i < stmt.words.length - 1) i++;
      continue;
    }
    if (option === 'group') {
      if (i === stmt.words.length - 1) {
        ctx.problems.error('missing-argument', stmtLoc(stmt, i), "'lvs_sync_daemon group' needs a multicast address", { hint: 'keepalived ignores it' });
        continue;
      }
      const text = stmt.words[i + 1].v;
      const ip = parseIp(text);
      if (!ip) ctx.problems.error('invalid-address', stmtLoc(stmt, i + 1), `'lvs_sync_daemon group' needs a multicast address, not '${text}'`);
      else if (ip.family === 4 ? !/^2(2[4-9]|3\d)\./.test(ip.address) : !ip.address.startsWith('ff')) {
        ctx.problems.error('not-multicast', stmtLoc(stmt, i + 1), `'lvs_sync_daemon group' ${text} is not a multicast address`, {
          hint: 'the default group is 224.0.0.81',
        });
      } else syncd.group = ip;
      i++;
      continue;
    }
    // The old positional form: IFNAME INSTANCE [SYNCID].
    if (i === 2) {
      syncd.vrrpInstance = option;
      continue;
    }
    if (i === 3) {
      const id = parseUnsigned(stmt, ctx, 3, { min: 0, max: 255 }, { what: 'lvs_sync_daemon sync id' });
      if (id !== undefined) {
        ctx.problems.error('old-syntax', stmtLoc(stmt, 3), "write 'id' before the sync id of 'lvs_sync_daemon'", {
          hint: `lvs_sync_daemon ${ifname} inst ${syncd.vrrpInstance ?? 'INSTANCE'} id ${option}`,
        });
        syncd.syncId = id;
      }
      continue;
    }
    ctx.problems.error('invalid-value', stmtLoc(stmt, i), `'lvs_sync_daemon' has no option '${option}'`, {
      hint: 'the options are inst, id, maxlen, port, ttl and group',
    });
  }
  g.lvs.syncDaemon = syncd;
};

export const lvsHandlers: Handlers = {
  lvs_timeouts: lvsTimeouts,
  lvs_flush: flag((g) => {
    g.lvs.flush = true;
  }),
  lvs_flush_on_stop: flushOnStop,
  lvs_flush_onstop: (stmt, g, ctx) => {
    noteRenamed(stmt, ctx, 'lvs_flush_on_stop');
    flushOnStop(stmt, g, ctx);
  },
  lvs_sync_daemon: once((g) => g.lvs.syncDaemon !== undefined, syncDaemon, (g) => `set to ${g.lvs.syncDaemon?.interface}`),
  checker_log_all_failures: bool((g, on) => {
    g.lvs.logAllFailures = on;
  }),
  rs_init_notifies: bool((g, on) => {
    g.lvs.rsInitNotifies = on;
  }),
};
