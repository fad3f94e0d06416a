// Two directors and a client on one L2 segment, as in the reference lab:
// namespaces a (198.51.100.11), b (198.51.100.12) and c (198.51.100.100),
// each with eth0 on a bridge that lives in a namespace of its own (no uplink,
// nothing in the root namespace). Names are unique per test run
// (test/helpers/netns.ts) and removed by cleanupNetns().
import { Netns } from './netns.js';

export const LAB = {
  vip: '198.51.100.180',
  director1: '198.51.100.11',
  director2: '198.51.100.12',
  client: '198.51.100.100',
} as const;

export interface DirectorPair {
  sw: Netns;
  a: Netns;
  b: Netns;
  c: Netns;
  /** Which of a / b have `address` on eth0 right now. */
  holders(address?: string): ('a' | 'b')[];
  /** The MAC address of eth0 in ns. */
  mac(ns: Netns): string;
}

export function hasAddress(ns: Netns, address: string): boolean {
  return ns.ip('-br', 'addr', 'show', 'dev', 'eth0').stdout.split(/\s+/).some((w) => w.split('/')[0] === address);
}

export function createDirectorPair(label: string): DirectorPair {
  const sw = Netns.create(`${label}-sw`);
  sw.addBridge('br0');
  const make = (suffix: string, port: string, address: string): Netns => {
    const ns = Netns.create(`${label}-${suffix}`);
    ns.addVeth('eth0', { peer: port, peerNs: sw });
    sw.setMaster(port, 'br0');
    ns.addAddress('eth0', `${address}/24`);
    return ns;
  };
  const a = make('a', 'pa', LAB.director1);
  const b = make('b', 'pb', LAB.director2);
  const c = make('c', 'pc', LAB.client);
  return {
    sw,
    a,
    b,
    c,
    holders: (address = LAB.vip) => (['a', 'b'] as const).filter((n) => hasAddress(n === 'a' ? a : b, address)),
    mac: (ns) => /link\/ether ([0-9a-f:]{17})/.exec(ns.ip('link', 'show', 'eth0').stdout)![1],
  };
}

/** Poll `check` every `everyMs` until it is true; the elapsed ms, or undefined on timeout. */
export async function until(check: () => boolean, timeoutMs: number, everyMs = 25): Promise<number | undefined> {
  const started = performance.now();
  for (;;) {
    if (check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
