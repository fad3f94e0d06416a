// CheckerService on a fake clock, with checkers the test decides (the real
// plan's ids and timers, the checks' answers from a set of failing servers)
// and the ipvsadm emulator as the table: start, failures and recoveries,
// inhibit, quorum and the sorry server, reload, restart on an existing table,
// ipvsadm failures, stop. The same service against real servers in network
// namespaces is in checker-service-lab.test.ts.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planChecks } from '../../src/check/plan.js';
import { FakeTimers, turns } from '../helpers/fake-timers.js';
import type { CheckConfig } from '../../src/config/model/check.js';
import type { KeepalivedConfig } from '../../src/config/model/index.js';
import { CheckerService, type CheckerServiceOptions } from '../../src/daemon/checker-service.js';
import { Ipvsadm } from '../../src/ipvs/ipvsadm.js';
import { createLog } from '../../src/log.js';
import { readText } from '../helpers/config.js';
import { addAll, EMULATOR_DIR, emulatorEnv, emulatorState, fakeIpvsadm, lines, saved } from '../ipvs/emulated.js';

const key = (n: number): string => `tcp 198.51.100.180:80 -> 198.51.100.${n}:80`;
const svc = '-A -t 198.51.100.180:80 -s rr';
const dest = (n: number, w: number): string => `-a -t 198.51.100.180:80 -r 198.51.100.${n}:80 -g -w ${w}`;

/** delay_loop 10, retry 1 after 2 s: a failure counts 2 s after the first failed check, at most 12 s after it started failing. */
function labConfig(servers: Array<[number, number, string?]>, extra = ''): KeepalivedConfig {
  const rs = servers
    .map(([n, w, more]) => `  real_server 198.51.100.${n} 80 {\n    weight ${w}\n${more ?? ''}    TCP_CHECK {\n      retry 1\n      delay_before_retry 2\n    }\n  }\n`)
    .join('');
  const { config, problems } = readText(`virtual_server 198.51.100.180 80 {\n  delay_loop 10\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n${extra}${rs}}\n`);
  expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  return config;
}
const FAIL_BOUND_MS = 10_000 + 2 * 2_000 + 1_000;

interface Harness {
  service: CheckerService;
  clock: FakeTimers;
  failing: Set<string>;
  logs: Array<Record<string, unknown>>;
  scripts: Array<[string, string | undefined]>;
  table: () => Promise<string>;
  advance: (ms: number) => Promise<void>;
  adapter: Ipvsadm;
}

function harness(options: Partial<CheckerServiceOptions> & { state?: string } = {}): Harness {
  const clock = new FakeTimers();
  const failing = new Set<string>();
  const logs: Array<Record<string, unknown>> = [];
  const scripts: Array<[string, string | undefined]> = [];
  const state = options.state ?? emulatorState();
  const env = emulatorEnv(state);
  // The real plan (ids, timers); each check answers from `failing`.
  const plan = (check: CheckConfig) => {
    const p = planChecks(check);
    return {
      ...p,
      checks: p.checks.map((c) => ({
        ...c,
        checker: {
          type: 'FAKE_CHECK',
          target: c.rs,
          run: async () => (failing.has(c.spec.server) ? { ok: false, reason: `${c.rs}: connection refused` } : { ok: true, reason: 'ok' }),
        },
      })),
    };
  };
  const service = new CheckerService({
    log: createLog({ destination: { write: (l: string) => void logs.push(JSON.parse(l) as Record<string, unknown>) } }),
    ipvsadmEnv: env,
    timers: clock,
    plan,
    runScript: (command, user) => void scripts.push([command, user]),
    reconcileIntervalMs: 0,
    ...options,
  });
  const adapter = new Ipvsadm({ env });
  return { service, clock, failing, logs, scripts, adapter, table: () => saved(adapter), advance: (ms) => clock.advance(ms, async () => {
    await turns(1);
    await service.settled();
  }) };
}

describe('CheckerService', () => {
  it('programs the table at start and follows a real server down and up again, one batch per change', async () => {
    const h = harness();
    const conf = labConfig([[21, 1, '    notify_down "/bin/echo down"\n    notify_up "/bin/echo up"\n'], [22, 1]]);
    await h.service.start(conf);
    expect(await h.table()).toBe(lines(svc, dest(21, 1), dest(22, 1)));
    expect(h.service.snapshot().ipvs).toMatchObject({ batches: 1, errors: 0 });

    await h.advance(12_000);
    h.failing.add(key(21));
    await h.advance(FAIL_BOUND_MS);
    expect(await h.table()).toBe(lines(svc, dest(22, 1)));
    const down = h.logs.find((l) => l.msg === 'real server down');
    expect(down).toMatchObject({ vs: 'tcp 198.51.100.180:80', rs: '198.51.100.21:80', reason: '198.51.100.21:80: connection refused' });
    // The command line as written; the hook splits it as keepalived does.
    expect(h.scripts).toEqual([['"/bin/echo down"', undefined]]);

    h.failing.clear();
    await h.advance(10_000 + 1_000);
    expect(await h.table()).toBe(lines(svc, dest(21, 1), dest(22, 1)));
    expect(h.scripts).toEqual([['"/bin/echo down"', undefined], ['"/bin/echo up"', undefined]]);

    const snap = h.service.snapshot();
    expect(snap.ipvs).toMatchObject({ batches: 3, errors: 0 });
    const rs21 = snap.virtualServers[0].realServers[0];
    expect(rs21).toMatchObject({ rs: '198.51.100.21:80', up: true, weight: 1, reason: 'ok' });
    expect(rs21.failures).toBe(2);
    expect(rs21.checksRun).toBeGreaterThanOrEqual(4);
    expect(snap.virtualServers[0].quorum).toEqual({ up: true, liveWeight: 2 });
    await h.service.stop();
    expect(await h.table()).toBe('');
  });

  it('keeps an inhibited server at weight 0, and hands over to the sorry server without quorum', async () => {
    const h = harness();
    await h.service.start(labConfig([[21, 1, '    inhibit_on_failure\n'], [22, 1], [23, 1]], '  quorum 2\n  sorry_server 198.51.100.99 80\n'));
    await h.advance(12_000);
    h.failing.add(key(21));
    await h.advance(FAIL_BOUND_MS);
    expect(await h.table()).toBe(lines(svc, dest(21, 0), dest(22, 1), dest(23, 1)));
    h.failing.add(key(22));
    await h.advance(FAIL_BOUND_MS);
    expect(await h.table()).toBe(lines(svc, dest(21, 0), dest(99, 1)));
    expect(h.logs.filter((l) => String(l.msg).startsWith('quorum')).map((l) => l.msg)).toEqual(['quorum gained', 'quorum lost']);
    await h.service.stop();
  });

  it('starts alpha servers down and adds them after their first good check', async () => {
    const h = harness();
    await h.service.start(labConfig([[21, 1, '    alpha\n'], [22, 1]]));
    expect(await h.table()).toBe(lines(svc, dest(22, 1)));
    await h.advance(12_000);
    expect(await h.table()).toBe(lines(svc, dest(21, 1), dest(22, 1)));
    await h.service.stop();
  });

  it('reloads: a changed weight is one -e line; unchanged checkers keep running with their state', async () => {
    const h = harness();
    await h.service.start(labConfig([[21, 1], [22, 1], [23, 1]]));
    await h.advance(12_000);
    h.failing.add(key(23));
    await h.advance(FAIL_BOUND_MS);
    const before = h.service.snapshot().virtualServers[0].realServers;
    const batches = h.service.snapshot().ipvs.batches;

    const summary = await h.service.reload(labConfig([[21, 1], [22, 5], [23, 1], [24, 1]]));
    expect(summary).toEqual({
      added: [`real_server ${key(24)}`],
      changed: [`real_server ${key(22)}`],
      removed: [],
    });
    expect(h.logs.find((l) => l.msg === 'configuration reloaded')).toMatchObject(summary);
    expect(h.service.snapshot().ipvs.batches).toBe(batches + 1);
    expect(h.logs.filter((l) => l.msg === 'IPVS table updated').at(-1)?.batch).toBe(lines(dest(24, 1), dest(22, 5).replace('-a ', '-e ')));
    // .23 stays down (its checker kept its verdict), the others kept their counters.
    const after = h.service.snapshot().virtualServers[0].realServers;
    expect(after.map((r) => [r.rs, r.up, r.checksRun >= (before.find((b) => b.rs === r.rs)?.checksRun ?? Infinity)])).toEqual([
      ['198.51.100.21:80', true, true],
      ['198.51.100.22:80', true, true],
      ['198.51.100.23:80', false, true],
      ['198.51.100.24:80', true, false],
    ]);
    expect(await h.table()).toBe(lines(svc, dest(21, 1), dest(22, 5), dest(24, 1)));

    // Removing a server and changing its checker: the log names both.
    const next = await h.service.reload(labConfig([[21, 1], [22, 5], [24, 1, '    alpha\n']]));
    expect(next).toEqual({ added: [], changed: [`real_server ${key(24)}`], removed: [`real_server ${key(23)}`] });
    // .24 was up: its new (alpha) checker does not take it out before a verdict.
    expect(await h.table()).toBe(lines(svc, dest(21, 1), dest(22, 5), dest(24, 1)));
    await h.service.stop();
  });

  it('takes over the table a previous checker process left, changing nothing', async () => {
    const state = emulatorState();
    const conf = labConfig([[21, 1], [22, 1], [23, 1, '    alpha\n']]);
    const first = harness({ state, keepOnStop: true });
    await first.service.start(conf);
    await first.advance(12_000);
    first.failing.add(key(22));
    await first.advance(FAIL_BOUND_MS);
    expect(await first.table()).toBe(lines(svc, dest(21, 1), dest(23, 1)));
    await first.service.stop();
    expect(await first.table()).toBe(lines(svc, dest(21, 1), dest(23, 1)));

    // The restarted process: .22 absent (down), .23 present although alpha would start it down.
    const second = harness({ state });
    second.failing.add(key(22));
    await second.service.start(conf);
    expect(second.service.snapshot().ipvs).toMatchObject({ batches: 0, errors: 0 });
    expect(await second.table()).toBe(lines(svc, dest(21, 1), dest(23, 1)));
    // Its own verdicts then agree with the table: still nothing to change.
    await second.advance(12_000 + FAIL_BOUND_MS);
    expect(second.service.snapshot().ipvs.batches).toBe(0);
    second.failing.clear();
    await second.advance(11_000);
    expect(await second.table()).toBe(lines(svc, dest(21, 1), dest(22, 1), dest(23, 1)));
    await second.service.stop();
    expect(await second.table()).toBe('');
  });

  it('logs a failed ipvsadm run with its stderr and retries it until it works', async () => {
    const state = emulatorState();
    const broken = `${state}.broken`;
    // It decides when its batch has come: the service keeps an -R started ahead (ipvsadm.ts standby).
    const flaky = fakeIpvsadm(
      'flaky-service',
      `if [ "$1" = -R ]; then batch=$(cat); if [ -e '${broken}' ]; then echo "Memory allocation problem" >&2; exit 1; fi; printf '%s' "$batch" | sed '$a\\' | exec '${join(EMULATOR_DIR, 'ipvsadm')}' "$@"; exit; fi\nexec '${join(EMULATOR_DIR, 'ipvsadm')}' "$@"`,
    );
    writeFileSync(broken, '');
    const h = harness({ state, ipvsadm: flaky, retryMinMs: 1000 });
    await h.service.start(labConfig([[21, 1]]));
    expect(await h.table()).toBe('');
    const err = h.logs.find((l) => l.msg === 'ipvsadm failed; will retry');
    expect(err).toMatchObject({ stderr: 'Memory allocation problem\n', retryInMs: 1000, batch: lines(svc, dest(21, 1)) });
    await h.advance(1000);
    expect(h.logs.filter((l) => l.msg === 'ipvsadm failed; will retry').map((l) => l.retryInMs)).toEqual([1000, 2000]);
    rmSync(broken);
    await h.advance(2000);
    expect(await h.table()).toBe(lines(svc, dest(21, 1)));
    expect(h.service.snapshot().ipvs).toMatchObject({ errors: 2, batches: 3 });
    await h.service.stop();
  });

  it('repairs drift on its interval and leaves others\' entries alone at stop', async () => {
    const h = harness({ reconcileIntervalMs: 5000 });
    await h.adapter.apply(addAll(lines('-A -u 198.51.100.200:53 -s wlc')));
    await h.service.start(labConfig([[21, 1]]));
    await h.adapter.run(['-d', '-t', '198.51.100.180:80', '-r', '198.51.100.21:80']);
    await h.advance(5000);
    expect(await h.table()).toBe(lines(svc, dest(21, 1), '-A -u 198.51.100.200:53 -s wlc'));
    await h.service.stop();
    expect(await h.table()).toBe(lines('-A -u 198.51.100.200:53 -s wlc'));
  });
});
