import { describe, expect, it } from 'vitest';
import { canonicalAddress, expandRange, hostPort } from '../../src/ipvs/address.js';

describe('canonicalAddress writes addresses the way ipvsadm prints them', () => {
  it.each([
    ['198.51.100.21', 4, '198.51.100.21'],
    ['2001:db8::a', 6, '2001:db8::a'],
    ['2001:db8:0:0:0:0:0:b', 6, '2001:db8::b'],
    ['2001:DB8::A', 6, '2001:db8::a'],
    ['::', 6, '::'],
    ['::1', 6, '::1'],
    ['1::', 6, '1::'],
    ['1:0:0:2:0:0:0:3', 6, '1:0:0:2::3'],
    ['1:0:0:2:0:0:3:4', 6, '1::2:0:0:3:4'],
    ['1:2:3:4:5:6:7:0', 6, '1:2:3:4:5:6:7:0'],
    ['::ffff:198.51.100.21', 6, '::ffff:198.51.100.21'],
    ['::ffff:c633:6415', 6, '::ffff:198.51.100.21'],
    ['::198.51.100.21', 6, '::198.51.100.21'],
    ['2001:db8::198.51.100.21', 6, '2001:db8::c633:6415'],
  ] as const)('%s', (address, family, expected) => {
    expect(canonicalAddress({ family, address })).toBe(expected);
  });

  it('puts IPv6 in brackets before a port', () => {
    expect(hostPort(6, '2001:db8::1', 80)).toBe('[2001:db8::1]:80');
    expect(hostPort(4, '198.51.100.1', 0)).toBe('198.51.100.1:0');
  });
});

describe('expandRange walks a group range as keepalived does', () => {
  it('counts an IPv4 range across octets', () => {
    expect(expandRange({ family: 4, address: '198.51.100.254' }, { family: 4, address: '198.51.101.1' }, 100)).toEqual({
      addresses: ['198.51.100.254', '198.51.100.255', '198.51.101.0', '198.51.101.1'],
      truncated: false,
    });
  });

  it('expands 198.51.100.72-75', () => {
    expect(expandRange({ family: 4, address: '198.51.100.72' }, { family: 4, address: '198.51.100.75' }, 100).addresses).toEqual([
      '198.51.100.72',
      '198.51.100.73',
      '198.51.100.74',
      '198.51.100.75',
    ]);
  });

  it('counts only the last group of an IPv6 range', () => {
    expect(expandRange({ family: 6, address: '2001:db8::fffe' }, { family: 6, address: '2001:db8::1:1' }, 100).addresses).toEqual([
      '2001:db8::fffe',
      '2001:db8::ffff',
      '2001:db8::',
      '2001:db8::1',
    ]);
  });

  it('stops at the limit and says so', () => {
    expect(expandRange({ family: 4, address: '10.0.0.0' }, { family: 4, address: '10.255.255.255' }, 3)).toEqual({
      addresses: ['10.0.0.0', '10.0.0.1', '10.0.0.2'],
      truncated: true,
    });
  });
});
