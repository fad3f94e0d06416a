// The link monitor: parsing of `ip` output (pure), then a real `ip monitor`
// in a network namespace of our own, with a veth pair we set down and up.
// Needs root and ip netns; under CI=true it must run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkMonitor, isLinkUp, parseLinkDump, parseMonitorLine } from '../../src/net/link-monitor.js';
import { Netns, cleanupNetns, netnsUnavailableReason } from '../helpers/netns.js';
import { cannotRun } from '../helpers/gate.js';

describe('ip output parsing', () => {
  it('up = UP and RUNNING (no NO-CARRIER)', () => {
    expect(isLinkUp(['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'])).toBe(true);
    expect(isLinkUp(['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'])).toBe(false);
    expect(isLinkUp(['BROADCAST', 'MULTICAST'])).toBe(false);
  });

  it('monitor lines: links with @peer, state, deletions; other lines ignored', () => {
    expect(parseMonitorLine('3: eth0@ktsp0: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default \\    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff')).toEqual({
      kind: 'link',
      link: { name: 'eth0', index: 3, up: false, flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP', 'M-DOWN'], operstate: 'LOWERLAYERDOWN' },
    });
    expect(parseMonitorLine('4: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP')?.kind).toBe('link');
    expect(parseMonitorLine('Deleted 4: eth1: <BROADCAST,MULTICAST> mtu 1500 state DOWN')).toEqual({ kind: 'deleted', name: 'eth1', index: 4 });
    expect(parseMonitorLine('    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff')).toBeUndefined();
  });

  it('`ip -j link show`', () => {
    const links = parseLinkDump('[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"operstate":"UNKNOWN"},{"ifindex":5,"ifname":"e","flags":["BROADCAST"]}]');
    expect(links.map((l) => `${l.name}:${l.index}:${l.up}`)).toEqual(['lo:1:true', 'e:5:false']);
  });
});

const reason = netnsUnavailableReason();

describe('LinkMonitor in a namespace', () => {
  if (reason !== undefined) {
    cannotRun('link monitor tests', reason);
    return;
  }

  let ns: Netns;
  let peer: string;
  let monitor: LinkMonitor;
  const changes: string[] = [];

  beforeAll(async () => {
    ns = Netns.create('linkmon');
    peer = ns.addVeth('eth0');
    monitor = new LinkMonitor({ netns: ns.name, resyncMs: 0 });
    monitor.onChange((name, up) => changes.push(`${name} ${up ? 'up' : 'down'}`));
    await monitor.start();
  });
  afterAll(async () => {
    await monitor?.stop();
    cleanupNetns();
  });

  async function waitFor(pred: () => boolean, ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    while (!pred() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  it('reads the initial state', () => {
    expect(monitor.isUp('lo')).toBe(true);
    expect(monitor.isUp('eth0')).toBe(true);
    expect(monitor.isUp(peer)).toBe(true);
    expect(monitor.isUp('nonexistent')).toBeUndefined();
  });

  it('sees an interface set down and up, and the carrier loss when the peer goes down', async () => {
    changes.length = 0;
    ns.ip('link', 'set', 'eth0', 'down');
    await waitFor(() => monitor.isUp('eth0') === false);
    expect(monitor.isUp('eth0')).toBe(false);
    ns.ip('link', 'set', 'eth0', 'up');
    await waitFor(() => monitor.isUp('eth0') === true);
    expect(monitor.isUp('eth0')).toBe(true);
    // Peer down: eth0 stays administratively UP but loses its carrier (NO-CARRIER) -> down.
    ns.ip('link', 'set', peer, 'down');
    await waitFor(() => monitor.isUp('eth0') === false);
    expect(monitor.get('eth0')?.flags).toContain('NO-CARRIER');
    ns.ip('link', 'set', peer, 'up');
    await waitFor(() => monitor.isUp('eth0') === true);
    expect(changes.filter((c) => c.startsWith('eth0 '))).toEqual(['eth0 down', 'eth0 up', 'eth0 down', 'eth0 up']);
  });

  it('reports a deleted interface as gone', async () => {
    ns.ip('link', 'del', 'eth0');
    await waitFor(() => monitor.isUp('eth0') === undefined && monitor.isUp(peer) === undefined);
    expect(monitor.isUp('eth0')).toBeUndefined();
    expect(changes.at(-1)).toMatch(/ down$/);
  });
});
