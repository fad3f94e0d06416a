// The real adapter running the ipvsadm emulator, found first on PATH in the
// environment given to the spawned process (the system ipvsadm is never
// run), or named by path. Ends with the lab's life cycle: start with a
// half-programmed kernel, failures, inhibit, quorum loss and the sorry server,
// recovery, stop.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KeepalivedConfig } from '../../src/config/model/index.js';
import { desiredState } from '../../src/ipvs/desired.js';
import { diffTables, formatBatch, teardownOperations, type IpvsOperation } from '../../src/ipvs/diff.js';
import type { HealthMap, QuorumStates } from '../../src/ipvs/health-view.js';
import { Ipvsadm } from '../../src/ipvs/ipvsadm.js';
import { formatSave, parseSave, type TableKeys } from '../../src/ipvs/table.js';
import { readText } from '../helpers/config.js';

const EMULATOR_DIR = join(new URL('.', import.meta.url).pathname, 'emulator');
const dir = mkdtempSync(join(tmpdir(), 'kts-ipvsadm-adapter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** An adapter whose `ipvsadm` is the emulator with a fresh, empty table. */
function emulated(): { adapter: Ipvsadm; state: string } {
  const state = join(dir, `table-${n++}.json`);
  const env = { PATH: `${EMULATOR_DIR}:${process.env.PATH ?? ''}`, IPVSADM_EMULATOR_STATE: state };
  return { adapter: new Ipvsadm({ env }), state };
}

/** A stand-in script for ipvsadm behaviours the emulator does not have. */
function fakeIpvsadm(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const lines = (...l: string[]): string => l.map((x) => `${x}\n`).join('');
const LAB = lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 1', '-a -t 198.51.100.180:80 -r 198.51.100.22:80 -g -w 1');
const NOTHING: TableKeys = { services: new Set(), destinations: new Set() };
const addAll = (text: string): IpvsOperation[] => diffTables({ services: [] }, parseSave(text), NOTHING).operations;

async function saved(adapter: Ipvsadm): Promise<string> {
  const r = await adapter.read();
  if (!r.ok) throw new Error(r.failure.message);
  return formatSave(r.table);
}

describe('Ipvsadm adapter on the emulator', () => {
  it('reads an empty table', async () => {
    const { adapter } = emulated();
    expect(await adapter.read()).toEqual({ ok: true, table: { services: [] } });
  });

  it('applies a whole change as one ipvsadm -R and reads it back', async () => {
    const { adapter } = emulated();
    expect(await adapter.apply(addAll(LAB))).toEqual({ ok: true, processes: 1 });
    expect(await saved(adapter)).toBe(LAB);
  });

  it('runs no process for an empty change', async () => {
    const adapter = new Ipvsadm({ command: join(dir, 'does-not-exist') });
    expect(await adapter.apply([])).toEqual({ ok: true, processes: 0 });
  });

  it('reports a line the kernel refused, with stderr, even though ipvsadm -R exits 0', async () => {
    const { adapter } = emulated();
    await adapter.apply(addAll(LAB));
    const again = [...addAll(lines('-A -t 198.51.100.180:80 -s rr')), ...addAll(lines('-A -t 198.51.100.181:80 -s rr'))];
    const r = await adapter.apply(again);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.failure).toMatchObject({ argv: ['ipvsadm', '-R'], exitCode: 0, stderr: 'Service already exists\n', input: formatBatch(again) });
    expect(r.failure.message).toBe('ipvsadm -R: some lines failed: Service already exists');
    expect(await saved(adapter)).toContain('-A -t 198.51.100.181:80 -s rr');
  });

  it('reports a batch that ipvsadm stopped with its exit status', async () => {
    const { adapter } = emulated();
    const ops = addAll(lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 1'));
    const bad: IpvsOperation = { kind: 'add-destination', service: { kind: 'address', protocol: 'tcp', family: 4, address: '198.51.100.180', port: 80 }, destination: { family: 6, address: '2001:db8::21', port: 80, forwarding: 'dr', weight: 1 } };
    const r = await adapter.apply([...ops, bad]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.failure).toMatchObject({ exitCode: 2, stderr: 'Different address family is allowed only for tunneling servers\n' });
    expect(r.failure.message).toBe('ipvsadm -R: exit 2: Different address family is allowed only for tunneling servers');
  });

  it('reads connection limits when asked (ipvsadm -S leaves them out)', async () => {
    const { adapter } = emulated();
    const ops = addAll(LAB);
    const withLimits = ops.map((op) => (op.kind === 'add-destination' ? { ...op, destination: { ...op.destination, upperThreshold: 100, lowerThreshold: 10 } } : op));
    await adapter.apply(withLimits);
    const plain = await adapter.read();
    const full = await adapter.read({ thresholds: true });
    expect(plain.ok && plain.table.services[0].destinations[0].upperThreshold).toBeUndefined();
    expect(full.ok && full.table.services[0].destinations.map((d) => [d.upperThreshold, d.lowerThreshold])).toEqual([
      [100, 10],
      [100, 10],
    ]);
  });

  it('runs an ipvsadm given by path', async () => {
    const state = join(dir, `table-${n++}.json`);
    const adapter = new Ipvsadm({ command: join(EMULATOR_DIR, 'ipvsadm'), env: { IPVSADM_EMULATOR_STATE: state } });
    expect(await adapter.apply(addAll(LAB))).toEqual({ ok: true, processes: 1 });
    expect(await saved(adapter)).toBe(LAB);
  });

  it('reports an ipvsadm that cannot run', async () => {
    const r = await new Ipvsadm({ command: join(dir, 'no-such-ipvsadm') }).read();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.failure.exitCode).toBeUndefined();
    expect(r.failure.message).toMatch(/no-such-ipvsadm -Sn: did not start: .*ENOENT/);
  });

  it('reports a failing read with its stderr', async () => {
    const adapter = new Ipvsadm({ command: join(EMULATOR_DIR, 'ipvsadm'), env: { IPVSADM_EMULATOR_STATE: '' } });
    const r = await adapter.read();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/IPVSADM_EMULATOR_STATE/) });
  });

  it('reports output it cannot read', async () => {
    const r = await new Ipvsadm({ command: fakeIpvsadm('garbled', 'echo "-A -t nonsense"') }).read();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure.message).toMatch(/cannot read its output \(bad service address: -A -t nonsense\)/);
  });

  it('gives up on an ipvsadm that hangs', async () => {
    const r = await new Ipvsadm({ command: fakeIpvsadm('hangs', 'exec sleep 30'), timeoutMs: 300 }).read();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure).toMatchObject({ timedOut: true, message: expect.stringMatching(/timed out/) });
  });
});

// ---------------------------------------------------------------------------

/** What the checker child's reconcile step does: read, compute, diff, apply; carry quorum and ownership. */
class Reconciler {
  quorum: QuorumStates = new Map();
  owned: TableKeys = NOTHING;
  processes = 0;

  constructor(
    readonly adapter: Ipvsadm,
    readonly config: KeepalivedConfig,
  ) {}

  async step(health: HealthMap): Promise<IpvsOperation[]> {
    const live = await this.adapter.read({ thresholds: true });
    if (!live.ok) throw new Error(live.failure.message);
    const desired = desiredState(this.config, health, this.quorum);
    const owned = { services: new Set([...this.owned.services, ...desired.managed.services]), destinations: new Set([...this.owned.destinations, ...desired.managed.destinations]) };
    const diff = diffTables(live.table, desired.table, owned);
    const applied = await this.adapter.apply(diff.operations);
    if (!applied.ok) throw new Error(applied.failure.message);
    this.processes += applied.processes;
    this.quorum = desired.quorum;
    this.owned = diff.owned;
    return diff.operations;
  }

  async stop(): Promise<void> {
    const live = await this.adapter.read();
    if (!live.ok) throw new Error(live.failure.message);
    const applied = await this.adapter.apply(teardownOperations(live.table, this.owned));
    if (!applied.ok) throw new Error(applied.failure.message);
  }
}

describe('the lab through adapter and emulator', () => {
  const conf = readText(
    [
      'virtual_server 198.51.100.180 80 {',
      '  delay_loop 3',
      '  lb_algo rr',
      '  lb_kind DR',
      '  protocol TCP',
      '  quorum 2',
      '  sorry_server 198.51.100.99 80',
      '  real_server 198.51.100.21 80 {',
      '    weight 1',
      '    inhibit_on_failure',
      '    TCP_CHECK {',
      '      connect_timeout 3',
      '    }',
      '  }',
      '  real_server 198.51.100.22 80 {',
      '    weight 1',
      '    TCP_CHECK {',
      '      connect_timeout 3',
      '    }',
      '  }',
      '  real_server 198.51.100.23 80 {',
      '    weight 1',
      '    TCP_CHECK {',
      '      connect_timeout 3',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n'),
  ).config;
  const rs = (n: number): string => `tcp 198.51.100.180:80 -> 198.51.100.${n}:80`;
  const health = (down: number[]): HealthMap => new Map(down.map((d) => [rs(d), { up: false }]));
  const svc = '-A -t 198.51.100.180:80 -s rr';
  const dest = (n: number, w: number): string => `-a -t 198.51.100.180:80 -r 198.51.100.${n}:80 -g -w ${w}`;

  it('follows health changes with one ipvsadm process per change and cleans up at stop', async () => {
    const { adapter } = emulated();
    // Before start: a leftover of ours (half of the pool), and someone else's service.
    await adapter.apply(addAll(lines(svc, dest(21, 1), '-A -u 198.51.100.200:53 -s wlc', '-a -u 198.51.100.200:53 -r 198.51.100.53:53 -m -w 1')));
    const r = new Reconciler(adapter, conf);

    // Start: the existing entries are adopted, only the missing ones are added.
    expect(formatBatch(await r.step(new Map()))).toBe(lines(dest(22, 1), dest(23, 1)));
    const foreign = lines('-A -u 198.51.100.200:53 -s wlc', '-a -u 198.51.100.200:53 -r 198.51.100.53:53 -m -w 1');
    expect(await saved(adapter)).toBe(lines(svc, dest(21, 1), dest(22, 1), dest(23, 1)) + foreign);

    // Nothing changed: nothing to run.
    expect(await r.step(new Map())).toEqual([]);

    // .22 fails: it leaves the pool; the quorum (2 of 3) still holds.
    await r.step(health([22]));
    expect(await saved(adapter)).toBe(lines(svc, dest(21, 1), dest(23, 1)) + foreign);

    // .21 fails too: inhibited, it stays at weight 0; the quorum is lost, the sorry server takes over.
    await r.step(health([21, 22]));
    expect(await saved(adapter)).toBe(lines(svc, dest(21, 0), `-a -t 198.51.100.180:80 -r 198.51.100.99:80 -g -w 1`) + foreign);

    // Someone deletes a destination by hand: the next reconcile repairs it.
    await adapter.apply([{ kind: 'delete-destination', service: { kind: 'address', protocol: 'tcp', family: 4, address: '198.51.100.180', port: 80 }, destination: { family: 4, address: '198.51.100.99', port: 80 } }]);
    expect(formatBatch(await r.step(health([21, 22])))).toBe(lines('-a -t 198.51.100.180:80 -r 198.51.100.99:80 -g -w 1'));

    // Both come back: quorum regained, sorry server out, weights restored.
    await r.step(new Map());
    expect(await saved(adapter)).toBe(lines(svc, dest(21, 1), dest(22, 1), dest(23, 1)) + foreign);
    expect(r.processes).toBe(5);

    // Stop: everything we own goes, the foreign service stays.
    await r.stop();
    expect(await saved(adapter)).toBe(foreign);
  });
});
