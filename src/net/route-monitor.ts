// Deletions of routes, policy-routing rules and addresses on the host
// (adapter): one long-running `ip -o -4 monitor OBJECTS` and one
// `ip -o -6 ...`, whose lines are parsed into data. Two processes because
// `ip monitor` does not print a rule's family, and a rule without addresses
// looks the same in both. Only the objects asked for are watched, as
// keepalived subscribes to route and rule events only when it tracks some:
// a host with a full routing table would otherwise send every change our way.
// Nothing here decides whose entry it was (src/vrrp/deletions.ts) or what to
// do about it (src/daemon).
//
// What `ip -o monitor` prints for a deletion (iproute2 6.1, captured in a
// namespace; `\` joins what would be continuation lines):
//   Deleted 203.0.113.64/26 via 198.51.100.1 dev eth0 table 100 proto keepalived metric 5
//   Deleted blackhole 203.0.113.224/27 table 100 proto keepalived
//   Deleted 2001:db8:1::/48 via 2001:db8::1 dev eth0 proto keepalived metric 1024 pref medium
//   Deleted 2001:	from all to 203.0.113.0/24 lookup 100 proto keepalived
//   Deleted 3: eth0    inet 198.51.100.180/32 scope global eth0\       valid_lft forever preferred_lft forever
// A route in the main table has no `table`, an IPv4 route no `metric` when it
// is 0; a rule without a protocol has no `proto`.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { IpMonitorProcess } from './ip-monitor.js';
import type { Log } from '../log.js';

/** A route as `ip` showed it when it was deleted. */
export interface ShownRoute {
  /** unicast unless the line starts with another type (blackhole, local, ...). */
  type: string;
  /** ADDR/PREFIX; `default` is 0.0.0.0/0 or ::/0, a bare address a host prefix. */
  destination: string;
  /** As printed (name or number); undefined = main. */
  table?: string;
  dev?: string;
  via?: string;
  src?: string;
  protocol?: string;
  /** Undefined when not printed (IPv4 metric 0). */
  metric?: number;
  tos?: string;
  scope?: string;
}

/** A policy-routing rule as `ip rule` showed it. */
export interface ShownRule {
  preference: number;
  invert: boolean;
  /** ADDR/PREFIX; undefined for `from all`. */
  from?: string;
  to?: string;
  iif?: string;
  oif?: string;
  /** table (ip's `lookup`), goto, nop, blackhole, unreachable, prohibit, l3mdev. */
  action: string;
  actionValue?: string;
  protocol?: string;
  /** Other selectors by ip's name (tos, fwmark, uidrange, ipproto, sport, dport, realms, suppress_prefixlength, ...), as printed. */
  selectors: Record<string, string>;
}

export interface ShownAddress {
  /** The interface (not the label). */
  dev: string;
  address: string;
  prefix: number;
}

export type DeletedEntry =
  | { kind: 'route'; family: 4 | 6; route: ShownRoute }
  | { kind: 'rule'; family: 4 | 6; rule: ShownRule }
  | { kind: 'address'; family: 4 | 6; address: ShownAddress };

const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'anycast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve']);

/** Route attributes ip prints as `name value`; a word not listed here is a flag. */
const ROUTE_VALUES = new Set([
  'tos', 'dsfield', 'via', 'dev', 'table', 'proto', 'scope', 'src', 'metric', 'from', 'pref', 'mtu', 'advmss', 'realm', 'realms', 'rtt', 'rttvar',
  'window', 'cwnd', 'initcwnd', 'initrwnd', 'hoplimit', 'features', 'quickack', 'congctl', 'fastopen_no_cookie', 'expires', 'error', 'nhid', 'ssthresh', 'reordering', 'rto_min', 'ttl-propagate', 'vrf',
]);

/** Rule selectors ip prints as `name value` (besides from, to, iif, oif, the action and proto). */
const RULE_VALUES = new Set(['tos', 'dsfield', 'fwmark', 'uidrange', 'ipproto', 'sport', 'dport', 'tun_id', 'realms', 'suppress_prefixlength', 'suppress_ifgroup']);
const RULE_ACTIONS = new Set(['nop', 'blackhole', 'unreachable', 'prohibit']);

function hostPrefix(text: string, family: 4 | 6): string {
  if (text === 'default') return family === 4 ? '0.0.0.0/0' : '::/0';
  return text.includes('/') ? text : `${text}/${family === 4 ? 32 : 128}`;
}

/** The words of a line: `ip -o` joins continuation lines with a backslash. */
function words(text: string): string[] {
  return text.replace(/\\/g, ' ').split(/\s+/).filter(Boolean);
}

/** A route line without its `Deleted ` (undefined when it is not one). */
export function parseRouteText(text: string, family: 4 | 6): ShownRoute | undefined {
  const w = words(text);
  let i = 0;
  let type = 'unicast';
  if (ROUTE_TYPES.has(w[0] ?? '')) type = w[i++];
  const dst = w[i++];
  if (dst === undefined || !(dst === 'default' || /^[0-9a-f:.]+(\/\d+)?$/i.test(dst))) return undefined;
  const route: ShownRoute = { type, destination: hostPrefix(dst, family) };
  for (; i < w.length; i++) {
    const key = w[i];
    // What follows belongs to the nexthops of a multipath route.
    if (key === 'nexthop') break;
    if (!ROUTE_VALUES.has(key)) continue;
    let value = w[++i];
    if (value === undefined) break;
    // An IPv4 route through an IPv6 gateway: `via inet6 ADDR`.
    if (key === 'via' && (value === 'inet' || value === 'inet6')) value = w[++i] ?? '';
    switch (key) {
      case 'via':
      case 'dev':
      case 'table':
      case 'src':
      case 'scope':
        route[key] = value;
        break;
      case 'proto':
        route.protocol = value;
        break;
      case 'metric':
        if (/^\d+$/.test(value)) route.metric = Number(value);
        break;
      case 'tos':
      case 'dsfield':
        route.tos = value;
        break;
    }
  }
  return route;
}

/** A rule line without its `Deleted ` (`PREF:\tselectors action`). */
export function parseRuleText(text: string): ShownRule | undefined {
  const m = /^(\d+):\s+(.*)$/.exec(text.trim());
  if (!m) return undefined;
  const w = words(m[2]);
  const rule: ShownRule = { preference: Number(m[1]), invert: false, action: 'nop', selectors: {} };
  let action: string | undefined;
  for (let i = 0; i < w.length; i++) {
    const key = w[i];
    if (key === 'not') rule.invert = true;
    else if (key === 'from' || key === 'to') {
      const v = w[++i];
      if (v !== undefined && v !== 'all') rule[key] = v;
    } else if (key === 'iif' || key === 'oif') {
      const v = w[++i];
      if (v !== undefined) rule[key] = v;
    } else if (key === 'lookup' || key === 'table') {
      const v = w[++i];
      // `lookup [l3mdev-table]` is the l3mdev action.
      if (v === '[l3mdev-table]') action = 'l3mdev';
      else {
        action = 'table';
        if (v !== undefined) rule.actionValue = v;
      }
    } else if (key === 'goto') {
      action = 'goto';
      const v = w[++i];
      if (v !== undefined) rule.actionValue = v;
    } else if (RULE_ACTIONS.has(key)) action = key;
    else if (key === 'proto' || key === 'protocol') {
      const v = w[++i];
      if (v !== undefined) rule.protocol = v;
    } else if (RULE_VALUES.has(key)) {
      const v = w[++i];
      if (v !== undefined) rule.selectors[key === 'dsfield' ? 'tos' : key] = v;
    }
    // Anything else ([detached], [unresolved], l3mdev without lookup, ...) is a note or a flag.
    else if (key === 'l3mdev') action = 'l3mdev';
  }
  if (action !== undefined) rule.action = action;
  return rule;
}

/** An address line without its `Deleted ` (`IDX: IF    inet ADDR/LEN ...`). */
export function parseAddressText(text: string): ShownAddress | undefined {
  const m = /^\d+:\s+([^\s@]+)(?:@\S+)?\s+inet6?\s+(\S+)/.exec(text.trim());
  if (!m) return undefined;
  const [address, prefixText] = m[2].split('/');
  // With `peer ADDR/LEN` the address itself has no prefix: only the address counts (keepalived compares no prefix).
  const shown: ShownAddress = { dev: m[1], address, prefix: prefixText === undefined ? (address.includes(':') ? 128 : 32) : Number(prefixText) };
  return shown;
}

/**
 * One line of `ip -o -4|-6 monitor route rule address`: the entry it reports
 * deleted, or undefined (an addition, or a line that is none of these).
 */
export function parseDeletedLine(line: string, family: 4 | 6): DeletedEntry | undefined {
  const m = /^Deleted\s+(.*)$/.exec(line.trim());
  if (!m) return undefined;
  const text = m[1];
  if (/^\d+:\s+\S+\s+inet6?\s/.test(text)) {
    const address = parseAddressText(text);
    return address && { kind: 'address', family, address };
  }
  if (/^\d+:\s/.test(text)) {
    const rule = parseRuleText(text);
    return rule && { kind: 'rule', family, rule };
  }
  const route = parseRouteText(text, family);
  return route && { kind: 'route', family, route };
}

/** `NUMBER NAME` lines of an rt_tables file: routing table names to numbers. */
export function parseTableNames(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^(0x[0-9a-f]+|\d+)\s+(\S+)$/i.exec(line);
    if (m) out.set(m[2], Number(m[1]));
  }
  return out;
}

/** The routing table names ip knows (rt_tables and rt_tables.d, in /etc/iproute2 and /usr/share/iproute2). */
export function readTableNames(dirs: readonly string[] = ['/usr/share/iproute2', '/etc/iproute2']): Map<string, number> {
  const out = new Map<string, number>();
  const read = (file: string) => {
    try {
      for (const [name, n] of parseTableNames(readFileSync(file, 'utf8'))) out.set(name, n);
    } catch {
      /* no such file */
    }
  };
  for (const dir of dirs) {
    read(join(dir, 'rt_tables'));
    let extra: string[] = [];
    try {
      extra = readdirSync(join(dir, 'rt_tables.d')).filter((f) => f.endsWith('.conf')).sort();
    } catch {
      /* no such directory */
    }
    for (const f of extra) read(join(dir, 'rt_tables.d', f));
  }
  return out;
}

export interface RouteMonitorOptions {
  /** Run `ip -n NETNS` (tests; the daemon watches its own namespace). */
  netns?: string;
  log?: Log;
  /** Default `ip`. */
  ipCommand?: string;
  /** Wait before restarting a monitor that exited; default 1000 ms. */
  restartMs?: number;
}

type Listener = (entry: DeletedEntry) => void;

export type MonitorObject = 'route' | 'rule' | 'address';

/** What to watch, per family. */
export type WatchSet = Readonly<Record<4 | 6, ReadonlySet<MonitorObject>>>;

const OBJECT_ORDER: readonly MonitorObject[] = ['route', 'rule', 'address'];

export class RouteMonitor {
  private readonly listeners = new Set<Listener>();
  private readonly monitors = new Map<4 | 6, IpMonitorProcess>();
  private readonly wanted = new Map<4 | 6, string>();

  constructor(private readonly options: RouteMonitorOptions = {}) {}

  /**
   * Watch these objects from now on: a family's monitor is started, restarted
   * with other objects, or ended (none). Resolves once a started one has had
   * a moment to subscribe.
   */
  async watch(set: WatchSet): Promise<void> {
    let started = false;
    for (const family of [4, 6] as const) {
      const objects = OBJECT_ORDER.filter((o) => set[family].has(o)).join(' ');
      if (this.wanted.get(family) === objects && (objects === '' || this.monitors.has(family))) continue;
      this.wanted.set(family, objects);
      await this.end(family);
      if (objects !== '') {
        this.spawn(family);
        started = true;
      }
    }
    if (started) await new Promise((r) => setTimeout(r, 50));
  }

  /** End both monitors. */
  async stop(): Promise<void> {
    this.wanted.clear();
    await Promise.all([this.end(4), this.end(6)]);
  }

  private async end(family: 4 | 6): Promise<void> {
    const m = this.monitors.get(family);
    this.monitors.delete(family);
    await m?.stop();
  }

  /** Called for every route, rule or address deleted while the monitor runs. */
  onDeleted(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private spawn(family: 4 | 6): void {
    const objects = this.wanted.get(family) ?? '';
    // Deletions while a monitor is down are not seen: the entries stay missing until the next state change.
    const monitor = new IpMonitorProcess([`-${family}`, '-o', 'monitor', ...objects.split(' ')], (line) => {
      // Additions are most of what a busy host reports: skip them before parsing.
      if (!line.startsWith('Deleted')) return;
      const deleted = parseDeletedLine(line, family);
      if (deleted) this.emit(deleted);
    }, this.options);
    this.monitors.set(family, monitor);
  }

  private emit(entry: DeletedEntry): void {
    for (const l of this.listeners) {
      try {
        l(entry);
      } catch (err) {
        this.options.log?.error({ err }, 'route monitor listener failed');
      }
    }
  }
}
