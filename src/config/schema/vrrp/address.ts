// One address line of virtual_ipaddress { }, virtual_ipaddress_excluded { }
// or static_ipaddress { }:
//   ADDR[/PREFIX] [dev IF] [brd ADDR|+|-] [scope S] [label L] [peer ADDR]
//                 [preferred_lft N|forever] [home] [-nodad] [mngtmpaddr]
//                 [noprefixroute] [autojoin] [no_track] [use_vmac]
//                 [track_group G]  (static_ipaddress only)
// What keepalived 2.2.7 does with each mistake was checked against it: some
// drop the address ("skipping"), others only drop the option.
import { parseIp, type IpPrefix } from '../../ip.js';
import { stmtLoc, type Stmt } from '../../tree.js';
import type { VirtualIp } from '../../model/vrrp.js';
import type { ReadContext } from '../types.js';

const FLAGS = new Set(['home', '-nodad', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'no_track', 'use_vmac']);
const SCOPES = new Set(['host', 'link', 'site', 'global', 'nowhere']);
/** Longest interface label the kernel takes (IFNAMSIZ - 1). */
const MAX_LABEL = 15;

/**
 * ADDR[/PREFIX] as keepalived reads it: a bad address drops the line; a bad
 * prefix is reported and replaced by the full length; 'ADDR/' is taken as
 * ADDR. Returns undefined after reporting when the address is not usable.
 */
export function readAddressWord(stmt: Stmt, ctx: ReadContext, index: number, what = 'address'): IpPrefix | undefined {
  const text = stmt.words[index]?.v ?? '';
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) {
    ctx.problems.error('vrrp-invalid-ip', stmtLoc(stmt, index), `'${text}' is not a valid IPv4 or IPv6 ${what}; the line is skipped`, {
      hint: 'write an address such as 192.0.2.10/24 or 2001:db8::10/64',
    });
    return undefined;
  }
  const max = ip.family === 4 ? 32 : 128;
  if (slash < 0) return { ...ip, prefix: max, explicitPrefix: false };
  const prefixText = text.slice(slash + 1);
  if (prefixText === '') return { ...ip, prefix: max, explicitPrefix: false };
  if (!/^\+?\d+$/.test(prefixText) || Number(prefixText) > max) {
    ctx.problems.warning('vrrp-invalid-prefix', stmtLoc(stmt, index), `prefix length '/${prefixText}' of ${ip.address} is not a number from 0 to ${max}; /${max} is used`);
    return { ...ip, prefix: max, explicitPrefix: false };
  }
  return { ...ip, prefix: Number(prefixText), explicitPrefix: true };
}

export interface AddressLineOptions {
  /** static_ipaddress lines also take `track_group NAME`. */
  isStatic: boolean;
}

/** Reads one address line; undefined when keepalived would skip the address. */
export function readAddressLine(stmt: Stmt, ctx: ReadContext, options: AddressLineOptions): VirtualIp | undefined {
  const address = readAddressWord(stmt, ctx, 0);
  if (!address) return undefined;
  const vip: VirtualIp = { address, loc: stmtLoc(stmt), flags: [] };
  const shown = stmt.words[0].v;
  const words = stmt.words;
  let drop = false;

  const skip = (index: number, message: string, hint?: string): void => {
    ctx.problems.error('vrrp-address-skipped', stmtLoc(stmt, index), `${message}; address ${shown} is skipped`, hint ? { hint } : {});
    drop = true;
  };
  const ignore = (index: number, message: string, hint?: string): void => {
    ctx.problems.warning('vrrp-address-option', stmtLoc(stmt, index), message, hint ? { hint } : {});
  };

  let i = 1;
  while (i < words.length && !drop) {
    const option = words[i].v;
    if (FLAGS.has(option)) {
      vip.flags.push(option);
      i++;
      continue;
    }
    const takesValue = ['dev', 'scope', 'brd', 'broadcast', 'label', 'peer', 'preferred_lft'].includes(option) || (options.isStatic && option === 'track_group');
    if (!takesValue) {
      ignore(i, `'${option}' is not an option of an address line; it is ignored`, 'options: dev, brd, scope, label, peer, preferred_lft, home, -nodad, mngtmpaddr, noprefixroute, autojoin, no_track');
      i++;
      continue;
    }
    const value = words[i + 1]?.v;
    if (value === undefined) {
      skip(i, `'${option}' has no value`);
      break;
    }
    switch (option) {
      case 'dev':
        if (vip.dev !== undefined) skip(i, `'dev' is given twice`);
        else {
          vip.dev = value;
          vip.devLoc = stmtLoc(stmt, i + 1);
        }
        break;
      case 'scope':
        if (address.family === 6) ignore(i, `'scope' does not apply to IPv6 address ${shown}; it is ignored`);
        else if (SCOPES.has(value) || (/^\d+$/.test(value) && Number(value) <= 255)) vip.scope = value;
        else ignore(i + 1, `scope '${value}' is not known; it is ignored`, 'use host, link, site, global or nowhere');
        break;
      case 'brd':
      case 'broadcast':
        if (address.family === 6) skip(i, `IPv6 addresses have no broadcast address`);
        else if (value === '+' || value === '-') {
          if (value === '+' && address.prefix >= 31) ignore(i + 1, `'brd +' needs a prefix shorter than /31 (${shown})`);
          vip.broadcast = value;
        } else {
          const brd = parseIp(value);
          if (!brd || brd.family !== 4) skip(i + 1, `'${value}' is not a valid broadcast address`);
          else vip.broadcast = brd;
        }
        break;
      case 'label':
        if (address.family === 6) ignore(i, `'label' does not apply to IPv6 address ${shown}; it is ignored`);
        else if (value.length > MAX_LABEL) skip(i + 1, `label '${value}' is longer than ${MAX_LABEL} characters`);
        else vip.label = value;
        break;
      case 'peer':
        if (vip.peer) {
          // keepalived then reads the second peer's address as an unknown option.
          ignore(i, `a peer is already given for ${shown}; this one is ignored`);
          i++;
          continue;
        } else {
          const peer = parseIp(value);
          if (!peer) ignore(i + 1, `'${value}' is not a valid peer address; it is ignored`);
          else if (peer.family !== address.family) ignore(i + 1, `peer ${value} is not of the same family as ${shown}; it is ignored`);
          else {
            vip.peer = peer;
            if (address.explicitPrefix) ignore(0, `an address with a peer takes no /prefix (${shown}); the prefix is ignored`);
          }
        }
        break;
      case 'preferred_lft':
        if (value === 'forever') vip.preferredLft = 'forever';
        else if (/^\+?\d+$/.test(value) && Number(value) <= 4294967295) vip.preferredLft = Number(value);
        else ignore(i + 1, `preferred_lft '${value}' is not a number of seconds or 'forever'; it is ignored`);
        break;
      case 'track_group':
        vip.trackGroup = value;
        break;
    }
    i += 2;
  }
  if (drop) return undefined;
  if (vip.broadcast !== undefined && vip.peer) {
    ignore(0, `an address cannot have both a broadcast and a peer address; the broadcast is ignored`);
    delete vip.broadcast;
  }
  return vip;
}
