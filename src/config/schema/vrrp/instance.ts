// vrrp_instance NAME { ... }: every keyword keepalived 2.2.7 accepts there.
// Ranges and complaints were checked against keepalived 2.2.7; keywords of
// later versions (no_virtual_ipaddress, v3_checksum_as_v2, auth_hmac,
// owner_ignore_adverts, timer_expired_backup, ...) are unknown, as there.
import { parseIp, type Family, type IpAddress } from '../../ip.js';
import type { KeepalivedConfig } from '../../model/index.js';
import { createVrrpInstance, type Authentication, type VrrpInstance, type VrrpVersion } from '../../model/vrrp.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import { readBlock } from '../reader.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { argAt, readDecimal, readInteger } from '../values.js';
import { readAddressLine } from './address.js';
import {
  blockName,
  endLocOf,
  flag,
  integer,
  INT32_POSITIVE,
  NOTIFY_KEYWORDS,
  notifyScript,
  optionalBool,
  rememberConfig,
  UINT32,
  valueBlock,
} from './common.js';
import { readRouteLine } from './route.js';
import { readRuleLine } from './rule.js';
import { trackKeywords } from './track.js';

/** Longest interface name the kernel takes (IFNAMSIZ - 1). */
export const MAX_IFNAME = 15;

type Handler = KeywordHandler<VrrpInstance>;

/**
 * keepalived gives an instance the address family of the first address it
 * reads (VIP, source, peer, multicast group); a later address of the other
 * family is refused. Returns false (after reporting) on a mismatch.
 */
function claimFamily(inst: VrrpInstance, family: Family, stmt: Stmt, index: number, ctx: ReadContext, what: string): boolean {
  if (inst.family === undefined) {
    inst.family = family;
    return true;
  }
  if (inst.family === family) return true;
  ctx.problems.error('vrrp-family-mismatch', stmtLoc(stmt, index), `${what} is IPv${family} but ${inst.name} is an IPv${inst.family} instance; it is ignored`, {
    hint: 'an instance is IPv4 or IPv6 throughout; put the other family in its own instance, or in virtual_ipaddress_excluded',
  });
  return false;
}

const vipLine: BlockSpec<VrrpInstance> = {
  name: 'virtual_ipaddress',
  keywords: {},
  dataLine: (stmt, inst, ctx) => {
    const vip = readAddressLine(stmt, ctx, { isStatic: false });
    if (vip && claimFamily(inst, vip.address.family, stmt, 0, ctx, `virtual address ${stmt.words[0].v}`)) inst.virtualIps.push(vip);
  },
};

const excludedVipLine: BlockSpec<VrrpInstance> = {
  name: 'virtual_ipaddress_excluded',
  keywords: {},
  dataLine: (stmt, inst, ctx) => {
    const vip = readAddressLine(stmt, ctx, { isStatic: false });
    if (vip) inst.excludedIps.push(vip);
  },
};

const routeLine: BlockSpec<VrrpInstance> = {
  name: 'virtual_routes',
  keywords: {},
  dataLine: (stmt, inst, ctx) => {
    const route = readRouteLine(stmt, ctx, { isStatic: false });
    if (route) inst.virtualRoutes.push(route);
  },
};

const ruleLine: BlockSpec<VrrpInstance> = {
  name: 'virtual_rules',
  keywords: {},
  dataLine: (stmt, inst, ctx) => {
    const rule = readRuleLine(stmt, ctx, { isStatic: false });
    if (rule) inst.virtualRules.push(rule);
  },
};

/** `ADDR [min_ttl N] [max_ttl N]`; keepalived reads the options as name/value pairs. */
const unicastPeerLine: BlockSpec<VrrpInstance> = {
  name: 'unicast_peer',
  keywords: {},
  dataLine: (stmt, inst, ctx) => {
    const text = stmt.words[0].v;
    const address = parseIp(text.replace(/\/\d*$/, ''));
    if (!address) {
      ctx.problems.error('vrrp-invalid-ip', stmtLoc(stmt), `unicast peer '${text}' is not a valid IP address; it is ignored`);
      return;
    }
    if (!claimFamily(inst, address.family, stmt, 0, ctx, `unicast peer ${text}`)) return;
    const peer: VrrpInstance['unicastPeers'][number] = { address, loc: stmtLoc(stmt) };
    for (let i = 1; i < stmt.words.length; i += 2) {
      const option = stmt.words[i].v;
      if (i + 1 >= stmt.words.length) {
        ctx.problems.warning('vrrp-peer-option', stmtLoc(stmt, i), `'${option}' of unicast peer ${text} has no value; it is ignored`, { hint: 'options are min_ttl N and max_ttl N' });
        break;
      }
      if (option !== 'min_ttl' && option !== 'max_ttl') {
        ctx.problems.warning('vrrp-peer-option', stmtLoc(stmt, i), `'${option}' is not an option of a unicast peer; it is ignored`, { hint: 'options are min_ttl N and max_ttl N' });
        continue;
      }
      const value = readInteger(stmt, ctx, i + 1, { min: 0, max: 255 });
      if (value === undefined) continue;
      if (option === 'min_ttl') peer.minTtl = value;
      else peer.maxTtl = value;
    }
    if (peer.minTtl !== undefined && peer.maxTtl !== undefined && peer.minTtl > peer.maxTtl) {
      ctx.problems.warning('vrrp-peer-ttl', stmtLoc(stmt), `min_ttl ${peer.minTtl} is above max_ttl ${peer.maxTtl}: every advert from ${text} will be dropped`);
    }
    inst.unicastPeers.push(peer);
  },
};

const authType: KeywordHandler<Authentication> = (stmt, auth, ctx) => {
  const text = argAt(stmt, ctx, 1, 'an authentication type');
  if (text === undefined) return;
  if (text === 'PASS' || text === 'AH') auth.type = text;
  else {
    ctx.problems.warning('invalid-value', stmtLoc(stmt, 1), `'auth_type' does not accept '${text}'; it is ignored`, {
      hint: text.toUpperCase() === 'PASS' || text.toUpperCase() === 'AH' ? `write it in capitals: ${text.toUpperCase()}` : 'use PASS or AH',
    });
  }
};

const authPass: KeywordHandler<Authentication> = (stmt, auth, ctx) => {
  const text = argAt(stmt, ctx, 1, 'a password');
  if (text === undefined) return;
  if (text.length > 8) {
    ctx.problems.warning('vrrp-auth-pass-truncated', stmtLoc(stmt, 1), `the password is longer than 8 characters; only '${text.slice(0, 8)}' is used`, {
      hint: 'VRRP carries at most 8 characters of password; shorten it so that both routers agree on what is compared',
    });
  }
  auth.password = text.slice(0, 8);
};

export const authenticationSpec: BlockSpec<Authentication> = {
  name: 'authentication',
  keywords: { auth_type: authType, auth_pass: authPass },
};

const state: Handler = (stmt, inst, ctx) => {
  const text = argAt(stmt, ctx, 1, 'a state');
  if (text === undefined) return;
  if (text === 'MASTER') inst.configuredState = 'MASTER';
  else if (text === 'BACKUP') {
    if (inst.configuredState === 'MASTER') {
      ctx.problems.warning('vrrp-state-twice', stmtLoc(stmt, 1), `state is already MASTER; 'state BACKUP' is ignored`, { hint: "keep one 'state' line" });
    } else inst.configuredState = 'BACKUP';
  } else {
    ctx.problems.warning('invalid-value', stmtLoc(stmt, 1), `'state' does not accept '${text}'; BACKUP is used`, {
      hint: text.toUpperCase() === 'MASTER' || text.toUpperCase() === 'BACKUP' ? `write it in capitals: ${text.toUpperCase()}` : 'use MASTER or BACKUP',
    });
    inst.configuredState = 'BACKUP';
  }
};

const iface: Handler = (stmt, inst, ctx) => {
  const name = argAt(stmt, ctx, 1, 'an interface name');
  if (name === undefined) return;
  if (name.length > MAX_IFNAME) {
    ctx.problems.warning('vrrp-ifname-too-long', stmtLoc(stmt, 1), `interface name '${name}' is longer than ${MAX_IFNAME} characters; it is ignored`);
    return;
  }
  if (name === 'lo') {
    ctx.problems.warning('vrrp-loopback', stmtLoc(stmt, 1), `${inst.name} cannot run VRRP on the loopback interface; it is ignored`, { hint: 'name the interface that faces the other routers' });
    return;
  }
  (inst.interfaceLines ??= []).push({ name, loc: stmtLoc(stmt) });
  inst.interface = name;
};

const vrf: Handler = (stmt, inst, ctx) => {
  const name = argAt(stmt, ctx, 1, 'a VRF interface name');
  if (name === undefined) return;
  if (inst.interface !== undefined) {
    ctx.problems.warning('vrrp-vrf-and-interface', stmtLoc(stmt), `'vrf' cannot be combined with 'interface'; it is ignored`);
    return;
  }
  inst.vrf = name;
};

function sourceAddress(keyword: 'mcast_src_ip' | 'unicast_src_ip'): Handler {
  return (stmt, inst, ctx) => {
    const text = argAt(stmt, ctx, 1, 'an IP address');
    if (text === undefined) return;
    if (keyword === 'unicast_src_ip') inst.unicastKeywords.push(keyword);
    const ip = parseIp(text);
    if (!ip) {
      ctx.problems.error('vrrp-invalid-ip', stmtLoc(stmt, 1), `'${text}' is not a valid IP address; ${keyword} is ignored`);
      return;
    }
    if (claimFamily(inst, ip.family, stmt, 1, ctx, `${keyword} ${text}`)) inst.srcIp = ip;
  };
}

const mcastDstIp: Handler = (stmt, inst, ctx) => {
  const text = argAt(stmt, ctx, 1, 'a multicast address');
  if (text === undefined) return;
  const ip = parseIp(text);
  if (!ip) {
    ctx.problems.error('vrrp-invalid-ip', stmtLoc(stmt, 1), `'${text}' is not a valid IP address; mcast_dst_ip is ignored`);
    return;
  }
  if (!isMulticast(ip)) {
    ctx.problems.warning('vrrp-not-multicast', stmtLoc(stmt, 1), `${text} is not a multicast address; mcast_dst_ip is ignored`, {
      hint: 'use an address in 224.0.0.0/4 or ff00::/8, or unicast_peer { } for unicast',
    });
    return;
  }
  if (claimFamily(inst, ip.family, stmt, 1, ctx, `mcast_dst_ip ${text}`)) inst.mcastDstIp = ip;
};

function isMulticast(ip: IpAddress): boolean {
  if (ip.family === 4) {
    const first = Number(ip.address.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return ip.address.startsWith('ff');
}

const version: Handler = (stmt, inst, ctx) => {
  const value = readInteger(stmt, ctx, 1, { min: 2, max: 3 }) as VrrpVersion | undefined;
  if (value === undefined) return;
  if ((inst.configuredVersion !== undefined && inst.configuredVersion !== value) || (value === 2 && inst.family === 6)) {
    ctx.problems.warning('vrrp-version-conflict', stmtLoc(stmt, 1), `version ${value} conflicts with the version already set or implied (IPv6 needs version 3); it is ignored`);
    return;
  }
  inst.configuredVersion = value;
};

const nativeIpv6: Handler = (stmt, inst, ctx) => {
  if (inst.family === 4) {
    ctx.problems.warning('vrrp-native-ipv6', stmtLoc(stmt), `'native_ipv6' cannot be used: ${inst.name} already has IPv4 addresses`);
    return;
  }
  inst.family = 6;
  inst.flags.nativeIpv6 = true;
  inst.configuredVersion = 3;
};

const oldUnicastChecksum: Handler = (stmt, inst, ctx) => {
  inst.unicastKeywords.push('old_unicast_checksum');
  const mode = stmt.words[1]?.v;
  if (mode !== undefined && mode !== 'never') {
    ctx.problems.warning('invalid-value', stmtLoc(stmt, 1), `'old_unicast_checksum' does not accept '${mode}'; it is ignored`, { hint: "write it alone, or 'old_unicast_checksum never'" });
    return;
  }
  inst.flags.oldUnicastChecksum = true;
};

/**
 * garp_extra_if SECONDS [all] (and its old name vmac_garp_intvl): GARPs on
 * the other interfaces that carry VIPs of the instance.
 */
const garpExtraIf: Handler = (stmt, inst, ctx) => {
  const keyword = keywordOf(stmt);
  if (keyword === 'vmac_garp_intvl') {
    ctx.problems.warning('deprecated-keyword', stmtLoc(stmt), "'vmac_garp_intvl' is deprecated", { hint: "write 'garp_extra_if' instead" });
  }
  let all = false;
  let interval: number | undefined;
  let seenNumber = false;
  for (let i = 1; i < stmt.words.length; i++) {
    if (stmt.words[i].v === 'all') all = true;
    else if (!seenNumber) {
      seenNumber = true;
      interval = readInteger(stmt, ctx, i, { min: 0, max: 86400 });
    }
  }
  if (!seenNumber) {
    ctx.problems.warning('vrrp-garp-extra-if', stmtLoc(stmt), `'${keyword}' needs a number of seconds; it is ignored`, { hint: `write '${keyword} SECONDS [all]'` });
    return;
  }
  if (interval !== undefined) inst.garp.extraIf = { interval, all };
};

function garpRepeat(set: (inst: VrrpInstance, value: number) => void): Handler {
  return (stmt, inst, ctx) => {
    const value = readInteger(stmt, ctx, 1, UINT32);
    if (value === undefined) return;
    if (value === 0) {
      ctx.problems.warning('vrrp-garp-repeat-zero', stmtLoc(stmt, 1), `'${keywordOf(stmt)}' must be at least 1; 1 is used`);
      set(inst, 1);
      return;
    }
    set(inst, value);
  };
}

const useVmac: Handler = (stmt, inst) => {
  inst.useVmac = stmt.words[1] ? { name: stmt.words[1].v } : {};
  if (stmt.words[1]) inst.locs.use_vmac_name = stmtLoc(stmt, 1);
};

const useIpvlan: Handler = (stmt, inst) => {
  const ipvlan: NonNullable<VrrpInstance['useIpvlan']> = {};
  for (const word of stmt.words.slice(1).map((w) => w.v)) {
    if (word === 'bridge' || word === 'private' || word === 'vepa') ipvlan.mode = word;
    else if (parseIp(word.split('/')[0])) ipvlan.address = word;
    else if (ipvlan.name === undefined) ipvlan.name = word;
  }
  inst.useIpvlan = ipvlan;
};

const lvsSyncDaemonInterface: Handler = (stmt, inst, ctx) => {
  const name = argAt(stmt, ctx, 1, 'an interface name');
  if (name === undefined) return;
  ctx.problems.warning('deprecated-keyword', stmtLoc(stmt), "'lvs_sync_daemon_interface' in a vrrp_instance is deprecated", {
    hint: `use 'lvs_sync_daemon ${name} ${inst.name}' in global_defs instead`,
  });
  inst.lvsSyncDaemonInterface = name;
};

const linkbeatUsePolling: Handler = (stmt, inst, ctx) => {
  ctx.problems.warning('deprecated-keyword', stmtLoc(stmt), "'linkbeat_use_polling' in a vrrp_instance is deprecated", {
    hint: "list the interface in a top-level 'linkbeat_interfaces { }' block instead",
  });
  inst.flags.linkbeatUsePolling = true;
};

const notifyKeywords: Record<string, Handler> = {};
for (const [keyword, kind] of Object.entries(NOTIFY_KEYWORDS)) notifyKeywords[keyword] = notifyScript(kind, (i: VrrpInstance) => i.notify);
notifyKeywords.notify_master_rx_lower_pri = notifyScript('masterRxLowerPri', (i: VrrpInstance) => i.notify);
/** notify_deleted alone means "send the generic notify with state DELETED"; with a script, run that. */
notifyKeywords.notify_deleted = (stmt, inst, ctx) => {
  if (stmt.words.length < 2) return;
  notifyScript<VrrpInstance>('deleted', (i) => i.notify)(stmt, inst, ctx);
};

export const instanceSpec: BlockSpec<VrrpInstance> = {
  name: 'vrrp_instance',
  keywords: {
    use_vmac: useVmac,
    use_vmac_addr: flag((i) => (i.useVmacAddr = true)),
    vmac_xmit_base: flag((i) => (i.vmacXmitBase = true)),
    use_ipvlan: useIpvlan,
    unicast_peer: valueBlock(unicastPeerLine, (i) => (i.unicastPeerBlock = true)),
    unicast_fault_no_peer: flag((i) => (i.flags.unicastFaultNoPeer = true)),
    check_unicast_src: flag((i) => {
      i.flags.checkUnicastSrc = true;
      i.unicastKeywords.push('check_unicast_src');
    }),
    old_unicast_checksum: oldUnicastChecksum,
    native_ipv6: nativeIpv6,
    state,
    interface: iface,
    vrf,
    dont_track_primary: flag((i) => (i.flags.dontTrackPrimary = true)),
    ...trackKeywords,
    mcast_src_ip: sourceAddress('mcast_src_ip'),
    unicast_src_ip: sourceAddress('unicast_src_ip'),
    mcast_dst_ip: mcastDstIp,
    track_src_ip: flag((i) => (i.flags.trackSrcIp = true)),
    virtual_router_id: integer({ min: 1, max: 255 }, (i, v) => (i.vrid = v)),
    unicast_ttl: integer({ min: 0, max: 255 }, (i, v) => (i.unicastTtl = v)),
    version,
    priority: integer({ min: 1, max: 255 }, (i, v) => (i.configuredPriority = v)),
    advert_int: (stmt, inst, ctx) => {
      const value = readDecimal(stmt, ctx, 1, { min: 0.01, max: 255 });
      if (value !== undefined) inst.configuredAdvertInt = value;
    },
    virtual_ipaddress: valueBlock(vipLine),
    virtual_ipaddress_excluded: valueBlock(excludedVipLine),
    promote_secondaries: flag((i) => (i.flags.promoteSecondaries = true)),
    linkbeat_use_polling: linkbeatUsePolling,
    virtual_routes: valueBlock(routeLine),
    virtual_rules: valueBlock(ruleLine),
    accept: flag((i) => (i.configuredAccept = true)),
    no_accept: flag((i) => (i.configuredAccept = false)),
    skip_check_adv_addr: optionalBool((i, v) => (i.flags.skipCheckAdvAddr = v)),
    strict_mode: optionalBool((i, v) => (i.configuredStrictMode = v)),
    preempt: flag((i) => (i.nopreempt = false)),
    nopreempt: flag((i) => (i.nopreempt = true)),
    preempt_delay: (stmt, inst, ctx) => {
      const value = readDecimal(stmt, ctx, 1, { min: 0, max: 1000 });
      if (value !== undefined) inst.preemptDelay = value;
    },
    debug: integer({ min: 0, max: 4 }, (i, v) => (i.debug = v)),
    ...notifyKeywords,
    smtp_alert: optionalBool((i, v) => (i.smtpAlert = v)),
    notify_priority_changes: optionalBool((i, v) => (i.flags.notifyPriorityChanges = v)),
    lvs_sync_daemon_interface: lvsSyncDaemonInterface,
    garp_master_delay: integer({ min: 0, max: 4294 }, (i, v) => (i.garp.masterDelay = v)),
    garp_master_refresh: integer(UINT32, (i, v) => (i.garp.masterRefresh = v)),
    garp_master_repeat: garpRepeat((i, v) => (i.garp.masterRepeat = v)),
    garp_master_refresh_repeat: garpRepeat((i, v) => (i.garp.masterRefreshRepeat = v)),
    garp_lower_prio_delay: integer({ min: 0, max: 4294 }, (i, v) => (i.garp.lowerPrioDelay = v)),
    garp_lower_prio_repeat: integer({ min: 0, max: INT32_POSITIVE.max }, (i, v) => (i.garp.lowerPrioRepeat = v)),
    down_timer_adverts: integer({ min: 1, max: 100 }, (i, v) => (i.downTimerAdverts = v)),
    garp_extra_if: garpExtraIf,
    vmac_garp_intvl: garpExtraIf,
    lower_prio_no_advert: optionalBool((i, v) => (i.flags.lowerPrioNoAdvert = v)),
    higher_prio_send_advert: optionalBool((i, v) => (i.flags.higherPrioSendAdvert = v)),
    kernel_rx_buf_size: (stmt, inst, ctx) => {
      // Without a value keepalived only warns (checked), unlike most keywords.
      if (stmt.words.length < 2) {
        ctx.problems.warning('vrrp-rx-buf-size', stmtLoc(stmt), "'kernel_rx_buf_size' needs a size in bytes; it is ignored");
        return;
      }
      const value = readInteger(stmt, ctx, 1, UINT32);
      if (value !== undefined) inst.kernelRxBufSize = value;
    },
    authentication: (stmt, inst, ctx) => {
      const auth: Authentication = inst.authentication ?? { loc: stmtLoc(stmt) };
      inst.authentication = auth;
      if (!stmt.block) {
        ctx.problems.error('missing-block', stmtLoc(stmt), "'authentication' needs a block: 'authentication { auth_type PASS; auth_pass SECRET }'");
        return;
      }
      readBlock(authenticationSpec, stmt.block, auth, ctx);
    },
  },
};

/**
 * What keepalived checks when an instance's '}' is read (reported on that
 * line), and the defaults that follow from what was written.
 */
function finishInstance(inst: VrrpInstance, ctx: ReadContext): void {
  const unicast = inst.unicastPeers.length > 0;
  if (inst.unicastTtl !== undefined && !unicast) {
    ctx.problems.warning('vrrp-unicast-ttl', inst.endLoc, `${inst.name}: 'unicast_ttl' has no effect without unicast peers; it is ignored`, {
      hint: 'remove unicast_ttl, or add unicast_peer { }',
    });
    delete inst.unicastTtl;
  }
  if (unicast && inst.useVmac && !inst.vmacXmitBase) {
    ctx.problems.warning('vrrp-vmac-unicast', inst.endLoc, `${inst.name}: unicast with use_vmac needs vmac_xmit_base; keepalived sets it`, { hint: "add 'vmac_xmit_base'" });
    inst.vmacXmitBase = true;
  }
  if (inst.configuredPriority !== undefined) inst.priority = inst.configuredPriority;
  else inst.priority = inst.configuredState === 'MASTER' ? 255 : 100;
  inst.state = inst.configuredState ?? (inst.priority === 255 ? 'MASTER' : 'BACKUP');
}

/** The top-level vrrp_instance keyword. */
export function readInstance(stmt: Stmt, config: KeepalivedConfig, ctx: ReadContext): void {
  rememberConfig(ctx, config);
  const name = blockName(stmt, ctx, true);
  if (name === undefined) return;
  if (config.vrrp.instances.some((i) => i.name === name)) {
    ctx.problems.error('vrrp-duplicate-instance', stmtLoc(stmt, 1), `vrrp_instance ${name} is already defined; this block is skipped`, {
      hint: 'give each instance its own name',
    });
    return;
  }
  const inst = createVrrpInstance(name, stmtLoc(stmt, 1));
  if (!stmt.block) {
    ctx.problems.error('missing-block', stmtLoc(stmt), "'vrrp_instance' needs a block: 'vrrp_instance NAME { ... }'");
  }
  readBlock(instanceSpec, stmt.block, inst, ctx);
  inst.endLoc = endLocOf(stmt);
  finishInstance(inst, ctx);
  config.vrrp.instances.push(inst);
}

export const instanceBlocks: BlockSpec<any>[] = [instanceSpec, authenticationSpec];
