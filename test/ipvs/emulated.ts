// The ipvsadm emulator for tests: an adapter whose `ipvsadm` is the emulator
// (first on PATH in the spawned process's environment; the system ipvsadm is
// never run) with a fresh, empty table of its own, and small helpers to write
// and read tables in -Sn form.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { diffTables, type IpvsOperation } from '../../src/ipvs/diff.js';
import { Ipvsadm, type IpvsadmOptions } from '../../src/ipvs/ipvsadm.js';
import { formatSave, parseSave } from '../../src/ipvs/table.js';

export const EMULATOR_DIR = join(new URL('.', import.meta.url).pathname, 'emulator');

const dir = mkdtempSync(join(tmpdir(), 'kts-ipvsadm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A state file for a new, empty emulated table. */
export function emulatorState(): string {
  return join(dir, `table-${n++}.json`);
}

/** The environment that makes `ipvsadm` the emulator with the table in `state`. */
export function emulatorEnv(state: string): NodeJS.ProcessEnv {
  return { PATH: `${EMULATOR_DIR}:${process.env.PATH ?? ''}`, IPVSADM_EMULATOR_STATE: state };
}

/** An adapter whose `ipvsadm` is the emulator with a fresh, empty table. */
export function emulated(options: IpvsadmOptions = {}): { adapter: Ipvsadm; state: string } {
  const state = emulatorState();
  return { adapter: new Ipvsadm({ env: emulatorEnv(state), ...options }), state };
}

/** A stand-in script for ipvsadm behaviours the emulator does not have. */
export function fakeIpvsadm(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

export const lines = (...l: string[]): string => l.map((x) => `${x}\n`).join('');

/** The operations that add the rules of an -S text to an empty table. */
export const addAll = (text: string): IpvsOperation[] => diffTables({ services: [] }, parseSave(text), { services: new Set(), destinations: new Set() }).operations;

/** The live table in -Sn form. */
export async function saved(adapter: Ipvsadm): Promise<string> {
  const r = await adapter.read();
  if (!r.ok) throw new Error(r.failure.message);
  return formatSave(r.table);
}
