// The IPVS table as ipvsadm 1.31 shows it, and its save format: the lines of
// `ipvsadm -Sn`, which are also what `ipvsadm -R` reads. The adapter parses
// the live table from -Sn; the diff writes its batch in the same syntax.
// Pure: no process, no I/O.
import type { Family } from '../config/ip.js';
import { hostPort } from './address.js';

export type IpvsProtocol = 'tcp' | 'udp' | 'sctp';

/** What identifies a service: address, port and protocol, or a firewall mark (per family). */
export type ServiceKey =
  | { kind: 'address'; protocol: IpvsProtocol; family: Family; address: string; port: number }
  | { kind: 'fwmark'; family: Family; fwmark: number };

/** -m (masquerading, NAT), -g (gatewaying, DR) or -i (ipip, TUN). */
export type ForwardingMethod = 'nat' | 'dr' | 'tun';
export type TunnelType = 'ipip' | 'gue' | 'gre';
export type TunnelChecksum = 'nocsum' | 'csum' | 'remcsum';

export interface Tunnel {
  type: TunnelType;
  /** gue only. */
  port?: number;
  /** gue and gre only. */
  checksum?: TunnelChecksum;
}

export interface IpvsDestination {
  family: Family;
  /** As ipvsadm prints it (see address.ts). */
  address: string;
  port: number;
  forwarding: ForwardingMethod;
  weight: number;
  /** Connection limits; ipvsadm -S does not save them, so a table read from it has none. */
  upperThreshold?: number;
  lowerThreshold?: number;
  /** Only with forwarding 'tun'. */
  tunnel?: Tunnel;
}

export interface Persistence {
  /** Seconds. */
  timeout: number;
  /** Granularity: a dotted netmask (IPv4) or a prefix length (IPv6); absent for a single address. */
  netmask?: string;
}

/** Scheduler flag bits: flag-1 (sh-fallback, mh-fallback), flag-2 (sh-port, mh-port), flag-3. */
export const SCHED_FLAG_1 = 1;
export const SCHED_FLAG_2 = 2;
export const SCHED_FLAG_3 = 4;

export interface IpvsService {
  key: ServiceKey;
  scheduler: string;
  schedFlags: number;
  persistence?: Persistence;
  /** --pe (sip). */
  persistenceEngine?: string;
  /** -o: one-packet scheduling (UDP). */
  onePacket: boolean;
  destinations: IpvsDestination[];
}

export interface IpvsTable {
  services: IpvsService[];
}

/** Keys of services (serviceKeyText) and destinations (destinationId), e.g. what the daemon owns. */
export interface TableKeys {
  services: ReadonlySet<string>;
  destinations: ReadonlySet<string>;
}

// ---------------------------------------------------------------------------
// Keys
//
// Made once per key or destination object and remembered (tables are not
// changed in place: a change makes new objects): a reconcile pass compares
// every entry of a 10,000-entry table by these texts.

const serviceKeys = new WeakMap<ServiceKey, string>();
const destinationKeys = new WeakMap<object, string>();
const destinationIds = new WeakMap<ServiceKey, WeakMap<object, string>>();

export function serviceKeyText(key: ServiceKey): string {
  let text = serviceKeys.get(key);
  if (text === undefined) {
    text = key.kind === 'fwmark' ? `fwmark ${key.fwmark}${key.family === 6 ? ' ipv6' : ''}` : `${key.protocol} ${hostPort(key.family, key.address, key.port)}`;
    serviceKeys.set(key, text);
  }
  return text;
}

/** A destination within its service: family, address and port. */
export function destinationKeyText(d: Pick<IpvsDestination, 'family' | 'address' | 'port'>): string {
  let text = destinationKeys.get(d);
  if (text === undefined) destinationKeys.set(d, (text = hostPort(d.family, d.address, d.port)));
  return text;
}

/** A destination across the whole table. */
export function destinationId(service: ServiceKey, d: Pick<IpvsDestination, 'family' | 'address' | 'port'>): string {
  let ids = destinationIds.get(service);
  if (!ids) destinationIds.set(service, (ids = new WeakMap()));
  let id = ids.get(d);
  if (id === undefined) ids.set(d, (id = `${serviceKeyText(service)} -> ${destinationKeyText(d)}`));
  return id;
}

// ---------------------------------------------------------------------------
// Writing rules (-S syntax)

const PROTOCOL_OPTION: Record<IpvsProtocol, string> = { tcp: '-t', udp: '-u', sctp: '--sctp-service' };
const FORWARDING_OPTION: Record<ForwardingMethod, string> = { nat: '-m', dr: '-g', tun: '-i' };

/** The virtual-service part of a rule: `-t 198.51.100.180:80`, `-f 1 -6`. */
export function serviceSpec(key: ServiceKey): string {
  if (key.kind === 'fwmark') return `-f ${key.fwmark}${key.family === 6 ? ' -6' : ''}`;
  return `${PROTOCOL_OPTION[key.protocol]} ${hostPort(key.family, key.address, key.port)}`;
}

/** Flag names as ipvsadm prints them for this scheduler. */
export function schedFlagNames(scheduler: string, flags: number): string[] {
  const names =
    scheduler === 'sh' || scheduler === 'mh'
      ? [[SCHED_FLAG_1, `${scheduler}-fallback`], [SCHED_FLAG_2, `${scheduler}-port`]]
      : [[SCHED_FLAG_1, 'flag-1'], [SCHED_FLAG_2, 'flag-2'], [SCHED_FLAG_3, 'flag-3']];
  return names.filter(([bit]) => flags & (bit as number)).map(([, name]) => name as string);
}

/** The options after the service in -A / -E: scheduler, persistence, engine, one-packet, flags. */
export function serviceOptions(s: IpvsService): string {
  let text = `-s ${s.scheduler}`;
  if (s.persistence) text += ` -p ${s.persistence.timeout}${s.persistence.netmask !== undefined ? ` -M ${s.persistence.netmask}` : ''}`;
  if (s.persistenceEngine) text += ` --pe ${s.persistenceEngine}`;
  if (s.onePacket) text += ' -o';
  const flags = schedFlagNames(s.scheduler, s.schedFlags);
  if (flags.length > 0) text += ` -b ${flags.join(',')}`;
  return text;
}

function tunnelOptions(t: Tunnel): string {
  if (t.type === 'gue') return ` --tun-type gue --tun-port ${t.port ?? 0} --tun-${t.checksum ?? 'nocsum'}`;
  if (t.type === 'gre') return ` --tun-type gre --tun-${t.checksum ?? 'nocsum'}`;
  return ' --tun-type ipip';
}

/**
 * The options after `-r ADDR` in -a / -e. ipvsadm resets what an edit does
 * not name, so this always names everything (thresholds only when set:
 * ipvsadm's default is 0).
 */
export function destinationOptions(d: IpvsDestination): string {
  let text = `${FORWARDING_OPTION[d.forwarding]} -w ${d.weight}`;
  if (d.upperThreshold) text += ` -x ${d.upperThreshold}`;
  if (d.lowerThreshold) text += ` -y ${d.lowerThreshold}`;
  if (d.forwarding === 'tun') text += tunnelOptions(d.tunnel ?? { type: 'ipip' });
  return text;
}

/** The table in `ipvsadm -Sn` form (without thresholds, which -S leaves out). */
export function formatSave(table: IpvsTable): string {
  const lines: string[] = [];
  for (const s of table.services) {
    const spec = serviceSpec(s.key);
    lines.push(`-A ${spec} ${serviceOptions(s)}`);
    for (const d of s.destinations) {
      lines.push(`-a ${spec} -r ${destinationKeyText(d)} ${destinationOptions({ ...d, upperThreshold: undefined, lowerThreshold: undefined })}`);
    }
  }
  return lines.map((l) => `${l}\n`).join('');
}

// ---------------------------------------------------------------------------
// Reading `ipvsadm -Sn`

export class IpvsParseError extends Error {
  constructor(
    message: string,
    readonly line: string,
  ) {
    super(`${message}: ${line}`);
    this.name = 'IpvsParseError';
  }
}

/** `host:port` or `[v6]:port` as ipvsadm -n prints it. */
function parseHostPort(text: string): { family: Family; address: string; port: number } | undefined {
  const m = /^\[([0-9a-f:.]+)\]:(\d+)$/.exec(text) ?? /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(text);
  if (!m) return undefined;
  return { family: text.startsWith('[') ? 6 : 4, address: m[1], port: Number(m[2]) };
}

const FLAG_BITS: Record<string, number> = {
  'flag-1': SCHED_FLAG_1,
  'sh-fallback': SCHED_FLAG_1,
  'mh-fallback': SCHED_FLAG_1,
  'flag-2': SCHED_FLAG_2,
  'sh-port': SCHED_FLAG_2,
  'mh-port': SCHED_FLAG_2,
  'flag-3': SCHED_FLAG_3,
};

interface ParsedRule {
  command: '-A' | '-a';
  key: ServiceKey;
  options: Map<string, string | true>;
}

const TAKES_VALUE = new Set(['-s', '-p', '-M', '--pe', '-b', '-r', '-w', '-x', '-y', '--tun-type', '--tun-port']);
const FLAGS = new Set(['-o', '-g', '-m', '-i', '--tun-nocsum', '--tun-csum', '--tun-remcsum']);

function parseRule(line: string): ParsedRule {
  const words = line.trim().split(/\s+/);
  const command = words[0];
  if (command !== '-A' && command !== '-a') throw new IpvsParseError('not an -A or -a rule', line);
  let key: ServiceKey | undefined;
  let fwmark: number | undefined;
  let ipv6 = false;
  const options = new Map<string, string | true>();
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === '-t' || w === '-u' || w === '--sctp-service') {
      const hp = parseHostPort(words[++i] ?? '');
      if (!hp) throw new IpvsParseError('bad service address', line);
      key = { kind: 'address', protocol: w === '-t' ? 'tcp' : w === '-u' ? 'udp' : 'sctp', ...hp };
    } else if (w === '-f') {
      fwmark = Number(words[++i]);
      if (!Number.isInteger(fwmark)) throw new IpvsParseError('bad firewall mark', line);
    } else if (w === '-6') ipv6 = true;
    else if (w === '-b' && (words[i + 1] === undefined || words[i + 1].startsWith('-'))) {
      // ipvsadm prints "-b " with no names for sh / mh with only flag-3 set.
      options.set(w, '');
    } else if (TAKES_VALUE.has(w)) {
      const value = words[++i];
      if (value === undefined) throw new IpvsParseError(`${w} without a value`, line);
      options.set(w, value);
    } else if (FLAGS.has(w)) options.set(w, true);
    else throw new IpvsParseError(`unknown word '${w}'`, line);
  }
  // ipvsadm prints a firewall mark with %d: above 2^31 it comes out negative.
  if (fwmark !== undefined) key = { kind: 'fwmark', family: ipv6 ? 6 : 4, fwmark: fwmark < 0 ? fwmark + 2 ** 32 : fwmark };
  if (!key) throw new IpvsParseError('no virtual service', line);
  return { command, key, options };
}

function numberOption(rule: ParsedRule, name: string, line: string): number | undefined {
  const v = rule.options.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new IpvsParseError(`bad ${name} value`, line);
  return n;
}

function parseService(rule: ParsedRule, line: string): IpvsService {
  const scheduler = rule.options.get('-s');
  if (typeof scheduler !== 'string') throw new IpvsParseError('no scheduler', line);
  const timeout = numberOption(rule, '-p', line);
  const netmask = rule.options.get('-M');
  const engine = rule.options.get('--pe');
  const flags = rule.options.get('-b');
  let schedFlags = 0;
  if (typeof flags === 'string') {
    for (const name of flags.split(',').filter((n) => n !== '')) {
      const bit = FLAG_BITS[name];
      if (bit === undefined) throw new IpvsParseError(`unknown scheduler flag '${name}'`, line);
      schedFlags |= bit;
    }
  }
  return {
    key: rule.key,
    scheduler,
    schedFlags,
    ...(timeout !== undefined ? { persistence: { timeout, ...(typeof netmask === 'string' ? { netmask } : {}) } } : {}),
    ...(typeof engine === 'string' ? { persistenceEngine: engine } : {}),
    onePacket: rule.options.has('-o'),
    destinations: [],
  };
}

function parseDestination(rule: ParsedRule, line: string): IpvsDestination {
  const hp = parseHostPort(String(rule.options.get('-r') ?? ''));
  if (!hp) throw new IpvsParseError('bad real server address', line);
  const forwarding: ForwardingMethod | undefined = rule.options.has('-m') ? 'nat' : rule.options.has('-g') ? 'dr' : rule.options.has('-i') ? 'tun' : undefined;
  if (!forwarding) throw new IpvsParseError('no forwarding method', line);
  const weight = numberOption(rule, '-w', line);
  if (weight === undefined) throw new IpvsParseError('no weight', line);
  const d: IpvsDestination = { ...hp, forwarding, weight };
  const upper = numberOption(rule, '-x', line);
  const lower = numberOption(rule, '-y', line);
  if (upper !== undefined || lower !== undefined) {
    d.upperThreshold = upper ?? 0;
    d.lowerThreshold = lower ?? 0;
  }
  if (forwarding === 'tun') {
    const type = rule.options.get('--tun-type') ?? 'ipip';
    if (type !== 'ipip' && type !== 'gue' && type !== 'gre') throw new IpvsParseError(`unknown tunnel type '${String(type)}'`, line);
    const checksum = (['nocsum', 'csum', 'remcsum'] as const).find((c) => rule.options.has(`--tun-${c}`));
    const port = numberOption(rule, '--tun-port', line);
    d.tunnel = { type, ...(type === 'gue' && port !== undefined ? { port } : {}), ...(type !== 'ipip' ? { checksum: checksum ?? 'nocsum' } : {}) };
  }
  return d;
}

/** Reads `ipvsadm -Sn` output (also accepts the rules of an -R batch that only adds). */
export function parseSave(text: string): IpvsTable {
  const services: IpvsService[] = [];
  const byKey = new Map<string, IpvsService>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const rule = parseRule(line);
    const keyText = serviceKeyText(rule.key);
    if (rule.command === '-A') {
      const service = parseService(rule, line);
      if (byKey.has(keyText)) throw new IpvsParseError('service listed twice', line);
      byKey.set(keyText, service);
      services.push(service);
    } else {
      const service = byKey.get(keyText);
      if (!service) throw new IpvsParseError('real server before its service', line);
      service.destinations.push(parseDestination(rule, line));
    }
  }
  return { services };
}

// ---------------------------------------------------------------------------
// Reading `ipvsadm -Ln --thresholds` (the only listing that shows -x / -y)

/** Connection limits by destinationId. */
export function parseThresholdListing(text: string): Map<string, { upperThreshold: number; lowerThreshold: number }> {
  const limits = new Map<string, { upperThreshold: number; lowerThreshold: number }>();
  let service: ServiceKey | undefined;
  for (const line of text.split('\n')) {
    const svc = /^(TCP|UDP|SCTP) +(\S+)/.exec(line);
    const fwm = /^FWM +(-?\d+)( IPv6)?/.exec(line);
    const dest = /^ {2}-> (\S+) +(\d+) +(\d+) /.exec(line);
    if (svc) {
      const hp = parseHostPort(svc[2]);
      if (!hp) throw new IpvsParseError('bad service address', line);
      service = { kind: 'address', protocol: svc[1].toLowerCase() as IpvsProtocol, ...hp };
    } else if (fwm) {
      const mark = Number(fwm[1]);
      service = { kind: 'fwmark', family: fwm[2] ? 6 : 4, fwmark: mark < 0 ? mark + 2 ** 32 : mark };
    } else if (dest && service) {
      const hp = parseHostPort(dest[1]);
      if (!hp) throw new IpvsParseError('bad real server address', line);
      limits.set(destinationId(service, hp), { upperThreshold: Number(dest[2]), lowerThreshold: Number(dest[3]) });
    }
  }
  return limits;
}

/** The table with the connection limits of a threshold listing filled in. */
export function withThresholds(table: IpvsTable, limits: ReadonlyMap<string, { upperThreshold: number; lowerThreshold: number }>): IpvsTable {
  return {
    services: table.services.map((s) => ({
      ...s,
      destinations: s.destinations.map((d) => ({ ...d, ...(limits.get(destinationId(s.key, d)) ?? {}) })),
    })),
  };
}

/** Whether any destination asks for connection limits (then they must be read back too). */
export function usesThresholds(table: IpvsTable): boolean {
  return table.services.some((s) => s.destinations.some((d) => (d.upperThreshold ?? 0) > 0 || (d.lowerThreshold ?? 0) > 0));
}
