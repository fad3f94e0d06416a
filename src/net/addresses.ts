// Adapter: virtual IP addresses through iproute2's `ip`, run with execa.
//
// It does what it is told and reports what happened; it decides nothing.
// Several changes go to one `ip -force -batch -` (ip-batch.ts: every line
// tried, failures reported per line). With `persistent`, one long-running
// `ip -force -batch -` takes every change, so a VIP change or a lease refresh
// costs a line written to a pipe instead of a process spawn; the route
// adapter may share that process (`batch`). Adding uses `address replace`,
// so adding an address that is already there succeeds, and re-adding with a
// lifetime refreshes the lease (valid_lft / preferred_lft): a master that
// dies without cleanup then loses its VIPs by itself when the lease runs out.
// Nothing here throws for a failed command: failures are values.

import { execa } from 'execa';
import { IpBatch, type BatchResult, type IpBatchOptions } from './ip-batch.js';

export { parseBatchErrors, type BatchFailure, type BatchResult } from './ip-batch.js';

export type Family = 4 | 6;

/** One address as `ip address` takes it. */
export interface VipSpec {
  /** The address, without prefix length. */
  address: string;
  /** Prefix length (32 / 128 for a host address). */
  prefix: number;
  family: Family;
  /** Interface the address goes on. */
  dev: string;
  /** `brd`: an address, '+' (derive) or '-' (none). */
  broadcast?: string;
  /** host, link, site, global, nowhere, or a number. */
  scope?: string;
  label?: string;
  peer?: string;
  /** Flags passed as written: home, nodad, noprefixroute, mngtmpaddr, autojoin. */
  flags?: readonly string[];
  /** preferred_lft of the config line (seconds or forever); a lease caps it. */
  preferredLft?: number | 'forever';
}

/** Lease of an address (seconds): after valid_lft the kernel removes it. */
export interface VipLifetime {
  validSec: number;
  preferredSec: number;
}

/** Where and how `ip` runs (the address adapter lets ip deduce each line's family). */
export type IpOptions = Omit<IpBatchOptions, 'family'>;

/** What `interfaceInfo` found out about an interface. */
export interface InterfaceInfo {
  name: string;
  index: number;
  mac?: string;
  mtu?: number;
  /** Administratively up and with carrier (LOWER_UP). */
  up: boolean;
  /** IPv4 addresses in the kernel's order; `secondary` as ip reports it. */
  ipv4: { address: string; prefix: number; secondary: boolean; scope: string }[];
  /** IPv6 addresses in the kernel's order. */
  ipv6: { address: string; prefix: number; scope: string; tentative: boolean }[];
}

export type InterfaceInfoResult = { ok: true; info: InterfaceInfo } | { ok: false; error: string };

const SAFE_WORD = /^[A-Za-z0-9_.:@+/-]+$/;

function word(value: string, what: string): string {
  // A batch line is split on blanks: refuse anything that would change its meaning.
  if (!SAFE_WORD.test(value)) throw new RangeError(`${what} '${value}' is not a single word`);
  return value;
}

/**
 * The batch line (without `ip`) that adds / refreshes (op 'replace') or
 * deletes (op 'del') a VIP. Throws RangeError for a field that is not a
 * single word (a programming error: the config reader only produces words).
 */
export function vipCommand(op: 'replace' | 'del', vip: VipSpec, lifetime?: VipLifetime): string {
  const parts = ['address', op, `${word(vip.address, 'address')}/${vip.prefix}`];
  if (vip.peer !== undefined && op === 'replace') parts.push('peer', word(vip.peer, 'peer'));
  parts.push('dev', word(vip.dev, 'device'));
  if (op === 'replace') {
    if (vip.broadcast !== undefined) parts.push('brd', word(vip.broadcast, 'broadcast'));
    if (vip.scope !== undefined) parts.push('scope', word(vip.scope, 'scope'));
    if (vip.label !== undefined) parts.push('label', word(vip.label, 'label'));
    for (const f of vip.flags ?? []) parts.push(word(f, 'flag'));
    if (lifetime) {
      const valid = Math.max(1, Math.ceil(lifetime.validSec));
      let preferred = Math.max(0, Math.ceil(Math.min(lifetime.preferredSec, valid)));
      if (typeof vip.preferredLft === 'number') preferred = Math.min(preferred, vip.preferredLft);
      parts.push('valid_lft', String(valid), 'preferred_lft', String(preferred));
    } else if (vip.preferredLft !== undefined) {
      parts.push('preferred_lft', String(vip.preferredLft));
    }
  }
  return parts.join(' ');
}

export class AddressAdapter {
  private readonly ip: string;
  private readonly prefix: string[];
  private readonly timeoutMs: number;
  /** The batch runner every change goes through (the route adapter may share it). */
  readonly batch: IpBatch;

  constructor(options: IpOptions = {}) {
    this.ip = options.ipBinary ?? 'ip';
    this.prefix = options.netns ? ['-n', options.netns] : [];
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.batch = new IpBatch(options);
  }

  /** End the long-running ip (persistent mode); a later change starts a new one. */
  close(): void {
    this.batch.close();
  }

  /** Add the VIPs (or refresh them when present), with an optional lease. */
  addVips(vips: readonly VipSpec[], lifetime?: VipLifetime): Promise<BatchResult> {
    return this.batchOf(vips, (v) => vipCommand('replace', v, lifetime));
  }

  /** Delete the VIPs; a VIP that was not there is reported with `absent`. */
  removeVips(vips: readonly VipSpec[]): Promise<BatchResult> {
    return this.batchOf(vips, (v) => vipCommand('del', v));
  }

  private batchOf(vips: readonly VipSpec[], line: (v: VipSpec) => string): Promise<BatchResult> {
    const lines: string[] = [];
    try {
      for (const v of vips) lines.push(line(v));
    } catch (e) {
      return Promise.resolve({ ok: false, failures: [], error: (e as Error).message, durationMs: 0 });
    }
    return this.runBatch(lines);
  }

  /** Run lines of `ip` commands (without the leading `ip`) in one process. */
  runBatch(lines: readonly string[]): Promise<BatchResult> {
    return this.batch.run(lines);
  }

  /** Index, MAC, state and addresses of an interface (`ip -j address show dev IF`). */
  async interfaceInfo(name: string): Promise<InterfaceInfoResult> {
    const r = await execa(this.ip, [...this.prefix, '-j', 'address', 'show', 'dev', name], { reject: false, timeout: this.timeoutMs });
    if (r.exitCode !== 0) {
      const why = r.timedOut ? 'timed out' : String(r.stderr ?? '').trim() || r.shortMessage || `exit ${String(r.exitCode)}`;
      return { ok: false, error: `cannot read interface ${name}: ${why}` };
    }
    return parseInterfaceJson(String(r.stdout ?? ''), name);
  }

  /** The VIPs of this list that are on their interface now. */
  async presentVips(vips: readonly VipSpec[]): Promise<{ ok: true; present: VipSpec[] } | { ok: false; error: string }> {
    const devs = [...new Set(vips.map((v) => v.dev))];
    const present: VipSpec[] = [];
    for (const dev of devs) {
      const info = await this.interfaceInfo(dev);
      if (!info.ok) return info;
      const here = new Set([...info.info.ipv4, ...info.info.ipv6].map((a) => `${a.address}/${a.prefix}`));
      for (const v of vips) if (v.dev === dev && here.has(`${v.address}/${v.prefix}`)) present.push(v);
    }
    return { ok: true, present };
  }
}

interface IpJsonAddr {
  family?: string;
  local?: string;
  prefixlen?: number;
  scope?: string;
  secondary?: boolean;
  tentative?: boolean;
}

interface IpJsonLink {
  ifindex?: number;
  ifname?: string;
  flags?: string[];
  mtu?: number;
  address?: string;
  addr_info?: IpJsonAddr[];
}

/** Parse `ip -j address show dev NAME` output. */
export function parseInterfaceJson(text: string, name: string): InterfaceInfoResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `ip -j gave no JSON for ${name}: ${(e as Error).message}` };
  }
  const link = Array.isArray(doc) ? (doc[0] as IpJsonLink | undefined) : undefined;
  if (!link || typeof link.ifindex !== 'number') return { ok: false, error: `no interface ${name}` };
  const flags = link.flags ?? [];
  const addrs = link.addr_info ?? [];
  const info: InterfaceInfo = {
    name: link.ifname ?? name,
    index: link.ifindex,
    up: flags.includes('UP') && flags.includes('LOWER_UP'),
    ipv4: addrs
      .filter((a) => a.family === 'inet' && a.local)
      .map((a) => ({ address: a.local!, prefix: a.prefixlen ?? 32, secondary: a.secondary === true, scope: a.scope ?? 'global' })),
    ipv6: addrs
      .filter((a) => a.family === 'inet6' && a.local)
      .map((a) => ({ address: a.local!, prefix: a.prefixlen ?? 128, scope: a.scope ?? 'global', tentative: a.tentative === true })),
  };
  if (link.address !== undefined) info.mac = link.address;
  if (link.mtu !== undefined) info.mtu = link.mtu;
  return { ok: true, info };
}

/**
 * The interface's primary IPv4 address as keepalived takes it: the first
 * address that is not secondary, skipping `exclude` (our own VIPs, which are
 * primary addresses of their /32 too). Undefined when there is none.
 */
export function primaryIpv4(info: InterfaceInfo, exclude: readonly string[] = []): string | undefined {
  return info.ipv4.find((a) => !a.secondary && !exclude.includes(a.address))?.address;
}

/** The first link-local IPv6 address (the source of VRRP over IPv6). */
export function linkLocalIpv6(info: InterfaceInfo): string | undefined {
  return info.ipv6.find((a) => a.scope === 'link')?.address;
}
