// global_defs keywords that set defaults for every VRRP instance (version,
// strict mode, multicast groups, gratuitous ARP timing, receive buffers),
// and the nftables settings.
import { parseIp, type IpAddress } from '../../ip.js';
import type { GlobalDefs } from '../../model/global.js';
import { keywordOf, stmtLoc } from '../../tree.js';
import type { KeywordHandler } from '../types.js';
import { bool, decimal, flag, hasValue, integer, once, unsigned, word } from './builders.js';
import { parseUnsigned } from './numbers.js';

type Handlers = Record<string, KeywordHandler<GlobalDefs>>;

const UINT_MAX = 4294967295;
const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
/** Seconds kept by keepalived's timers: UINT_MAX microseconds. */
const SECONDS_MAX = 4294;
/** nftables table names are shorter than NFT_TABLE_MAXNAMELEN (256). */
const NFT_NAME_MAX = 255;

const MICRO = 1e6;

function isMulticast(ip: IpAddress): boolean {
  if (ip.family === 4) {
    const first = Number(ip.address.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return ip.address.startsWith('ff');
}

/** ff02::/16-style scope: the second byte's low nibble is 2 (link-local). */
function isLinkLocalMulticast6(ip: IpAddress): boolean {
  const firstGroup = ip.address.split(':')[0].padStart(4, '0');
  return firstGroup.startsWith('ff') && firstGroup[3] === '2';
}

function mcastGroup(family: 4 | 6): KeywordHandler<GlobalDefs> {
  return (stmt, g, ctx) => {
    if (!hasValue(stmt, ctx, 1, 'abort', `an IPv${family} multicast address`)) return;
    const text = stmt.words[1].v;
    const loc = stmtLoc(stmt, 1);
    const keyword = keywordOf(stmt);
    const ip = parseIp(text);
    if (!ip) {
      ctx.problems.error('invalid-address', loc, `'${keyword}' needs an IPv${family} multicast address, not '${text}'`, {
        hint: family === 4 ? 'the VRRP default is 224.0.0.18' : 'the VRRP default is ff02::12',
      });
      return;
    }
    if (ip.family !== family) {
      ctx.problems.error('wrong-family', loc, `'${keyword}' needs an IPv${family} address, and '${text}' is IPv${ip.family}`, {
        hint: `use vrrp_mcast_group${ip.family} for IPv${ip.family}`,
      });
      return;
    }
    if (!isMulticast(ip)) {
      ctx.problems.error('not-multicast', loc, `'${keyword}' ${text} is not a multicast address`, {
        hint: family === 4 ? 'IPv4 multicast addresses are 224.0.0.0/4; the VRRP default is 224.0.0.18' : 'IPv6 multicast addresses are ff00::/8; the VRRP default is ff02::12',
      });
      return;
    }
    if (family === 6 && !isLinkLocalMulticast6(ip)) {
      // keepalived complains but keeps the address.
      ctx.problems.error('not-link-local', loc, `'${keyword}' ${text} is not a link-local multicast address`, {
        hint: 'VRRP adverts stay on the link: use an ff02::/16 address such as ff02::12',
      });
    }
    if (family === 4) g.vrrp.mcastGroup4 = ip;
    else g.vrrp.mcastGroup6 = ip;
  };
}

/** A repeat count where keepalived turns 0 into 1 (with an error). */
function repeatCount(set: (g: GlobalDefs, n: number) => void): KeywordHandler<GlobalDefs> {
  return unsigned({ min: 0, max: UINT_MAX, missing: 'abort', what: 'a count' }, (g, n, stmt, ctx) => {
    if (n === 0) {
      ctx.problems.error('out-of-range', stmtLoc(stmt, 1), `'${keywordOf(stmt)}' must be at least 1`, { hint: 'keepalived uses 1 instead of 0' });
      n = 1;
    }
    set(g, n);
  });
}

/** vrrp_garp_extra_if [all] SECONDS (and its old name vrrp_vmac_garp_intvl). */
const garpExtraIf: KeywordHandler<GlobalDefs> = (stmt, g, ctx) => {
  if (keywordOf(stmt) === 'vrrp_vmac_garp_intvl') {
    // keepalived counts this as a configuration error, not only a warning.
    ctx.problems.error('deprecated-keyword', stmtLoc(stmt), "'vrrp_vmac_garp_intvl' is an old name of 'vrrp_garp_extra_if'", {
      hint: "write 'vrrp_garp_extra_if'",
    });
  }
  let all = false;
  let seconds: number | undefined;
  for (let i = 1; i < stmt.words.length; i++) {
    if (stmt.words[i].v === 'all') {
      all = true;
      continue;
    }
    const value = parseUnsigned(stmt, ctx, i, { min: 1, max: 86400 });
    if (value === undefined) return;
    seconds = value;
  }
  if (seconds === undefined) {
    ctx.problems.error('missing-argument', stmtLoc(stmt), `'${keywordOf(stmt)}' needs an interval in seconds`, {
      hint: `write '${keywordOf(stmt)} [all] SECONDS' (1 to 86400); keepalived ignores the line`,
    });
    return;
  }
  if (all) g.vrrp.garp.extraIfAll = true;
  g.vrrp.garp.extraIfIntervalSec = seconds;
};

/** vrrp_rx_bufs_policy MTU | ADVERT | SIZE. */
const rxBufsPolicy: KeywordHandler<GlobalDefs> = (stmt, g, ctx) => {
  if (!hasValue(stmt, ctx, 1, 'error', 'MTU, ADVERT or a size in bytes')) return;
  let mtu = false;
  let advert = false;
  let size: number | undefined;
  for (let i = 1; i < stmt.words.length; i++) {
    const text = stmt.words[i].v.toUpperCase();
    if (text === 'MTU') mtu = true;
    else if (text === 'ADVERT') advert = true;
    else {
      // keepalived reads the size from the first word whichever word was not a policy name.
      const value = parseUnsigned(stmt, ctx, 1, { min: 0, max: UINT_MAX }, { what: 'vrrp_rx_bufs_policy size' });
      if (value !== undefined) size = value;
    }
  }
  if (size !== undefined && (mtu || advert)) {
    ctx.problems.error('conflicting-values', stmtLoc(stmt), "'vrrp_rx_bufs_policy' takes a size or a policy, not both", {
      hint: 'keepalived uses the size and ignores MTU/ADVERT',
    });
  } else if (mtu && advert) {
    ctx.problems.error('conflicting-values', stmtLoc(stmt), "'vrrp_rx_bufs_policy' takes MTU or ADVERT, not both", { hint: 'keepalived uses MTU' });
  }
  if (size !== undefined) g.vrrp.rxBufsPolicy = { kind: 'size', bytes: size };
  else if (mtu) g.vrrp.rxBufsPolicy = { kind: 'mtu' };
  else if (advert) g.vrrp.rxBufsPolicy = { kind: 'advert' };
};

const rxBufsMultiplier: KeywordHandler<GlobalDefs> = (stmt, g, ctx) => {
  if (stmt.words.length !== 2) {
    ctx.problems.error('missing-argument', stmtLoc(stmt), "'vrrp_rx_bufs_multiplier' takes exactly one number", {
      hint: "write 'vrrp_rx_bufs_multiplier N' with N >= 1; keepalived ignores the line",
    });
    return;
  }
  const value = parseUnsigned(stmt, ctx, 1, { min: 1, max: UINT_MAX });
  if (value !== undefined) g.vrrp.rxBufsMultiplier = value;
};

const dynamicInterfaces: KeywordHandler<GlobalDefs> = (stmt, g, ctx) => {
  g.vrrp.dynamicInterfaces = true;
  const option = stmt.words[1]?.v;
  if (option === undefined) return;
  if (option === 'allow_if_changes') g.vrrp.allowIfChanges = true;
  else {
    ctx.problems.error('invalid-value', stmtLoc(stmt, 1), `'dynamic_interfaces' has no option '${option}'`, {
      hint: "the only option is 'allow_if_changes'",
    });
  }
};

function nftablesTable(set: (g: GlobalDefs, table: string) => void, isSet: (g: GlobalDefs) => boolean, fallback: string): KeywordHandler<GlobalDefs> {
  return once(isSet, (stmt, g, ctx) => {
    const name = stmt.words[1]?.v ?? fallback;
    if (name.length > NFT_NAME_MAX) {
      ctx.problems.error('name-too-long', stmtLoc(stmt, 1), `nftables table name is longer than ${NFT_NAME_MAX} characters`, {
        hint: 'keepalived ignores the line',
      });
      return;
    }
    set(g, name);
  });
}

export const vrrpHandlers: Handlers = {
  vrrp_version: integer({ min: 2, max: 3, missing: 'abort', what: 'a VRRP version (2 or 3)' }, (g, v) => {
    g.vrrp.version = v as 2 | 3;
  }),
  vrrp_strict: flag((g) => {
    g.vrrp.strict = true;
  }),
  vrrp_check_unicast_src: flag((g) => {
    g.vrrp.checkUnicastSrc = true;
  }),
  vrrp_skip_check_adv_addr: flag((g) => {
    g.vrrp.skipCheckAdvAddr = true;
  }),
  vrrp_mcast_group4: mcastGroup(4),
  vrrp_mcast_group6: mcastGroup(6),
  vrrp_garp_master_delay: unsigned({ min: 0, max: SECONDS_MAX, missing: 'abort', what: 'a delay in seconds' }, (g, v) => {
    g.vrrp.garp.masterDelaySec = v;
  }),
  vrrp_garp_master_repeat: repeatCount((g, n) => {
    g.vrrp.garp.masterRepeat = n;
  }),
  vrrp_garp_master_refresh: unsigned({ min: 0, max: UINT_MAX, missing: 'abort', what: 'an interval in seconds' }, (g, v) => {
    g.vrrp.garp.masterRefreshSec = v;
  }),
  vrrp_garp_master_refresh_repeat: repeatCount((g, n) => {
    g.vrrp.garp.masterRefreshRepeat = n;
  }),
  vrrp_garp_lower_prio_delay: unsigned({ min: 0, max: SECONDS_MAX, missing: 'abort', what: 'a delay in seconds' }, (g, v) => {
    g.vrrp.garp.lowerPrioDelaySec = v;
  }),
  vrrp_garp_lower_prio_repeat: unsigned({ min: 0, max: INT_MAX, missing: 'abort', what: 'a count' }, (g, v) => {
    g.vrrp.garp.lowerPrioRepeat = v;
  }),
  vrrp_garp_interval: decimal({ min: 1, max: UINT_MAX, places: 6, missing: 'abort', what: 'an interval in seconds' }, (g, usec) => {
    g.vrrp.garp.intervalSec = usec / MICRO;
  }),
  vrrp_gna_interval: decimal({ min: 1, max: UINT_MAX, places: 6, missing: 'abort', what: 'an interval in seconds' }, (g, usec) => {
    g.vrrp.garp.naIntervalSec = usec / MICRO;
  }),
  vrrp_min_garp: bool((g, on) => {
    g.vrrp.garp.minimal = on;
  }),
  vrrp_garp_extra_if: garpExtraIf,
  vrrp_vmac_garp_intvl: garpExtraIf,
  vrrp_down_timer_adverts: unsigned({ min: 1, max: 100, missing: 'abort', what: 'a number of adverts (1 to 100)' }, (g, v) => {
    g.vrrp.downTimerAdverts = v;
  }),
  vrrp_lower_prio_no_advert: bool((g, on) => {
    g.vrrp.lowerPrioNoAdvert = on;
  }),
  vrrp_higher_prio_send_advert: bool((g, on) => {
    g.vrrp.higherPrioSendAdvert = on;
  }),
  vrrp_startup_delay: decimal({ min: 1000, max: UINT_MAX, places: 6, missing: 'abort', what: 'a delay in seconds' }, (g, usec) => {
    g.vrrp.startupDelaySec = usec / MICRO;
  }),
  vrrp_notify_priority_changes: bool((g, on) => {
    g.vrrp.notifyPriorityChanges = on;
  }),
  fifo_write_vrrp_states_on_reload: flag((g) => {
    g.vrrp.fifoWriteStatesOnReload = true;
  }),
  dynamic_interfaces: dynamicInterfaces,
  default_interface: word('error', (g, name) => {
    g.vrrp.defaultInterface = name;
  }, 'an interface name'),
  disable_local_igmp: flag((g) => {
    g.vrrp.disableLocalIgmp = true;
  }),
  log_unknown_vrids: flag((g) => {
    g.vrrp.logUnknownVrids = true;
  }),
  vmac_prefix: once(
    (g) => g.vrrp.vmacPrefix !== undefined,
    word('abort', (g, prefix) => {
      g.vrrp.vmacPrefix = prefix;
    }, 'a name prefix'),
  ),
  vmac_addr_prefix: once(
    (g) => g.vrrp.vmacAddrPrefix !== undefined,
    word('abort', (g, prefix) => {
      g.vrrp.vmacAddrPrefix = prefix;
    }, 'a name prefix'),
  ),
  vrrp_rx_bufs_policy: rxBufsPolicy,
  vrrp_rx_bufs_multiplier: rxBufsMultiplier,
  vrrp_iptables: (stmt, g, ctx) => {
    // This keepalived is built without iptables: it switches to nftables and says so.
    ctx.problems.error('unsupported', stmtLoc(stmt), "'vrrp_iptables' is not supported by this keepalived (built without iptables); it uses nftables instead", {
      hint: "replace 'vrrp_iptables' with 'nftables'",
    });
    g.nftables.vrrpTable ??= 'keepalived';
  },
  nftables: nftablesTable(
    (g, table) => {
      g.nftables.vrrpTable = table;
    },
    (g) => g.nftables.vrrpTable !== undefined,
    'keepalived',
  ),
  nftables_priority: integer({ min: INT_MIN, max: INT_MAX, missing: 'abort', what: 'a chain priority' }, (g, v) => {
    g.nftables.vrrpPriority = v;
  }),
  nftables_ifindex: flag((g) => {
    g.nftables.ifindex = true;
  }),
  nftables_ipvs: nftablesTable(
    (g, table) => {
      g.nftables.ipvsTable = table;
    },
    (g) => g.nftables.ipvsTable !== undefined,
    'keepalived_ipvs',
  ),
  nftables_ipvs_priority: integer({ min: INT_MIN, max: INT_MAX, missing: 'abort', what: 'a chain priority' }, (g, v) => {
    g.nftables.ipvsPriority = v;
  }),
  nftables_ipvs_start_fwmark: unsigned({ min: 1, max: UINT_MAX, missing: 'abort', what: 'a firewall mark' }, (g, v) => {
    g.nftables.ipvsStartFwmark = v;
  }),
  nftables_counters: flag((g) => {
    g.nftables.counters = true;
  }),
};

