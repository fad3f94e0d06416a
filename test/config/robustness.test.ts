// Whatever the bytes, reading a config ends in a model and a problem list:
// never an exception, never a hang. Mutations of keepalived's own samples
// (as Debian installs them) reach deep into every block's reader.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/index.js';
import type { ConfigFs } from '../../src/config/preprocess.js';
import { fakeHost } from '../helpers/config.js';

const SAMPLES = '/usr/share/doc/keepalived/samples';
const samples = fs
  .readdirSync(SAMPLES)
  .filter((f) => f.startsWith('keepalived.conf'))
  .map((f) => fs.readFileSync(path.join(SAMPLES, f), 'utf8'));

function memoryFs(files: Record<string, string>): ConfigFs {
  return {
    readFile: (p) => files[p],
    readDir: (p) => (p === '/cfg' ? Object.keys(files).map((f) => path.basename(f)) : undefined),
    isDirectory: (p) => p === '/cfg',
  };
}

type Mutation =
  | { kind: 'drop'; at: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'swap'; at: number; with: number }
  | { kind: 'cut-brace'; at: number }
  | { kind: 'bytes'; at: number; bytes: string };

function mutate(text: string, mutations: Mutation[]): string {
  const lines = text.split('\n');
  for (const m of mutations) {
    if (lines.length === 0) break;
    const i = m.at % lines.length;
    if (m.kind === 'drop') lines.splice(i, 1);
    else if (m.kind === 'duplicate') lines.splice(i, 0, lines[i]);
    else if (m.kind === 'swap') {
      const j = m.with % lines.length;
      [lines[i], lines[j]] = [lines[j], lines[i]];
    } else if (m.kind === 'cut-brace') lines[i] = lines[i].replace(/[{}]/, '');
    else lines[i] = lines[i].slice(0, m.at % (lines[i].length + 1)) + m.bytes + lines[i].slice(m.at % (lines[i].length + 1));
  }
  return lines.join('\n');
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('cut-brace' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.string({ unit: 'binary', maxLength: 12 }) }),
);

function check(text: string): void {
  const started = Date.now();
  const result = readConfig('/cfg/keepalived.conf', { configId: 'test', host: fakeHost(), fs: memoryFs({ '/cfg/keepalived.conf': text }) });
  expect(Array.isArray(result.problems)).toBe(true);
  expect([0, 2, 4, 5, 6]).toContain(result.exitCode);
  expect(Date.now() - started).toBeLessThan(2000);
}

describe('reading never throws', () => {
  it('has samples to mutate', () => {
    expect(samples.length).toBeGreaterThan(20);
  });

  it('survives line mutations of every sample', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: samples.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 8 }), (which, mutations) => {
        check(mutate(samples[which], mutations));
      }),
      { numRuns: 600 },
    );
  });

  it('survives random text and random bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => check(text)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom('{', '}', '"', '#', '!', '\\', '$', '@', '~SEQ(', 'include ', 'vrrp_instance ', 'priority ', ' ', '\n', 'x'), { maxLength: 80 }), (parts) =>
        check(parts.join('')),
      ),
      { numRuns: 500 },
    );
  });
});
