// The reference LVS-DR lab (see the project's lab notes) with the director on
// an IPVS host (ipvs-host.ts): the QEMU guest by default, so that IPVS is a
// real kernel's, or a network namespace of this machine's kernel when it has
// IPVS. Dual stack (documentation addresses only):
//
//   client 198.51.100.100 2001:db8::100 --+
//   rs1    198.51.100.21  2001:db8::21  --+-- br0 (namespace seg, no uplink) -- eth0 of the director:
//   rs2    198.51.100.22  2001:db8::22  --+     198.51.100.11 2001:db8::11 (+ the VIPs)
//
// The guest joins the bridge through a tap, the native director through a
// veth; either way its interface is eth0. Every namespace comes from
// test/helpers/netns.ts (unique names, deleted even on failure); the bridge
// has no uplink and the root namespace gets no address. Real servers hold the
// VIPs on lo and ignore ARP for them (DR; neighbour discovery answers only for
// an address on the asking interface, so IPv6 needs no setting), and run a
// small web server (web-server.ts) on port 80, and 443 when openssl could make
// it a certificate.
import type { ChildProcess } from 'node:child_process';
import { Netns, describeResult } from '../helpers/netns.js';
import { openIpvsHost, type IpvsHost, type KernelTier } from './ipvs-host.js';
import { type BootOptions, Vm } from './vm.js';
import { LabTls, startWebServer } from './web-server.js';

export const ADDR = {
  director: '198.51.100.11',
  rs: ['198.51.100.21', '198.51.100.22'],
  client: '198.51.100.100',
  vip: '198.51.100.180',
} as const;

/** The same hosts' IPv6 addresses (a /64 on the bridge). */
export const ADDR6 = {
  director: '2001:db8::11',
  rs: ['2001:db8::21', '2001:db8::22'],
  client: '2001:db8::100',
  vip: '2001:db8::180',
} as const;

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `ip -batch` lines giving the director its addresses and the VIPs on eth0 (nodad: usable at once; ip infers the family). */
const DIRECTOR_ADDRESSES = [
  'link set eth0 up',
  `addr add ${ADDR.director}/24 dev eth0`,
  `addr add ${ADDR.vip}/32 dev eth0`,
  `addr add ${ADDR6.director}/64 dev eth0 nodad`,
  // Deprecated (preferred_lft 0): still the VIP for what arrives, never the
  // source of what leaves (else a /128 out-matches the /64 in source address
  // selection, and a real server answers the director's checks to its own lo).
  `addr add ${ADDR6.vip}/128 dev eth0 nodad preferred_lft 0`,
];

// Connects to ADDRESS port 9 (discard: nobody listens); prints the outcome.
const CONNECT_PROBE = `
const s = require('node:net').connect({ host: process.argv[1], port: 9, timeout: 3000 });
s.on('connect', () => { console.log('connected'); s.destroy(); });
s.on('timeout', () => { console.log('ETIMEDOUT'); s.destroy(); });
s.on('error', (e) => console.log(e.code));
`;

/**
 * Whether `address` answers from `ns`: a TCP connection to a closed port is
 * refused by a host that is there (no ping on this machine, and arping has
 * no IPv6); an absent one is unreachable or silent.
 */
export function answers(ns: Netns, address: string): boolean {
  const outcome = ns.run([process.execPath, '-e', CONNECT_PROBE, address], { timeoutMs: 10_000 }).stdout.trim();
  return outcome === 'ECONNREFUSED' || outcome === 'connected';
}

/** URL host part: IPv6 in brackets. */
const urlHost = (address: string): string => (address.includes(':') ? `[${address}]` : address);

export class DrLab {
  readonly web: (ChildProcess | undefined)[] = [undefined, undefined];

  private constructor(
    readonly seg: Netns,
    readonly rs: Netns[],
    readonly client: Netns,
    /** The director: a QEMU guest or a namespace. */
    readonly host: IpvsHost,
    /** The web servers' certificate (port 443), or why there is none. */
    readonly tls: LabTls,
  ) {}

  /** The director when it is the QEMU guest (the default tier); throws on the native tier. */
  get vm(): Vm {
    if (!(this.host instanceof Vm)) throw new Error(`the director is ${this.host.description}, not a QEMU guest`);
    return this.host;
  }

  /**
   * Namespaces, web servers, the director on the bridge with its addresses.
   * `tier` says where the director runs: the QEMU guest unless told otherwise.
   */
  static async create(boot: Omit<BootOptions, 'network'> = {}, tier: KernelTier = 'qemu'): Promise<DrLab> {
    const made: Netns[] = [];
    const tls = LabTls.make();
    try {
      const seg = Netns.create('kseg');
      made.push(seg);
      seg.addBridge('br0');
      // Bridged frames stay out of this namespace's iptables if br_netfilter is loaded.
      seg.run(['sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=0', 'net.bridge.bridge-nf-call-ip6tables=0']);
      const attach = (label: string, address: string, address6: string): Netns => {
        const ns = Netns.create(label);
        made.push(ns);
        ns.addVeth('eth0', { peer: `${label}p`, peerNs: seg });
        seg.setMaster(`${label}p`, 'br0');
        ns.addAddress('eth0', `${address}/24`);
        ns.ip('-6', 'addr', 'add', `${address6}/64`, 'dev', 'eth0', 'nodad');
        return ns;
      };
      const client = attach('kcli', ADDR.client, ADDR6.client);
      const rs = ADDR.rs.map((address, i) => {
        const ns = attach(`krs${i + 1}`, address, ADDR6.rs[i]);
        ns.addAddress('lo', `${ADDR.vip}/32`);
        ns.ip('-6', 'addr', 'add', `${ADDR6.vip}/128`, 'dev', 'lo');
        const sysctl = ['all', 'lo', 'eth0'].flatMap((dev) => [`net.ipv4.conf.${dev}.arp_ignore=1`, `net.ipv4.conf.${dev}.arp_announce=2`]);
        const r = ns.run(['sysctl', '-qw', ...sysctl]);
        if (r.exitCode !== 0) throw new Error(describeResult(r));
        return ns;
      });
      const host = await openIpvsHost(tier, { ...boot, network: { ns: seg, bridge: 'br0' } });
      const lab = new DrLab(seg, rs, client, host, tls);
      try {
        await host.runOk(['ip', '-batch', '-'], { input: `${DIRECTOR_ADDRESSES.join('\n')}\n` });
        await Promise.all([lab.startWeb(0), lab.startWeb(1)]);
        const arping = ['arping', '-c', '1', '-w', '2', '-I', 'eth0', ADDR.director];
        await waitFor(`the director (${host.kind}) to answer ARP on the bridge`, 60_000, () => (client.run(arping).exitCode === 0 ? true : undefined));
        await waitFor(`the director (${host.kind}) to answer on IPv6`, 30_000, () => (answers(client, ADDR6.director) ? true : undefined));
      } catch (err) {
        await lab.stop();
        throw err;
      }
      return lab;
    } catch (err) {
      for (const ns of made) ns.delete();
      tls.remove();
      throw err;
    }
  }

  /** Starts real server i's web server (80, and 443 with TLS) and waits until it listens. */
  async startWeb(i: number): Promise<void> {
    if (this.web[i]) throw new Error(`web${i + 1} is already running`);
    const child = startWebServer(this.rs[i], `this is web${i + 1}`, this.tls);
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

  /** Stops real server i's web server (by pid): its ports then refuse connections. */
  async stopWeb(i: number): Promise<void> {
    const child = this.web[i];
    if (!child) return;
    this.web[i] = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  /** One HTTP request from the client namespace to `address` (the VIP by default, or the IPv6 VIP); the body, or undefined if it failed. */
  request(address: string = ADDR.vip): string | undefined {
    const r = this.client.run(['curl', '-sS', '-g', '--max-time', '5', `http://${urlHost(address)}/`], { timeoutMs: 10_000 });
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  }

  /** The director's live table, as `ipvsadm -Sn` prints it. */
  async table(): Promise<string> {
    return (await this.host.runOk(['ipvsadm', '-Sn'])).stdout;
  }

  async stop(): Promise<void> {
    await this.stopWeb(0);
    await this.stopWeb(1);
    await this.host.stop();
    for (const ns of [this.client, ...this.rs, this.seg]) ns.delete();
    this.tls.remove();
  }
}
