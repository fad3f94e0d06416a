// What each child is sent of the config (src/daemon/child-config.ts): its own
// part, every setting it runs on intact, and no `locs` maps.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childConfigText, configForRole, parseChildConfig } from '../../src/daemon/child-config.js';
import type { KeepalivedConfig } from '../../src/config/model/index.js';
import { fakeHost, linesOf } from '../helpers/config.js';
import { readConfigLines } from '../../src/config/read.js';
import { Problems } from '../../src/config/problems.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'configs');

function read(name: string): KeepalivedConfig {
  const text = readFileSync(join(FIXTURES, name), 'utf8');
  return readConfigLines(name, linesOf(text, name), fakeHost(), new Problems(), new Problems()).config;
}

/** A copy of `value` without its `locs` maps, made without JSON (so a value JSON cannot carry shows). */
function withoutLocs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLocs);
  if (value === null || typeof value !== 'object') return value;
  if (!(Object.getPrototypeOf(value) === Object.prototype)) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'locs').map(([k, v]) => [k, withoutLocs(v)]));
}

/** What the checker child is sent of `value`: no locs, no inheritedForwarding, no resolved timers' `source`. */
function checkerView(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(checkerView);
  if (value === null || typeof value !== 'object') return value;
  if (!(Object.getPrototypeOf(value) === Object.prototype)) return value;
  const resolved = 'delayBeforeRetry' in value && 'warmup' in value;
  const dropped = (k: string) => k === 'locs' || k === 'inheritedForwarding' || (resolved && k === 'source');
  return Object.fromEntries(Object.entries(value).filter(([k]) => !dropped(k)).map(([k, v]) => [k, checkerView(v)]));
}

function keysAnywhere(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysAnywhere(v, found);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      found.add(k);
      keysAnywhere(v, found);
    }
  }
  return found;
}

const configs = readdirSync(FIXTURES).filter((f) => f.endsWith('.conf'));

describe('the config a child is sent', () => {
  it.each(configs)('%s: the checker child gets the virtual servers and the track files, the VRRP child the rest, both without locs', (name) => {
    const config = read(name);
    const checker = parseChildConfig(childConfigText(config, 'checker'));
    const vrrp = parseChildConfig(childConfigText(config, 'vrrp'));

    expect(checker.check).toEqual(checkerView(config.check));
    expect(checker.vrrp.trackFiles).toEqual(checkerView(config.vrrp.trackFiles));
    expect(checker.vrrp.instances).toEqual([]);
    expect(checker.vrrp.scripts).toEqual([]);
    expect(checker.global).toEqual(withoutLocs(config.global));
    expect(checker.top).toEqual(withoutLocs(config.top));

    expect(vrrp.vrrp).toEqual(withoutLocs(config.vrrp));
    expect(vrrp.check).toEqual({ virtualServers: [], virtualServerGroups: [] });
    expect(vrrp.global).toEqual(withoutLocs(config.global));

    expect(keysAnywhere(checker).has('locs')).toBe(false);
    expect(keysAnywhere(checker).has('inheritedForwarding')).toBe(false);
    expect(keysAnywhere(vrrp).has('locs')).toBe(false);
  });

  it('keeps where each block was written (loc), which children name in their logs', () => {
    const config = read('lab-director1-full.conf');
    const checker = parseChildConfig(childConfigText(config, 'checker'));
    expect(config.check.virtualServers.length).toBeGreaterThan(0);
    expect(checker.check.virtualServers[0]!.loc).toEqual(config.check.virtualServers[0]!.loc);
    expect(checker.check.virtualServers[0]!.realServers[0]!.loc.line).toBeGreaterThan(0);
  });

  it('does not change the config it is given', () => {
    const config = read('lab-director1-full.conf');
    const before = JSON.stringify(config);
    configForRole(config, 'checker');
    childConfigText(config, 'vrrp');
    expect(JSON.stringify(config)).toBe(before);
  });
});
