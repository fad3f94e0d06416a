// static_ipaddress, static_routes and static_rules, as keepalived 2.2.7's
// VRRP process handles them (vrrp_daemon.c start_vrrp / vrrp_terminate_phase1,
// measured in a namespace): installed when the VRRP process starts, whatever
// the state of any instance; on reload what the new config dropped is removed
// (rules, routes, addresses) and what it added installed (addresses, routes,
// rules); all removed when the process stops, --dont-release-vrrp or not.
// One that is already there when added counts as ours (keepalived removes it
// at stop too); one already gone when removed is not a failure. One deleted
// from outside while installed is added again at once, as keepalived's
// reinstate_static_* do (which ones are watched: src/vrrp/deletions.ts).
import type { Log } from '../log.js';
import type { BatchOutcome, RoutingPort } from '../vrrp/instance.js';
import type { StaticEntries, VipDefinition } from '../vrrp/params.js';
import type { RouteSpec, RuleSpec } from '../net/routes.js';

export interface StaticEntryPorts {
  addresses: {
    addVips(vips: readonly VipDefinition[]): Promise<BatchOutcome>;
    removeVips(vips: readonly VipDefinition[]): Promise<BatchOutcome>;
  };
  routing?: RoutingPort;
}

type Kind = 'addresses' | 'routes' | 'rules';

const NONE: StaticEntries = { addresses: new Map(), routes: new Map(), rules: new Map() };

function only<T>(from: Map<string, T>, notIn: Map<string, T>): Map<string, T> {
  return new Map([...from].filter(([id]) => !notIn.has(id)));
}

export class StaticEntriesApplier {
  /** What is installed now (what we were told to install; failures are logged). */
  private current: StaticEntries = NONE;

  constructor(
    private readonly ports: StaticEntryPorts,
    private readonly log: Log,
  ) {}

  /** Remove what `next` no longer has: rules, then routes, then addresses. */
  async prune(next: StaticEntries): Promise<void> {
    const gone: StaticEntries = {
      addresses: only(this.current.addresses, next.addresses),
      routes: only(this.current.routes, next.routes),
      rules: only(this.current.rules, next.rules),
    };
    // Forgotten before they go, so that their deletion is not taken for one from outside.
    this.current = {
      addresses: only(this.current.addresses, gone.addresses),
      routes: only(this.current.routes, gone.routes),
      rules: only(this.current.rules, gone.rules),
    };
    for (const kind of ['rules', 'routes', 'addresses'] as const) await this.change(kind, 'remove', gone);
  }

  /** Install what `next` has and is not installed: addresses, then routes, then rules. */
  async install(next: StaticEntries): Promise<void> {
    const added: StaticEntries = {
      addresses: only(next.addresses, this.current.addresses),
      routes: only(next.routes, this.current.routes),
      rules: only(next.rules, this.current.rules),
    };
    for (const kind of ['addresses', 'routes', 'rules'] as const) await this.change(kind, 'add', added);
    this.current = {
      addresses: new Map([...this.current.addresses, ...added.addresses]),
      routes: new Map([...this.current.routes, ...added.routes]),
      rules: new Map([...this.current.rules, ...added.rules]),
    };
  }

  /** Stop: remove everything installed. */
  clear(): Promise<void> {
    return this.prune(NONE);
  }

  /** An installed entry was deleted from outside: add it again (nothing if it is not installed). */
  async restore(kind: Kind, id: string): Promise<void> {
    const entries: StaticEntries = { addresses: new Map(), routes: new Map(), rules: new Map() };
    if (kind === 'addresses') {
      const a = this.current.addresses.get(id);
      if (a) entries.addresses.set(id, a);
    } else if (kind === 'routes') {
      const r = this.current.routes.get(id);
      if (r) entries.routes.set(id, r);
    } else {
      const r = this.current.rules.get(id);
      if (r) entries.rules.set(id, r);
    }
    if (entries[kind].size === 0) return;
    this.log.warn({ static: kind, [kind]: [id] }, `static ${kind} deleted from outside: restoring`);
    await this.change(kind, 'add', entries);
  }

  private async change(kind: Kind, action: 'add' | 'remove', entries: StaticEntries): Promise<void> {
    const ids = [...entries[kind].keys()];
    if (ids.length === 0) return;
    const r = await this.run(kind, action, entries);
    const failures = r.failures.filter((f) => !(action === 'add' ? f.exists : f.absent)).map((f) => `${f.line}: ${f.message}`);
    if (r.error) failures.push(r.error);
    const fields = { static: kind, action, [kind]: ids };
    if (failures.length === 0) this.log.info(fields, `static ${kind} ${action === 'add' ? 'installed' : 'removed'}`);
    else this.log.error({ ...fields, failures }, `static ${kind} ${action === 'add' ? 'not all installed' : 'not all removed'}`);
  }

  private run(kind: Kind, action: 'add' | 'remove', entries: StaticEntries): Promise<BatchOutcome> {
    const add = action === 'add';
    if (kind === 'addresses') {
      const defs = [...entries.addresses.values()];
      return add ? this.ports.addresses.addVips(defs) : this.ports.addresses.removeVips(defs);
    }
    const routing = this.ports.routing;
    if (!routing) return Promise.resolve({ ok: false, failures: [], error: 'no route adapter' });
    if (kind === 'routes') {
      const specs = [...entries.routes.values()];
      return add ? routing.addRoutes(specs) : routing.removeRoutes(specs);
    }
    const specs = [...entries.rules.values()];
    return add ? routing.addRules(specs) : routing.removeRules(specs);
  }
}
