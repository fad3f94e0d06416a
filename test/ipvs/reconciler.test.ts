// The reconciler over the real adapter and the ipvsadm emulator: adoption of
// an existing table, one ipvsadm -R per change, failures and retries, drift
// repair, and a teardown that removes only what it owns. Ends with the lab's
// life cycle: start on a half-programmed table, failures, inhibit, quorum
// loss and the sorry server, recovery, stop.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KeepalivedConfig } from '../../src/config/model/index.js';
import { formatBatch } from '../../src/ipvs/diff.js';
import type { HealthMap } from '../../src/ipvs/health-view.js';
import { Ipvsadm } from '../../src/ipvs/ipvsadm.js';
import { IpvsReconciler } from '../../src/ipvs/reconciler.js';
import { readText } from '../helpers/config.js';
import { addAll, EMULATOR_DIR, emulated, emulatorEnv, emulatorState, fakeIpvsadm, lines, saved } from './emulated.js';

function config(text: string): KeepalivedConfig {
  const { config, problems } = readText(text);
  expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  return config;
}

/** One DR virtual server 198.51.100.180:80 with the given real servers (last octet, weight, more settings). */
function lab(servers: Array<[number, number, string?]>, extra = ''): KeepalivedConfig {
  const rs = servers.map(([n, w, more]) => `  real_server 198.51.100.${n} 80 {\n    weight ${w}\n${more ?? ''}    TCP_CHECK {\n    }\n  }\n`).join('');
  return config(`virtual_server 198.51.100.180 80 {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n${extra}${rs}}\n`);
}

const key = (n: number): string => `tcp 198.51.100.180:80 -> 198.51.100.${n}:80`;
const health = (down: number[]): HealthMap => new Map(down.map((d) => [key(d), { up: false }]));
const svc = '-A -t 198.51.100.180:80 -s rr';
const dest = (n: number, w: number): string => `-a -t 198.51.100.180:80 -r 198.51.100.${n}:80 -g -w ${w}`;
const FOREIGN = lines('-A -u 198.51.100.200:53 -s wlc', '-a -u 198.51.100.200:53 -r 198.51.100.53:53 -m -w 1');

describe('IpvsReconciler', () => {
  it('programs an empty table in one batch, then runs no process at all while nothing changes', async () => {
    const { adapter } = emulated();
    const r = new IpvsReconciler(adapter);
    const conf = lab([[21, 1], [22, 2]]);
    const first = await r.apply(conf, new Map());
    expect(first).toMatchObject({ ok: true, processes: 2, quorumChanges: [{ vs: 'tcp 198.51.100.180:80', up: true }] });
    expect(formatBatch(first.operations)).toBe(lines(svc, dest(21, 1), dest(22, 2)));
    expect(await saved(adapter)).toBe(lines(svc, dest(21, 1), dest(22, 2)));
    const again = await r.apply(conf, new Map());
    // The table our batch left is known: no read.
    expect(again).toMatchObject({ ok: true, operations: [], processes: 0, quorumChanges: [] });
    expect(r.stats).toMatchObject({ reads: 1, batches: 1, processes: 2, operations: 3, errors: 0 });
  });

  it('adopts matching entries that exist: no "already exists", no flap, others untouched', async () => {
    const { adapter } = emulated();
    // A previous checker process left the pool, weight 2 where the config now says 3; someone else has a service.
    await adapter.apply(addAll(lines(svc, dest(21, 1), dest(22, 2)) + FOREIGN));
    const r = new IpvsReconciler(adapter);
    const outcome = await r.apply(lab([[21, 1], [22, 3], [23, 1]]), new Map());
    expect(outcome.ok).toBe(true);
    // Only the difference: an edit in place and an addition.
    expect(formatBatch(outcome.operations)).toBe(lines(dest(23, 1), dest(22, 3).replace('-a ', '-e ')));
    expect(await saved(adapter)).toBe(lines(svc, dest(21, 1), dest(22, 3), dest(23, 1)) + FOREIGN);
    expect([...r.owned.services]).toEqual(['tcp 198.51.100.180:80']);
  });

  it('applies each health change as exactly one ipvsadm process (-R; no read first)', async () => {
    const { adapter } = emulated();
    const r = new IpvsReconciler(adapter);
    const conf = lab([[21, 1], [22, 1], [23, 1]]);
    await r.apply(conf, new Map());
    const batches = r.stats.batches;
    // Two servers fail at once: one batch removes both.
    const down = await r.apply(conf, health([21, 22]));
    expect(formatBatch(down.operations)).toBe(lines('-d -t 198.51.100.180:80 -r 198.51.100.21:80', '-d -t 198.51.100.180:80 -r 198.51.100.22:80'));
    expect(down.processes).toBe(1);
    await r.apply(conf, new Map());
    expect(r.stats.batches - batches).toBe(2);
    expect(await saved(adapter)).toBe(lines(svc, dest(21, 1), dest(22, 1), dest(23, 1)));
  });

  it('reports a failed batch with its stderr, keeps going, and succeeds on a later try', async () => {
    const state = emulatorState();
    const broken = `${state}.broken`;
    // ipvsadm -R fails while the flag file exists; reads always work.
    const flaky = fakeIpvsadm('flaky', `if [ "$1" = -R ] && [ -e '${broken}' ]; then echo "Memory allocation problem" >&2; exit 1; fi\nexec '${join(EMULATOR_DIR, 'ipvsadm')}' "$@"`);
    const adapter = new Ipvsadm({ command: flaky, env: emulatorEnv(state) });
    const r = new IpvsReconciler(adapter, { retryMinMs: 100, retryMaxMs: 250 });
    const conf = lab([[21, 1]]);
    writeFileSync(broken, '');
    try {
      const first = await r.apply(conf, new Map());
      expect(first).toMatchObject({ ok: false, retryInMs: 100, failure: { exitCode: 1, stderr: 'Memory allocation problem\n' } });
      expect(first.failure?.message).toBe(`${flaky} -R: exit 1: Memory allocation problem`);
      expect((await r.repair()).retryInMs).toBe(200);
      expect((await r.repair()).retryInMs).toBe(250);
      expect(r.stats).toMatchObject({ errors: 3, lastError: first.failure?.message });
    } finally {
      rmSync(broken, { force: true });
    }
    expect(existsSync(broken)).toBe(false);
    const retried = await r.repair();
    expect(retried.ok).toBe(true);
    expect(formatBatch(retried.operations)).toBe(lines(svc, dest(21, 1)));
    // The delay starts over after a success.
    writeFileSync(broken, '');
    try {
      expect((await r.apply(conf, health([21]))).retryInMs).toBe(100);
    } finally {
      rmSync(broken, { force: true });
    }
  });

  it('reports an ipvsadm that cannot read the table, without throwing', async () => {
    const r = new IpvsReconciler(new Ipvsadm({ command: fakeIpvsadm('no-ipvs', 'echo "Can\'t initialize ipvs: Protocol not available" >&2; exit 1') }));
    const outcome = await r.apply(lab([[21, 1]]), new Map());
    expect(outcome).toMatchObject({ ok: false, operations: [], processes: 1, retryInMs: 1000 });
    expect(outcome.failure?.message).toMatch(/-Sn: exit 1: Can't initialize ipvs/);
    expect((await r.teardown()).ok).toBe(false);
  });

  it('repairs drift: entries removed or changed by hand come back', async () => {
    const { adapter } = emulated();
    const r = new IpvsReconciler(adapter);
    const conf = lab([[21, 1], [22, 1]]);
    await r.apply(conf, new Map());
    await adapter.apply(addAll(lines('-A -t 198.51.100.181:80 -s rr')));
    await adapter.run(['-d', '-t', '198.51.100.180:80', '-r', '198.51.100.21:80']);
    await adapter.run(['-e', '-t', '198.51.100.180:80', '-r', '198.51.100.22:80', '-g', '-w', '7']);
    const repaired = await r.repair();
    expect(formatBatch(repaired.operations)).toBe(lines(dest(21, 1), dest(22, 1).replace('-a ', '-e ')));
    // The service someone else added is not ours: it stays.
    expect(await saved(adapter)).toBe(lines(svc, dest(21, 1), dest(22, 1), '-A -t 198.51.100.181:80 -s rr'));
  });

  it('removes what a new config no longer has, and only that', async () => {
    const { adapter } = emulated();
    const r = new IpvsReconciler(adapter);
    const two = config(
      'virtual_server 198.51.100.180 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n real_server 198.51.100.21 80 {\n }\n}\n' +
        'virtual_server 198.51.100.181 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n real_server 198.51.100.22 80 {\n }\n}\n',
    );
    await r.apply(two, new Map());
    // Someone else puts a destination into our second service.
    await adapter.run(['-a', '-t', '198.51.100.181:80', '-r', '198.51.100.77:80', '-g', '-w', '1']);
    const outcome = await r.apply(lab([[21, 1]]), new Map());
    // Our destination goes; the service stays because of theirs.
    expect(formatBatch(outcome.operations)).toBe(lines('-d -t 198.51.100.181:80 -r 198.51.100.22:80'));
    expect(await saved(adapter)).toBe(lines(svc, dest(21, 1), '-A -t 198.51.100.181:80 -s rr', '-a -t 198.51.100.181:80 -r 198.51.100.77:80 -g -w 1'));
  });

  it('tears down only what it owns', async () => {
    const { adapter } = emulated();
    await adapter.apply(addAll(FOREIGN));
    const r = new IpvsReconciler(adapter);
    await r.apply(lab([[21, 1], [22, 1]]), new Map());
    await adapter.run(['-a', '-t', '198.51.100.180:80', '-r', '198.51.100.77:80', '-g', '-w', '1']);
    const down = await r.teardown();
    expect(down.ok).toBe(true);
    expect(formatBatch(down.operations)).toBe(lines('-d -t 198.51.100.180:80 -r 198.51.100.21:80', '-d -t 198.51.100.180:80 -r 198.51.100.22:80'));
    expect(await saved(adapter)).toBe(lines(svc, '-a -t 198.51.100.180:80 -r 198.51.100.77:80 -g -w 1') + FOREIGN);
    expect(r.owned.services.size + r.owned.destinations.size).toBe(0);
  });

  it('runs one pass at a time', async () => {
    const { adapter } = emulated();
    const r = new IpvsReconciler(adapter);
    const conf = lab([[21, 1], [22, 1]]);
    // Three calls at once: each sees the table the previous one left.
    const outcomes = await Promise.all([r.apply(conf, new Map()), r.apply(conf, health([22])), r.repair()]);
    expect(outcomes.map((o) => [o.ok, formatBatch(o.operations)])).toEqual([
      [true, lines(svc, dest(21, 1), dest(22, 1))],
      [true, lines('-d -t 198.51.100.180:80 -r 198.51.100.22:80')],
      [true, ''],
    ]);
  });
});

describe('the lab through reconciler, adapter and emulator', () => {
  // .21 keeps a weight-0 entry when it fails.
  const conf = lab([[21, 1, '    inhibit_on_failure\n'], [22, 1], [23, 1]], '  quorum 2\n  sorry_server 198.51.100.99 80\n');

  it('follows health changes with one ipvsadm -R per change and cleans up at stop', async () => {
    const { adapter } = emulated();
    // Before start: a leftover of ours (half of the pool), and someone else's service.
    await adapter.apply(addAll(lines(svc, dest(21, 1)) + FOREIGN));
    const r = new IpvsReconciler(adapter);

    // Start: the existing entries are adopted, only the missing ones are added.
    expect(formatBatch((await r.apply(conf, new Map())).operations)).toBe(lines(dest(22, 1), dest(23, 1)));
    expect(await saved(adapter)).toBe(lines(svc, dest(21, 1), dest(22, 1), dest(23, 1)) + FOREIGN);

    // Nothing changed: nothing to run.
    expect((await r.apply(conf, new Map())).operations).toEqual([]);

    // .22 fails: it leaves the pool; the quorum (2 of 3) still holds.
    await r.apply(conf, health([22]));
    expect(await saved(adapter)).toBe(lines(svc, dest(21, 1), dest(23, 1)) + FOREIGN);

    // .21 fails too: inhibited, it stays at weight 0; the quorum is lost, the sorry server takes over.
    const lost = await r.apply(conf, health([21, 22]));
    expect(lost.quorumChanges).toEqual([{ vs: 'tcp 198.51.100.180:80', up: false }]);
    expect(r.quorum('tcp 198.51.100.180:80')).toEqual({ up: false, liveWeight: 1 });
    expect(await saved(adapter)).toBe(lines(svc, dest(21, 0), dest(99, 1)) + FOREIGN);

    // Someone deletes a destination by hand: the next reconcile repairs it.
    await adapter.run(['-d', '-t', '198.51.100.180:80', '-r', '198.51.100.99:80']);
    expect(formatBatch((await r.repair()).operations)).toBe(lines(dest(99, 1)));

    // Both come back: quorum regained, sorry server out, weights restored.
    await r.apply(conf, new Map());
    expect(await saved(adapter)).toBe(lines(svc, dest(21, 1), dest(22, 1), dest(23, 1)) + FOREIGN);
    expect(r.stats.batches).toBe(5);

    // Stop: everything we own goes, the foreign service stays.
    await r.teardown();
    expect(await saved(adapter)).toBe(FOREIGN);
  });
});
