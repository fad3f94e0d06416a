// The keepalived oracle's output parser and file matching (no root needed).

import { describe, expect, it } from 'vitest';
import { parseKeepalivedOutput, sameConfigFile } from './keepalived.js';

describe('parseKeepalivedOutput', () => {
  it('reads both location prefixes, leaves others unlocated, and dedupes', () => {
    const out = [
      "(Line 3) number '0' outside range [0.000001, 4294.967295]",
      "(/etc/k.conf: Line 3) number '0' outside range [0.000001, 4294.967295]",
      "(/etc/k.conf: Line 10) Unknown keyword 'prority'",
      "(/etc/k.conf: Line 10) Unknown keyword 'prority'",
      '(include.d/vrrp.inc: Line 7) Unknown keyword \'advert_intt\'',
      '(/etc/k.conf: Line 11)         Please use global lvs_sync_daemon',
      '(VI_1) State MASTER must match being address owner',
      '(VI_1) State MASTER must match being address owner',
      "(Line 5) Config files missing 'x.conf'.",
      '',
      'Non-existent interface specified in configuration',
    ].join('\n');
    expect(parseKeepalivedOutput(out)).toEqual([
      { file: '/etc/k.conf', line: 3, text: "number '0' outside range [0.000001, 4294.967295]" },
      { file: '/etc/k.conf', line: 10, text: "Unknown keyword 'prority'" },
      { file: 'include.d/vrrp.inc', line: 7, text: "Unknown keyword 'advert_intt'" },
      { file: '/etc/k.conf', line: 11, text: 'Please use global lvs_sync_daemon' },
      { text: '(VI_1) State MASTER must match being address owner' },
      { line: 5, text: "Config files missing 'x.conf'." },
      { text: 'Non-existent interface specified in configuration' },
    ]);
  });
});

describe('sameConfigFile', () => {
  it('matches absolute names exactly and relative names by suffix', () => {
    expect(sameConfigFile('/a/b/k.conf', '/a/b/k.conf')).toBe(true);
    expect(sameConfigFile('/a/b/k.conf', '/a/c/k.conf')).toBe(false);
    expect(sameConfigFile('k.conf', 'k.conf', '/x')).toBe(true);
    expect(sameConfigFile('include.d/vrrp.inc', '/r/conf/include.d/vrrp.inc', '/elsewhere')).toBe(true);
    expect(sameConfigFile('level2.inc', '/r/conf/include.d/nested/level2.inc', '/elsewhere')).toBe(true);
    expect(sameConfigFile('vrrp.inc', '/r/conf/other-vrrp.inc', '/elsewhere')).toBe(false);
  });
});
