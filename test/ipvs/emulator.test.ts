// The ipvsadm emulator against the real ipvsadm 1.31: every step recorded
// from the real program on a real IPVS kernel (fixtures/, made with
// emulator/record-oracle.mjs) must come out of the emulator byte for byte,
// with the same exit status. Plus the executable itself: state file, stdin,
// exit statuses and the crash the real one has.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyTable } from './emulator/lib/kernel.mjs';
import { useNameFiles } from './emulator/lib/names.mjs';
import { runIpvsadm } from './emulator/lib/run.mjs';
import { FIXTURES, isKnownDifference, recording, sortedLines as lines } from './emulator-recording.js';

const here = new URL('.', import.meta.url).pathname;
const EMULATOR = join(here, 'emulator', 'ipvsadm');

describe('emulator replays what ipvsadm 1.31 did on Linux 6.1', () => {
  // The recording machine's /etc/hosts and /etc/services, so names resolve the same here.
  useNameFiles({ hosts: join(FIXTURES, 'hosts'), services: join(FIXTURES, 'services') });

  it('was recorded from the real program', () => {
    expect(recording.ipvsadm).toBe('ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)');
    expect(recording.cases.reduce((n, c) => n + c.steps.length, 0)).toBeGreaterThan(400);
  });

  for (const recorded of recording.cases) {
    it(recorded.name, () => {
      let table = emptyTable();
      for (const step of recorded.steps) {
        const got = runIpvsadm(step.args, { table, readStdin: () => step.stdin ?? '' });
        table = got.table;
        const where = `ipvsadm ${step.args.join(' ')}${step.stdin !== undefined ? ` <<< ${JSON.stringify(step.stdin)}` : ''}`;
        if (isKnownDifference(recorded.name, step)) {
          expect(lines(got.stdout), where).toEqual(lines(step.stdout));
          continue;
        }
        expect({ stdout: got.stdout, stderr: got.stderr }, where).toEqual({ stdout: step.stdout, stderr: step.stderr });
        if (step.signal) expect(got.signal, where).toBe(step.signal);
        else expect(got.status, where).toBe(step.status);
      }
    });
  }
});

describe('the emulator executable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-ipvsadm-emulator-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const freshState = (): string => join(dir, `state-${n++}.json`);
  const run = (state: string | undefined, args: string[], input = '') =>
    spawnSync(EMULATOR, args, {
      input,
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, IPVSADM_EMULATOR_STATE: state ?? '' },
    });

  it('keeps the table in the state file between invocations', () => {
    const state = freshState();
    expect(run(state, ['-A', '-t', '198.51.100.180:80', '-s', 'rr']).status).toBe(0);
    expect(run(state, ['-a', '-t', '198.51.100.180:80', '-r', '198.51.100.21:80', '-g', '-w', '1']).status).toBe(0);
    const save = run(state, ['-Sn']);
    expect(save.stdout).toBe('-A -t 198.51.100.180:80 -s rr\n-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 1\n');
    expect(JSON.parse(readFileSync(state, 'utf8')).services).toHaveLength(1);
  });

  it('refuses a second add with the kernel message and status 255', () => {
    const state = freshState();
    run(state, ['-A', '-t', '198.51.100.180:80', '-s', 'rr']);
    const again = run(state, ['-A', '-t', '198.51.100.180:80', '-s', 'rr']);
    expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 255, stderr: 'Service already exists\n' });
  });

  it('refuses bad arguments with status 2 and changes nothing', () => {
    const state = freshState();
    const r = run(state, ['-A', '-t', '198.51.100.180:0', '-s', 'rr']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: 'Zero port specified for non-persistent service\n' });
    expect(run(state, ['-Sn']).stdout).toBe('');
  });

  it('-R goes on after a line the kernel refuses and exits with the last line status', () => {
    const state = freshState();
    const batch = '-A -t 198.51.100.180:80 -s rr\n-A -t 198.51.100.180:80 -s rr\n-a -t 198.51.100.180:80 -r 198.51.100.21 -g -w 1\n';
    const r = run(state, ['-R'], batch);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: 'Service already exists\n' });
    expect(run(state, ['-Sn']).stdout).toContain('-r 198.51.100.21:80 -g -w 1');
  });

  it('-R stops at a bad argument but keeps the lines before it', () => {
    const state = freshState();
    const r = run(state, ['-R'], '-A -t 198.51.100.180:80 -s rr\n-a -t 198.51.100.180:80 -r 198.51.100.21 -w x\n-A -t 198.51.100.180:81 -s rr\n');
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: 'illegal weight specified\n' });
    expect(run(state, ['-Sn']).stdout).toBe('-A -t 198.51.100.180:80 -s rr\n');
  });

  it('crashes like ipvsadm 1.31 on an empty scheduler flag list', () => {
    const r = run(freshState(), ['-A', '-t', '198.51.100.180:80', '-s', 'sh', '-b', ',']);
    expect(r.signal).toBe('SIGSEGV');
  });

  it('refuses to run without a state file', () => {
    const r = run(undefined, ['-Sn']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/IPVSADM_EMULATOR_STATE/);
  });

  it('serialises concurrent invocations on one table', async () => {
    const state = freshState();
    const ports = [81, 82, 83, 84, 85, 86];
    const statuses = await Promise.all(
      ports.map(
        (port) =>
          new Promise<number | null>((resolve) => {
            const child = spawn(EMULATOR, ['-A', '-t', `198.51.100.180:${port}`, '-s', 'rr'], { env: { ...process.env, IPVSADM_EMULATOR_STATE: state }, stdio: 'ignore' });
            child.on('exit', (code) => resolve(code));
          }),
      ),
    );
    expect(statuses).toEqual(ports.map(() => 0));
    expect(run(state, ['-Sn']).stdout).toBe(ports.map((p) => `-A -t 198.51.100.180:${p} -s rr\n`).join(''));
  });

  it('takes over the lock of a run that was killed', () => {
    const state = freshState();
    const dead = spawnSync('true').pid;
    writeFileSync(`${state}.lock`, String(dead));
    const r = run(state, ['-A', '-t', '198.51.100.180:80', '-s', 'rr']);
    expect(r.status).toBe(0);
  });

  it('reads an existing state file written by another run', () => {
    const state = freshState();
    const table = emptyTable();
    writeFileSync(state, JSON.stringify(runIpvsadm(['-A', '-f', '7', '-s', 'wlc'], { table, readStdin: () => '' }).table));
    expect(run(state, ['-Sn']).stdout).toBe('-A -f 7 -s wlc\n');
  });
});
