// The network of bench/kernel-checks.mjs: a bridge in a namespace of its own
// (no uplink, no address in the root namespace), the kernel tier's QEMU
// guest on it (test/kernel/vm.ts) as the director, and one namespace holding
// every real server address, for the listeners. Documentation addresses
// only; namespaces come from test/helpers/netns.ts (unique names, deleted
// even on failure), QEMU dies with this process.
import { register } from 'node:module';

// The kernel tier's helpers are TypeScript: loaded through a transpiling hook.
register('./kernel-ts-hooks.mjs', import.meta.url);
const { Netns, describeResult } = await import('../../test/helpers/netns.ts');
const { Vm, vmUnavailableReason } = await import('../../test/kernel/vm.ts');

export { vmUnavailableReason };

export const DIRECTOR_ADDRESS = '198.51.100.11';

export class KernelLab {
  constructor(seg, servers, vm) {
    this.seg = seg;
    /** The real servers' namespace (also where the relay to the guest runs). */
    this.servers = servers;
    this.vm = vm;
  }

  /** @param {{ serverAddresses: string[], cpus?: number, memoryMb?: number }} options */
  static async create({ serverAddresses, cpus, memoryMb }) {
    const made = [];
    let vm;
    try {
      const seg = Netns.create('kbseg');
      made.push(seg);
      seg.addBridge('br0');
      // Bridged frames stay out of this namespace's iptables if br_netfilter is loaded.
      seg.run(['sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=0']);
      const servers = Netns.create('kbrs');
      made.push(servers);
      servers.addVeth('eth0', { peer: 'kbrsp', peerNs: seg });
      seg.setMaster('kbrsp', 'br0');
      const r = servers.run(['ip', '-batch', '-'], { input: serverAddresses.map((a) => `addr add ${a}/24 dev eth0\n`).join('') });
      if (r.exitCode !== 0) throw new Error(describeResult(r));
      vm = await Vm.boot({ withProject: true, cpus, memoryMb, network: { ns: seg, bridge: 'br0' } });
      await vm.runOk(['ip', 'link', 'set', 'eth0', 'up']);
      await vm.runOk(['ip', 'addr', 'add', `${DIRECTOR_ADDRESS}/24`, 'dev', 'eth0']);
      const arping = ['arping', '-c', '1', '-w', '2', '-I', 'eth0', DIRECTOR_ADDRESS];
      for (let i = 0; servers.run(arping).exitCode !== 0; i++) {
        if (i === 30) throw new Error(`the guest does not answer ARP on the bridge as ${DIRECTOR_ADDRESS}`);
      }
      return new KernelLab(seg, servers, vm);
    } catch (err) {
      await vm?.stop();
      for (const ns of made.reverse()) ns.delete();
      throw err;
    }
  }

  async stop() {
    await this.vm.stop();
    this.servers.delete();
    this.seg.delete();
  }
}
