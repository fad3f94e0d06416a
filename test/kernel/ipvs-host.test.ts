// The kernel tier's choice of IPVS host (pure), and the native host — a
// network namespace — doing what the tests ask of it, on any machine: this
// one's kernel may have no IPVS, so what is checked here is everything but
// IPVS: commands, background processes, and the DR lab wired with the
// director in a namespace on the bridge.
import { spawnSync } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cannotRun } from '../helpers/gate.js';
import { ADDR, ADDR6, answers, DrLab } from './dr-lab.js';
import { chooseKernelTier, ipvsHostUnavailableReason, openIpvsHost, type IpvsHost } from './ipvs-host.js';
import { NamespaceHost } from './namespace-host.js';
import { WEB_PAGE, WEB_PAGE_PATH } from './web-server.js';

describe('chooseKernelTier', () => {
  const none = { loaded: false, loadable: false };
  it('takes the native tier when the host kernel has IPVS loaded or can load it, else QEMU', () => {
    expect(chooseKernelTier(undefined, none)).toEqual({ tier: 'qemu', why: 'the host kernel has no IPVS' });
    expect(chooseKernelTier(undefined, { loaded: true, loadable: false }).tier).toBe('native');
    expect(chooseKernelTier(undefined, { loaded: false, loadable: true })).toEqual({ tier: 'native', why: 'the host kernel can load ip_vs (modprobe -n)' });
  });
  it('obeys KTS_KERNEL_TIER whatever the kernel has; empty or auto is no override', () => {
    expect(chooseKernelTier('qemu', { loaded: true, loadable: true })).toEqual({ tier: 'qemu', why: 'KTS_KERNEL_TIER=qemu' });
    expect(chooseKernelTier('native', none)).toEqual({ tier: 'native', why: 'KTS_KERNEL_TIER=native' });
    expect(chooseKernelTier('', { loaded: true, loadable: false }).tier).toBe('native');
    expect(chooseKernelTier('auto', none).tier).toBe('qemu');
  });
  it('refuses an override it does not know rather than guess', () => {
    expect(() => chooseKernelTier('kvm', none)).toThrow('KTS_KERNEL_TIER=kvm: expected qemu, native or auto');
  });
});

const reason = ipvsHostUnavailableReason('native');

describe('the native IPVS host: a network namespace', () => {
  if (reason !== undefined) {
    cannotRun('kernel tier: namespace host', reason);
    return;
  }
  let host: IpvsHost;
  beforeAll(async () => {
    host = await openIpvsHost('native', { label: 'khost' });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('runs commands inside its own namespace: exit code, output, stdin, environment', async () => {
    expect(host.kind).toBe('native');
    expect(host.description).toMatch(/^network namespace kts-\d+-\w+-khost on the host kernel /);
    const inside = (await host.runOk(['readlink', '/proc/self/ns/net'])).stdout.trim();
    expect(inside).not.toBe(readlinkSync('/proc/self/ns/net'));
    expect((await host.runOk(['ip', '-o', 'link', 'show'])).stdout).toMatch(/^1: lo: [^\n]*\n$/);
    const failing = await host.run(['sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect({ exitCode: failing.exitCode, stdout: failing.stdout, stderr: failing.stderr, timedOut: failing.timedOut }).toEqual({ exitCode: 7, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    expect((await host.run(['cat'], { input: 'through stdin' })).stdout).toBe('through stdin');
    expect((await host.runOk(['sh', '-c', 'echo $KTS_PROBE'], { env: { KTS_PROBE: 'set' } })).stdout).toBe('set\n');
    await expect(host.runOk(['false'])).rejects.toThrow(/`false`: exit 1/);
    const slow = await host.run(['sleep', '5'], { timeoutMs: 200 });
    expect({ timedOut: slow.timedOut, signal: slow.signal }).toEqual({ timedOut: true, signal: 'SIGKILL' });
  });

  it('starts background processes, reports their output, signals and waits for them by pid', async () => {
    const pid = await host.spawn(['sh', '-c', 'echo started; trap "echo got TERM; exit 3" TERM; while :; do sleep 0.1; done']);
    const started = await (async () => {
      for (let i = 0; i < 100; i++) {
        const s = await host.status(pid);
        if (s.stdout.includes('started')) return s;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the background process did not start');
    })();
    expect(started).toMatchObject({ running: true, exitCode: null });
    // It is in the namespace: its network namespace is the host's namespace's.
    expect(readlinkSync(`/proc/${pid}/ns/net`)).toBe((await host.runOk(['readlink', '/proc/self/ns/net'])).stdout.trim());
    await host.kill(pid, 'SIGTERM');
    expect(await host.waitExit(pid, 10_000)).toMatchObject({ running: false, exitCode: 3, stdout: 'started\ngot TERM\n' });
    const stubborn = await host.spawn(['sleep', '30']);
    await expect(host.waitExit(stubborn, 300)).rejects.toThrow(/still running after 300 ms/);
    await host.kill(stubborn, 'SIGKILL');
    expect(await host.waitExit(stubborn)).toMatchObject({ running: false, signal: 'SIGKILL' });
    await expect(host.status(1)).rejects.toThrow(/no process 1 started here/);
  });

  it('stop() kills what it started (by pid) and removes its namespace and files', async () => {
    const other = (await openIpvsHost('native', { label: 'kstop' })) as NamespaceHost;
    const pid = await other.spawn(['sleep', '30']);
    expect((await other.runOk(['node', '-e', 'process.stdout.write("ran")'])).stdout).toBe('ran');
    const { runDir, ns } = other;
    await other.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(ns.isDeleted).toBe(true);
    const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    expect(listed).not.toContain(ns.name);
    expect(existsSync(runDir)).toBe(false);
    await expect(other.run(['true'])).rejects.toThrow(/was stopped/);
  });
});

describe('the DR lab with the director in a namespace (the native tier\'s wiring)', () => {
  if (reason !== undefined) {
    cannotRun('kernel tier: DR lab in namespaces', reason);
    return;
  }
  let lab: DrLab;
  beforeAll(async () => {
    lab = await DrLab.create({}, 'native');
  }, 60_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('puts the director on the bridge as eth0 with its addresses and the VIPs', async () => {
    expect(lab.host.kind).toBe('native');
    expect(() => lab.vm).toThrow(/not a QEMU guest/);
    const v4 = (await lab.host.runOk(['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout;
    expect([...v4.matchAll(/inet (\S+)/g)].map((m) => m[1])).toEqual([`${ADDR.director}/24`, `${ADDR.vip}/32`]);
    const v6 = (await lab.host.runOk(['ip', '-o', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global'])).stdout;
    expect([...v6.matchAll(/inet6 (\S+)/g)].map((m) => m[1]).sort()).toEqual([`${ADDR6.director}/64`, `${ADDR6.vip}/128`]);
  });

  it('the client reaches the director on both address families', () => {
    for (const address of [ADDR.director, ADDR6.director, ADDR.vip, ADDR6.vip]) expect(answers(lab.client, address), address).toBe(true);
    // The probe tells an absent host from a present one.
    expect(answers(lab.client, '2001:db8::99')).toBe(false);
  });

  it('the director reaches both real servers\' web servers over IPv4 and IPv6, HTTP and (with openssl) HTTPS', async () => {
    for (const [i, address] of [...ADDR.rs, ...ADDR6.rs].entries()) {
      const host = address.includes(':') ? `[${address}]` : address;
      const r = await lab.host.runOk(['curl', '-sS', '-g', '--max-time', '5', `http://${host}/`]);
      expect(r.stdout).toBe(`this is web${(i % 2) + 1} from ${address.includes(':') ? ADDR6.director : ADDR.director}\n`);
      expect((await lab.host.runOk(['curl', '-sS', '-g', '--max-time', '5', `http://${host}${WEB_PAGE_PATH}`])).stdout).toBe(WEB_PAGE);
      const missing = await lab.host.runOk(['curl', '-sS', '-g', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', `http://${host}/nowhere`]);
      expect(missing.stdout).toBe('404');
      if (lab.tls.unavailable === undefined) {
        expect((await lab.host.runOk(['curl', '-sSk', '-g', '--max-time', '5', `https://${host}/health`])).stdout).toBe('ok\n');
      }
    }
  });

  it('real servers hold the VIPs on lo without answering ARP for them, and a stopped web server refuses connections', async () => {
    const arping = lab.client.run(['arping', '-c', '1', '-w', '2', '-I', 'eth0', ADDR.vip]);
    expect(arping.stdout).toMatch(/1 (packets )?received|Unicast reply from 198\.51\.100\.180 \[/);
    // Only the director answers for the VIP: its eth0's MAC.
    const mac = (await lab.host.runOk(['cat', '/sys/class/net/eth0/address'])).stdout.trim().toUpperCase();
    expect(arping.stdout.toUpperCase()).toContain(mac);
    expect(arping.stdout.match(/reply from/gi)?.length).toBe(1);
    await lab.stopWeb(0);
    const refused = await lab.host.run(['curl', '-sS', '--max-time', '5', `http://${ADDR.rs[0]}/`]);
    expect(refused.stderr).toMatch(/Connection refused|Couldn't connect/);
    await lab.startWeb(0);
    expect((await lab.host.runOk(['curl', '-sS', '--max-time', '5', `http://${ADDR.rs[0]}/health`])).stdout).toBe('ok\n');
  });
});
