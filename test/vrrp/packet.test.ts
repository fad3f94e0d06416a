// The VRRP codec (pure): checksums, addresses, encoding, every drop reason in
// keepalived's order, golden packets captured from keepalived 2.2.7
// (test/vrrp/fixtures, see capture.test.ts), and properties over random bytes.

import { readdirSync, readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checksumValid, internetChecksum, ipv4PseudoHeader, ipv6PseudoHeader, onesComplementSum } from '../../src/vrrp/checksum.js';
import {
  AUTH_AH,
  AUTH_PASS,
  IPPROTO_AH,
  VRRP_MCAST_GROUP4,
  authBytes,
  decodeAdvert,
  decodeIpv4Packet,
  encodeAdvert,
  encodeIpv4Packet,
  formatIpv6,
  ipv4ToBytes,
  ipv6ToBytes,
  isMulticastAddress,
  normaliseAddress,
  parseAdvert,
  parseIpv4Packet,
  vrrpChecksum,
  type AdvertFields,
  type DecodeContext,
  type DecodeResult,
  type InstanceView,
  type IpFamily,
} from '../../src/vrrp/packet.js';
import { verifyCapturedFrame, type ScenarioInstance } from './capture.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function reasonOf(r: DecodeResult): string {
  return r.ok ? 'ok' : r.reason;
}

// ---------------------------------------------------------------------------

describe('internet checksum', () => {
  it('matches the RFC 1071 worked example', () => {
    // 0001 + f203 + f4f5 + f6f7 = 2ddf0 -> ddf2; checksum = ~ddf2
    expect(onesComplementSum([hex('0001f203f4f5f6f7')])).toBe(0xddf2);
    expect(internetChecksum(hex('0001f203f4f5f6f7'))).toBe(0x220d);
  });

  it('pads an odd total with a zero byte and treats parts as one stream', () => {
    expect(internetChecksum(hex('01'))).toBe(~0x0100 & 0xffff);
    expect(internetChecksum(hex('0102'), hex('03'))).toBe(internetChecksum(hex('010203')));
    expect(internetChecksum(hex('01'), hex('0203'), hex(''), hex('04'))).toBe(internetChecksum(hex('01020304')));
  });

  it('is independent of how the bytes are split, and validates itself', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 5 }), (bytes, cuts) => {
        const buf = Buffer.from(bytes);
        const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
        const parts: Buffer[] = [];
        let last = 0;
        for (const p of points) {
          parts.push(buf.subarray(last, p));
          last = p;
        }
        parts.push(buf.subarray(last));
        const sum = internetChecksum(buf);
        expect(internetChecksum(...parts)).toBe(sum);
        // Appending the checksum (at an even offset) makes the whole valid.
        const even = buf.length % 2 === 0 ? buf : Buffer.concat([buf, Buffer.alloc(1)]);
        const withSum = Buffer.concat([even, Buffer.from([sum >> 8, sum & 0xff])]);
        expect(checksumValid(withSum)).toBe(true);
      }),
    );
  });

  it('folds carries on large inputs', () => {
    const big = Buffer.alloc(200_000, 0xff);
    expect(onesComplementSum([big])).toBe(0xffff);
    expect(internetChecksum(big)).toBe(0);
  });

  it('builds the pseudo-headers', () => {
    expect(ipv4PseudoHeader(hex('c633640b'), hex('e0000012'), 112, 16).toString('hex')).toBe('c633640be000001200700010');
    const v6 = ipv6PseudoHeader(ipv6ToBytes('fe80::1')!, ipv6ToBytes('ff02::12')!, 112, 40);
    expect(v6.length).toBe(40);
    expect(v6.subarray(32).toString('hex')).toBe('0000002800000070');
  });
});

describe('addresses', () => {
  it('parses and formats IPv4 strictly', () => {
    expect(ipv4ToBytes('198.51.100.180')?.toString('hex')).toBe('c63364b4');
    for (const bad of ['198.51.100', '198.51.100.256', '01.2.3.4', '1.2.3.4/32', ' 1.2.3.4', '1.2.3.4.5', '']) {
      expect(ipv4ToBytes(bad), bad).toBeUndefined();
    }
  });

  it('parses IPv6 text forms and formats them as RFC 5952', () => {
    const cases: [string, string][] = [
      ['::', '::'],
      ['::1', '::1'],
      ['2001:DB8::180', '2001:db8::180'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
      ['fe80::ff:fe00:11', 'fe80::ff:fe00:11'],
      ['::ffff:198.51.100.1', '::ffff:c633:6401'],
      ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
      ['ff02:0000:0000:0000:0000:0000:0000:0012', 'ff02::12'],
    ];
    for (const [input, want] of cases) expect(normaliseAddress(input, 6), input).toBe(want);
    for (const bad of ['', ':', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'fe80::1%eth0', '::1.2.3', 'g::', '1:2:3:4:5:6:7::8']) {
      expect(ipv6ToBytes(bad), bad).toBeUndefined();
    }
  });

  it('agrees with node:net and the URL serialiser on generated addresses', () => {
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        const b = ipv6ToBytes(text);
        expect(b, text).toBeDefined();
        expect(isIPv6(text)).toBe(true);
        // WHATWG serialises IPv6 as RFC 5952 (without dotted tails).
        expect(formatIpv6(b!)).toBe(new URL(`http://[${text}]/`).hostname.slice(1, -1));
      }),
    );
    fc.assert(
      fc.property(fc.ipV4(), (text) => {
        expect(ipv4ToBytes(text) !== undefined).toBe(isIPv4(text));
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), (text) => {
        expect(ipv6ToBytes(text) !== undefined).toBe(isIPv6(text));
        expect(ipv4ToBytes(text) !== undefined).toBe(isIPv4(text));
      }),
    );
  });

  it('knows multicast ranges', () => {
    expect(isMulticastAddress('224.0.0.18', 4)).toBe(true);
    expect(isMulticastAddress('239.255.255.255', 4)).toBe(true);
    expect(isMulticastAddress('198.51.100.12', 4)).toBe(false);
    expect(isMulticastAddress('ff02::12', 6)).toBe(true);
    expect(isMulticastAddress('fe80::1', 6)).toBe(false);
    expect(isMulticastAddress('nonsense', 4)).toBe(false);
  });

  it('turns passwords into 8 zero-padded bytes', () => {
    expect(authBytes('1111').toString('hex')).toBe('3131313100000000');
    expect(authBytes('secretpw99').toString()).toBe('secretpw');
    expect(authBytes(Buffer.from('ab')).toString('hex')).toBe('6162000000000000');
    expect(authBytes('').toString('hex')).toBe('0000000000000000');
  });
});

// ---------------------------------------------------------------------------

const V2: AdvertFields = {
  version: 2,
  family: 4,
  vrid: 51,
  priority: 150,
  intervalCs: 100,
  addresses: ['198.51.100.180', '198.51.100.181'],
  authType: AUTH_PASS,
  authData: 'secretpw99',
};
// What keepalived 2.2.7 sent for V2 (test/vrrp/fixtures/v2-ipv4-pass.json).
const V2_BYTES = '2133960201014534 c63364b4 c63364b5 7365637265747077';

const V3: AdvertFields = { version: 3, family: 4, vrid: 52, priority: 200, intervalCs: 10, addresses: ['198.51.100.180'] };
const V3_SRC = '198.51.100.11';
const V3_BYTES = '3134c801000ad109 c63364b4';

const V6: AdvertFields = { version: 3, family: 6, vrid: 53, priority: 120, intervalCs: 20, addresses: ['fe80::53:1', '2001:db8::180'] };
const V6_SRC = 'fe80::ff:fe00:11';

describe('encodeAdvert', () => {
  it('encodes a v2 PASS advert as keepalived does', () => {
    expect(encodeAdvert(V2).toString('hex')).toBe(V2_BYTES.replace(/ /g, ''));
    // v2 ignores pseudo-header addresses.
    expect(encodeAdvert(V2, { src: '1.2.3.4', dst: '5.6.7.8' }).toString('hex')).toBe(V2_BYTES.replace(/ /g, ''));
  });

  it('encodes v2 without auth with 8 zero bytes of auth data', () => {
    const b = encodeAdvert({ ...V2, authType: undefined, authData: undefined });
    expect(b.length).toBe(8 + 8 + 8);
    expect(b[4]).toBe(0);
    expect(b.subarray(16).toString('hex')).toBe('0000000000000000');
    expect(checksumValid(b)).toBe(true);
  });

  it('encodes v3 over IPv4 with the pseudo-header checksum', () => {
    expect(encodeAdvert(V3, { src: V3_SRC, dst: VRRP_MCAST_GROUP4 }).toString('hex')).toBe(V3_BYTES.replace(/ /g, ''));
    expect(() => encodeAdvert(V3)).toThrow(RangeError);
    expect(() => encodeAdvert(V3, { src: V3_SRC, dst: 'ff02::12' })).toThrow(RangeError);
  });

  it('leaves the IPv6 checksum to the kernel unless both addresses are given', () => {
    const kernel = encodeAdvert(V6);
    expect(kernel.readUInt16BE(6)).toBe(0);
    expect(kernel.length).toBe(8 + 2 * 16);
    const full = encodeAdvert(V6, { src: V6_SRC, dst: 'ff02::12' });
    expect(full.readUInt16BE(6)).toBe(0x2b67); // as captured
    expect(vrrpChecksum(kernel, 3, 6, V6_SRC, 'ff02::12')).toBe(0x2b67);
    expect(checksumValid(ipv6PseudoHeader(ipv6ToBytes(V6_SRC)!, ipv6ToBytes('ff02::12')!, 112, full.length), full)).toBe(true);
  });

  it('encodes v2 over IPv6 without auth data (keepalived\'s layout)', () => {
    const b = encodeAdvert({ ...V6, version: 2, intervalCs: 100, authData: 'ignored' });
    expect(b.length).toBe(8 + 32);
    expect(b[0]).toBe(0x21);
    expect(b[5]).toBe(1);
  });

  it('puts the 12-bit v3 interval in centiseconds', () => {
    const b = encodeAdvert({ ...V3, intervalCs: 4095 }, { src: V3_SRC, dst: VRRP_MCAST_GROUP4 });
    expect(b.readUInt16BE(4)).toBe(0x0fff);
  });

  it('refuses fields no config can produce', () => {
    const bad: Partial<AdvertFields>[] = [
      { vrid: 0 },
      { vrid: 256 },
      { priority: -1 },
      { priority: 256 },
      { intervalCs: 150 }, // v2: whole seconds only
      { intervalCs: 25600 },
      { intervalCs: 1.5 },
      { addresses: ['2001:db8::1'] },
      { addresses: ['nonsense'] },
      { addresses: new Array<string>(256).fill('198.51.100.1') },
      { authType: 256 },
      { version: 4 as 2 },
      { family: 5 as 4 },
    ];
    for (const b of bad) expect(() => encodeAdvert({ ...V2, ...b }), JSON.stringify(b).slice(0, 60)).toThrow(RangeError);
    expect(() => encodeAdvert({ ...V3, intervalCs: 4096 }, { src: V3_SRC, dst: VRRP_MCAST_GROUP4 })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------

const V2_VIEW: InstanceView = {
  version: 2,
  authType: AUTH_PASS,
  password: 'secretpw99',
  intervalCs: 100,
  addresses: ['198.51.100.181', '198.51.100.180'], // order does not matter
};
const V2_RX = { family: 4 as IpFamily, src: '198.51.100.11', dst: VRRP_MCAST_GROUP4, ttl: 255 };
const v2ctx = (over: Partial<DecodeContext> = {}, view: Partial<InstanceView> = {}): DecodeContext => ({
  ...V2_RX,
  instance: { ...V2_VIEW, ...view },
  ...over,
});

/** A v2 message with `patch` applied and the checksum recomputed. */
function v2With(patch: (b: Buffer) => void, fields: Partial<AdvertFields> = {}): Buffer {
  const b = encodeAdvert({ ...V2, ...fields });
  patch(b);
  b.writeUInt16BE(vrrpChecksum(b, 2, 4)!, 6);
  return b;
}

describe('decodeAdvert', () => {
  it('accepts a good v2 advert and reports its fields', () => {
    const r = decodeAdvert(encodeAdvert(V2), v2ctx());
    expect(r).toEqual({
      ok: true,
      checksumForm: 'v2',
      advert: {
        version: 2,
        family: 4,
        type: 1,
        vrid: 51,
        priority: 150,
        intervalCs: 100,
        addresses: ['198.51.100.180', '198.51.100.181'],
        authType: 1,
        authData: Buffer.from('secretpw'),
        checksum: 0x4534,
      },
    });
  });

  it('round-trips: encode(decode(x)) = x', () => {
    const r = decodeAdvert(encodeAdvert(V2), v2ctx());
    if (!r.ok) throw new Error(r.reason);
    expect(encodeAdvert(r.advert as AdvertFields).toString('hex')).toBe(V2_BYTES.replace(/ /g, ''));
  });

  it('demultiplexes by VRID through a lookup', () => {
    const seen: number[] = [];
    const lookup = (vrid: number): InstanceView | undefined => {
      seen.push(vrid);
      return vrid === 51 ? V2_VIEW : undefined;
    };
    expect(decodeAdvert(encodeAdvert(V2), { ...V2_RX, instance: lookup }).ok).toBe(true);
    const other = decodeAdvert(encodeAdvert({ ...V2, vrid: 7 }), { ...V2_RX, instance: lookup });
    expect(other).toMatchObject({ ok: false, reason: 'unknown-vrid', vrid: 7 });
    expect(seen).toEqual([51, 7]);
  });

  it('drops for each reason, in keepalived\'s order', () => {
    const good = encodeAdvert(V2);
    const cases: [string, Buffer, DecodeContext][] = [
      ['too-short', good.subarray(0, 7), v2ctx()],
      ['too-short', good.subarray(0, good.length - 1), v2ctx()],
      ['too-long', Buffer.concat([good, Buffer.alloc(4)]), v2ctx()],
      ['too-short', v2With((b) => (b[3] = 3)), v2ctx()], // count says 3 addresses
      ['bad-ttl', good, v2ctx({ ttl: 64 })],
      // Like keepalived, the length is checked first, for the version the packet claims.
      ['too-long', v2With((b) => (b[0] = 0x31)), v2ctx()],
      ['bad-version', Buffer.concat([Buffer.from([0x11]), hex(V3_BYTES).subarray(1)]), v2ctx({}, { addresses: undefined })],
      ['bad-version', encodeAdvert(V3, { src: V3_SRC, dst: VRRP_MCAST_GROUP4 }), { ...V2_RX, instance: { ...V2_VIEW, addresses: undefined } }],
      ['bad-auth-type', v2With((b) => (b[4] = 3)), v2ctx()],
      ['bad-auth-type', encodeAdvert({ ...V2, authType: 0, authData: undefined }), v2ctx()],
      ['bad-auth-type', good, v2ctx({}, { authType: 0 })],
      ['bad-auth', good, v2ctx({}, { password: 'secretpx' })],
      ['bad-auth', good, v2ctx({}, { password: 'secret' })],
      ['interval-mismatch', good, v2ctx({}, { intervalCs: 200 })],
      ['bad-type', v2With((b) => (b[0] = 0x22)), v2ctx()],
      ['address-count-mismatch', good, v2ctx({}, { addresses: ['198.51.100.180'] })],
      ['bad-checksum', Buffer.from(good).fill(0x33, 2, 3), v2ctx()],
      ['cast-mismatch', good, v2ctx({ dst: '198.51.100.12' })],
      ['cast-mismatch', good, v2ctx({}, { unicastPeers: [{ address: '198.51.100.11' }] })],
      ['address-list-mismatch', good, v2ctx({}, { addresses: ['198.51.100.180', '198.51.100.182'] })],
      ['address-list-mismatch', good, v2ctx({}, { addresses: ['198.51.100.180', 'nonsense'] })],
    ];
    for (const [want, bytes, ctx] of cases) {
      const r = decodeAdvert(bytes, ctx);
      expect(reasonOf(r), `${want}: ${bytes.toString('hex')}`).toBe(want);
      if (!r.ok) expect(r.detail.length).toBeGreaterThan(0);
    }
  });

  it('reports the first fault when there are several', () => {
    // Wrong TTL and wrong password and bad checksum: TTL is checked first.
    const bytes = Buffer.from(encodeAdvert(V2)).fill(0, 16);
    expect(reasonOf(decodeAdvert(bytes, v2ctx({ ttl: 1 })))).toBe('bad-ttl');
    expect(reasonOf(decodeAdvert(bytes, v2ctx()))).toBe('bad-auth');
    // Interval before type, count before checksum.
    expect(reasonOf(decodeAdvert(v2With((b) => (b[0] = 0x22)), v2ctx({}, { intervalCs: 300 })))).toBe('interval-mismatch');
    expect(reasonOf(decodeAdvert(Buffer.from(encodeAdvert(V2)).fill(9, 6, 7), v2ctx({}, { addresses: [] })))).toBe('address-count-mismatch');
  });

  it('passwords compare over 8 bytes, zero padded', () => {
    expect(decodeAdvert(encodeAdvert(V2), v2ctx({}, { password: 'secretpw' })).ok).toBe(true);
    expect(decodeAdvert(encodeAdvert(V2), v2ctx({}, { password: Buffer.from('secretpwXYZ') })).ok).toBe(true);
    const short = encodeAdvert({ ...V2, authData: '1111' });
    expect(decodeAdvert(short, v2ctx({}, { password: '1111' })).ok).toBe(true);
    expect(reasonOf(decodeAdvert(short, v2ctx({}, { password: '11110' })))).toBe('bad-auth');
  });

  it('does not check TTL when unknown, nor on a unicast instance', () => {
    expect(decodeAdvert(encodeAdvert(V2), v2ctx({ ttl: undefined })).ok).toBe(true);
    const unicast = { unicastPeers: [{ address: '198.51.100.11' }] };
    expect(decodeAdvert(encodeAdvert(V2), v2ctx({ dst: '198.51.100.12', ttl: 3 }, unicast)).ok).toBe(true);
  });

  it('checks unicast sources and their TTL range with checkUnicastSrc', () => {
    const view = { unicastPeers: [{ address: '198.51.100.11', minTtl: 250, maxTtl: 255 }], checkUnicastSrc: true };
    const rx = { dst: '198.51.100.12' };
    expect(decodeAdvert(encodeAdvert(V2), v2ctx(rx, view)).ok).toBe(true);
    expect(reasonOf(decodeAdvert(encodeAdvert(V2), v2ctx({ ...rx, src: '198.51.100.99' }, view)))).toBe('unknown-unicast-src');
    expect(reasonOf(decodeAdvert(encodeAdvert(V2), v2ctx({ ...rx, src: undefined }, view)))).toBe('unknown-unicast-src');
    expect(reasonOf(decodeAdvert(encodeAdvert(V2), v2ctx({ ...rx, ttl: 64 }, view)))).toBe('bad-ttl');
    // Without checkUnicastSrc neither is checked.
    expect(decodeAdvert(encodeAdvert(V2), v2ctx({ ...rx, src: '198.51.100.99', ttl: 64 }, { ...view, checkUnicastSrc: false })).ok).toBe(true);
  });

  it('address checks can be skipped, or mismatches accepted and reported', () => {
    const fewer = { addresses: ['198.51.100.180'] };
    expect(decodeAdvert(encodeAdvert(V2), v2ctx({}, { ...fewer, checkAddresses: false }))).toMatchObject({ ok: true });
    expect(decodeAdvert(encodeAdvert(V2), v2ctx({}, { addresses: undefined }))).toMatchObject({ ok: true });
    expect(decodeAdvert(encodeAdvert(V2), v2ctx({}, { ...fewer, addressMismatch: 'accept' }))).toMatchObject({ ok: true, addressMismatch: 'count' });
    const other = { addresses: ['198.51.100.180', '198.51.100.9'], addressMismatch: 'accept' as const };
    expect(decodeAdvert(encodeAdvert(V2), v2ctx({}, other))).toMatchObject({ ok: true, addressMismatch: 'list' });
  });

  it('v3 reports the master\'s interval instead of dropping on a mismatch', () => {
    const view: InstanceView = { version: 3, intervalCs: 100, addresses: ['198.51.100.180'] };
    const ctx: DecodeContext = { family: 4, src: V3_SRC, dst: VRRP_MCAST_GROUP4, ttl: 255, instance: view };
    const r = decodeAdvert(hex(V3_BYTES), ctx);
    expect(r).toMatchObject({ ok: true, checksumForm: 'pseudo-header', advert: { version: 3, intervalCs: 10, authType: 0 } });
    // v3 has no authentication: a configured auth type is ignored.
    expect(decodeAdvert(hex(V3_BYTES), { ...ctx, instance: { ...view, authType: AUTH_PASS, password: 'x' } }).ok).toBe(true);
    // The reserved bits are ignored.
    const rsvd = hex(V3_BYTES);
    rsvd[4] |= 0xf0;
    rsvd.writeUInt16BE(vrrpChecksum(rsvd, 3, 4, V3_SRC, VRRP_MCAST_GROUP4)!, 6);
    expect(decodeAdvert(rsvd, ctx)).toMatchObject({ ok: true, advert: { intervalCs: 10 } });
    // The pseudo-header matters: another source breaks the checksum.
    expect(reasonOf(decodeAdvert(hex(V3_BYTES), { ...ctx, src: '198.51.100.12' }))).toBe('bad-checksum');
    // Without the addresses the checksum cannot be verified.
    expect(decodeAdvert(hex(V3_BYTES), { ...ctx, src: undefined })).toMatchObject({ ok: false, reason: 'bad-checksum', detail: expect.stringContaining('unknown') });
  });

  it('v3 unicast: accepts the old checksum form (multicast group as destination) per mode', () => {
    const peer = '198.51.100.12';
    const view: InstanceView = { version: 3, intervalCs: 50, addresses: ['198.51.100.180'], unicastPeers: [{ address: V3_SRC }] };
    const ctx: DecodeContext = { family: 4, src: V3_SRC, dst: peer, ttl: 255, instance: view };
    const standard = encodeAdvert({ ...V3, intervalCs: 50 }, { src: V3_SRC, dst: peer });
    const old = encodeAdvert({ ...V3, intervalCs: 50 }, { src: V3_SRC, dst: VRRP_MCAST_GROUP4 });
    expect(decodeAdvert(standard, ctx)).toMatchObject({ ok: true, checksumForm: 'pseudo-header' });
    expect(decodeAdvert(old, ctx)).toMatchObject({ ok: true, checksumForm: 'old-unicast' });
    const never = { ...ctx, instance: { ...view, oldUnicastChecksum: 'never' as const } };
    expect(reasonOf(decodeAdvert(old, never))).toBe('bad-checksum');
    const always = { ...ctx, instance: { ...view, oldUnicastChecksum: 'always' as const } };
    expect(decodeAdvert(old, always)).toMatchObject({ ok: true, checksumForm: 'old-unicast' });
    expect(reasonOf(decodeAdvert(standard, always))).toBe('bad-checksum');
    // Not on a multicast instance.
    expect(reasonOf(decodeAdvert(old, { ...ctx, dst: '224.0.0.19', instance: { ...view, unicastPeers: [] } }))).toBe('bad-checksum');
  });

  it('IPv6: trusts the kernel\'s checksum by default, verifies it when asked', () => {
    const view: InstanceView = { version: 3, intervalCs: 20, addresses: ['2001:db8::180', 'fe80::53:1'] };
    const bytes = encodeAdvert(V6, { src: V6_SRC, dst: 'ff02::12' });
    const ctx: DecodeContext = { family: 6, src: V6_SRC, dst: 'ff02::12', ttl: 255, instance: view };
    expect(decodeAdvert(bytes, ctx)).toMatchObject({ ok: true, checksumForm: 'kernel', advert: { addresses: ['fe80::53:1', '2001:db8::180'] } });
    expect(decodeAdvert(bytes, { ...ctx, checksumVerified: false })).toMatchObject({ ok: true, checksumForm: 'pseudo-header' });
    expect(reasonOf(decodeAdvert(encodeAdvert(V6), { ...ctx, checksumVerified: false }))).toBe('bad-checksum');
    expect(reasonOf(decodeAdvert(bytes, { ...ctx, checksumVerified: false, dst: undefined }))).toBe('bad-checksum');
    // Hop limit known from IPV6_HOPLIMIT, or unknown.
    expect(reasonOf(decodeAdvert(bytes, { ...ctx, ttl: 1 }))).toBe('bad-ttl');
    expect(decodeAdvert(bytes, { ...ctx, ttl: undefined, dst: undefined }).ok).toBe(true);
    expect(reasonOf(decodeAdvert(bytes, { ...ctx, multicast: false }))).toBe('cast-mismatch');
    expect(reasonOf(decodeAdvert(bytes.subarray(0, 30), ctx))).toBe('too-short');
  });

  it('AH: must agree with the configured auth type; the ICV is not verified here', () => {
    const ah = { ...V2_VIEW, authType: AUTH_AH };
    expect(reasonOf(decodeAdvert(encodeAdvert(V2), v2ctx({ protocol: IPPROTO_AH })))).toBe('bad-auth-type');
    expect(reasonOf(decodeAdvert(encodeAdvert(V2), v2ctx({}, ah)))).toBe('bad-auth-type');
    expect(reasonOf(decodeAdvert(encodeAdvert({ ...V2, authType: AUTH_AH }), v2ctx({ protocol: IPPROTO_AH }, ah)))).toBe('unsupported-auth');
  });
});

describe('parseAdvert', () => {
  it('reads any version and type, checking only the length', () => {
    const b = hex(V3_BYTES);
    b[0] = 0x3f;
    expect(parseAdvert(b, 4)).toMatchObject({ ok: true, advert: { version: 3, type: 15, vrid: 52 } });
    expect(parseAdvert(Buffer.concat([b, Buffer.alloc(1)]), 4)).toMatchObject({ ok: false, reason: 'too-long', vrid: 52 });
    expect(parseAdvert(b.subarray(0, 9), 4)).toMatchObject({ ok: false, reason: 'too-short', vrid: 52 });
    expect(parseAdvert(b.subarray(0, 4), 4)).toMatchObject({ ok: false, reason: 'too-short' });
    expect(parseAdvert(new Uint8Array(hex(V2_BYTES)), 4)).toMatchObject({ ok: true, advert: { authData: Buffer.from('secretpw') } });
  });
});

// ---------------------------------------------------------------------------

describe('IPv4 packets', () => {
  const ipBytes = (): Buffer => encodeIpv4Packet(encodeAdvert(V2), { src: V2_RX.src, dst: VRRP_MCAST_GROUP4, id: 1 });

  it('builds the header keepalived builds', () => {
    // As captured: TOS c0, no DF, TTL 255, protocol 112, id 1.
    expect(ipBytes().subarray(0, 20).toString('hex')).toBe('45c0002c00010000ff70b04fc633640be0000012');
  });

  it('decodes a whole packet, taking TTL and addresses from the header', () => {
    const ctx = { instance: V2_VIEW };
    expect(decodeIpv4Packet(ipBytes(), ctx)).toMatchObject({ ok: true, advert: { priority: 150 } });
    const ttl = ipBytes();
    ttl[8] = 64;
    expect(reasonOf(decodeIpv4Packet(ttl, ctx))).toBe('bad-ttl');
    // Ethernet padding after the total length is ignored.
    expect(decodeIpv4Packet(Buffer.concat([ipBytes(), Buffer.alloc(6)]), ctx).ok).toBe(true);
    // Header options are skipped by IHL.
    const withOptions = encodeIpv4Packet(Buffer.concat([Buffer.alloc(4), encodeAdvert(V2)]), { src: V2_RX.src, dst: VRRP_MCAST_GROUP4 });
    withOptions[0] = 0x46;
    expect(parseIpv4Packet(withOptions)).toMatchObject({ ok: true, header: { headerLength: 24 } });
    expect(decodeIpv4Packet(withOptions, ctx).ok).toBe(true);
  });

  it('rejects malformed headers', () => {
    const ctx = { instance: V2_VIEW };
    const mutate = (f: (b: Buffer) => void): Buffer => {
      const b = ipBytes();
      f(b);
      return b;
    };
    expect(reasonOf(decodeIpv4Packet(ipBytes().subarray(0, 19), ctx))).toBe('too-short');
    expect(reasonOf(decodeIpv4Packet(ipBytes().subarray(0, 40), ctx))).toBe('too-short'); // total length 44
    expect(reasonOf(decodeIpv4Packet(mutate((b) => (b[0] = 0x65)), ctx))).toBe('bad-ip-header');
    expect(reasonOf(decodeIpv4Packet(mutate((b) => (b[0] = 0x44)), ctx))).toBe('bad-ip-header');
    expect(reasonOf(decodeIpv4Packet(mutate((b) => b.writeUInt16BE(10, 2)), ctx))).toBe('bad-ip-header');
    expect(reasonOf(decodeIpv4Packet(mutate((b) => (b[9] = 17)), ctx))).toBe('bad-ip-header');
    // A shorter total length cuts the VRRP message.
    expect(reasonOf(decodeIpv4Packet(mutate((b) => b.writeUInt16BE(40, 2)), ctx))).toBe('too-short');
  });

  it('unwraps AH to reach the VRRP message', () => {
    const ah = Buffer.alloc(24);
    ah[0] = 112;
    const msg = encodeAdvert({ ...V2, authType: AUTH_AH, authData: undefined });
    const pkt = encodeIpv4Packet(Buffer.concat([ah, msg]), { src: V2_RX.src, dst: VRRP_MCAST_GROUP4, protocol: IPPROTO_AH });
    expect(decodeIpv4Packet(pkt, { instance: { ...V2_VIEW, authType: AUTH_AH } })).toMatchObject({ ok: false, reason: 'unsupported-auth', vrid: 51 });
    expect(reasonOf(decodeIpv4Packet(pkt, { instance: V2_VIEW }))).toBe('bad-auth-type');
    ah[0] = 6;
    const notVrrp = encodeIpv4Packet(Buffer.concat([ah, msg]), { src: V2_RX.src, dst: VRRP_MCAST_GROUP4, protocol: IPPROTO_AH });
    expect(reasonOf(decodeIpv4Packet(notVrrp, { instance: V2_VIEW }))).toBe('bad-ip-header');
    const short = encodeIpv4Packet(ah.subarray(0, 20), { src: V2_RX.src, dst: VRRP_MCAST_GROUP4, protocol: IPPROTO_AH });
    expect(reasonOf(decodeIpv4Packet(short, { instance: V2_VIEW }))).toBe('too-short');
  });
});

// ---------------------------------------------------------------------------

interface Fixture {
  name: string;
  capturedWith: string;
  config: string;
  instance: ScenarioInstance;
  frames: { priority: number; frame: string }[];
}

const fixtures: Fixture[] = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Fixture);

describe('golden packets captured from keepalived 2.2.7', () => {
  it('has the fixtures', () => {
    expect(fixtures.map((f) => f.name)).toEqual(['v2-ipv4-pass', 'v3-ipv4-unicast', 'v3-ipv4', 'v3-ipv6']);
    for (const f of fixtures) expect(f.capturedWith).toMatch(/^Keepalived v2\.2\.7/);
  });

  for (const f of fixtures) {
    it(`${f.name}: decodes every frame and encodes the same bytes`, () => {
      const facts = f.frames.map((fr) => verifyCapturedFrame(hex(fr.frame), f.instance));
      expect(facts.map((x) => x.priority)).toEqual(f.frames.map((fr) => fr.priority));
      expect(facts.at(-1)!.priority).toBe(0); // sent on SIGTERM
      for (const x of facts) expect(x.ttl).toBe(255);
      if (f.instance.family === 4) {
        for (const x of facts) expect([x.tos, x.flags]).toEqual([0xc0, 0]);
        expect(facts.map((x) => x.id)).toEqual(facts.map((_, i) => i + 1));
        expect(new Set(facts.map((x) => x.checksumForm))).toEqual(new Set([f.instance.version === 2 ? 'v2' : 'pseudo-header']));
      } else {
        // IPv6: the kernel's header, traffic class from keepalived's socket.
        for (const x of facts) expect(x.tos).toBe(0xc0);
      }
    });
  }

  it('the unicast v3 checksum uses the peer, not the group, as pseudo-header destination', () => {
    const f = fixtures.find((x) => x.name === 'v3-ipv4-unicast')!;
    const frame = hex(f.frames[0].frame);
    const msg = frame.subarray(14 + 20);
    expect(vrrpChecksum(msg, 3, 4, f.instance.src, f.instance.dst)).toBe(msg.readUInt16BE(6));
    expect(vrrpChecksum(msg, 3, 4, f.instance.src, VRRP_MCAST_GROUP4)).not.toBe(msg.readUInt16BE(6));
  });
});

// ---------------------------------------------------------------------------

const advertArb = fc
  .record({
    version: fc.constantFrom(2 as const, 3 as const),
    family: fc.constantFrom(4 as const, 6 as const),
    vrid: fc.integer({ min: 1, max: 255 }),
    priority: fc.integer({ min: 0, max: 255 }),
    seconds: fc.integer({ min: 0, max: 255 }),
    centis: fc.integer({ min: 0, max: 4095 }),
    v4: fc.array(fc.ipV4(), { maxLength: 20 }),
    v6: fc.array(fc.ipV6(), { maxLength: 20 }),
    authType: fc.integer({ min: 0, max: 2 }),
    password: fc.string({ maxLength: 12 }),
    src4: fc.ipV4(),
    dst4: fc.ipV4(),
    src6: fc.ipV6(),
    dst6: fc.ipV6(),
  })
  .map((r) => ({
    fields: {
      version: r.version,
      family: r.family,
      vrid: r.vrid,
      priority: r.priority,
      intervalCs: r.version === 2 ? r.seconds * 100 : r.centis,
      addresses: r.family === 4 ? r.v4 : r.v6,
      authType: r.version === 2 ? r.authType : undefined,
      authData: r.version === 2 && r.authType === AUTH_PASS ? r.password : undefined,
    } satisfies AdvertFields,
    src: r.family === 4 ? r.src4 : r.src6,
    dst: r.family === 4 ? r.dst4 : r.dst6,
  }));

const viewArb: fc.Arbitrary<InstanceView> = fc.record(
  {
    version: fc.constantFrom(2 as const, 3 as const),
    authType: fc.integer({ min: 0, max: 3 }),
    password: fc.oneof(fc.string({ maxLength: 10 }), fc.uint8Array({ maxLength: 10 })),
    intervalCs: fc.integer({ min: 0, max: 5000 }),
    addresses: fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 8 })), { maxLength: 4 }),
    checkAddresses: fc.boolean(),
    addressMismatch: fc.constantFrom('drop' as const, 'accept' as const),
    unicastPeers: fc.array(
      fc.record({ address: fc.oneof(fc.ipV4(), fc.ipV6()), minTtl: fc.nat(255), maxTtl: fc.nat(255) }, { requiredKeys: ['address'] }),
      { maxLength: 2 },
    ),
    checkUnicastSrc: fc.boolean(),
    oldUnicastChecksum: fc.constantFrom('auto' as const, 'never' as const, 'always' as const),
  },
  { requiredKeys: ['version', 'intervalCs'] },
);

const rxArb = fc.record(
  {
    family: fc.constantFrom(4 as const, 6 as const),
    src: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 6 })),
    dst: fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant('224.0.0.18'), fc.constant('ff02::12')),
    ttl: fc.nat(300),
    multicast: fc.boolean(),
    protocol: fc.constantFrom(112, 51, 6),
    checksumVerified: fc.boolean(),
  },
  { requiredKeys: ['family'] },
);

describe('properties', () => {
  it('encode -> decode -> encode is the identity, and the receiver of the same config accepts', () => {
    fc.assert(
      fc.property(advertArb, ({ fields, src, dst }) => {
        const bytes = encodeAdvert(fields, { src, dst });
        const parsed = parseAdvert(bytes, fields.family);
        if (!parsed.ok) throw new Error(parsed.reason);
        expect(encodeAdvert(parsed.advert as AdvertFields, { src, dst }).equals(bytes)).toBe(true);
        expect(parsed.advert.addresses).toEqual(fields.addresses.map((a) => normaliseAddress(a, fields.family)));
        const view: InstanceView = {
          version: fields.version,
          authType: fields.authType,
          password: fields.authData,
          intervalCs: fields.intervalCs,
          addresses: fields.addresses,
        };
        const r = decodeAdvert(bytes, {
          family: fields.family,
          src,
          dst,
          ttl: 255,
          multicast: true,
          checksumVerified: false,
          protocol: fields.authType === AUTH_AH ? IPPROTO_AH : 112,
          instance: view,
        });
        if (fields.authType === AUTH_AH && fields.family === 4) expect(reasonOf(r)).toBe('unsupported-auth');
        else expect(r).toMatchObject({ ok: true, advert: { ...parsed.advert } });
      }),
    );
  });

  it('any single-bit flip of a checksummed IPv4 advert is dropped', () => {
    fc.assert(
      fc.property(
        advertArb.filter(({ fields }) => fields.family === 4 && fields.authType !== AUTH_AH),
        fc.nat(),
        ({ fields, src, dst }, bit) => {
          const bytes = encodeAdvert(fields, { src, dst });
          const view: InstanceView = { version: fields.version, authType: fields.authType, password: fields.authData, intervalCs: fields.intervalCs };
          const ctx: DecodeContext = { family: 4, src, dst, ttl: 255, multicast: true, instance: view };
          expect(decodeAdvert(bytes, ctx).ok).toBe(true);
          const flipped = Buffer.from(bytes);
          const i = bit % (bytes.length * 8);
          flipped[i >> 3] ^= 1 << (i & 7);
          const r = decodeAdvert(flipped, ctx);
          // A flip in the v3 reserved bits is ignored by design... but still fails the checksum.
          expect(r.ok).toBe(false);
        },
      ),
    );
  });

  it('never throws on random bytes, whatever the context', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), rxArb, viewArb, fc.boolean(), (bytes, rx, view, lookup) => {
        const instance = lookup ? (vrid: number) => (vrid % 2 === 0 ? view : undefined) : view;
        const r = decodeAdvert(bytes, { ...rx, instance });
        expect(typeof r.ok).toBe('boolean');
        parseAdvert(bytes, rx.family);
        parseIpv4Packet(bytes);
        decodeIpv4Packet(bytes, { instance });
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on random bytes behind a plausible header', () => {
    // Random bodies reach the later checks more often with a sane first bytes.
    const headerArb = fc.record({
      vt: fc.constantFrom(0x21, 0x31, 0x22, 0x11),
      vrid: fc.constantFrom(51, 52),
      count: fc.integer({ min: 0, max: 4 }),
    });
    fc.assert(
      fc.property(headerArb, fc.uint8Array({ maxLength: 80 }), rxArb, viewArb, (h, body, rx, view) => {
        const bytes = Buffer.concat([Buffer.from([h.vt, h.vrid, 100, h.count]), body]);
        decodeAdvert(bytes, { ...rx, instance: view });
        const pkt = encodeIpv4Packet(bytes, { src: '198.51.100.11', dst: '224.0.0.18', protocol: rx.protocol ?? 112 });
        decodeIpv4Packet(pkt, { instance: view });
      }),
      { numRuns: 3000 },
    );
  });
});
