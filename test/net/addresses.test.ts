// The address adapter (src/net/addresses.ts): the `ip` lines it writes, how
// it reads ip's answers, and the real thing in a namespace (add, refresh,
// lease expiry, removal, failures as values). Namespace tests need root and
// ip netns; under CI=true they must run.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressAdapter, linkLocalIpv6, parseBatchErrors, parseInterfaceJson, primaryIpv4, vipCommand, type VipSpec } from '../../src/net/addresses.js';
import { Netns, cleanupNetns, netnsUnavailableReason } from '../helpers/netns.js';
import { cannotRun } from '../helpers/gate.js';

const VIP: VipSpec = { address: '198.51.100.180', prefix: 32, family: 4, dev: 'eth0' };

describe('ip batch lines', () => {
  it('adds with replace (idempotent) and deletes by address/prefix and device', () => {
    expect(vipCommand('replace', VIP)).toBe('address replace 198.51.100.180/32 dev eth0');
    expect(vipCommand('del', VIP)).toBe('address del 198.51.100.180/32 dev eth0');
  });

  it('passes brd, scope, label, peer and flags through, on add only', () => {
    const v: VipSpec = { ...VIP, prefix: 24, broadcast: '+', scope: 'link', label: 'eth0:vip', peer: '198.51.100.1', flags: ['noprefixroute'] };
    expect(vipCommand('replace', v)).toBe('address replace 198.51.100.180/24 peer 198.51.100.1 dev eth0 brd + scope link label eth0:vip noprefixroute');
    expect(vipCommand('del', v)).toBe('address del 198.51.100.180/24 dev eth0');
  });

  it('adds a lease as valid_lft / preferred_lft (whole seconds, preferred never above valid nor above the line\'s own)', () => {
    expect(vipCommand('replace', VIP, { validSec: 7.2, preferredSec: 7.2 })).toBe('address replace 198.51.100.180/32 dev eth0 valid_lft 8 preferred_lft 8');
    expect(vipCommand('replace', { ...VIP, preferredLft: 0 }, { validSec: 8, preferredSec: 8 })).toMatch(/valid_lft 8 preferred_lft 0$/);
    expect(vipCommand('replace', { ...VIP, family: 6, address: '2001:db8::180', prefix: 64, preferredLft: 'forever' })).toBe('address replace 2001:db8::180/64 dev eth0 preferred_lft forever');
  });

  it('refuses a field that would split the line (a programming error)', () => {
    expect(() => vipCommand('replace', { ...VIP, label: 'a b' })).toThrow(RangeError);
  });

  it('reads ip -force -batch errors by line, marking deletions of absent addresses', () => {
    const lines = ['address replace 198.51.100.180/32 dev eth0', 'address del 198.51.100.181/32 dev eth0', 'address replace 198.51.100.182/32 dev nosuch'];
    const stderr = 'Error: ipv4: Address not found.\nCommand failed -:2\nCannot find device "nosuch"\nCommand failed -:3\n';
    expect(parseBatchErrors(stderr, lines)).toEqual([
      { lineNumber: 2, line: lines[1], message: 'Error: ipv4: Address not found.', absent: true, exists: false },
      { lineNumber: 3, line: lines[2], message: 'Cannot find device "nosuch"', absent: false, exists: false },
    ]);
  });

  it('reads ip -j address show: index, MAC, state, primary IPv4 (not a secondary, not our VIP), link-local IPv6', () => {
    const json = JSON.stringify([
      {
        ifindex: 3,
        ifname: 'eth0',
        flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
        mtu: 1500,
        address: '1a:0f:ac:90:93:fc',
        addr_info: [
          { family: 'inet', local: '198.51.100.180', prefixlen: 32, scope: 'global' },
          { family: 'inet', local: '198.51.100.11', prefixlen: 24, scope: 'global' },
          { family: 'inet', local: '198.51.100.12', prefixlen: 24, scope: 'global', secondary: true },
          { family: 'inet6', local: '2001:db8::11', prefixlen: 64, scope: 'global' },
          { family: 'inet6', local: 'fe80::180f:acff:fe90:93fc', prefixlen: 64, scope: 'link', tentative: true },
        ],
      },
    ]);
    const r = parseInterfaceJson(json, 'eth0');
    if (!r.ok) throw new Error(r.error);
    expect(r.info).toMatchObject({ name: 'eth0', index: 3, mac: '1a:0f:ac:90:93:fc', mtu: 1500, up: true });
    expect(primaryIpv4(r.info)).toBe('198.51.100.180');
    expect(primaryIpv4(r.info, ['198.51.100.180'])).toBe('198.51.100.11');
    expect(linkLocalIpv6(r.info)).toBe('fe80::180f:acff:fe90:93fc');
    expect(parseInterfaceJson('[]', 'eth9')).toEqual({ ok: false, error: 'no interface eth9' });
    expect(parseInterfaceJson('not json', 'eth9').ok).toBe(false);
  });
});

const reason = netnsUnavailableReason();

describe('AddressAdapter in a namespace', () => {
  if (reason !== undefined) {
    cannotRun('address adapter tests', reason);
    return;
  }

  let ns: Netns;
  let ip: AddressAdapter;
  const VIP2: VipSpec = { ...VIP, address: '198.51.100.181' };

  beforeAll(() => {
    ns = Netns.create('addr');
    ns.addVeth('eth0');
    ns.addAddress('eth0', '198.51.100.11/24');
    ip = new AddressAdapter({ netns: ns.name });
  });
  afterAll(() => cleanupNetns());

  it('persistent mode: one long-running ip takes batch after batch, failures kept to their own batch and line', async () => {
    const long = new AddressAdapter({ netns: ns.name, persistent: true });
    try {
      const timings: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await long.addVips([VIP, VIP2]);
        expect(r).toMatchObject({ ok: true, failures: [] });
        timings.push(r.durationMs);
      }
      const bad = await long.runBatch(['address replace 198.51.100.182/32 dev eth0', 'address replace 198.51.100.183/32 dev nosuch0', 'address del 198.51.100.199/32 dev eth0']);
      expect(bad.ok).toBe(false);
      expect(bad.failures).toEqual([
        expect.objectContaining({ lineNumber: 2, absent: false, message: expect.stringMatching(/nosuch0/) }),
        expect.objectContaining({ lineNumber: 3, absent: true }),
      ]);
      const removed = await long.removeVips([VIP, VIP2, { ...VIP, address: '198.51.100.182' }]);
      expect(removed).toMatchObject({ ok: true, failures: [] });
      expect(await onEth0()).toEqual(['198.51.100.11/24']);
      // After close, the next change starts a new ip.
      long.close();
      expect(await long.addVips([VIP])).toMatchObject({ ok: true });
      expect(await long.removeVips([VIP])).toMatchObject({ ok: true });
      const once = await ip.addVips([VIP]);
      await ip.removeVips([VIP]);
      console.log(`VIP change: ${timings.map((t) => t.toFixed(1)).join(', ')} ms through the running ip; ${once.durationMs.toFixed(1)} ms with a new ip`);
      expect(await long.runBatch(['address show dev lo\naddress flush dev eth0'])).toMatchObject({ ok: false, error: expect.stringContaining('line break') });
    } finally {
      long.close();
    }
  });

  async function onEth0(): Promise<string[]> {
    const r = await ip.interfaceInfo('eth0');
    if (!r.ok) throw new Error(r.error);
    return r.info.ipv4.map((a) => `${a.address}/${a.prefix}`);
  }

  it('adds several VIPs in one batch, again without error, and removes them', async () => {
    const added = await ip.addVips([VIP, VIP2]);
    expect(added).toMatchObject({ ok: true, failures: [] });
    expect(await onEth0()).toEqual(expect.arrayContaining(['198.51.100.11/24', '198.51.100.180/32', '198.51.100.181/32']));
    expect(await ip.addVips([VIP, VIP2])).toMatchObject({ ok: true });
    const present = await ip.presentVips([VIP, VIP2, { ...VIP, address: '198.51.100.182' }]);
    expect(present.ok && present.present.map((v) => v.address)).toEqual(['198.51.100.180', '198.51.100.181']);
    const info = await ip.interfaceInfo('eth0');
    expect(info.ok && primaryIpv4(info.info, [VIP.address, VIP2.address])).toBe('198.51.100.11');
    expect(await ip.removeVips([VIP, VIP2])).toMatchObject({ ok: true, failures: [] });
    expect(await onEth0()).toEqual(['198.51.100.11/24']);
  });

  it('reports a VIP that was not there as absent, and a bad device as a failure, without stopping the batch', async () => {
    const removed = await ip.removeVips([VIP]);
    expect(removed.ok).toBe(false);
    expect(removed.failures).toEqual([expect.objectContaining({ lineNumber: 1, absent: true })]);
    const added = await ip.addVips([{ ...VIP, dev: 'nosuch0' }, VIP2]);
    expect(added.ok).toBe(false);
    expect(added.failures).toEqual([expect.objectContaining({ lineNumber: 1, absent: false, message: expect.stringMatching(/nosuch0/) })]);
    expect(await onEth0()).toContain('198.51.100.181/32');
    await ip.removeVips([VIP2]);
  });

  it('leases a VIP: the kernel drops it when valid_lft runs out unless it is refreshed', async () => {
    expect(await ip.addVips([VIP, VIP2], { validSec: 3, preferredSec: 3 })).toMatchObject({ ok: true });
    const shown = ns.ip('addr', 'show', 'dev', 'eth0').stdout;
    expect(shown).toMatch(/198\.51\.100\.180\/32 scope global dynamic eth0\s+valid_lft [23]sec preferred_lft [23]sec/);
    // Refresh only VIP2, twice, while VIP's lease runs out.
    const started = performance.now();
    let goneAfter: number | undefined;
    while (performance.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 500));
      await ip.addVips([VIP2], { validSec: 3, preferredSec: 3 });
      const now = await onEth0();
      if (!now.includes('198.51.100.180/32')) {
        goneAfter = performance.now() - started;
        break;
      }
    }
    console.log(`leased VIP (valid_lft 3) gone after ${goneAfter?.toFixed(0)} ms`);
    expect(goneAfter).toBeDefined();
    expect(await onEth0()).toContain('198.51.100.181/32');
    await ip.removeVips([VIP2]);
  });

  it('returns an error value for an interface that does not exist', async () => {
    const r = await ip.interfaceInfo('nosuch0');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/nosuch0/);
    const missing = await new AddressAdapter({ netns: ns.name, ipBinary: '/nonexistent/ip' }).addVips([VIP]);
    expect(missing.ok).toBe(false);
    expect(missing.error).toMatch(/could not run/);
  });
});
