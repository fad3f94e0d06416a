// The checks keepalived makes on each vrrp_instance after reading the whole
// file (vrrp_complete_instance in 2.2.7). keepalived names no line for any
// of them, so neither do we; the message names the instance and the
// keyword. Each was checked against keepalived 2.2.7. They are skipped when
// keepalived stops at a missing interface.
import type { Problems } from '../problems.js';
import type { VrrpInstance, VrrpScript, TrackFile } from '../model/vrrp.js';
import type { Pass } from './types.js';
import { isAddressOwner, vrrpChecksRun } from './vrrp-common.js';
import { V3_MAX_ADVERT_INT } from './vrrp-defaults.js';

type Report = (code: string, message: string, hint?: string) => void;

function reporter(problems: Problems, severity: 'error' | 'warning'): Report {
  return (code, message, hint) => {
    problems[severity](code, undefined, message, hint ? { hint } : {});
  };
}

function isWhole(value: number, unit: number): boolean {
  const scaled = value / unit;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6;
}

function checkAdvertInterval(inst: VrrpInstance, warn: Report): void {
  const advert = inst.configuredAdvertInt;
  if (advert === undefined) return;
  if (inst.version === 2) {
    if (!isWhole(advert, 1)) {
      warn('vrrp-advert-int-v2', `${inst.name}: advert_int ${advert} is not a whole number of seconds, which VRRPv2 needs; it is rounded`, 'use whole seconds, or version 3 for sub-second adverts');
    }
  } else if (advert > V3_MAX_ADVERT_INT) {
    warn('vrrp-advert-int-v3', `${inst.name}: advert_int ${advert} is above the VRRPv3 maximum of ${V3_MAX_ADVERT_INT} s; ${V3_MAX_ADVERT_INT} is used`);
  } else if (!isWhole(advert, 0.01)) {
    warn('vrrp-advert-int-v3', `${inst.name}: advert_int ${advert} is not a multiple of 10 ms, which VRRPv3 needs; it is rounded`);
  }
}

function checkAuthentication(inst: VrrpInstance, warn: Report): void {
  const auth = inst.authentication;
  if (!auth?.type) return;
  if (inst.strictMode) warn('vrrp-strict-auth', `${inst.name}: strict mode does not allow authentication; it is ignored`, 'remove the authentication block (RFC 5798 has no authentication)');
  else if (inst.version === 3) warn('vrrp-v3-auth', `${inst.name}: VRRP version 3 has no authentication; the authentication block is ignored`, 'remove the authentication block, or use version 2');
  else if (auth.password === undefined) warn('vrrp-auth-no-password', `${inst.name}: authentication has auth_type but no auth_pass; it is ignored`, 'add auth_pass, or remove the authentication block');
  else if (auth.type === 'AH' && inst.family === 6) warn('vrrp-auth-ah-ipv6', `${inst.name}: AH authentication does not work with IPv6; it is ignored`);
  else if (auth.type === 'AH' && inst.state === 'MASTER' && !isAddressOwner(inst)) {
    warn('vrrp-auth-ah-master', `${inst.name}: an initial state MASTER does not work with AH authentication; the state is cleared to BACKUP`, "use 'state BACKUP' (the highest priority still wins), or auth_type PASS");
  }
}

function checkStrictMode(inst: VrrpInstance, warn: Report, error: Report): void {
  if (!inst.strictMode) return;
  if (inst.configuredVersion === 2 && inst.family === 6) warn('vrrp-strict-ipv6-v2', `${inst.name}: IPv6 needs VRRP version 3 in strict mode; version 3 is used`);
  if ((inst.state === 'MASTER') !== isAddressOwner(inst)) {
    error('vrrp-strict-state', `${inst.name}: in strict mode the state must be MASTER exactly when the priority is 255 (address owner); here state is ${inst.state} and priority ${inst.priority}`, "use 'state BACKUP' with a priority below 255, or priority 255 with state MASTER");
  }
  const first6 = inst.virtualIps.find((v) => v.address.family === 6);
  if (first6 && inst.family === 6 && !first6.address.address.startsWith('fe80:')) {
    error('vrrp-strict-link-local', `${inst.name}: in strict mode the first IPv6 virtual address must be link-local (fe80::/10), not ${first6.address.address}`);
  }
  if (inst.preemptDelay > 0) warn('vrrp-strict-preempt-delay', `${inst.name}: preempt_delay is not allowed in strict mode; it is reset to 0`);
  if (inst.downTimerAdverts !== 3) warn('vrrp-strict-down-timer', `${inst.name}: down_timer_adverts must be 3 in strict mode; it is reset`);
  if ((inst.garp.lowerPrioRepeat ?? 0) > 0) warn('vrrp-strict-garp', `${inst.name}: garp_lower_prio_repeat is not allowed in strict mode; it is reset to 0`);
  if ((inst.garp.lowerPrioDelay ?? 0) > 0) warn('vrrp-strict-garp', `${inst.name}: garp_lower_prio_delay is not allowed in strict mode; it is reset to 0`);
  if (inst.flags.lowerPrioNoAdvert === false) warn('vrrp-strict-lower-prio', `${inst.name}: strict mode needs lower_prio_no_advert; it is set`);
  if (inst.flags.higherPrioSendAdvert === true) warn('vrrp-strict-higher-prio', `${inst.name}: strict mode does not allow higher_prio_send_advert; it is cleared`);
  if (inst.configuredAccept === true && inst.version === 2 && !isAddressOwner(inst)) {
    warn('vrrp-strict-accept-v2', `${inst.name}: accept mode does not comply with VRRPv2 (RFC 3768) in strict mode; it is turned off`, 'remove accept, or use version 3');
  }
}

function checkPreemption(inst: VrrpInstance, warn: Report): void {
  if (inst.nopreempt) {
    if (isAddressOwner(inst)) warn('vrrp-nopreempt-owner', `${inst.name}: nopreempt does not work with priority 255 (the address owner always takes over); it is cleared`);
    else if (inst.state === 'MASTER') warn('vrrp-nopreempt-master', `${inst.name}: nopreempt does not work with state MASTER; it is cleared`, "use 'state BACKUP' with nopreempt");
  }
  if (inst.preemptDelay > 0 && !inst.strictMode) {
    if (inst.nopreempt) warn('vrrp-preempt-delay-nopreempt', `${inst.name}: preempt_delay has no effect with nopreempt; it is reset`);
    else if (inst.state === 'MASTER') warn('vrrp-preempt-delay-master', `${inst.name}: preempt_delay does not work with state MASTER; it is cleared`, "use 'state BACKUP' with preempt_delay");
  }
}

function checkUnicast(inst: VrrpInstance, warn: Report): void {
  const unicast = inst.unicastPeers.length > 0;
  if (!unicast && (inst.unicastPeerBlock || inst.unicastKeywords.length > 0)) {
    const what = inst.unicastPeerBlock ? 'unicast_peer { } has no usable peer' : `${inst.unicastKeywords[0]} is given without unicast peers`;
    warn('vrrp-unicast-no-peers', `${inst.name}: ${what}; multicast is used`, 'add unicast_peer { ADDR } lines, or remove the unicast keywords');
  }
  if (unicast && inst.mcastDstIp) warn('vrrp-mcast-dst-unicast', `${inst.name}: mcast_dst_ip has no effect with unicast peers; it is ignored`);
}

/** Effective weight of a track_script line: the line's, else the script's. */
function scriptWeight(weight: number | undefined, script: VrrpScript | undefined): number {
  return weight ?? script?.weight ?? 0;
}

/**
 * keepalived ignores tracker weights for an address owner and for members
 * of a sync group (unless the group has sync_group_tracking_weight).
 */
export function checkIgnoredWeights(inst: VrrpInstance, reason: string, scripts: ReadonlyMap<string, VrrpScript>, files: ReadonlyMap<string, TrackFile>, warn: Report): void {
  for (const t of inst.track.interfaces) {
    if (t.weight && t.weight.weight !== 0) warn('vrrp-weight-ignored', `${inst.name}: the weight of tracked interface ${t.name} is ignored (${reason})`, 'a failed interface then puts the instance in FAULT; write weight 0 or remove it to say so');
  }
  for (const t of inst.track.scripts) {
    if (!t.definedEarlier || !scripts.has(t.name)) continue;
    if (scriptWeight(t.weight?.weight, scripts.get(t.name)) !== 0) warn('vrrp-weight-ignored', `${inst.name}: the weight of tracked script ${t.name} is ignored (${reason})`, 'a failing script then puts the instance in FAULT');
  }
  for (const t of inst.track.files) {
    const file = files.get(t.name);
    if (!t.definedEarlier || !file) continue;
    if (t.weight ? t.weight.weight !== 0 : file.weight !== 0) {
      warn('vrrp-weight-ignored', `${inst.name}: the weight of tracked file ${t.name} is ignored (${reason})`, 'write weight 0 for the file to say that a non-zero value means FAULT');
    }
  }
  for (const t of inst.track.bfds) {
    if (t.weight && t.weight.weight !== 0) warn('vrrp-weight-ignored', `${inst.name}: the weight of tracked BFD ${t.name} is ignored (${reason})`);
  }
}

export const checkVrrpInstances: Pass = (config, ctx) => {
  if (!vrrpChecksRun(config)) return;
  const warn = reporter(ctx.problems, 'warning');
  const error = reporter(ctx.problems, 'error');
  const scripts = new Map(config.vrrp.scripts.filter((s) => !s.dropped).map((s) => [s.name, s] as const));
  const files = new Map(config.vrrp.trackFiles.map((f) => [f.name, f] as const));
  for (const inst of config.vrrp.instances) {
    if (inst.vrid === undefined) {
      error('vrrp-no-vrid', `${inst.name}: virtual_router_id is not set; the instance is dropped`, 'add virtual_router_id N (1 to 255), the same on every router of this VRRP group');
      continue;
    }
    if (inst.interface === undefined) error('vrrp-no-interface', `${inst.name}: no usable interface (interface is missing or was refused)`, "add 'interface IF'");
    if (inst.virtualIps.length === 0) {
      warn('vrrp-no-vip', `${inst.name}: no virtual_ipaddress; an instance without virtual addresses does nothing useful`, 'add virtual_ipaddress { ADDR/PREFIX }');
    }
    checkStrictMode(inst, warn, error);
    checkAuthentication(inst, warn);
    checkUnicast(inst, warn);
    checkPreemption(inst, warn);
    checkAdvertInterval(inst, warn);
    if (inst.vmacXmitBase && !inst.useVmac) warn('vrrp-xmit-base-no-vmac', `${inst.name}: vmac_xmit_base needs use_vmac; it is ignored`);
    if (inst.useIpvlan && inst.family !== 6 && inst.useIpvlan.address === undefined) {
      error('vrrp-ipvlan-no-address', `${inst.name}: an IPv4 use_ipvlan needs an address; the instance will stay in FAULT`, "write 'use_ipvlan [NAME] ADDR/PREFIX'");
    }
    for (const t of inst.track.interfaces) {
      if (t.name === inst.interface) warn('vrrp-track-own-interface', `${inst.name}: track_interface ${t.name} is the instance's own interface, which is always tracked; the line is ignored`);
    }
    if (isAddressOwner(inst)) checkIgnoredWeights(inst, 'priority 255: an address owner does not use weights', scripts, files, warn);
  }
};
