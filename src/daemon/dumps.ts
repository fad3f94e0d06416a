// The dump files keepalived writes on signals, in its layouts, so exporters
// and scripts that read them keep working: SIGUSR1 -> /tmp/keepalived.data
// (VRRP) and /tmp/keepalived_check.data (checker), SIGUSR2 ->
// /tmp/keepalived.stats, SIGRTMIN+2 -> /tmp/keepalived.json. Pure: snapshots
// in, text out; the children write the files without blocking their timers.
import type { Counters } from '../vrrp/instance.js';

/**
 * The dump files, in /tmp as keepalived's build puts them, or in
 * $KEEPALIVED_TS_TMP_DIR (so that tests and a second daemon on the same
 * host do not overwrite each other's).
 */
export function dumpFiles(env: NodeJS.ProcessEnv = process.env): {
  vrrpData: string;
  checkData: string;
  parentData: string;
  stats: string;
  json: string;
} {
  const dir = (env.KEEPALIVED_TS_TMP_DIR ?? '/tmp').replace(/\/+$/, '') || '';
  return {
    vrrpData: `${dir}/keepalived.data`,
    checkData: `${dir}/keepalived_check.data`,
    parentData: `${dir}/keepalived_parent.data`,
    stats: `${dir}/keepalived.stats`,
    json: `${dir}/keepalived.json`,
  };
}

/** keepalived's per-instance statistics (vrrp_stats). */
export interface VrrpStats {
  advertRcvd: number;
  advertSent: number;
  becomeMaster: number;
  releaseMaster: number;
  packetLenErr: number;
  advertIntervalErr: number;
  ipTtlErr: number;
  invalidTypeRcvd: number;
  addrListErr: number;
  invalidAuthtype: number;
  authtypeMismatch: number;
  authFailure: number;
  priZeroRcvd: number;
  priZeroSent: number;
}

/** Our counters (plus what the service counts itself) in keepalived's statistics. */
export function vrrpStats(c: Counters, extra: { releaseMaster: number; priZeroRcvd: number; priZeroSent: number }): VrrpStats {
  const d = (k: string): number => c.dropped[k] ?? 0;
  return {
    advertRcvd: c.accepted,
    advertSent: c.advertsSent,
    becomeMaster: c.transitions.master ?? 0,
    releaseMaster: extra.releaseMaster,
    packetLenErr: d('too-short') + d('too-long'),
    advertIntervalErr: d('interval-mismatch'),
    ipTtlErr: d('bad-ttl'),
    invalidTypeRcvd: d('bad-type'),
    addrListErr: d('address-count-mismatch') + d('address-list-mismatch'),
    invalidAuthtype: d('unsupported-auth'),
    authtypeMismatch: d('bad-auth-type'),
    authFailure: d('bad-auth'),
    priZeroRcvd: extra.priZeroRcvd,
    priZeroSent: extra.priZeroSent,
  };
}

export function subtractStats(now: VrrpStats, base: VrrpStats | undefined): VrrpStats {
  if (!base) return now;
  const out = { ...now };
  for (const k of Object.keys(out) as (keyof VrrpStats)[]) out[k] = Math.max(0, now[k] - base[k]);
  return out;
}

export interface VrrpInstanceSnapshot {
  name: string;
  state: string;
  wantState: string;
  interface: string;
  family: 4 | 6;
  version: 2 | 3;
  vrid: number;
  basePriority: number;
  effectivePriority: number;
  advertIntervalCs: number;
  masterAdverIntCs: number;
  accept: boolean;
  nopreempt: boolean;
  preemptDelayMs: number;
  authType: 0 | 1 | 2;
  password?: string;
  sourceAddress: string;
  destinations: string[];
  unicast: boolean;
  vips: string[];
  vipsSet: boolean;
  master: { address: string; priority: number } | null;
  faults: string[];
  garp: { delayMs: number; repeat: number; refreshMs: number; refreshRepeat: number; lowerPrioDelayMs: number; lowerPrioRepeat: number };
  downTimerAdverts: number;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  /** Seconds since the epoch. */
  lastTransition: number;
  stats: VrrpStats;
  /** Our own counters, beyond keepalived's. */
  dropped: Record<string, number>;
}

const STATE_NUMBER: Record<string, number> = { init: 0, backup: 1, master: 2, fault: 3, stopped: 97 };
const AUTH_NAME = ['NONE', 'SIMPLE_PASSWORD', 'IPSEC_AH'];

function timestamp(sec: number): string {
  const d = new Date(sec * 1000);
  return `${sec.toFixed(6)} (${d.toUTCString()})`;
}

/** /tmp/keepalived.stats, keepalived's layout. */
export function formatStats(instances: readonly VrrpInstanceSnapshot[]): string {
  return instances
    .map((i) => {
      const s = i.stats;
      return [
        `VRRP Instance: ${i.name}`,
        '  Advertisements:',
        `    Received: ${s.advertRcvd}`,
        `    Sent: ${s.advertSent}`,
        `  Became master: ${s.becomeMaster}`,
        `  Released master: ${s.releaseMaster}`,
        '  Packet Errors:',
        `    Length: ${s.packetLenErr}`,
        `    TTL: ${s.ipTtlErr}`,
        `    Invalid Type: ${s.invalidTypeRcvd}`,
        `    Advertisement Interval: ${s.advertIntervalErr}`,
        `    Address List: ${s.addrListErr}`,
        '  Authentication Errors:',
        `    Invalid Type: ${s.invalidAuthtype}`,
        `    Type Mismatch: ${s.authtypeMismatch}`,
        `    Failure: ${s.authFailure}`,
        '  Priority Zero:',
        `    Received: ${s.priZeroRcvd}`,
        `    Sent: ${s.priZeroSent}`,
        '',
      ].join('\n');
    })
    .join('');
}

/** /tmp/keepalived.json, keepalived's layout: [{ data: {...}, stats: {...} }]. */
export function formatJson(instances: readonly VrrpInstanceSnapshot[]): string {
  return JSON.stringify(
    instances.map((i) => ({
      data: {
        iname: i.name,
        dont_track_primary: 0,
        skip_check_adv_addr: 0,
        strict_mode: 0,
        vmac_ifname: '',
        ifp_ifname: i.interface,
        master_priority: i.master?.priority ?? 0,
        last_transition: i.lastTransition,
        garp_delay: i.garp.delayMs / 1000,
        garp_refresh: i.garp.refreshMs / 1000,
        garp_rep: i.garp.repeat,
        garp_refresh_rep: i.garp.refreshRepeat,
        garp_lower_prio_delay: i.garp.lowerPrioDelayMs / 1000,
        garp_lower_prio_rep: i.garp.lowerPrioRepeat,
        lower_prio_no_advert: i.lowerPrioNoAdvert ? 1 : 0,
        higher_prio_send_advert: i.higherPrioSendAdvert ? 1 : 0,
        vrid: i.vrid,
        base_priority: i.basePriority,
        effective_priority: i.effectivePriority,
        vipset: i.vipsSet,
        promote_secondaries: false,
        adver_int: i.advertIntervalCs / 100,
        master_adver_int: i.masterAdverIntCs / 100,
        accept: i.accept ? 1 : 0,
        nopreempt: i.nopreempt,
        preempt_delay: i.preemptDelayMs / 1000,
        state: STATE_NUMBER[i.state] ?? 0,
        wantstate: STATE_NUMBER[i.wantState] ?? 0,
        version: i.version,
        smtp_alert: false,
        notify_deleted: false,
        vips: i.vips,
        ...(i.authType !== 0 ? { auth_type: i.authType, auth_data: i.password ?? '' } : {}),
      },
      stats: {
        advert_rcvd: i.stats.advertRcvd,
        advert_sent: i.stats.advertSent,
        become_master: i.stats.becomeMaster,
        release_master: i.stats.releaseMaster,
        packet_len_err: i.stats.packetLenErr,
        advert_interval_err: i.stats.advertIntervalErr,
        ip_ttl_err: i.stats.ipTtlErr,
        invalid_type_rcvd: i.stats.invalidTypeRcvd,
        addr_list_err: i.stats.addrListErr,
        invalid_authtype: i.stats.invalidAuthtype,
        authtype_mismatch: i.stats.authtypeMismatch,
        auth_failure: i.stats.authFailure,
        pri_zero_rcvd: i.stats.priZeroRcvd,
        pri_zero_sent: i.stats.priZeroSent,
      },
    })),
  );
}

/** /tmp/keepalived.data, the VRRP part: keepalived's "VRRP Topology" section. */
export function formatVrrpData(instances: readonly VrrpInstanceSnapshot[], global: { routerId?: string; now: number }): string {
  const out = ['------< Global definitions >------', ` Router ID = ${global.routerId ?? ''}`, ` Dump time = ${timestamp(global.now)}`, '------< VRRP Topology >------'];
  for (const i of instances) {
    out.push(
      ` VRRP Instance = ${i.name}`,
      `   VRRP Version = ${i.version}`,
      `   State = ${i.state.toUpperCase()}`,
      `   Wantstate = ${i.wantState.toUpperCase()}`,
      `   Number of interface and track script faults = ${i.faults.length}`,
      ...i.faults.map((f) => `     Fault: ${f}`),
      `   Last transition = ${timestamp(i.lastTransition)}`,
      `   Interface = ${i.interface}`,
      `   Using src_ip = ${i.sourceAddress}`,
      i.unicast ? `   Unicast peers (${i.destinations.length}):` : `   Multicast address ${i.destinations[0] ?? ''}`,
      ...(i.unicast ? i.destinations.map((d) => `     ${d}`) : []),
      `   Gratuitous ARP delay = ${i.garp.delayMs / 1000}`,
      `   Gratuitous ARP repeat = ${i.garp.repeat}`,
      `   Gratuitous ARP refresh = ${i.garp.refreshMs / 1000}`,
      `   Gratuitous ARP refresh repeat = ${i.garp.refreshRepeat}`,
      `   Gratuitous ARP lower priority delay = ${i.garp.lowerPrioDelayMs / 1000}`,
      `   Gratuitous ARP lower priority repeat = ${i.garp.lowerPrioRepeat}`,
      `   Down timer adverts = ${i.downTimerAdverts}`,
      `   Virtual Router ID = ${i.vrid}`,
      `   Priority = ${i.basePriority}`,
      `   Effective priority = ${i.effectivePriority}`,
      `   Advert interval = ${i.version === 2 ? `${i.advertIntervalCs / 100} sec` : `${i.advertIntervalCs * 10} milli-sec`}`,
      `   Master advert interval = ${i.masterAdverIntCs * 10} milli-sec`,
      `   Master = ${i.master ? `${i.master.address} priority ${i.master.priority}` : 'none heard'}`,
      `   Accept = ${i.accept ? 'enabled' : 'disabled'}`,
      `   Preempt = ${i.nopreempt ? 'disabled' : 'enabled'}`,
      ...(i.preemptDelayMs > 0 ? [`   Preempt delay = ${i.preemptDelayMs / 1000} secs`] : []),
      `   Authentication type = ${AUTH_NAME[i.authType]}`,
      ...(i.authType === 1 ? [`   Password = ${i.password ?? ''}`] : []),
      `   Virtual IP (${i.vips.length}):`,
      ...i.vips.map((v) => `     ${v}${i.vipsSet ? ' set' : ''}`),
    );
  }
  return `${out.join('\n')}\n`;
}

/** A plain indented rendering of any JSON-able value (the checker's and the parent's data dumps). */
export function formatTree(title: string, value: unknown): string {
  const out = [`------< ${title} >------`];
  const walk = (v: unknown, indent: string, key: string): void => {
    if (v !== null && typeof v === 'object') {
      out.push(`${indent}${key}${Array.isArray(v) ? ` (${v.length})` : ''}:`);
      const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
      for (const [k, x] of entries) walk(x, `${indent}  `, k);
    } else {
      out.push(`${indent}${key} = ${String(v)}`);
    }
  };
  if (value !== null && typeof value === 'object') for (const [k, x] of Object.entries(value)) walk(x, ' ', k);
  else out.push(` ${String(value)}`);
  return `${out.join('\n')}\n`;
}
