// static_ipaddress / static_routes / static_rules in the VRRP process
// (src/daemon/static-entries.ts) with fake adapters: installed in keepalived's
// order (addresses, routes, rules), removed in reverse, a reload touching only
// the difference, one already there or already gone no failure, the rest
// logged with its fields, one deleted from outside added again. No root, no namespace (the daemon test
// virtual-routes.test.ts runs the real thing against keepalived).
import { describe, expect, it } from 'vitest';
import { StaticEntriesApplier, type StaticEntryPorts } from '../../src/daemon/static-entries.js';
import { createLog } from '../../src/log.js';
import type { RouteSpec, RuleSpec } from '../../src/net/routes.js';
import type { BatchOutcome } from '../../src/vrrp/instance.js';
import { routeId, ruleId, vipId, type StaticEntries, type VipDefinition } from '../../src/vrrp/params.js';

const ADDR: VipDefinition = { address: '203.0.113.50', prefix: 32, family: 4, dev: 'eth0' };
const ROUTE: RouteSpec = { family: 4, destination: '203.0.113.128/26', via: '198.51.100.1', dev: 'eth0', table: '100', protocol: 'keepalived' };
const ROUTE2: RouteSpec = { ...ROUTE, destination: '203.0.113.96/27' };
const RULE: RuleSpec = { family: 4, from: '203.0.113.128/26', preference: 1000, action: 'table', actionValue: '100', protocol: 'keepalived' };

function entries(o: { addresses?: VipDefinition[]; routes?: RouteSpec[]; rules?: RuleSpec[] }): StaticEntries {
  return {
    addresses: new Map((o.addresses ?? []).map((a) => [vipId(a), a])),
    routes: new Map((o.routes ?? []).map((r) => [routeId(r), r])),
    rules: new Map((o.rules ?? []).map((r) => [ruleId(r), r])),
  };
}

function setup(answer: (call: string) => BatchOutcome = () => ({ ok: true, failures: [] })) {
  const calls: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const record = (call: string) => async (): Promise<BatchOutcome> => {
    calls.push(call);
    return answer(call);
  };
  const ports: StaticEntryPorts = {
    addresses: { addVips: record('add addresses'), removeVips: record('remove addresses') },
    routing: { addRoutes: record('add routes'), removeRoutes: record('remove routes'), addRules: record('add rules'), removeRules: record('remove rules') },
  };
  const log = createLog({ destination: { write: (l: string) => void logs.push(JSON.parse(l) as Record<string, unknown>) } });
  return { applier: new StaticEntriesApplier(ports, log), calls, logs };
}

describe('static entries', () => {
  it('installs addresses, routes, rules in that order and removes them in reverse at stop', async () => {
    const { applier, calls, logs } = setup();
    await applier.install(entries({ addresses: [ADDR], routes: [ROUTE], rules: [RULE] }));
    await applier.clear();
    expect(calls).toEqual(['add addresses', 'add routes', 'add rules', 'remove rules', 'remove routes', 'remove addresses']);
    expect(logs[1]).toMatchObject({ static: 'routes', action: 'add', routes: [routeId(ROUTE)], msg: 'static routes installed' });
  });

  it('a reload removes only what the new config dropped and installs only what it added', async () => {
    const { applier, calls } = setup();
    await applier.install(entries({ addresses: [ADDR], routes: [ROUTE], rules: [RULE] }));
    calls.length = 0;
    const next = entries({ addresses: [ADDR], routes: [ROUTE2], rules: [RULE] });
    await applier.prune(next);
    await applier.install(next);
    expect(calls).toEqual(['remove routes', 'add routes']);
    calls.length = 0;
    await applier.clear();
    expect(calls).toEqual(['remove rules', 'remove routes', 'remove addresses']);
  });

  it('one already there on install or gone on removal is no failure; any other failure is logged as an error with its lines', async () => {
    const { applier, logs } = setup((call) =>
      call === 'add routes'
        ? { ok: false, failures: [{ line: 'route prepend 203.0.113.128/26', message: 'RTNETLINK answers: File exists', absent: false, exists: true }] }
        : call === 'add rules'
          ? { ok: false, failures: [{ line: 'rule add from 203.0.113.128/26', message: 'Error: argument "x" is wrong', absent: false, exists: false }] }
          : { ok: false, failures: [{ line: `${call}: one of them`, message: 'RTNETLINK answers: No such process', absent: true, exists: false }] },
    );
    await applier.install(entries({ routes: [ROUTE], rules: [RULE] }));
    await applier.clear();
    expect(logs.map((l) => [l.level, l.msg])).toEqual([
      [30, 'static routes installed'],
      [50, 'static rules not all installed'],
      [30, 'static rules removed'],
      [30, 'static routes removed'],
    ]);
    expect(logs[1].failures).toEqual(['rule add from 203.0.113.128/26: Error: argument "x" is wrong']);
  });

  it('keepalived reinstate_static_*: an installed entry deleted from outside is added again, logged; one not installed (or dropped by a reload) is not', async () => {
    const { applier, calls, logs } = setup();
    await applier.install(entries({ addresses: [ADDR], routes: [ROUTE, ROUTE2], rules: [RULE] }));
    calls.length = 0;
    logs.length = 0;
    await applier.restore('routes', routeId(ROUTE2));
    await applier.restore('rules', ruleId(RULE));
    await applier.restore('addresses', vipId(ADDR));
    expect(calls).toEqual(['add routes', 'add rules', 'add addresses']);
    expect(logs[0]).toMatchObject({ level: 40, static: 'routes', routes: [routeId(ROUTE2)], msg: 'static routes deleted from outside: restoring' });
    expect(logs[1]).toMatchObject({ level: 30, static: 'routes', action: 'add', routes: [routeId(ROUTE2)] });
    calls.length = 0;
    await applier.restore('routes', routeId({ ...ROUTE, destination: '203.0.113.0/26' }));
    const next = entries({ addresses: [ADDR], routes: [ROUTE], rules: [RULE] });
    await applier.prune(next);
    await applier.restore('routes', routeId(ROUTE2));
    expect(calls).toEqual(['remove routes']);
  });
});
