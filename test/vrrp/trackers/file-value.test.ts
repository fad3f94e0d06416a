// track_file contents read like keepalived's strtol(buf, NULL, 0), clamped to +-254.
import { describe, expect, it } from 'vitest';
import { parseTrackFileValue } from '../../../src/vrrp/trackers/file-value.js';

describe('parseTrackFileValue', () => {
  it.each([
    ['10\n', 10],
    ['  -7 trailing words', -7],
    ['+5', 5],
    ['0x1f', 31],
    ['010', 8],
    ['08', 0],
    ['0x', 0],
    ['abc', 0],
    ['', 0],
    ['999999999999999999999', 254],
    ['-300', -254],
    ['\t\n 42', 42],
  ])('%j -> %d', (text, value) => {
    expect(parseTrackFileValue(text)).toBe(value);
  });

  it('a missing file is 0', () => {
    expect(parseTrackFileValue(undefined)).toBe(0);
  });

  it('reads only the first 127 bytes', () => {
    expect(parseTrackFileValue(`${' '.repeat(127)}9`)).toBe(0);
    expect(parseTrackFileValue(`${' '.repeat(126)}9`)).toBe(9);
  });
});
