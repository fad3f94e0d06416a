// tcpdump decodes our adverts as valid VRRP with the same fields as
// keepalived's (issue 3, acceptance 4): the same config is run by Debian's
// keepalived and by the keepalived-ts daemon on director a, and tcpdump -v in
// director b prints two adverts of each; the decodes must be identical apart
// from the IP id (a counter). VRRPv2 with PASS auth and VRRPv3 at 0.1 s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess } from '../daemon/daemon-process.js';
import { createDirectorPair, LAB, until, type DirectorPair } from '../helpers/director-pair.js';
import { cannotRun } from '../helpers/gate.js';
import { KeepalivedProcess } from '../helpers/keepalived-process.js';
import { labConfig } from '../helpers/lab-config.js';
import { cleanupNetns, netnsUnavailableReason, type Netns } from '../helpers/netns.js';

const CONFIGS = {
  'VRRPv2, PASS, advert_int 1': { version: 2, advertInt: 1, password: 'lab51pw' },
  'VRRPv3, advert_int 0.1': { version: 3, advertInt: 0.1, password: null },
} as const;

function conf(version: 2 | 3, advertInt: number, password: string | null): string {
  return labConfig({ state: 'MASTER', priority: 150, version, advertInt, password, vips: [LAB.vip, '198.51.100.181'] });
}

/** Two VRRP packets from director 1 as tcpdump -v decodes them, IP id masked. */
async function capture(ns: Netns): Promise<string[]> {
  const child = ns.spawn(['tcpdump', '-i', 'eth0', '-nn', '-v', '-l', '-c', '2', 'ip proto 112 and src host ' + LAB.director1]);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<void>((res) => child.once('close', () => res()));
  const ended = await Promise.race([done.then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), 15_000))]);
  if (!ended) child.kill('SIGKILL');
  // tcpdump -v prints each packet on two lines: the IP header, then the VRRP decode.
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^\d{2}:\d{2}:\d{2}\.\d+ /, '').replace(/\bid \d+/, 'id N').trim());
}

const reason =
  netnsUnavailableReason() ??
  (spawnSync('keepalived', ['--version']).error ? 'keepalived is not installed' : undefined) ??
  (spawnSync('tcpdump', ['--version']).error ? 'tcpdump is not installed' : undefined);

describe('tcpdump decodes keepalived-ts adverts exactly as keepalived 2.2.7 adverts', () => {
  if (reason !== undefined) {
    cannotRun('tcpdump decode tests', reason);
    return;
  }
  let lab: DirectorPair;
  let dir: string;
  beforeAll(() => {
    lab = createDirectorPair('dump');
    dir = mkdtempSync(join(tmpdir(), 'kts-dump-'));
  });
  afterAll(() => {
    cleanupNetns();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, c] of Object.entries(CONFIGS)) {
    it(name, async () => {
      const text = conf(c.version, c.advertInt, c.password);
      const ka = KeepalivedProcess.start(lab.a, dir, `ka-${c.version}`, text, ['-P']);
      expect(await until(() => lab.holders().includes('a'), 15_000), ka.log).toBeDefined();
      const theirs = await capture(lab.b);
      await ka.stop();

      const file = join(dir, `ours-${c.version}.conf`);
      writeFileSync(file, text);
      const ours = DaemonProcess.launch(lab.a, dir, `ours-${c.version}`, file, ['-P']);
      expect(await until(() => lab.holders().includes('a'), 15_000), ours.describe()).toBeDefined();
      const mine = await capture(lab.b);
      await ours.stop('SIGTERM', 10_000);

      expect(theirs.length, theirs.join('\n')).toBe(4);
      expect(theirs.join('\n')).toMatch(c.version === 2 ? /VRRPv2, Advertisement, vrid 51, prio 150, authtype simple, intvl 1s, length 24, addrs\(2\): 198\.51\.100\.180,198\.51\.100\.181 auth "lab51pw"/ : /VRRPv3, Advertisement, vrid 51, prio 150, intvl 10cs, length 16, addrs\(2\): 198\.51\.100\.180,198\.51\.100\.181/);
      expect(mine).toEqual(theirs);
    }, 60_000);
  }
});
