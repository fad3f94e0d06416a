// keepalived-ts -t must give the same verdict as real keepalived -t on every
// sample configuration shipped with keepalived, and name every line keepalived
// names. Both run in the same network namespace, which has eth0..eth3 and
// eth0.1 (veths), so "interface doesn't exist" depends only on the config.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepalivedVersion } from '../helpers/keepalived.js';
import { cleanupNetns, createOracleNamespace, type Netns } from '../helpers/netns.js';
import { cannotRun } from '../helpers/gate.js';
import { compareWithKeepalived, oracleUnavailableReason } from '../helpers/oracle.js';

const SAMPLES_DIR = '/usr/share/doc/keepalived/samples';

function listSamples(): string[] {
  try {
    return readdirSync(SAMPLES_DIR)
      .filter((f) => f.startsWith('keepalived.conf'))
      .sort();
  } catch {
    return [];
  }
}

const samples = listSamples();
const unavailable = oracleUnavailableReason();

// keepalived.conf.conditional_conf has `@high` / `@low` lines: besides the
// default config-id (the host name), run it with each id.
const EXTRA_RUNS: { file: string; args: string[] }[] = [
  { file: 'keepalived.conf.conditional_conf', args: ['-i', 'high'] },
  { file: 'keepalived.conf.conditional_conf', args: ['-i', 'low'] },
];

describe('keepalived samples: keepalived-ts -t agrees with keepalived -t', () => {
  if (unavailable !== undefined) {
    cannotRun('keepalived oracle tests', unavailable);
    return;
  }

  let ns: Netns;
  beforeAll(() => {
    ns = createOracleNamespace('samples');
  });
  afterAll(() => {
    cleanupNetns();
  });

  it(`finds the samples in ${SAMPLES_DIR} (${keepalivedVersion() ?? 'keepalived version unknown'})`, () => {
    // The Debian package ships 25 of them; a handful would mean a broken install.
    expect(samples.length).toBeGreaterThanOrEqual(20);
  });

  const runs = [...samples.map((file) => ({ file, args: [] as string[] })), ...EXTRA_RUNS];
  for (const { file, args } of runs) {
    const title = args.length ? `${file} (${args.join(' ')})` : file;
    it(title, () => {
      const c = compareWithKeepalived(ns, join(SAMPLES_DIR, file), { args });
      expect(c.agree, c.report).toBe(true);
    });
  }
});
