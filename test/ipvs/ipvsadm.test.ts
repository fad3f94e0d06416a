// The real adapter running the ipvsadm emulator, found first on PATH in the
// environment given to the spawned process (the system ipvsadm is never
// run), or named by path. The reconciler's life cycle over it is in
// reconciler.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBatch, type IpvsOperation } from '../../src/ipvs/diff.js';
import { Ipvsadm } from '../../src/ipvs/ipvsadm.js';
import { addAll, EMULATOR_DIR, emulated, emulatorState, fakeIpvsadm, lines, saved } from './emulated.js';

const LAB = lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 1', '-a -t 198.51.100.180:80 -r 198.51.100.22:80 -g -w 1');

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
    const adapter = new Ipvsadm({ command: fakeIpvsadm('never-run', 'exit 99') });
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
    const state = emulatorState();
    const adapter = new Ipvsadm({ command: join(EMULATOR_DIR, 'ipvsadm'), env: { IPVSADM_EMULATOR_STATE: state } });
    expect(await adapter.apply(addAll(LAB))).toEqual({ ok: true, processes: 1 });
    expect(await saved(adapter)).toBe(LAB);
  });

  it('reports an ipvsadm that cannot run', async () => {
    const r = await new Ipvsadm({ command: join(EMULATOR_DIR, 'no-such-ipvsadm') }).read();
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

describe('Ipvsadm adapter with a standby -R', () => {
  /** The emulator behind a script that logs when it starts and when its batch (of that length) has come, in epoch ms, by pid. */
  function timedEmulator(name: string) {
    const state = emulatorState();
    const log = `${state}.runs`;
    const command = fakeIpvsadm(
      name,
      `echo "start $$ $(date +%s%3N) $*" >> '${log}'
if [ "$1" = -R ]; then batch=$(cat); echo "input $$ $(date +%s%3N) \${#batch}" >> '${log}'; printf '%s' "$batch" | sed '$a\\' | exec '${join(EMULATOR_DIR, 'ipvsadm')}' "$@"; exit; fi
exec '${join(EMULATOR_DIR, 'ipvsadm')}' "$@"`,
    );
    const events = () =>
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
        .map(([what, pid, at, ...rest]) => ({ what, pid: Number(pid), at: Number(at), rest: rest.join(' ') }));
    return { command, env: { IPVSADM_EMULATOR_STATE: state }, events };
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('hands a batch to an ipvsadm -R started when the previous run ended', async () => {
    const t = timedEmulator('timed-standby');
    const adapter = new Ipvsadm({ command: t.command, env: t.env, standby: true });
    expect(await adapter.apply(addAll(lines('-A -t 198.51.100.180:80 -s rr')))).toEqual({ ok: true, processes: 1 });
    await sleep(800); // the standby is up and waiting
    const asked = Date.now();
    expect(await adapter.apply(addAll(lines('-A -t 198.51.100.181:80 -s rr')))).toEqual({ ok: true, processes: 1 });
    const second = t.events().filter((e) => e.what === 'input')[1]!;
    const itsStart = t.events().find((e) => e.what === 'start' && e.pid === second.pid)!;
    expect(itsStart.at).toBeLessThan(asked);
    expect(second.at).toBeGreaterThanOrEqual(asked - 5);
    await adapter.close();
    expect(await saved(new Ipvsadm({ command: t.command, env: t.env }))).toBe(lines('-A -t 198.51.100.180:80 -s rr', '-A -t 198.51.100.181:80 -s rr'));
    // close() gave the third -R an empty batch: it changed nothing and ended.
    const inputs = t.events().filter((e) => e.what === 'input');
    expect(inputs.map((e) => Number(e.rest) > 0)).toEqual([true, true, false]);
  });

  it('reads with a process of its own, and keeps one -R waiting', async () => {
    const t = timedEmulator('timed-reads');
    const adapter = new Ipvsadm({ command: t.command, env: t.env, standby: true });
    expect(await adapter.read()).toEqual({ ok: true, table: { services: [] } });
    await sleep(300);
    expect(t.events().map((e) => `${e.what} ${e.rest}`)).toEqual(['start -Sn', 'start -R']);
    await adapter.close();
    expect(t.events().map((e) => `${e.what} ${e.rest}`)).toEqual(['start -Sn', 'start -R', 'input 0']); // batch length 0
  });

  it('starts a fresh -R when the standby died while it waited', async () => {
    const t = timedEmulator('timed-killed');
    const adapter = new Ipvsadm({ command: t.command, env: t.env, standby: true });
    await adapter.read();
    await sleep(300);
    const standby = t.events().find((e) => e.what === 'start' && e.rest === '-R')!;
    process.kill(standby.pid, 'SIGKILL');
    await sleep(100);
    expect(await adapter.apply(addAll(LAB))).toEqual({ ok: true, processes: 1 });
    expect(await saved(new Ipvsadm({ command: t.command, env: t.env }))).toBe(LAB);
    await adapter.close();
  });

  it('starts no standby unless asked, and none after stopPreparing()', async () => {
    const t = timedEmulator('timed-off');
    await new Ipvsadm({ command: t.command, env: t.env }).apply(addAll(LAB));
    await sleep(300);
    expect(t.events().filter((e) => e.what === 'start')).toHaveLength(1);
    const adapter = new Ipvsadm({ command: t.command, env: t.env, standby: true });
    adapter.stopPreparing();
    await adapter.read();
    await sleep(300);
    expect(t.events().filter((e) => e.what === 'start')).toHaveLength(2);
  });
});
