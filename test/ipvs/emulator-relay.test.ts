// The native-speed emulator (emulator/fast.mjs: server.mjs and the relay
// built from relay.c) must answer exactly as the executable does: every step
// recorded from the real ipvsadm 1.31 goes through the relay, byte for byte,
// with its exit status or its signal.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFastEmulator } from './emulator/fast.mjs';
import { FIXTURES, isKnownDifference, recording, sortedLines } from './emulator-recording.js';

type Emulator = Awaited<ReturnType<typeof startFastEmulator>>;

describe('the ipvsadm emulator through the native-speed relay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-ipvsadm-relay-'));
  let n = 0;
  const started: Emulator[] = [];
  const start = async (): Promise<Emulator & { state: string }> => {
    const sub = mkdtempSync(join(dir, `e${n++}-`));
    const state = join(sub, 'state.json');
    // The recording machine's name files, as emulator.test.ts pins them.
    const env = { ...process.env, IPVSADM_EMULATOR_HOSTS: join(FIXTURES, 'hosts'), IPVSADM_EMULATOR_SERVICES: join(FIXTURES, 'services') };
    const emulator = await startFastEmulator({ dir: sub, state, spawn: (argv, options) => spawn(argv[0]!, argv.slice(1), { ...options, env }) });
    started.push(emulator);
    return { ...emulator, state };
  };
  const run = (e: Emulator, args: string[], input = '') => spawnSync(e.command, args, { input, encoding: 'utf8', timeout: 10_000, env: { ...process.env, ...e.env } });

  afterAll(async () => {
    await Promise.all(started.map((e) => e.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  let shared: Emulator & { state: string };
  beforeAll(async () => {
    shared = await start();
  });

  it('replays every recorded case', async () => {
    let steps = 0;
    for (const recorded of recording.cases) {
      const e = await start();
      for (const step of recorded.steps) {
        const got = run(e, step.args, step.stdin ?? '');
        const where = `${recorded.name}: ipvsadm ${step.args.join(' ')}`;
        if (isKnownDifference(recorded.name, step)) expect(sortedLines(got.stdout), where).toEqual(sortedLines(step.stdout));
        else expect({ stdout: got.stdout, stderr: got.stderr }, where).toEqual({ stdout: step.stdout, stderr: step.stderr });
        if (step.signal) expect(got.signal, where).toBe(step.signal);
        else expect(got.status, where).toBe(step.status);
        steps++;
      }
      await e.stop();
    }
    expect(steps).toBeGreaterThan(400);
  }, 120_000);

  it('writes the table to the state file before it answers', () => {
    expect(run(shared, ['-A', '-t', '198.51.100.180:80', '-s', 'rr']).status).toBe(0);
    expect(JSON.parse(readFileSync(shared.state, 'utf8')).services).toHaveLength(1);
    expect(run(shared, ['-R'], '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 1\n').status).toBe(0);
    expect(JSON.parse(readFileSync(shared.state, 'utf8')).services[0].dests).toHaveLength(1);
    expect(run(shared, ['-Sn']).stdout).toBe('-A -t 198.51.100.180:80 -s rr\n-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 1\n');
  });

  it('carries large batches and listings both ways', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `-a -t 198.51.100.180:80 -r 203.0.113.${1 + (i % 250)}:${1000 + Math.floor(i / 250)} -m -w 1\n`).join('');
    const r = run(shared, ['-R'], lines);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run(shared, ['-Sn']).stdout.split('\n').filter((l) => l.startsWith('-a'))).toHaveLength(2001);
  });

  it('serialises concurrent runs on one table', async () => {
    const ports = [81, 82, 83, 84, 85, 86];
    const statuses = await Promise.all(
      ports.map(
        (port) =>
          new Promise<number | null>((resolve) => {
            const child = spawn(shared.command, ['-A', '-t', `198.51.100.181:${port}`, '-s', 'rr'], { env: { ...process.env, ...shared.env }, stdio: 'ignore' });
            child.on('exit', (code) => resolve(code));
          }),
      ),
    );
    expect(statuses).toEqual(ports.map(() => 0));
    expect(run(shared, ['-Sn']).stdout).toContain(ports.map((p) => `-A -t 198.51.100.181:${p} -s rr\n`).join(''));
  });

  it('says so when no server listens', () => {
    const r = spawnSync(shared.command, ['-Sn'], { encoding: 'utf8', env: { ...process.env, IPVSADM_EMULATOR_SOCKET: join(dir, 'nobody.sock') } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/nobody\.sock/);
  });
});
