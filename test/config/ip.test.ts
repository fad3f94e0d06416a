// parseIp's hand-written IPv4 check must accept exactly what node's isIPv4 does.
import { isIPv4 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDottedQuad, parseIp } from '../../src/config/ip.js';

const part = fc.oneof(fc.integer({ min: 0, max: 999 }).map(String), fc.constantFrom('', '00', '01', '007', '+1', ' 1', 'a', '1 ', '0x1', '２'));
const addressLike = fc.array(part, { minLength: 1, maxLength: 6 }).chain((parts) =>
  fc.array(fc.constantFrom('.', '.', '.', ':', '..', ''), { minLength: parts.length - 1, maxLength: parts.length - 1 }).map((seps) => parts.map((p, i) => (i === 0 ? p : seps[i - 1] + p)).join('')),
);

describe('isDottedQuad', () => {
  it('agrees with node:net isIPv4', () => {
    fc.assert(
      fc.property(addressLike, (text) => {
        expect(isDottedQuad(text)).toBe(isIPv4(text));
      }),
      { numRuns: 20000 },
    );
  });

  it.each([
    ['198.51.100.1', true],
    ['0.0.0.0', true],
    ['255.255.255.255', true],
    ['256.1.1.1', false],
    ['1.2.3.04', false],
    ['1.2.3', false],
    ['1.2.3.4.', false],
    ['1.2.3.4 ', false],
  ])('%s -> %s', (text, expected) => {
    expect(isDottedQuad(text)).toBe(expected);
    expect(parseIp(text)).toEqual(expected ? { family: 4, address: text } : undefined);
  });
});
