// Kernel tier (a): the project's IPVS driver (src/ipvs/ipvsadm.ts with the
// diff) against the real ipvsadm 1.31 and a real IPVS kernel (a QEMU guest, or
// a namespace when this machine's kernel has IPVS: ipvs-host.ts), and the same sequence through the strict emulator on the host: both must
// end with the same tables and print the same things, refusals included. Then
// every ipvsadm oracle case, recorded live on a second IPVS host, replayed through the
// emulator: the emulator's fixture cannot go stale unnoticed.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSave, formatSave, serviceKeyText, destinationKeyText } from '../../src/ipvs/table.js';
import { cannotRun } from '../helpers/gate.js';
import { emptyTable } from '../ipvs/emulator/lib/kernel.mjs';
import { runIpvsadm } from '../ipvs/emulator/lib/run.mjs';
import { ORACLE_CASES } from '../ipvs/emulator/oracle-cases.mjs';
import { readReplay, writeReplay } from './oracle-replay.js';
import { ipvsHostUnavailableReason, openIpvsHost, selectKernelTier, type IpvsHost } from './ipvs-host.js';
import { describeGuestResult, ensureImage, REPO_ROOT, type GuestResult } from './vm.js';

const SEQUENCE_SCRIPT = join(REPO_ROOT, 'test', 'kernel', 'guest', 'ipvs-sequence.mjs');
const EMULATOR_DIR = join(REPO_ROOT, 'test', 'ipvs', 'emulator');

const VIP = '198.51.100.180';
const V6 = '[2001:db8::180]';
const save = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');

type Step = { table: string; thresholds?: boolean } | { teardown: true } | { raw: string[]; input?: string };

/** Services of every kind: protocols, fwmarks, IPv6, DR/NAT/TUN (ipip, gue, gre), schedulers with flags, persistence. */
const FIRST = [
  `-A -t ${VIP}:80 -s rr`,
  `-a -t ${VIP}:80 -r 198.51.100.21:80 -g -w 1`,
  `-a -t ${VIP}:80 -r 198.51.100.22:80 -g -w 1`,
  `-A -u ${VIP}:53 -s wrr -o`,
  `-a -u ${VIP}:53 -r 198.51.100.21:5353 -m -w 2`,
  `-a -u ${VIP}:53 -r 198.51.100.22:5353 -m -w 3`,
  `-A -f 1 -s wlc -p 300 -M 255.255.255.0`,
  `-a -f 1 -r 198.51.100.23:0 -i -w 1 --tun-type ipip`,
  `-a -f 1 -r 198.51.100.24:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum`,
  `-A -t ${V6}:443 -s sh -b sh-fallback,sh-port`,
  `-a -t ${V6}:443 -r [2001:db8::21]:443 -g -w 1`,
  `-a -t ${V6}:443 -r [2001:db8::22]:8443 -m -w 4`,
  `-A -f 2 -6 -s mh -p 60 -M 64 -b mh-port`,
  `-a -f 2 -6 -r [2001:db8::22]:0 -g -w 5`,
  `-A -t 198.51.100.181:8080 -s lblcr -p 120`,
  `-a -t 198.51.100.181:8080 -r 198.51.100.25:8080 -i -w 1 --tun-type gre --tun-nocsum`,
  `-A -t 198.51.100.182:25 -s sed`,
];
/** Edits: weights (one to 0, as inhibit_on_failure does), scheduler, persistence, flags, tunnel options; one destination added. */
const EDITS: Record<string, string> = {
  [`-A -t ${VIP}:80 -s rr`]: `-A -t ${VIP}:80 -s wlc`,
  [`-a -t ${VIP}:80 -r 198.51.100.21:80 -g -w 1`]: `-a -t ${VIP}:80 -r 198.51.100.21:80 -g -w 3`,
  [`-a -t ${VIP}:80 -r 198.51.100.22:80 -g -w 1`]: `-a -t ${VIP}:80 -r 198.51.100.22:80 -g -w 0`,
  [`-a -u ${VIP}:53 -r 198.51.100.22:5353 -m -w 3`]: `-a -u ${VIP}:53 -r 198.51.100.22:5353 -m -w 7`,
  [`-A -f 1 -s wlc -p 300 -M 255.255.255.0`]: `-A -f 1 -s wlc -p 600`,
  [`-a -f 1 -r 198.51.100.24:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum`]: `-a -f 1 -r 198.51.100.24:0 -i -w 2 --tun-type gue --tun-port 6081 --tun-remcsum`,
  [`-A -t ${V6}:443 -s sh -b sh-fallback,sh-port`]: `-A -t ${V6}:443 -s sh -b sh-fallback`,
  [`-a -t 198.51.100.181:8080 -r 198.51.100.25:8080 -i -w 1 --tun-type gre --tun-nocsum`]: `-a -t 198.51.100.181:8080 -r 198.51.100.25:8080 -i -w 1 --tun-type gre --tun-csum`,
  [`-A -t 198.51.100.182:25 -s sed`]: `-A -t 198.51.100.182:25 -s nq\n-a -t 198.51.100.182:25 -r 198.51.100.26:25 -g -w 1`,
};
const EDITED = FIRST.flatMap((line) => (EDITS[line] ?? line).split('\n'));
/** Deletes: a destination, a whole UDP service, the IPv6 fwmark service, two more destinations. */
const DELETED = [`-t ${VIP}:80 -r 198.51.100.22:80`, `-u ${VIP}:53`, '-f 2 -6', '-r 198.51.100.23:0', '-r 198.51.100.26:25'];
const AFTER_DELETES = EDITED.filter((line) => !DELETED.some((d) => line.includes(d)));

const LIFECYCLE: Step[] = [
  { table: save(...FIRST) },
  { table: save(...EDITED) },
  { table: save(...AFTER_DELETES) },
  // Connection limits set behind the driver's back: -S does not save them, a
  // threshold read sees them, and the driver clears them.
  { raw: ['-e', '-t', `${VIP}:80`, '-r', '198.51.100.21:80', '-g', '-w', '3', '-x', '100', '-y', '10'] },
  { raw: ['-Ln', '--thresholds'] },
  { thresholds: true, table: save(...AFTER_DELETES) },
  // An entry someone else added is left alone by the teardown.
  { raw: ['-A', '-t', '198.51.100.190:80', '-s', 'rr'] },
  { teardown: true },
  { raw: ['-C'] },
];

/** What ipvsadm and the kernel refuse, each after the same small table. */
const REFUSALS: Step[] = [
  { table: save(`-A -t ${VIP}:80 -s rr`, `-a -t ${VIP}:80 -r 198.51.100.21:80 -g -w 1`) },
  { raw: ['-A', '-t', `${VIP}:80`, '-s', 'rr'] },
  { raw: ['-E', '-t', `${VIP}:81`, '-s', 'rr'] },
  { raw: ['-D', '-t', `${VIP}:81`] },
  { raw: ['-a', '-t', `${VIP}:81`, '-r', '198.51.100.21:80'] },
  { raw: ['-a', '-t', `${VIP}:80`, '-r', '198.51.100.21:80', '-g'] },
  { raw: ['-e', '-t', `${VIP}:80`, '-r', '198.51.100.29:80', '-w', '2'] },
  { raw: ['-d', '-t', `${VIP}:80`, '-r', '198.51.100.29:80'] },
  { raw: ['-A', '-t', `${VIP}:82`, '-s', 'nosuch'] },
  { raw: ['-A', '-t', `${VIP}:0`, '-s', 'rr'] },
  { raw: ['-A', '-f', '0', '-s', 'rr'] },
  { raw: ['-A', '-t', `${VIP}:83`, '-s', 'rr', '--bogus'] },
  { raw: ['-A', '-u', `${V6}:53`, '-s', 'rr', '-p', '60', '-M', '255.255.255.0'] },
  { raw: ['-A', '-t', `${VIP}:84`, '-s', 'rr', '-b', 'sh-port'] },
  { raw: ['-a', '-t', `${VIP}:80`, '-r', '224.0.0.1:80', '-g'] },
  { raw: ['-a', '-t', `${VIP}:80`, '-r', '198.51.100.23:80', '-w', '2147483648'] },
  { raw: ['-a', '-t', `${VIP}:80`, '-r', '198.51.100.24:80', '-x', '5', '-y', '6'] },
  { raw: ['-a', '-t', `${VIP}:80`, '-r', '198.51.100.25:80', '-i', '--tun-type', 'gue'] },
  { raw: ['-a', '-t', `${VIP}:80`, '-r', '[2001:db8::21]:80', '-g'] },
  // -R goes on after lines the kernel refuses, stops at one ipvsadm cannot parse.
  {
    raw: ['-R'],
    input: save(
      `-A -t 198.51.100.183:80 -s rr`,
      `-a -t 198.51.100.183:80 -r 198.51.100.21:80 -g -w 1`,
      `-a -t 198.51.100.183:80 -r 198.51.100.21:80 -g -w 1`,
      `-A -t 198.51.100.184:80 -s bogus`,
      `-a -t 198.51.100.184:80 -r 198.51.100.22:80 -g -w 1`,
      `-A -t 198.51.100.185:80 -s rr -w`,
      `-A -t 198.51.100.186:80 -s rr`,
    ),
  },
  // The driver's own batch refused by the kernel: an unknown scheduler.
  { table: save(`-A -t ${VIP}:80 -s rr`, `-a -t ${VIP}:80 -r 198.51.100.21:80 -g -w 1`, `-A -t 198.51.100.187:80 -s nosuch`, `-a -t 198.51.100.187:80 -r 198.51.100.21:80 -g -w 1`) },
  { raw: ['-Sn'] },
  { raw: ['-C'] },
];

interface StepResult {
  raw?: string[];
  table?: string;
  thresholds?: boolean;
  batch?: string;
  exitCode?: number | null;
  stdout?: string;
  stderr?: string;
  read?: string;
  apply?: { ok: boolean; message?: string };
}

/** A table as a sorted, canonical -Sn text (services and destinations in key order). */
function canonical(text: string): string {
  const table = parseSave(text);
  const services = [...table.services]
    .map((s) => ({ ...s, destinations: [...s.destinations].sort((a, b) => destinationKeyText(a).localeCompare(destinationKeyText(b))) }))
    .sort((a, b) => serviceKeyText(a.key).localeCompare(serviceKeyText(b.key)));
  return formatSave({ services });
}

/**
 * Whether ipvsadm prints services in an order the emulator cannot know: with
 * --nosort, the kernel's hash order; and when two IPv4 service addresses are
 * 2^31 or more apart, because ipvsadm compares addresses by subtracting them
 * as ints, the overflow makes its sort depend on the order the kernel gave
 * (a hash that mixes in a per-boot pointer: two boots, two orders).
 */
function orderIsTheKernels(args: readonly string[], stdout: string): boolean {
  if (args.includes('--nosort')) return true;
  const addresses = [...stdout.matchAll(/^(?:-A -[tu] |TCP  |UDP  )(\d+)\.(\d+)\.(\d+)\.(\d+):/gm)].map((m) =>
    m.slice(1, 5).reduce((n, octet) => n * 256 + Number(octet), 0),
  );
  return addresses.length > 1 && Math.max(...addresses) - Math.min(...addresses) >= 2 ** 31;
}

/** A listing as a sorted list of blocks: a line and the indented lines under it. */
function serviceBlocks(stdout: string): string[] {
  const blocks: string[] = [];
  for (const line of stdout.split('\n')) {
    if (/^\s/.test(line) && blocks.length > 0) blocks[blocks.length - 1] += `\n${line}`;
    else blocks.push(line);
  }
  return blocks.sort();
}

const tier = selectKernelTier();
const reason = ipvsHostUnavailableReason(tier.tier);

describe(`IPVS driver on a real kernel (${tier.tier} tier) and on the emulator`, () => {
  if (reason !== undefined) {
    cannotRun(`kernel tier: IPVS driver (${tier.tier}: ${tier.why})`, reason);
    return;
  }
  let vm: IpvsHost;
  // A second IPVS host (guest or namespace: its own table) replays the 400-odd
  // oracle steps meanwhile: one vCPU per guest, so the two use both of the
  // host's cores, and the replay (fork+exec bound under TCG) costs little wall
  // time of its own.
  let oracleVm: IpvsHost;
  let oracleReplay: Promise<{ result: GuestResult; ms: number }>;
  let stateN = 0;

  beforeAll(async () => {
    const image = tier.tier === 'qemu' ? ensureImage() : undefined;
    [vm, oracleVm] = await Promise.all([
      openIpvsHost(tier.tier, { image, withProject: true, label: 'kipvs' }),
      openIpvsHost(tier.tier, { image, memoryMb: 512, label: 'koracle' }),
    ]);
    console.log(`kernel tier (${tier.why}): ${vm.description}${image ? `, image ready in ${image.prepareMs} ms` : ''}`);
    writeReplay(join(oracleVm.exchangeDir, 'oracle'), ORACLE_CASES);
    const started = Date.now();
    oracleReplay = oracleVm.run(['sh', join(oracleVm.exchangeDir, 'oracle', 'replay.sh')], { timeoutMs: 300_000 }).then((result) => ({ result, ms: Date.now() - started }));
    oracleReplay.catch(() => {}); // awaited (and reported) by its test
  }, 360_000);
  afterAll(async () => {
    await Promise.all([vm?.stop(), oracleVm?.stop()]);
  }, 60_000);

  /** ipvs-sequence.mjs in the guest (real ipvsadm) and on the host (emulator first on PATH). */
  async function bothSides(name: string, steps: Step[]): Promise<{ kernel: StepResult[]; emulator: StepResult[] }> {
    const file = join(vm.exchangeDir, `${name}.json`);
    writeFileSync(file, JSON.stringify(steps));
    const argv = ['node', SEQUENCE_SCRIPT, vm.projectDir, file];
    const started = Date.now();
    const guest = await vm.run(argv, { timeoutMs: 240_000 });
    if (guest.exitCode !== 0) throw new Error(describeGuestResult(argv, guest, vm.description));
    const guestMs = Date.now() - started;
    const env = { ...process.env, PATH: `${EMULATOR_DIR}:${process.env.PATH ?? ''}`, IPVSADM_EMULATOR_STATE: join(vm.exchangeDir, `emulator-${stateN++}.json`) };
    const host = spawnSync(process.execPath, [SEQUENCE_SCRIPT, vm.projectDir, file], { env, encoding: 'utf8', timeout: 120_000 });
    if (host.status !== 0) throw new Error(`emulator side: ${host.stderr || host.error?.message}`);
    console.log(`kernel tier: ${name}: ${steps.length} steps on the IPVS host took ${guestMs} ms`);
    return { kernel: JSON.parse(guest.stdout) as StepResult[], emulator: JSON.parse(host.stdout) as StepResult[] };
  }

  it('runs the host ipvsadm on a kernel with IPVS (the Debian kernel in the guest, or this one)', async () => {
    expect((await vm.runOk(['uname', '-r'])).stdout.trim()).toBe(vm.kernelRelease);
    expect((await vm.runOk(['ipvsadm', '--version'])).stdout).toContain('ipvsadm v1.31');
    expect((await vm.runOk(['cat', '/proc/net/ip_vs'])).stdout).toMatch(/^IP Virtual Server version \d/);
    const failing = await vm.run(['sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect({ exitCode: failing.exitCode, stdout: failing.stdout, stderr: failing.stderr }).toEqual({ exitCode: 7, stdout: 'out\n', stderr: 'err\n' });
    expect((await vm.run(['cat'], { input: 'through stdin' })).stdout).toBe('through stdin');
  });

  it('brings the table through every kind of change, as the emulator does', async () => {
    const { kernel, emulator } = await bothSides('lifecycle', LIFECYCLE);
    expect(emulator).toEqual(kernel);
    // The driver reached each desired table, with one ipvsadm -R per change.
    for (const r of kernel.filter((s) => s.table !== undefined)) {
      expect(r.apply, r.table).toMatchObject({ ok: true });
      expect(canonical(r.read!), r.table).toBe(canonical(r.table!));
    }
    const thresholds = kernel.find((s) => s.raw?.[0] === '-Ln');
    expect(thresholds?.stdout).toMatch(/198\.51\.100\.21:80 +100 +10 /);
    // Limits -S cannot show, seen through -Ln --thresholds, and cleared by an edit.
    const cleared = kernel.find((s) => s.thresholds)!;
    expect(cleared.batch).toBe(`-e -t ${VIP}:80 -r 198.51.100.21:80 -g -w 3\n`);
    const teardown = kernel.find((s) => 'teardown' in s)!;
    expect(teardown.read).toBe(save(`-A -t 198.51.100.190:80 -s rr`));
  }, 300_000);

  it('refuses what ipvsadm and the kernel refuse, with the same messages and statuses as the emulator', async () => {
    const { kernel, emulator } = await bothSides('refusals', REFUSALS);
    expect(emulator).toEqual(kernel);
    for (const r of kernel.filter((s) => s.raw && !['-Sn', '-C'].includes(s.raw[0]))) {
      // Each case is a refusal: a failure status, or (for -R) messages on stderr.
      expect(r.exitCode !== 0 || r.stderr !== '', r.raw!.join(' ')).toBe(true);
    }
    const refusedBatch = kernel.filter((s) => s.table !== undefined).at(-1)!;
    expect(refusedBatch.apply).toMatchObject({ ok: false });
    expect(refusedBatch.apply!.message).toMatch(/^ipvsadm -R: /);
  }, 300_000);

  it('ipvsadm oracle cases recorded live on a real kernel: the emulator prints the same', async () => {
    const dir = join(oracleVm.exchangeDir, 'oracle');
    const { result, ms } = await oracleReplay;
    if (result.exitCode !== 0) throw new Error(describeGuestResult(['sh', join(dir, 'replay.sh')], result));
    const recording = { cases: readReplay(dir, ORACLE_CASES) };
    console.log(`kernel tier: ${recording.cases.reduce((n, c) => n + c.steps.length, 0)} oracle steps recorded on the second IPVS host in ${ms} ms`);
    let steps = 0;
    for (const recorded of recording.cases) {
      let table = emptyTable();
      for (const step of recorded.steps) {
        const got = runIpvsadm(step.args, { table, readStdin: () => step.stdin ?? '' });
        table = got.table;
        steps++;
        const where = `${recorded.name}: ipvsadm ${step.args.join(' ')}${step.stdin !== undefined ? ` <<< ${JSON.stringify(step.stdin)}` : ''}`;
        if (orderIsTheKernels(step.args, step.stdout)) {
          expect(serviceBlocks(got.stdout), where).toEqual(serviceBlocks(step.stdout));
          expect(got.status, where).toBe(step.status);
          continue;
        }
        expect({ stdout: got.stdout, stderr: got.stderr }, where).toEqual({ stdout: step.stdout, stderr: step.stderr });
        expect(step.signal ? got.signal : got.status, where).toBe(step.signal ?? step.status);
      }
    }
    expect(steps).toBeGreaterThan(400);
  }, 360_000);
});
