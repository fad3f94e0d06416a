// The remaining global_defs keywords: SNMP, D-Bus, netlink buffers, umask,
// random seed, reload behaviour, include checking and the config copy.
import type { GlobalDefs, NetlinkBuffer, NetlinkSettings } from '../../model/global.js';
import { stmtLoc } from '../../tree.js';
import type { KeywordHandler } from '../types.js';
import { bool, flag, hasValue, noteRenamed, once, unsigned, word } from './builders.js';

type Handlers = Record<string, KeywordHandler<GlobalDefs>>;

const UINT_MAX = 4294967295;

function netlinkKeywords(keyword: string, field: keyof NetlinkSettings): Handlers {
  const pick = (g: GlobalDefs): NetlinkBuffer => g.netlink[field];
  return {
    [`${keyword}_rcv_bufs`]: unsigned({ min: 0, max: UINT_MAX, missing: 'error', what: 'a size in bytes' }, (g, bytes) => {
      // keepalived treats 0 as "leave the default".
      if (bytes > 0) pick(g).bytes = bytes;
    }),
    [`${keyword}_rcv_bufs_force`]: bool((g, on) => {
      pick(g).force = on;
    }),
  };
}

const snmpSocket: KeywordHandler<GlobalDefs> = (stmt, g, ctx) => {
  if (stmt.words.length > 2) {
    ctx.problems.error('unexpected-argument', stmtLoc(stmt, 2), "'snmp_socket' takes one socket name", { hint: 'keepalived ignores the whole line' });
    return;
  }
  if (!hasValue(stmt, ctx, 1, 'error', 'a socket name')) return;
  if (g.snmp.socket !== undefined) {
    ctx.problems.error('duplicate-keyword', stmtLoc(stmt), `'snmp_socket' is given twice (already ${g.snmp.socket}); keepalived ignores this one`, {
      hint: "keep one 'snmp_socket' line",
    });
    return;
  }
  g.snmp.socket = stmt.words[1].v;
};

const UMASK_BITS: Readonly<Record<string, number>> = {
  IRUSR: 0o400,
  IWUSR: 0o200,
  IXUSR: 0o100,
  IRGRP: 0o040,
  IWGRP: 0o020,
  IXGRP: 0o010,
  IROTH: 0o004,
  IWOTH: 0o002,
  IXOTH: 0o001,
};

/** strtol with base 0: 0x hex, 0 octal, else decimal; undefined unless the whole text is a number. */
function parseCNumber(text: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^0[0-7]*$/.test(text)) return parseInt(text, 8);
  if (/^[1-9][0-9]*$/.test(text)) return parseInt(text, 10);
  return undefined;
}

/** umask 022 | umask IWGRP|IWOTH (symbolic bits joined by '|', spaces allowed). */
const umask: KeywordHandler<GlobalDefs> = (stmt, g, ctx) => {
  if (!hasValue(stmt, ctx, 1, 'abort', 'a file mode mask')) return;
  const first = stmt.words[1].v;
  if (/^[0-9]/.test(first)) {
    if (stmt.words.length !== 2) {
      ctx.problems.error('unexpected-argument', stmtLoc(stmt, 2), "a numeric 'umask' takes one value", { hint: 'keepalived ignores the line' });
      return;
    }
    const value = parseCNumber(first);
    if (value === undefined || value > 0o777) {
      ctx.problems.error('invalid-value', stmtLoc(stmt, 1), `'umask' ${first} is not a file mode mask`, {
        hint: 'write it in octal with a leading 0, e.g. 022, or with names such as IWGRP|IWOTH',
      });
      return;
    }
    g.umask = value;
    return;
  }
  let bits = 0;
  let needBar = false;
  for (let i = 1; i < stmt.words.length; i++) {
    let text = stmt.words[i].v;
    while (text.length > 0) {
      if (needBar) {
        if (text[0] !== '|') {
          ctx.problems.error('invalid-value', stmtLoc(stmt, i), `'umask' expects '|' between bit names in '${stmt.words[i].v}'`, { hint: 'for example IWGRP|IWOTH' });
          return;
        }
        needBar = false;
        text = text.slice(1);
        continue;
      }
      const name = text.slice(0, 5);
      const bit = UMASK_BITS[name];
      if (bit === undefined || !Object.prototype.hasOwnProperty.call(UMASK_BITS, name)) {
        ctx.problems.error('invalid-value', stmtLoc(stmt, i), `'umask' has no bit named '${text}'`, { hint: `the names are ${Object.keys(UMASK_BITS).join(', ')}` });
        return;
      }
      bits |= bit;
      needBar = true;
      text = text.slice(5);
    }
  }
  if (!needBar) {
    ctx.problems.error('invalid-value', stmtLoc(stmt, stmt.words.length - 1), "'umask' ends with '|' and no bit name", { hint: 'remove the last |' });
    return;
  }
  g.umask = bits;
};

const INCLUDE_CHECK_TYPES = { read: 'read', match: 'match', wildcard_match: 'wildcardMatch', brace_match: 'braceMatch' } as const;

/** include_check [TYPE] [+TYPE|-TYPE]...: which include problems are errors. */
const includeCheck: KeywordHandler<GlobalDefs> = (stmt, g, ctx) => {
  const loc = stmtLoc(stmt);
  if (stmt.words.length < 2) {
    g.includeCheck = { read: true, match: true, wildcardMatch: true, braceMatch: true, loc };
    return;
  }
  const check = g.includeCheck ? { ...g.includeCheck, loc } : { read: false, match: false, wildcardMatch: false, braceMatch: false, loc };
  for (let i = 1; i < stmt.words.length; i++) {
    const text = stmt.words[i].v;
    const sign = text[0] === '+' || text[0] === '-' ? text[0] : '';
    const name = sign ? text.slice(1) : text;
    if (!sign) {
      if (i > 1) {
        ctx.problems.error('duplicate-value', stmtLoc(stmt, i), `'include_check' sets the checks once; '${text}' is ignored`, {
          hint: `write '+${text}' to add a check`,
        });
        continue;
      }
      check.read = check.match = check.wildcardMatch = check.braceMatch = false;
    }
    if (!Object.prototype.hasOwnProperty.call(INCLUDE_CHECK_TYPES, name)) {
      ctx.problems.error('invalid-value', stmtLoc(stmt, i), `'include_check' has no check '${name}'`, {
        hint: 'the checks are read, match, wildcard_match and brace_match',
      });
      continue;
    }
    const field = INCLUDE_CHECK_TYPES[name as keyof typeof INCLUDE_CHECK_TYPES];
    if (sign === '-') check[field] = false;
    else {
      check[field] = true;
      // Setting (not adding) a check always includes 'read'.
      if (!sign) check.read = true;
    }
  }
  g.includeCheck = check;
};

export const miscHandlers: Handlers = {
  snmp_socket: snmpSocket,
  enable_traps: flag((g) => {
    g.snmp.traps = true;
  }),
  enable_snmp_vrrp: flag((g) => {
    g.snmp.vrrp = true;
  }),
  enable_snmp_keepalived: (stmt, g, ctx) => {
    noteRenamed(stmt, ctx, 'enable_snmp_vrrp');
    g.snmp.vrrp = true;
  },
  enable_snmp_rfc: flag((g) => {
    g.snmp.rfcV2 = true;
    g.snmp.rfcV3 = true;
  }),
  enable_snmp_rfcv2: flag((g) => {
    g.snmp.rfcV2 = true;
  }),
  enable_snmp_rfcv3: flag((g) => {
    g.snmp.rfcV3 = true;
  }),
  enable_snmp_checker: flag((g) => {
    g.snmp.checker = true;
  }),
  enable_dbus: flag((g) => {
    g.enableDbus = true;
  }),
  dbus_service_name: word('error', (g, name) => {
    g.dbusServiceName = name;
  }, 'a service name'),
  ...netlinkKeywords('vrrp_netlink_cmd', 'vrrpCmd'),
  ...netlinkKeywords('vrrp_netlink_monitor', 'vrrpMonitor'),
  ...netlinkKeywords('process_monitor', 'processMonitor'),
  ...netlinkKeywords('lvs_netlink_cmd', 'lvsCmd'),
  ...netlinkKeywords('lvs_netlink_monitor', 'lvsMonitor'),
  umask,
  random_seed: unsigned({ min: 0, max: UINT_MAX, missing: 'abort', what: 'a number' }, (g, seed) => {
    g.randomSeed = seed;
  }),
  reload_check_config: (stmt, g) => {
    g.reload.checkConfigLog = stmt.words[1]?.v ?? '/dev/null';
  },
  reload_time_file: (stmt, g, ctx) => {
    if (stmt.words.length !== 2) {
      ctx.problems.error('missing-argument', stmtLoc(stmt, Math.min(2, stmt.words.length - 1)), "'reload_time_file' takes exactly one file name", {
        hint: 'keepalived ignores the line',
      });
      return;
    }
    g.reload.timeFile = stmt.words[1].v;
  },
  reload_repeat: flag((g) => {
    g.reload.repeat = true;
  }),
  reload_file: (stmt, g) => {
    g.reload.file = stmt.words[1]?.v ?? '/run/keepalived.reload';
  },
  include_check: includeCheck,
  config_save_dir: word('abort', (g, dir) => {
    g.configSaveDir = dir;
  }, 'a directory'),
  tmp_config_directory: once(
    (g) => g.tmpConfigDirectory !== undefined,
    word('error', (g, dir) => {
      g.tmpConfigDirectory = dir;
    }, 'a directory'),
  ),
  data_use_instance: bool((g, on) => {
    g.dataUseInstance = on;
  }),
};

