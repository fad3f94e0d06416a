// Adapter: routes and policy-routing rules (virtual_routes, virtual_rules,
// static_routes, static_rules) through iproute2's `ip -force -batch -`.
//
// It does what it is told and reports what happened; it decides nothing.
// The lines say what keepalived 2.2.7 says over netlink (measured: the routes
// and rules it installs, as `ip route show table all` / `ip rule show` print
// them):
// - a route is added as `ip route prepend` does it (create, neither exclusive
//   nor replacing: keepalived itself logs a restored route as "prepend"), with
//   scope global unless the line gives one (plain `ip route` would pick scope
//   link for a route without gateway) and keepalived's protocol;
// - a rule is added with its preference and protocol, and deleted by the same
//   selectors, so only keepalived's own rule goes.
// IPv4 lines share the address adapter's batch when given one: ip deduces a
// route's family from its addresses. A rule's family is not deduced (ip takes
// `rule add from 2001:db8::1 ...` as IPv4 and refuses it) and `-6` cannot be
// given per batch line, so IPv6 lines go to an `ip -6` batch of their own.

import { IpBatch, type BatchFailure, type BatchResult, type IpBatchOptions } from './ip-batch.js';

/** keepalived's route protocol (RTPROT_KEEPALIVED, 18 in /etc/iproute2/rt_protos). */
export const KEEPALIVED_PROTOCOL = 'keepalived';

export interface NexthopSpec {
  via?: string;
  dev?: string;
  weight?: number;
  onlink?: boolean;
}

/** One route as `ip route` takes it. */
export interface RouteSpec {
  family: 4 | 6;
  /** A type other than unicast: blackhole, unreachable, prohibit, throw, local, broadcast, anycast, multicast, nat. */
  type?: string;
  /** ADDR/PREFIX. */
  destination: string;
  /** Preferred source address (`src`). */
  src?: string;
  via?: string;
  dev?: string;
  /** Table name or number; default main. */
  table?: string;
  metric?: number;
  /** Scope name or number; default global. */
  scope?: string;
  /** Route protocol: keepalived's own, or what a no_track route names. */
  protocol: string;
  onlink?: boolean;
  nexthops?: readonly NexthopSpec[];
  /** Further options, `name value` as written (mtu, advmss, realms, tos, from, encap, ...). */
  options?: Readonly<Record<string, string>>;
}

/** One policy-routing rule as `ip rule` takes it. */
export interface RuleSpec {
  family: 4 | 6;
  /** `not`: the rule matches what its selectors do not. */
  invert?: boolean;
  /** ADDR/PREFIX; undefined = all. */
  from?: string;
  to?: string;
  preference: number;
  /** table, goto, nop, blackhole, prohibit, unreachable, l3mdev. */
  action: string;
  /** The action's argument (table, goto target). */
  actionValue?: string;
  iif?: string;
  oif?: string;
  /** Undefined: none (a no_track rule that names no protocol). */
  protocol?: string;
  /** Further selectors, `name value` as written (fwmark, tos, uidrange, ipproto, sport, dport, ...). */
  options?: Readonly<Record<string, string>>;
}

/** A rendered batch line and the `ip` family it needs. */
export interface IpLine {
  family: 4 | 6;
  line: string;
}

const SAFE_WORD = /^[A-Za-z0-9_.:@+/,-]+$/;

function word(value: string, what: string): string {
  // A batch line is split on blanks: refuse anything that would change its meaning.
  if (!SAFE_WORD.test(value)) throw new RangeError(`${what} '${value}' is not a single word`);
  return value;
}

function optionWords(options: Readonly<Record<string, string>> | undefined, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(options ?? {})) {
    if (skip.includes(name)) continue;
    out.push(word(name, 'option'));
    // `encap TYPE ...` keeps its words.
    for (const v of value.split(/\s+/).filter(Boolean)) out.push(word(v, name));
  }
  return out;
}

function nexthopWords(nexthops: readonly NexthopSpec[] | undefined): string[] {
  const out: string[] = [];
  for (const nh of nexthops ?? []) {
    out.push('nexthop');
    if (nh.via !== undefined) out.push('via', word(nh.via, 'nexthop gateway'));
    if (nh.dev !== undefined) out.push('dev', word(nh.dev, 'nexthop device'));
    if (nh.weight !== undefined) out.push('weight', String(nh.weight));
    if (nh.onlink) out.push('onlink');
  }
  return out;
}

/**
 * The batch line (without `ip`) that adds (op 'prepend') or deletes a route.
 * A deletion names what identifies the route to the kernel (destination,
 * table, metric, type, gateway, device, protocol) and not its metrics.
 * Throws RangeError for a field that is not a single word (a programming
 * error: the config reader only produces words).
 */
export function routeCommand(op: 'prepend' | 'del', r: RouteSpec): IpLine {
  const parts = ['route', op];
  if (r.type !== undefined && r.type !== 'unicast') parts.push(word(r.type, 'route type'));
  parts.push(word(r.destination, 'destination'));
  if (r.table !== undefined) parts.push('table', word(r.table, 'table'));
  parts.push('proto', word(r.protocol, 'protocol'));
  if (r.scope !== undefined) parts.push('scope', word(r.scope, 'scope'));
  else if (op === 'prepend') parts.push('scope', 'global');
  if (r.metric !== undefined) parts.push('metric', String(r.metric));
  if (r.via !== undefined) parts.push('via', word(r.via, 'gateway'));
  if (r.dev !== undefined) parts.push('dev', word(r.dev, 'device'));
  if (r.src !== undefined) parts.push('src', word(r.src, 'source'));
  if (op === 'prepend') {
    parts.push(...optionWords(r.options));
    if (r.onlink) parts.push('onlink');
  } else {
    // Selectors, not metrics: they tell one route from another.
    for (const selector of ['tos', 'dsfield', 'from'] as const) {
      const v = r.options?.[selector];
      if (v !== undefined) parts.push(selector, word(v, selector));
    }
  }
  parts.push(...nexthopWords(r.nexthops));
  return { family: r.family, line: parts.join(' ') };
}

/** The batch line (without `ip`) that adds or deletes a rule; the same selectors both ways. */
export function ruleCommand(op: 'add' | 'del', r: RuleSpec): IpLine {
  const parts = ['rule', op];
  if (r.invert) parts.push('not');
  if (r.from !== undefined) parts.push('from', word(r.from, 'rule source'));
  if (r.to !== undefined) parts.push('to', word(r.to, 'rule destination'));
  if (r.iif !== undefined) parts.push('iif', word(r.iif, 'input interface'));
  if (r.oif !== undefined) parts.push('oif', word(r.oif, 'output interface'));
  parts.push(...optionWords(r.options, ['protocol']));
  parts.push('priority', String(r.preference));
  if (r.protocol !== undefined) parts.push('protocol', word(r.protocol, 'protocol'));
  parts.push(word(r.action, 'rule action'));
  if (r.actionValue !== undefined) parts.push(word(r.actionValue, r.action));
  return { family: r.family, line: parts.join(' ') };
}

export interface RouteAdapterOptions extends Omit<IpBatchOptions, 'family'> {
  /** Run IPv4 lines through this batch (the address adapter's, with the same netns) instead of one of our own. */
  batch?: IpBatch;
}

export class RouteAdapter {
  private readonly batch4: IpBatch;
  private readonly batch6: IpBatch;
  private readonly ownBatch4: boolean;

  constructor(options: RouteAdapterOptions = {}) {
    const { batch, ...ip } = options;
    this.ownBatch4 = batch === undefined;
    this.batch4 = batch ?? new IpBatch(ip);
    this.batch6 = new IpBatch({ ...ip, family: 6 });
  }

  /** End our long-running ip processes (persistent mode); a shared batch is its owner's to close. */
  close(): void {
    if (this.ownBatch4) this.batch4.close();
    this.batch6.close();
  }

  /** Add the routes; one already there is reported with `exists`. */
  addRoutes(routes: readonly RouteSpec[]): Promise<BatchResult> {
    return this.apply(routes, (r) => routeCommand('prepend', r));
  }

  /** Delete the routes; one that was not there is reported with `absent`. */
  removeRoutes(routes: readonly RouteSpec[]): Promise<BatchResult> {
    return this.apply(routes, (r) => routeCommand('del', r));
  }

  /** Add the rules; one already there is reported with `exists`. */
  addRules(rules: readonly RuleSpec[]): Promise<BatchResult> {
    return this.apply(rules, (r) => ruleCommand('add', r));
  }

  /** Delete the rules; one that was not there is reported with `absent`. */
  removeRules(rules: readonly RuleSpec[]): Promise<BatchResult> {
    return this.apply(rules, (r) => ruleCommand('del', r));
  }

  private async apply<T>(items: readonly T[], render: (item: T) => IpLine): Promise<BatchResult> {
    let lines: IpLine[];
    try {
      lines = items.map(render);
    } catch (e) {
      return { ok: false, failures: [], error: (e as Error).message, durationMs: 0 };
    }
    const started = performance.now();
    const byFamily = (f: 4 | 6) => lines.map((l, i) => ({ ...l, index: i })).filter((l) => l.family === f);
    const v4 = byFamily(4);
    const v6 = byFamily(6);
    const [r4, r6] = await Promise.all([this.batch4.run(v4.map((l) => l.line)), this.batch6.run(v6.map((l) => l.line))]);
    // Failures numbered by the caller's list, not by each family's batch.
    const renumber = (r: BatchResult, sent: typeof v4): BatchFailure[] => r.failures.map((f) => ({ ...f, lineNumber: sent[f.lineNumber - 1].index + 1 }));
    const failures = [...renumber(r4, v4), ...renumber(r6, v6)].sort((a, b) => a.lineNumber - b.lineNumber);
    const error = [r4.error, r6.error].filter((e): e is string => e !== undefined).join('; ');
    const result: BatchResult = { ok: r4.ok && r6.ok, failures, durationMs: performance.now() - started };
    if (error) result.error = error;
    return result;
  }
}
