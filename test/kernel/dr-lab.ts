// The reference LVS-DR lab (see the project's lab notes) with the director
// in the QEMU guest, so that IPVS is a real kernel's:
//
//   client 198.51.100.100 --+
//   rs1    198.51.100.21  --+-- br0 (namespace seg, no uplink) -- tap0 -- guest eth0 198.51.100.11 (+ VIP)
//   rs2    198.51.100.22  --+
//
// Every namespace comes from test/helpers/netns.ts (unique names, deleted
// even on failure); the bridge has no uplink and the root namespace gets no
// address. Real servers hold the VIP on lo and ignore ARP for it (DR), and run
// a small HTTP server that answers "this is webN" and whom it saw.
import type { ChildProcess } from 'node:child_process';
import { Netns, describeResult } from '../helpers/netns.js';
import { Vm, type BootOptions } from './vm.js';

export const ADDR = {
  director: '198.51.100.11',
  rs: ['198.51.100.21', '198.51.100.22'],
  client: '198.51.100.100',
  vip: '198.51.100.180',
} as const;

// Answers "this is webN from CLIENT_ADDRESS"; prints "ready" once listening.
const WEB_SERVER = `
const name = process.argv[1];
require('node:http')
  .createServer((req, res) => res.end(name + ' from ' + req.socket.remoteAddress + '\\n'))
  .listen(80, '0.0.0.0', () => console.log('ready'));
`;

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export class DrLab {
  readonly web: (ChildProcess | undefined)[] = [undefined, undefined];

  private constructor(
    readonly seg: Netns,
    readonly rs: Netns[],
    readonly client: Netns,
    readonly vm: Vm,
  ) {}

  /** Namespaces, web servers, the guest booted on the bridge with the director's addresses. */
  static async create(boot: Omit<BootOptions, 'network'> = {}): Promise<DrLab> {
    const made: Netns[] = [];
    try {
      const seg = Netns.create('kseg');
      made.push(seg);
      seg.addBridge('br0');
      // Bridged frames stay out of this namespace's iptables if br_netfilter is loaded.
      seg.run(['sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=0']);
      const attach = (label: string, cidr: string): Netns => {
        const ns = Netns.create(label);
        made.push(ns);
        ns.addVeth('eth0', { peer: `${label}p`, peerNs: seg });
        seg.setMaster(`${label}p`, 'br0');
        ns.addAddress('eth0', cidr);
        return ns;
      };
      const client = attach('kcli', `${ADDR.client}/24`);
      const rs = ADDR.rs.map((address, i) => {
        const ns = attach(`krs${i + 1}`, `${address}/24`);
        ns.addAddress('lo', `${ADDR.vip}/32`);
        const sysctl = ['all', 'lo', 'eth0'].flatMap((dev) => [`net.ipv4.conf.${dev}.arp_ignore=1`, `net.ipv4.conf.${dev}.arp_announce=2`]);
        const r = ns.run(['sysctl', '-qw', ...sysctl]);
        if (r.exitCode !== 0) throw new Error(describeResult(r));
        return ns;
      });
      const vm = await Vm.boot({ ...boot, network: { ns: seg, bridge: 'br0' } });
      const lab = new DrLab(seg, rs, client, vm);
      try {
        await vm.runOk(['ip', 'link', 'set', 'eth0', 'up']);
        await vm.runOk(['ip', 'addr', 'add', `${ADDR.director}/24`, 'dev', 'eth0']);
        await vm.runOk(['ip', 'addr', 'add', `${ADDR.vip}/32`, 'dev', 'eth0']);
        await Promise.all([lab.startWeb(0), lab.startWeb(1)]);
        const arping = ['arping', '-c', '1', '-w', '2', '-I', 'eth0', ADDR.director];
        await waitFor('the guest to answer ARP on the bridge', 60_000, () => (client.run(arping).exitCode === 0 ? true : undefined));
      } catch (err) {
        await lab.stop();
        throw err;
      }
      return lab;
    } catch (err) {
      for (const ns of made) ns.delete();
      throw err;
    }
  }

  /** Starts real server i's HTTP server (port 80) and waits until it listens. */
  async startWeb(i: number): Promise<void> {
    if (this.web[i]) throw new Error(`web${i + 1} is already running`);
    const child = this.rs[i].spawn([process.execPath, '-e', WEB_SERVER, `this is web${i + 1}`]);
    this.web[i] = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout?.setEncoding('utf8');
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (d: string) => (err += d));
      child.stdout?.on('data', (d: string) => {
        out += d;
        if (out.includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`web${i + 1} exited (${code}): ${err}`)));
    });
  }

  /** Stops real server i's HTTP server (by pid): its port then refuses connections. */
  async stopWeb(i: number): Promise<void> {
    const child = this.web[i];
    if (!child) return;
    this.web[i] = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  /** One HTTP request from the client namespace to the VIP; the body, or undefined if it failed. */
  request(): string | undefined {
    const r = this.client.run(['curl', '-sS', '--max-time', '5', `http://${ADDR.vip}/`], { timeoutMs: 10_000 });
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  }

  /** The guest's live table, as `ipvsadm -Sn` prints it. */
  async table(): Promise<string> {
    return (await this.vm.runOk(['ipvsadm', '-Sn'])).stdout;
  }

  async stop(): Promise<void> {
    await this.stopWeb(0);
    await this.stopWeb(1);
    await this.vm.stop();
    for (const ns of [this.client, ...this.rs, this.seg]) ns.delete();
  }
}
