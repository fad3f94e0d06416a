// Diffing live against desired: table-driven cases written as ipvsadm -Sn
// text, then a property test that applies the batch to the ipvsadm emulator
// (in-process) and checks the outcome: it applies cleanly, the desired table
// is there, nobody else's entries were touched, and a second diff is empty.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOperations, diffTables, formatBatch, teardownOperations } from '../../src/ipvs/diff.js';
import {
  destinationId,
  formatSave,
  parseSave,
  serviceKeyText,
  type IpvsDestination,
  type IpvsService,
  type IpvsTable,
  type TableKeys,
} from '../../src/ipvs/table.js';
import { emptyTable } from './emulator/lib/kernel.mjs';
import { runIpvsadm } from './emulator/lib/run.mjs';

const lines = (...l: string[]): string => l.map((x) => `${x}\n`).join('');
const keysOf = (t: IpvsTable): TableKeys => ({
  services: new Set(t.services.map((s) => serviceKeyText(s.key))),
  destinations: new Set(t.services.flatMap((s) => s.destinations.map((d) => destinationId(s.key, d)))),
});
const NOTHING: TableKeys = { services: new Set(), destinations: new Set() };

function batch(live: string, desired: string, owned: TableKeys | 'desired' = 'desired'): string {
  const want = parseSave(desired);
  return formatBatch(diffTables(parseSave(live), want, owned === 'desired' ? keysOf(want) : owned).operations);
}

const LAB = lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 1', '-a -t 198.51.100.180:80 -r 198.51.100.22:80 -g -w 1');

describe('diffTables', () => {
  it('adds the whole table to an empty kernel, services before their destinations', () => {
    expect(batch('', LAB)).toBe(LAB);
  });

  it('adopts entries that already exist and match: nothing to do', () => {
    expect(batch(LAB, LAB)).toBe('');
  });

  it('adds only what is missing next to adopted entries', () => {
    expect(batch(lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 1'), LAB)).toBe(
      lines('-a -t 198.51.100.180:80 -r 198.51.100.22:80 -g -w 1'),
    );
  });

  it('removes a failed real server we own', () => {
    const desired = lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.22:80 -g -w 1');
    expect(batch(LAB, desired, keysOf(parseSave(LAB)))).toBe(lines('-d -t 198.51.100.180:80 -r 198.51.100.21:80'));
  });

  it('leaves destinations and services it does not own alone', () => {
    const live = LAB + lines('-A -t 198.51.100.200:80 -s wlc', '-a -t 198.51.100.200:80 -r 198.51.100.30:80 -m -w 1');
    const desired = lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.22:80 -g -w 1');
    expect(batch(live, desired, NOTHING)).toBe('');
  });

  it('edits a weight instead of removing and adding (inhibit_on_failure)', () => {
    const desired = LAB.replace('198.51.100.21:80 -g -w 1', '198.51.100.21:80 -g -w 0');
    expect(batch(LAB, desired)).toBe(lines('-e -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 0'));
  });

  it('edits forwarding, tunnels and connection limits, naming everything ipvsadm would otherwise reset', () => {
    const live = parseSave(lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -i -w 2 --tun-type ipip'));
    live.services[0].destinations[0] = { ...live.services[0].destinations[0], upperThreshold: 0, lowerThreshold: 0 };
    const desired = parseSave(lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.21:80 -i -w 2 --tun-type gue --tun-port 6080 --tun-csum'));
    desired.services[0].destinations[0] = { ...desired.services[0].destinations[0], upperThreshold: 50, lowerThreshold: 5 };
    expect(formatBatch(diffTables(live, desired, keysOf(desired)).operations)).toBe(
      lines('-e -t 198.51.100.180:80 -r 198.51.100.21:80 -i -w 2 -x 50 -y 5 --tun-type gue --tun-port 6080 --tun-csum'),
    );
  });

  it('ignores connection limits the live table does not know (read with -Sn alone)', () => {
    const desired = parseSave(LAB);
    desired.services[0].destinations[0] = { ...desired.services[0].destinations[0], upperThreshold: 50, lowerThreshold: 5 };
    expect(diffTables(parseSave(LAB), desired, keysOf(desired)).operations).toEqual([]);
  });

  it('edits a service whose scheduler, persistence or flags changed', () => {
    const desired = LAB.replace('-A -t 198.51.100.180:80 -s rr', '-A -t 198.51.100.180:80 -s sh -p 300 -M 255.255.255.0 -b sh-port');
    expect(batch(LAB, desired)).toBe(lines('-E -t 198.51.100.180:80 -s sh -p 300 -M 255.255.255.0 -b sh-port'));
  });

  it('swaps the sorry server in: adds before it removes, so the pool is never empty', () => {
    const desired = lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.99:80 -g -w 1');
    expect(batch(LAB, desired, keysOf(parseSave(LAB)))).toBe(
      lines('-a -t 198.51.100.180:80 -r 198.51.100.99:80 -g -w 1', '-d -t 198.51.100.180:80 -r 198.51.100.21:80', '-d -t 198.51.100.180:80 -r 198.51.100.22:80'),
    );
  });

  it('removes an owned service that is no longer wanted (its destinations go with it), after the rest', () => {
    const old = lines('-A -f 7 -s wlc', '-a -f 7 -r 198.51.100.23:0 -g -w 1');
    expect(batch(old + LAB, LAB, keysOf(parseSave(old + LAB)))).toBe(lines('-D -f 7'));
  });

  it('removes an owned destination left in a service it does not own', () => {
    const live = lines('-A -t 198.51.100.200:80 -s wlc', '-a -t 198.51.100.200:80 -r 198.51.100.30:80 -m -w 1', '-a -t 198.51.100.200:80 -r 198.51.100.31:80 -m -w 1');
    const owned: TableKeys = { services: new Set(), destinations: new Set(['tcp 198.51.100.200:80 -> 198.51.100.31:80']) };
    expect(batch(live, '', owned)).toBe(lines('-d -t 198.51.100.200:80 -r 198.51.100.31:80'));
  });

  it('replaces a destination whose port changed (the port is part of its key)', () => {
    const live = lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.21:8080 -m -w 1');
    const desired = lines('-A -t 198.51.100.180:80 -s rr', '-a -t 198.51.100.180:80 -r 198.51.100.21:8081 -m -w 1');
    expect(batch(live, desired, keysOf(parseSave(live + desired.split('\n')[1])))).toBe(
      lines('-a -t 198.51.100.180:80 -r 198.51.100.21:8081 -m -w 1', '-d -t 198.51.100.180:80 -r 198.51.100.21:8080'),
    );
  });

  it('writes IPv6, fwmark, UDP and SCTP services the way -R reads them', () => {
    const desired = lines(
      '-A -t [2001:db8::180]:443 -s rr -p 60 -M 64',
      '-a -t [2001:db8::180]:443 -r [2001:db8::21]:443 -g -w 1',
      '-A -f 9 -6 -s wlc',
      '-a -f 9 -6 -r [2001:db8::21]:0 -g -w 1',
      '-A -u 198.51.100.180:53 -s wrr -o',
      '-A --sctp-service 198.51.100.180:2905 -s rr',
    );
    expect(batch('', desired)).toBe(
      lines(
        '-A -t [2001:db8::180]:443 -s rr -p 60 -M 64',
        '-A -f 9 -6 -s wlc',
        '-A -u 198.51.100.180:53 -s wrr -o',
        '-A --sctp-service 198.51.100.180:2905 -s rr',
        '-a -t [2001:db8::180]:443 -r [2001:db8::21]:443 -g -w 1',
        '-a -f 9 -6 -r [2001:db8::21]:0 -g -w 1',
      ),
    );
  });

  it('reports what it will own: the desired entries', () => {
    const desired = parseSave(LAB);
    const { owned } = diffTables(parseSave(''), desired, NOTHING);
    expect([...owned.services]).toEqual(['tcp 198.51.100.180:80']);
    expect([...owned.destinations]).toEqual(['tcp 198.51.100.180:80 -> 198.51.100.21:80', 'tcp 198.51.100.180:80 -> 198.51.100.22:80']);
  });
});

describe('teardownOperations', () => {
  it('removes owned services and owned destinations of other services, destinations first', () => {
    const live = parseSave(LAB + lines('-A -t 198.51.100.200:80 -s wlc', '-a -t 198.51.100.200:80 -r 198.51.100.31:80 -m -w 1'));
    const owned: TableKeys = { services: new Set(['tcp 198.51.100.180:80']), destinations: new Set(['tcp 198.51.100.200:80 -> 198.51.100.31:80']) };
    expect(formatBatch(teardownOperations(live, owned))).toBe(lines('-d -t 198.51.100.200:80 -r 198.51.100.31:80', '-D -t 198.51.100.180:80'));
  });
});

// ---------------------------------------------------------------------------
// Property: the batch does what the diff says, on the emulated kernel.

const SERVICE_KEYS = [
  { kind: 'address', protocol: 'tcp', family: 4, address: '198.51.100.180', port: 80 },
  { kind: 'address', protocol: 'tcp', family: 4, address: '198.51.100.180', port: 443 },
  { kind: 'address', protocol: 'udp', family: 4, address: '198.51.100.180', port: 53 },
  { kind: 'address', protocol: 'tcp', family: 6, address: '2001:db8::180', port: 80 },
  { kind: 'fwmark', family: 4, fwmark: 7 },
  { kind: 'fwmark', family: 6, fwmark: 7 },
] as const;

const arbDestination = (service: (typeof SERVICE_KEYS)[number]): fc.Arbitrary<IpvsDestination> =>
  fc
    .record({
      host: fc.integer({ min: 21, max: 25 }),
      forwarding: fc.constantFrom('nat', 'dr', 'tun') as fc.Arbitrary<IpvsDestination['forwarding']>,
      natPort: fc.constantFrom(80, 8080),
      weight: fc.integer({ min: 0, max: 3 }),
      tunnel: fc.constantFrom({ type: 'ipip' as const }, { type: 'gue' as const, port: 6080, checksum: 'csum' as const }, { type: 'gre' as const, checksum: 'nocsum' as const }),
    })
    .map(({ host, forwarding, natPort, weight, tunnel }) => {
      const family = service.family;
      const address = family === 4 ? `198.51.100.${host}` : `2001:db8::${host}`;
      const directPort = service.kind === 'fwmark' ? 0 : service.port;
      return { family, address, port: forwarding === 'nat' ? natPort : directPort, forwarding, weight, ...(forwarding === 'tun' ? { tunnel } : {}) };
    });

const arbService = (key: (typeof SERVICE_KEYS)[number]): fc.Arbitrary<IpvsService> =>
  fc
    .record({
      scheduler: fc.constantFrom('rr', 'wrr', 'wlc', 'sh'),
      persistence: fc.option(fc.record({ timeout: fc.constantFrom(60, 300), netmask: fc.constantFrom(undefined, key.family === 4 ? '255.255.255.0' : '64') }), { nil: undefined }),
      destinations: fc.uniqueArray(arbDestination(key), { maxLength: 4, selector: (d) => `${d.address}:${d.port}` }),
    })
    .map(({ scheduler, persistence, destinations }) => ({
      key: { ...key },
      scheduler,
      schedFlags: 0,
      ...(persistence ? { persistence: { timeout: persistence.timeout, ...(persistence.netmask ? { netmask: persistence.netmask } : {}) } } : {}),
      onePacket: false,
      destinations,
    }));

const arbTable: fc.Arbitrary<IpvsTable> = fc
  .subarray([...SERVICE_KEYS])
  .chain((keys): fc.Arbitrary<IpvsService[]> => (keys.length === 0 ? fc.constant([]) : fc.tuple(...keys.map(arbService))))
  .map((services) => ({ services }));

/** Runs ipvsadm (the emulator) on a kernel table, in-process. */
function ipvsadm(table: ReturnType<typeof emptyTable>, args: string[], stdin = '') {
  return runIpvsadm(args, { table, readStdin: () => stdin });
}

const sorted = (t: IpvsTable): string =>
  formatSave({ services: [...t.services].sort((a, b) => serviceKeyText(a.key).localeCompare(serviceKeyText(b.key))).map((s) => ({ ...s, destinations: [...s.destinations].sort((a, b) => `${a.address}:${a.port}`.localeCompare(`${b.address}:${b.port}`)) })) });

describe('diff batches on the emulated ipvsadm', () => {
  it('apply cleanly, reach the desired table, spare foreign entries and converge', () => {
    fc.assert(
      fc.property(arbTable, arbTable, fc.double({ min: 0, max: 1, noNaN: true }), (live, desired, ownedShare) => {
        const kernel = ipvsadm(emptyTable(), ['-R'], formatSave(live));
        expect(kernel.stderr).toBe('');
        // We own a part of the live entries (say, from before a restart), plus whatever we want.
        const liveKeys = keysOf(live);
        const pick = (set: ReadonlySet<string>): Set<string> => new Set([...set].filter((_, i, all) => i < all.length * ownedShare));
        const owned: TableKeys = {
          services: new Set([...pick(liveKeys.services), ...keysOf(desired).services]),
          destinations: new Set([...pick(liveKeys.destinations), ...keysOf(desired).destinations]),
        };
        const { operations } = diffTables(live, desired, owned);
        const applied = ipvsadm(kernel.table, ['-R'], formatBatch(operations));
        expect({ status: applied.status, stderr: applied.stderr }).toEqual({ status: 0, stderr: '' });

        const after = parseSave(ipvsadm(applied.table, ['-Sn']).stdout);
        const afterByKey = new Map(after.services.map((s) => [serviceKeyText(s.key), s]));
        for (const s of desired.services) {
          const got = afterByKey.get(serviceKeyText(s.key));
          expect(got).toBeDefined();
          const wantedDests = new Set(s.destinations.map((d) => destinationId(s.key, d)));
          const foreignLeft = (got?.destinations ?? []).filter((d) => !wantedDests.has(destinationId(s.key, d)));
          expect(sorted({ services: [{ ...got!, destinations: got!.destinations.filter((d) => wantedDests.has(destinationId(s.key, d))) }] })).toBe(sorted({ services: [s] }));
          for (const d of foreignLeft) expect(owned.destinations.has(destinationId(s.key, d))).toBe(false);
        }
        for (const s of live.services) {
          const key = serviceKeyText(s.key);
          if (keysOf(desired).services.has(key)) continue;
          if (owned.services.has(key)) expect(afterByKey.has(key)).toBe(false);
          else {
            const kept = afterByKey.get(key);
            expect(kept).toBeDefined();
            const expectedLeft = s.destinations.filter((d) => !owned.destinations.has(destinationId(s.key, d)));
            expect(sorted({ services: [kept!] })).toBe(sorted({ services: [{ ...s, destinations: expectedLeft }] }));
          }
        }
        expect(diffTables(after, desired, owned).operations).toEqual([]);
        // What the reconciler remembers instead of reading the table again is what ipvsadm shows.
        expect(sorted(applyOperations(live, operations))).toBe(sorted(after));
      }),
      { numRuns: 300 },
    );
  });

  it('tear down leaves only what we never owned', () => {
    fc.assert(
      fc.property(arbTable, arbTable, (foreign, ours) => {
        const ourKeys = keysOf(ours);
        const foreignOnly: IpvsTable = { services: foreign.services.filter((s) => !ourKeys.services.has(serviceKeyText(s.key))) };
        const start = ipvsadm(emptyTable(), ['-R'], formatSave(foreignOnly) + formatSave(ours));
        expect(start.stderr).toBe('');
        const live = parseSave(ipvsadm(start.table, ['-Sn']).stdout);
        const down = ipvsadm(start.table, ['-R'], formatBatch(teardownOperations(live, ourKeys)));
        expect(down.stderr).toBe('');
        expect(sorted(parseSave(ipvsadm(down.table, ['-Sn']).stdout))).toBe(sorted(foreignOnly));
      }),
      { numRuns: 200 },
    );
  });
});
