// The gratuitous ARP adapter (src/net/garp.ts) between two namespaces: a
// neighbour that has the VIP cached with a wrong MAC learns the sender's MAC
// from our GARP alone (no traffic of its own), and failures come back as
// values. Needs root, ip netns and arping (iputils); under CI=true it must run.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressAdapter } from '../../src/net/addresses.js';
import { GarpSender } from '../../src/net/garp.js';
import { buildNeighbourAdvert } from '../../src/net/unsolicited-na.js';
import { Netns, cleanupNetns, netnsUnavailableReason } from '../helpers/netns.js';
import { compileHarness, HarnessProcess } from '../vrrp/harness-process.js';
import { cannotRun } from '../helpers/gate.js';

const VIP = '198.51.100.180';
const WRONG_MAC = '02:00:00:00:00:99';

const reason = netnsUnavailableReason() ?? (spawnSync('arping', ['-V']).error ? 'arping (iputils-arping) is not installed' : undefined);

describe('GarpSender', () => {
  if (reason !== undefined) {
    cannotRun('GARP tests', reason);
    return;
  }

  let x: Netns;
  let y: Netns;
  let xMac: string;

  beforeAll(async () => {
    x = Netns.create('garp-x');
    y = Netns.create('garp-y');
    x.addVeth('eth0', { peer: 'eth1', peerNs: y });
    x.addAddress('eth0', '198.51.100.11/24');
    y.addAddress('eth1', '198.51.100.12/24');
    const info = await new AddressAdapter({ netns: x.name }).interfaceInfo('eth0');
    if (!info.ok || !info.info.mac) throw new Error('cannot read the MAC of eth0');
    xMac = info.info.mac;
  });
  afterAll(() => cleanupNetns());

  function neighbourMac(): string | undefined {
    const out = y.ip('neigh', 'show', VIP, 'dev', 'eth1').stdout;
    return /lladdr ([0-9a-f:]{17})/.exec(out)?.[1];
  }

  it('sends a burst that makes a neighbour with a stale entry learn our MAC for the VIP', async () => {
    x.addAddress('eth0', `${VIP}/32`);
    y.ip('neigh', 'replace', VIP, 'lladdr', WRONG_MAC, 'dev', 'eth1', 'nud', 'stale');
    expect(neighbourMac()).toBe(WRONG_MAC);
    const started = performance.now();
    const result = await new GarpSender({ netns: x.name }).send([{ address: VIP, family: 4, dev: 'eth0' }], 3);
    expect(result).toEqual({ sent: 3, failures: [] });
    // Each arping sends at once and then idles a second: the burst is not spread out.
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(neighbourMac()).toBe(xMac);
  });

  it('one burst covers several VIPs: every arping of it is counted per VIP', async () => {
    const second = '198.51.100.181';
    x.addAddress('eth0', `${second}/32`);
    y.ip('neigh', 'replace', second, 'lladdr', WRONG_MAC, 'dev', 'eth1', 'nud', 'stale');
    const result = await new GarpSender({ netns: x.name }).send(
      [
        { address: VIP, family: 4, dev: 'eth0' },
        { address: second, family: 4, dev: 'eth0' },
      ],
      2,
    );
    expect(result).toEqual({ sent: 4, failures: [] });
    expect(/lladdr ([0-9a-f:]{17})/.exec(y.ip('neigh', 'show', second, 'dev', 'eth1').stdout)?.[1]).toBe(xMac);
  });

  it('an arping that hangs is killed with its whole burst after the timeout, and reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'garp-hang-'));
    const fake = join(dir, 'hanging-arping');
    // Not `exec sleep`: the shell running the script keeps its path in its command line.
    writeFileSync(fake, '#!/bin/sh\nsleep 30\n', { mode: 0o755 });
    const running = (): number[] =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir);
          } catch {
            return false;
          }
        })
        .map(Number);
    try {
      const started = performance.now();
      const result = await new GarpSender({ arpingBinary: fake, timeoutMs: 300 }).send([{ address: VIP, family: 4, dev: 'eth0' }], 3);
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(result.sent).toBe(0);
      expect(result.failures.map((f) => f.message)).toEqual(Array(3).fill('arping timed out after 300 ms'));
      // Killed, not left behind: the burst's process group went as a whole.
      await new Promise((r) => setTimeout(r, 100));
      expect(running()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('IPv6: an unsolicited neighbour advertisement makes a neighbour with a stale entry learn our MAC', async () => {
    const VIP6 = '2001:db8::180';
    x.addAddress('eth0', '2001:db8::11/64');
    y.addAddress('eth1', '2001:db8::12/64');
    x.ip('addr', 'add', `${VIP6}/128`, 'dev', 'eth0', 'nodad');
    y.ip('-6', 'neigh', 'replace', VIP6, 'lladdr', WRONG_MAC, 'dev', 'eth1', 'nud', 'stale');
    const mac6 = () => /lladdr ([0-9a-f:]{17})/.exec(y.ip('-6', 'neigh', 'show', VIP6, 'dev', 'eth1').stdout)?.[1];
    expect(mac6()).toBe(WRONG_MAC);
    const harness = await compileHarness(new URL('./na-harness.ts', import.meta.url).pathname);
    try {
      const p = HarnessProcess.start(x, harness, 'na', ['eth0', '2', VIP6]);
      expect(await p.stop('SIGCONT', 10_000)).toEqual({ code: 0, signal: null });
      expect(p.lines[0], p.describe()).toMatchObject({ sent: 2, failures: [] });
    } finally {
      harness.dispose();
    }
    expect(mac6()).toBe(xMac);
  });

  it('the neighbour advertisement is RFC 4861\'s: type 136, Override, target, target link-layer address', () => {
    const na = buildNeighbourAdvert('2001:db8::180', '02:11:22:33:44:55')!;
    expect(na.toString('hex')).toBe('88000000' + '20000000' + '20010db8000000000000000000000180' + '0201' + '021122334455');
    expect(buildNeighbourAdvert('198.51.100.1', '02:11:22:33:44:55')).toBeUndefined();
    expect(buildNeighbourAdvert('2001:db8::1', 'zz')).toBeUndefined();
  });

  it('reports a VIP that is not on the interface, and IPv6, as failures', async () => {
    const result = await new GarpSender({ netns: x.name }).send(
      [
        { address: '198.51.100.199', family: 4, dev: 'eth0' },
        { address: '2001:db8::180', family: 6, dev: 'eth0' },
      ],
      1,
    );
    expect(result.sent).toBe(0);
    expect(result.failures.map((f) => f.target.address)).toEqual(['2001:db8::180', '198.51.100.199']);
    expect(result.failures[0].message).toMatch(/namespace the daemon runs in/);
    expect(result.failures[1].message).toMatch(/arping exited with 2/);
  });
});
