// virtual_routes, virtual_rules and static_ipaddress / static_routes /
// static_rules, with keepalived 2.2.7 as the oracle: the same config runs on
// director a of two labs of identical shape, the keepalived-ts daemon in one
// and keepalived in the other, each with a keepalived peer of priority 200 on
// director b to put it in BACKUP and take it out again. At every step the
// routes, rules and addresses keepalived-ts leaves (`ip route show table
// all`, `ip -6 route ...`, `ip rule show`, `ip -6 rule show`, `ip addr`) are
// those keepalived leaves:
//   BACKUP (peer master): the static entries only;
//   MASTER (peer stopped): VIPs, virtual routes and rules too;
//   reload (HUP) as master: dropped routes and rules go, new ones come;
//   BACKUP again (peer back, preempting): the virtual ones go, the static stay;
//   SIGTERM: nothing left.
// Only documentation prefixes and table 100 are used.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorPair, until, type DirectorPair } from '../helpers/director-pair.js';
import { cannotRun } from '../helpers/gate.js';
import { KeepalivedProcess } from '../helpers/keepalived-process.js';
import { cleanupNetns, netnsUnavailableReason, type Netns } from '../helpers/netns.js';
import { labConfig } from '../helpers/lab-config.js';
import { DaemonProcess } from './daemon-process.js';

const STATICS = `static_ipaddress {
  203.0.113.50/32 dev eth0
}
static_routes {
  203.0.113.128/26 via 198.51.100.1 dev eth0 table 100
  2001:db8:2::/48 via 2001:db8::1 dev eth0 table 100
}
static_rules {
  from 203.0.113.128/26 table 100 preference 1000
  from 2001:db8:2::/48 table 100 preference 1001
}
`;

const ROUTES = `
    203.0.113.0/26 via 198.51.100.1 dev eth0
    203.0.113.64/26 via 198.51.100.1 dev eth0 table 100 metric 5
    src 198.51.100.180 203.0.113.192/27 dev eth0
    blackhole 203.0.113.224/27 table 100
    2001:db8:1::/48 via 2001:db8::1 dev eth0
    203.0.113.160/27 via 198.51.100.1 no_track`;

const RULES = `
    from 198.51.100.180 table 100 preference 2000
    to 203.0.113.0/24 table 100 preference 2001
    from 2001:db8::180 table 100 preference 2002
    fwmark 7 table 100`;

/** The config under test; `reloaded` drops a route and a rule, adds others, changes a static route. */
function directorConf(reloaded = false): string {
  const routes = reloaded ? ROUTES.replace('203.0.113.0/26 via', '203.0.113.32/27 via') : ROUTES;
  const rules = reloaded ? RULES.replace('to 203.0.113.0/24 table 100 preference 2001', 'to 203.0.113.0/25 table 100 preference 2003') : RULES;
  const statics = reloaded ? STATICS.replace('  2001:db8:2::/48 via 2001:db8::1 dev eth0 table 100\n', '  203.0.113.96/27 via 198.51.100.1 dev eth0 table 100\n') : STATICS;
  return labConfig({
    state: 'BACKUP',
    priority: 150,
    routerId: 'director1',
    instanceExtra: `\n  virtual_ipaddress_excluded {\n    2001:db8::180/64 dev eth0\n  }\n  virtual_routes {${routes}\n  }\n  virtual_rules {${rules}\n  }`,
    after: statics,
  });
}

const peerConf = labConfig({ state: 'BACKUP', priority: 200, routerId: 'peer' });

/** What the kernel holds that keepalived put there: routes and rules with its protocol, eth0's global addresses. */
function installed(ns: Netns): string {
  const lines = (args: string[]) => ns.ip(...args).stdout.split('\n').map((l) => l.trim());
  const ours = (args: string[]) => lines(args).filter((l) => l.includes('proto keepalived')).sort();
  const addrs = lines(['-o', 'addr', 'show', 'dev', 'eth0'])
    .map((l) => /inet6? (\S+)/.exec(l)?.[1])
    .filter((a): a is string => a !== undefined && !a.startsWith('fe80:'))
    .sort();
  return [
    ...ours(['-4', 'route', 'show', 'table', 'all']),
    ...ours(['-6', 'route', 'show', 'table', 'all']),
    ...ours(['-4', 'rule', 'show']),
    ...ours(['-6', 'rule', 'show']),
    `addresses: ${addrs.join(' ')}`,
  ].join('\n');
}

interface Side {
  lab: DirectorPair;
  impl: 'keepalived-ts' | 'keepalived';
  /** The director under test on a, and its config file. */
  stop(): Promise<void>;
  hup(config: string): void;
  log(): string;
  peer?: KeepalivedProcess;
}

const reason =
  netnsUnavailableReason() ??
  (spawnSync('keepalived', ['--version']).error ? 'keepalived is not installed' : undefined) ??
  (spawnSync('arping', ['-V']).error ? 'arping (iputils-arping) is not installed' : undefined);

describe('virtual_routes / virtual_rules / static_*: keepalived-ts leaves what keepalived 2.2.7 leaves', () => {
  if (reason !== undefined) {
    cannotRun('virtual routes tests', reason);
    return;
  }
  let dir: string;
  let ours: Side;
  let theirs: Side;
  const peers: KeepalivedProcess[] = [];
  let n = 0;

  const startPeer = (side: Side): void => {
    side.peer = KeepalivedProcess.start(side.lab.b, dir, `peer-${side.impl}-${n++}`, peerConf, ['-P']);
    peers.push(side.peer);
  };
  const both = () => `${ours.log()}\n${theirs.log()}\n--- ours ---\n${installed(ours.lab.a)}\n--- keepalived ---\n${installed(theirs.lab.a)}`;
  /** Until both labs hold the same entries and `check` holds for them; then what they hold. */
  const settle = async (check: (state: string) => boolean, what: string): Promise<string> => {
    const ok = await until(() => {
      const mine = installed(ours.lab.a);
      return mine === installed(theirs.lab.a) && check(mine);
    }, 20_000, 100);
    expect(ok, `${what}\n${both()}`).toBeDefined();
    // Still the same a little later: nothing was on its way.
    await new Promise((r) => setTimeout(r, 500));
    expect(installed(ours.lab.a), what).toBe(installed(theirs.lab.a));
    return installed(ours.lab.a);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kts-vroutes-'));
    const labs = [createDirectorPair('vro'), createDirectorPair('vrk')];
    for (const lab of labs) lab.a.ip('addr', 'add', '2001:db8::11/64', 'dev', 'eth0', 'nodad');
    const file = join(dir, 'ours.conf');
    writeFileSync(file, directorConf());
    ours = { lab: labs[0], impl: 'keepalived-ts', stop: async () => {}, hup: () => {}, log: () => '' };
    theirs = { lab: labs[1], impl: 'keepalived', stop: async () => {}, hup: () => {}, log: () => '' };
    // The peers are master before the directors under test start: these never pass through MASTER.
    startPeer(ours);
    startPeer(theirs);
    const peersMaster = await until(() => labs.every((l) => l.holders().join() === 'b'), 15_000);
    expect(peersMaster, `${ours.peer!.log}\n${theirs.peer!.log}`).toBeDefined();
    const d = DaemonProcess.launch(ours.lab.a, dir, 'ours', file, ['-P']);
    ours.stop = async () => void (await d.stop('SIGTERM', 15_000));
    ours.hup = (config) => {
      writeFileSync(file, config);
      d.signal('main', 'SIGHUP');
    };
    ours.log = () => d.describe().split('\n').filter((l) => !l.includes('"level":20')).join('\n');
    const k = KeepalivedProcess.start(theirs.lab.a, dir, 'theirs', directorConf(), ['-P']);
    theirs.stop = () => k.stop();
    theirs.hup = (config) => {
      writeFileSync(join(dir, 'theirs.conf'), config);
      k.signal('SIGHUP');
    };
    theirs.log = () => `--- keepalived ---\n${k.log}`;
  });

  afterAll(async () => {
    await Promise.all([ours?.stop(), theirs?.stop()]);
    for (const p of peers) p.killAll();
    cleanupNetns();
    rmSync(dir, { recursive: true, force: true });
  });

  it('BACKUP under a higher-priority master: the static address, routes and rules only', async () => {
    const state = await settle((s) => s.includes('203.0.113.50/32') && s.includes('1001:'), 'static entries installed');
    expect(state).toBe(
      [
        '203.0.113.128/26 via 198.51.100.1 dev eth0 table 100 proto keepalived',
        '2001:db8:2::/48 via 2001:db8::1 dev eth0 table 100 proto keepalived metric 1024 pref medium',
        '1000:\tfrom 203.0.113.128/26 lookup 100 proto keepalived',
        '1001:\tfrom 2001:db8:2::/48 lookup 100 proto keepalived',
        'addresses: 198.51.100.11/24 2001:db8::11/64 203.0.113.50/32',
      ].join('\n'),
    );
  }, 60_000);

  it('MASTER once the peer stops: VIPs, then every virtual route and rule as well', async () => {
    await Promise.all([ours.peer!.stop(), theirs.peer!.stop()]);
    const state = await settle((s) => s.includes('16384:') && s.includes('2001:db8:1::/48') && s.includes('198.51.100.180/32'), 'virtual routes and rules installed');
    for (const line of [
      '203.0.113.0/26 via 198.51.100.1 dev eth0 proto keepalived',
      '203.0.113.64/26 via 198.51.100.1 dev eth0 table 100 proto keepalived metric 5',
      '203.0.113.192/27 dev eth0 proto keepalived src 198.51.100.180',
      'blackhole 203.0.113.224/27 table 100 proto keepalived',
      '203.0.113.160/27 via 198.51.100.1 dev eth0 proto keepalived',
      '2001:db8:1::/48 via 2001:db8::1 dev eth0 proto keepalived metric 1024 pref medium',
      '2000:\tfrom 198.51.100.180 lookup 100 proto keepalived',
      '2001:\tfrom all to 203.0.113.0/24 lookup 100 proto keepalived',
      '16384:\tfrom all fwmark 0x7 lookup 100 proto keepalived',
      '2002:\tfrom 2001:db8::180 lookup 100 proto keepalived',
      'addresses: 198.51.100.11/24 198.51.100.180/32 2001:db8::11/64 2001:db8::180/64 203.0.113.50/32',
    ]) {
      expect(state.split('\n')).toContain(line);
    }
  }, 60_000);

  it('reload as MASTER: dropped routes, rules and static routes go, new ones come, the rest stays', async () => {
    ours.hup(directorConf(true));
    theirs.hup(directorConf(true));
    const state = await settle((s) => s.includes('203.0.113.32/27') && s.includes('2003:') && s.includes('203.0.113.96/27'), 'reloaded');
    const lines = state.split('\n');
    expect(lines.filter((l) => /^203\.0\.113\.0\/26 |^2001:\t|^2001:db8:2::\/48 /.test(l))).toEqual([]);
    expect(lines).toContain('203.0.113.64/26 via 198.51.100.1 dev eth0 table 100 proto keepalived metric 5');
  }, 60_000);

  it('BACKUP again when the peer comes back: the virtual entries go, the static ones stay', async () => {
    startPeer(ours);
    startPeer(theirs);
    const state = await settle((s) => !s.includes('198.51.100.180') && !s.includes('2000:'), 'virtual entries removed');
    expect(state).toBe(
      [
        '203.0.113.128/26 via 198.51.100.1 dev eth0 table 100 proto keepalived',
        '203.0.113.96/27 via 198.51.100.1 dev eth0 table 100 proto keepalived',
        '1000:\tfrom 203.0.113.128/26 lookup 100 proto keepalived',
        '1001:\tfrom 2001:db8:2::/48 lookup 100 proto keepalived',
        'addresses: 198.51.100.11/24 2001:db8::11/64 203.0.113.50/32',
      ].join('\n'),
    );
  }, 60_000);

  it('SIGTERM: the static entries go too, nothing of keepalived is left', async () => {
    await Promise.all([ours.stop(), theirs.stop()]);
    const state = await settle((s) => !s.includes('203.0.113.50'), 'everything removed');
    expect(state).toBe('addresses: 198.51.100.11/24 2001:db8::11/64');
  }, 60_000);
});
