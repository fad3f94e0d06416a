// The save format against what the real ipvsadm 1.31 printed (the emulator's
// fixture): every recorded -Sn output parses, and writing the parsed table
// gives the same text back; the threshold listing fills in what -S leaves out.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatSave,
  IpvsParseError,
  parseSave,
  parseThresholdListing,
  serviceKeyText,
  usesThresholds,
  withThresholds,
  type IpvsTable,
} from '../../src/ipvs/table.js';

interface RecordedStep {
  args: string[];
  stdout: string;
  status: number | null;
}
const recording = JSON.parse(readFileSync(join(new URL('.', import.meta.url).pathname, 'emulator', 'fixtures', 'ipvsadm-1.31-linux-6.1.json'), 'utf8')) as {
  cases: { name: string; steps: RecordedStep[] }[];
};
const recorded = (args: string[]): string[] =>
  recording.cases.flatMap((c) => c.steps.filter((s) => s.status === 0 && JSON.stringify(s.args) === JSON.stringify(args)).map((s) => s.stdout));

/**
 * Lines that do not come back as printed: a firewall mark above 2^31 printed
 * with %d ("-f -1", which ipvsadm itself does not accept back), and "-b " with
 * nothing after it (sh with only flag-3, which ipvsadm does not name for sh).
 */
const unreadable = (line: string): boolean => /-f -\d/.test(line) || / -b $/.test(line);

describe('parseSave reads ipvsadm -Sn', () => {
  const saves = recorded(['-Sn']).filter((out) => out !== '');

  it('has recorded outputs to read', () => {
    expect(saves.length).toBeGreaterThan(30);
  });

  it('writes every recorded table back as ipvsadm printed it', () => {
    for (const out of saves) {
      const readable = out.split('\n').filter((l) => !unreadable(l)).join('\n');
      expect(formatSave(parseSave(readable))).toBe(readable);
    }
  });

  it('reads the lab service', () => {
    const table = parseSave('-A -t 198.51.100.180:80 -s rr\n-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 1\n-a -t 198.51.100.180:80 -r 198.51.100.22:80 -g -w 1\n');
    expect(table).toEqual<IpvsTable>({
      services: [
        {
          key: { kind: 'address', protocol: 'tcp', family: 4, address: '198.51.100.180', port: 80 },
          scheduler: 'rr',
          schedFlags: 0,
          onePacket: false,
          destinations: [
            { family: 4, address: '198.51.100.21', port: 80, forwarding: 'dr', weight: 1 },
            { family: 4, address: '198.51.100.22', port: 80, forwarding: 'dr', weight: 1 },
          ],
        },
      ],
    });
  });

  it('reads persistence, flags, one-packet, engines, fwmarks, IPv6 and tunnels', () => {
    const table = parseSave(
      [
        '-A -t 198.51.100.180:80 -s wrr -p 360 -M 255.255.255.0',
        '-A -u 198.51.100.180:53 -s sh -o -b sh-fallback,sh-port',
        '-A -t 198.51.100.180:88 -s rr --pe sip',
        '-A -f 7 -6 -s mh -b mh-port',
        '-a -f 7 -6 -r [2001:db8::21]:0 -g -w 0',
        '-A -f 4294967295 -s rr',
        '-a -f 4294967295 -r 198.51.100.22:0 -i -w 2 --tun-type gue --tun-port 6080 --tun-remcsum',
        '-a -f 4294967295 -r 198.51.100.23:0 -i -w 2 --tun-type gre --tun-csum',
        '-a -f 4294967295 -r [2001:db8::24]:0 -i -w 2 --tun-type ipip',
      ].join('\n'),
    );
    const [web, dns, sip, mark6, mark] = table.services;
    expect(web.persistence).toEqual({ timeout: 360, netmask: '255.255.255.0' });
    expect({ flags: dns.schedFlags, ops: dns.onePacket }).toEqual({ flags: 3, ops: true });
    expect({ engine: sip.persistenceEngine, persistence: sip.persistence }).toEqual({ engine: 'sip', persistence: undefined });
    expect(serviceKeyText(mark6.key)).toBe('fwmark 7 ipv6');
    expect(mark6.destinations[0]).toEqual({ family: 6, address: '2001:db8::21', port: 0, forwarding: 'dr', weight: 0 });
    expect(mark.key).toEqual({ kind: 'fwmark', family: 4, fwmark: 4294967295 });
    expect(mark.destinations.map((d) => d.tunnel)).toEqual([
      { type: 'gue', port: 6080, checksum: 'remcsum' },
      { type: 'gre', checksum: 'csum' },
      { type: 'ipip' },
    ]);
  });

  it('reads "-b" without names (sh with only flag-3, which ipvsadm does not name)', () => {
    expect(parseSave('-A -t 198.51.100.180:85 -s sh -b \n').services[0]).toMatchObject({ scheduler: 'sh', schedFlags: 0 });
  });

  it('reads a negative firewall mark as ipvsadm prints marks above 2^31', () => {
    expect(parseSave('-A -f -1 -s rr\n').services[0].key).toEqual({ kind: 'fwmark', family: 4, fwmark: 4294967295 });
  });

  it.each([
    ['-A -t 198.51.100.180 -s rr', /bad service address/],
    ['-A -t 198.51.100.180:80', /no scheduler/],
    ['-a -t 198.51.100.180:80 -r 198.51.100.21:80 -g -w 1', /real server before its service/],
    ['-A -t 198.51.100.180:80 -s rr\n-A -t 198.51.100.180:80 -s rr', /listed twice/],
    ['-A -t 198.51.100.180:80 -s rr -b bogus', /unknown scheduler flag/],
    ['-A -t 198.51.100.180:80 -s rr --frobnicate', /unknown word/],
    ['-A -t 198.51.100.180:80 -s rr\n-a -t 198.51.100.180:80 -r 198.51.100.21:80 -w 1', /no forwarding method/],
    ['-C', /not an -A or -a rule/],
  ])('refuses %j', (text, message) => {
    expect(() => parseSave(text)).toThrow(IpvsParseError);
    expect(() => parseSave(text)).toThrow(message);
  });
});

describe('parseThresholdListing reads ipvsadm -Ln --thresholds', () => {
  it('finds the limits of every destination the real ipvsadm listed', () => {
    const out = recorded(['-Ln', '--thresholds']).find((o) => o.includes('2147483647'))!;
    const limits = parseThresholdListing(out);
    expect(limits.get('tcp 198.51.100.180:80 -> 198.51.100.26:80')).toEqual({ upperThreshold: 2147483647, lowerThreshold: 0 });
    expect(limits.get('tcp 198.51.100.180:80 -> 198.51.100.21:80')).toEqual({ upperThreshold: 0, lowerThreshold: 0 });
  });

  it('fills them into a table read from -Sn', () => {
    const table = parseSave('-A -f 3 -6 -s rr\n-a -f 3 -6 -r [2001:db8::21]:0 -g -w 1\n');
    expect(usesThresholds(table)).toBe(false);
    const listing = [
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn ',
      '  -> RemoteAddress:Port',
      'FWM  3 IPv6 rr',
      '  -> [2001:db8::21]:0             100        10         0          0         ',
      '',
    ].join('\n');
    const filled = withThresholds(table, parseThresholdListing(listing));
    expect(filled.services[0].destinations[0]).toMatchObject({ upperThreshold: 100, lowerThreshold: 10 });
    expect(usesThresholds(filled)).toBe(true);
  });
});
