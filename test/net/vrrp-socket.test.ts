// The raw VRRP socket adapter (src/net/vrrp-socket.ts), in two namespaces
// joined by a veth pair: what one socket sends, the other receives, with the
// IPv4 header keepalived builds (TTL 255, TOS 0xc0, DF clear, id counting up),
// never looped back to the sender; IPv6 with the kernel's checksum; failures
// as values. The sockets run in the harness program (test/vrrp/interop-harness.ts
// `socket` mode), since only a new process can enter a namespace.
// Needs root and ip netns; under CI=true it must run.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressAdapter } from '../../src/net/addresses.js';
import { VrrpSocket } from '../../src/net/vrrp-socket.js';
import { decodeAdvert, decodeIpv4Packet, encodeAdvert, parseIpv4Packet, type AdvertFields } from '../../src/vrrp/packet.js';
import { Netns, cleanupNetns, netnsUnavailableReason } from '../helpers/netns.js';
import { HarnessProcess, compileHarness, type CompiledHarness, type HarnessLine } from '../vrrp/harness-process.js';
import { cannotRun } from '../helpers/gate.js';

const X4 = '198.51.100.11';
const Y4 = '198.51.100.12';

const V2: AdvertFields = {
  version: 2,
  family: 4,
  vrid: 51,
  priority: 150,
  intervalCs: 100,
  addresses: ['198.51.100.180'],
  authType: 1,
  authData: 'secret',
};
const V2_VIEW = { version: 2 as const, authType: 1, password: 'secret', intervalCs: 100, addresses: ['198.51.100.180'] };

describe('VrrpSocket: checks before any socket exists', () => {
  it('refuses IPv4 without a source address, IPv6 without an index, bad groups and names, as values', () => {
    expect(VrrpSocket.open({ interface: 'eth0', family: 4 })).toMatchObject({ ok: false, error: expect.stringContaining('source address') });
    expect(VrrpSocket.open({ interface: 'eth0', family: 6 })).toMatchObject({ ok: false, error: expect.stringContaining('interface index') });
    expect(VrrpSocket.open({ interface: 'eth0', family: 4, sourceAddress: X4, group: 'ff02::12' })).toMatchObject({ ok: false, error: expect.stringContaining('not an IPv4') });
    expect(VrrpSocket.open({ interface: 'a very long interface name', family: 4, sourceAddress: X4 })).toMatchObject({ ok: false, error: expect.stringContaining('bad interface name') });
  });
});

const reason = netnsUnavailableReason();

describe('VrrpSocket in namespaces', () => {
  if (reason !== undefined) {
    cannotRun('VRRP socket tests', reason);
    return;
  }

  let harness: CompiledHarness;
  let x: Netns;
  let y: Netns;
  const running: HarnessProcess[] = [];

  beforeAll(async () => {
    harness = await compileHarness();
    x = Netns.create('sock-x');
    y = Netns.create('sock-y');
    // No duplicate address detection: IPv6 addresses are usable at once.
    for (const ns of [x, y]) ns.run(['sh', '-c', 'echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad; echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad']);
    x.addVeth('eth0', { peer: 'eth1', peerNs: y });
    x.addAddress('eth0', `${X4}/24`);
    y.addAddress('eth1', `${Y4}/24`);
  });

  afterAll(async () => {
    for (const p of running) await p.stop('SIGKILL', 5_000);
    harness?.dispose();
    cleanupNetns();
  });

  async function probe(ns: Netns, name: string, args: string[]): Promise<HarnessProcess> {
    const p = HarnessProcess.start(ns, harness, name, ['socket', ...args]);
    running.push(p);
    const ready = await p.waitFor((l) => l.type === 'ready' || l.type === 'open-failed' || l.type === 'fatal', 15_000);
    if (ready?.type !== 'ready') throw new Error(`${name} did not open its socket\n${p.describe()}`);
    return p;
  }

  function packets(p: HarnessProcess): HarnessLine[] {
    return p.lines.filter((l) => l.type === 'packet');
  }

  it('IPv4 multicast: keepalived\'s header, the group on the receiving side, nothing looped back, ids counting up', async () => {
    const rx = await probe(x, 'x4', ['--interface', 'eth0', '--family', '4', '--source', X4]);
    const tx = await probe(y, 'y4', ['--interface', 'eth1', '--family', '4', '--source', Y4]);
    const message = encodeAdvert(V2);
    tx.send(JSON.stringify({ send: message.toString('hex'), to: '224.0.0.18' }));
    tx.send(JSON.stringify({ send: message.toString('hex') }));
    const sent = await tx.waitFor((l) => l.type === 'sent', 5_000);
    expect(sent?.result).toMatchObject({ ok: true, bytes: 20 + message.length });
    const second = await rx.waitFor((l) => l.type === 'packet' && packets(rx).length >= 2, 5_000);
    expect(second, rx.describe()).toBeDefined();
    const got = packets(rx);
    expect(got.length).toBe(2);
    const headers = got.map((l) => {
      const bytes = Buffer.from(String(l.bytes), 'hex');
      const ip = parseIpv4Packet(bytes);
      if (!ip.ok) throw new Error(ip.detail);
      expect(l.source).toBe(Y4);
      const decoded = decodeIpv4Packet(bytes, { instance: V2_VIEW });
      expect(decoded).toMatchObject({ ok: true, advert: { vrid: 51, priority: 150, addresses: ['198.51.100.180'] } });
      return ip.header;
    });
    for (const h of headers) {
      expect(h).toMatchObject({ headerLength: 20, tos: 0xc0, ttl: 255, protocol: 112, flags: 0, src: Y4, dst: '224.0.0.18' });
    }
    expect(headers[0].id).toBeGreaterThan(0);
    expect(headers[1].id).toBe(headers[0].id + 1);
    // IP_MULTICAST_LOOP is off: the sender never hears itself.
    await new Promise((r) => setTimeout(r, 300));
    expect(packets(tx)).toEqual([]);
    await rx.stop();
    await tx.stop();
  });

  it('IPv4 unicast to a peer: TTL 255, the peer as destination', async () => {
    const rx = await probe(x, 'x4u', ['--interface', 'eth0', '--family', '4', '--source', X4, '--no-join']);
    const tx = await probe(y, 'y4u', ['--interface', 'eth1', '--family', '4', '--source', Y4, '--no-join']);
    tx.send(JSON.stringify({ send: encodeAdvert({ ...V2, version: 3, authType: 0, authData: '' }, { src: Y4, dst: X4 }).toString('hex'), to: X4 }));
    const got = await rx.waitFor((l) => l.type === 'packet', 5_000);
    expect(got, rx.describe()).toBeDefined();
    const bytes = Buffer.from(String(got!.bytes), 'hex');
    const ip = parseIpv4Packet(bytes);
    expect(ip.ok && ip.header).toMatchObject({ ttl: 255, tos: 0xc0, src: Y4, dst: X4 });
    const decoded = decodeIpv4Packet(bytes, { instance: { version: 3, intervalCs: 100, unicastPeers: [{ address: Y4 }], checkUnicastSrc: true } });
    expect(decoded).toMatchObject({ ok: true, checksumForm: 'pseudo-header' });
    await rx.stop();
    await tx.stop();
  });

  it('IPv6 multicast: the kernel fills in the standard checksum, the receiver gets the message from the link-local source', async () => {
    const xInfo = await new AddressAdapter({ netns: x.name }).interfaceInfo('eth0');
    const yInfo = await new AddressAdapter({ netns: y.name }).interfaceInfo('eth1');
    if (!xInfo.ok || !yInfo.ok) throw new Error('cannot read the interfaces');
    const rx = await probe(x, 'x6', ['--interface', 'eth0', '--family', '6', '--ifindex', String(xInfo.info.index)]);
    const tx = await probe(y, 'y6', ['--interface', 'eth1', '--family', '6', '--ifindex', String(yInfo.info.index)]);
    const fields: AdvertFields = { version: 3, family: 6, vrid: 53, priority: 120, intervalCs: 20, addresses: ['fe80::53:1', '2001:db8::180'] };
    // No src/dst: checksum left 0 for the kernel (IPV6_CHECKSUM).
    const message = encodeAdvert(fields);
    expect(message.readUInt16BE(6)).toBe(0);
    tx.send(JSON.stringify({ send: message.toString('hex'), to: 'ff02::12' }));
    const got = await rx.waitFor((l) => l.type === 'packet', 5_000);
    expect(got, `${rx.describe()}\n${tx.describe()}`).toBeDefined();
    const source = String(got!.source);
    expect(source.startsWith('fe80:')).toBe(true);
    const bytes = Buffer.from(String(got!.bytes), 'hex');
    // Verify the checksum ourselves as well: the standard IPv6 pseudo-header form.
    const decoded = decodeAdvert(bytes, { family: 6, src: source, dst: 'ff02::12', checksumVerified: false, instance: { version: 3, intervalCs: 20, addresses: fields.addresses } });
    expect(decoded).toMatchObject({ ok: true, checksumForm: 'pseudo-header', advert: { vrid: 53, priority: 120 } });
    await rx.stop();
    await tx.stop();
  });

  it('reports failures as values: an unknown interface at open, a bad destination at send', async () => {
    const bad = HarnessProcess.start(x, harness, 'x-bad', ['socket', '--interface', 'nosuch0', '--family', '4', '--source', X4]);
    running.push(bad);
    const failed = await bad.waitFor((l) => l.type === 'open-failed' || l.type === 'ready', 15_000);
    expect(failed?.type).toBe('open-failed');
    expect(String(failed?.error)).toMatch(/nosuch0/);
    const ok = await probe(x, 'x-send', ['--interface', 'eth0', '--family', '4', '--source', X4]);
    ok.send(JSON.stringify({ send: '00', to: 'not-an-address' }));
    ok.send(JSON.stringify({ send: encodeAdvert(V2).toString('hex'), to: '2001:db8::1' }));
    await ok.waitFor((l) => l.type === 'sent' && l.to === '2001:db8::1', 5_000);
    const results = ok.lines.filter((l) => l.type === 'sent').map((l) => l.result);
    expect(results).toEqual([
      { ok: false, error: expect.stringContaining('not an IPv4 address') },
      { ok: false, error: expect.stringContaining('not an IPv4 address') },
    ]);
    expect(ok.running).toBe(true);
    await ok.stop();
  });
});
