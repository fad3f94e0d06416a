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
//   a tracked virtual route, rule or VIP deleted with `ip` (route with dev,
//   not no_track): the master leaves with priority 0 and, with no peer,
//   takes over again after skew time and installs everything again;
//   a static route, rule or address deleted: added again at once;
//   kill -9 of our VRRP child: our parent removes its VIPs, routes and
//   rules at once (keepalived leaves them to the restarted child);
//   an untracked route deleted (no dev, no_track, IPv6 without metric):
//   nothing happens, it stays deleted;
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
  let daemon: DaemonProcess;
  let keepalived: KeepalivedProcess;
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
    // -D: the adverts sent are logged (debug), priority 0 among them.
    const d = DaemonProcess.launch(ours.lab.a, dir, 'ours', file, ['-P', '-D']);
    daemon = d;
    ours.stop = async () => void (await d.stop('SIGTERM', 15_000));
    ours.hup = (config) => {
      writeFileSync(file, config);
      d.signal('main', 'SIGHUP');
    };
    ours.log = () => d.describe().split('\n').filter((l) => !l.includes('"level":20')).join('\n');
    const k = KeepalivedProcess.start(theirs.lab.a, dir, 'theirs', directorConf(), ['-P']);
    keepalived = k;
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

  /** Run `ip ARGS` in both directors under test; the log positions before it. */
  const deleteInBoth = (args: string[]): { ours: number; theirs: number; at: number } => {
    const mark = { ours: daemon.lines.length, theirs: keepalived.log.length, at: performance.now() };
    ours.lab.a.ip(...args);
    theirs.lab.a.ip(...args);
    return mark;
  };
  const oursLeft = (from: number) => daemon.messages(/^Entering BACKUP STATE$/, from).length;
  const theirsLeft = (from: number) => (keepalived.log.slice(from).match(/\(VI_1\) Entering BACKUP STATE/g) ?? []).length;
  /** Until `theirs` logged a line matching re since `from` (its output comes in its own time). */
  const theirsLogged = (re: RegExp, from: number) => until(() => re.test(keepalived.log.slice(from)), 5_000);
  const oursLogged = (re: RegExp, from: number) => until(() => daemon.messages(re, from).length > 0, 5_000);
  /** ms until `ns` holds `state` again (undefined: not within 10 s). */
  const backIn = async (ns: Netns, state: string, since: number): Promise<number | undefined> =>
    (await until(() => installed(ns) === state, 10_000, 10)) === undefined ? undefined : performance.now() - since;

  it('a tracked virtual route, rule or VIP deleted from outside: the master leaves with priority 0 and takes over again after skew time', async () => {
    const before = installed(ours.lab.a);
    expect(before).toBe(installed(theirs.lab.a));
    const timings: string[] = [];
    for (const args of [
      ['route', 'del', '203.0.113.64/26', 'table', '100'],
      ['rule', 'del', 'priority', '2003'],
      ['-6', 'rule', 'del', 'priority', '2002'],
      ['addr', 'del', '198.51.100.180/32', 'dev', 'eth0'],
    ]) {
      const mark = deleteInBoth(args);
      const [oursMs, theirsMs] = await Promise.all([backIn(ours.lab.a, before, mark.at), backIn(theirs.lab.a, before, mark.at)]);
      timings.push(`ip ${args.join(' ')}: keepalived-ts ${oursMs?.toFixed(0)} ms, keepalived ${theirsMs?.toFixed(0)} ms`);
      expect(oursMs, `ip ${args.join(' ')}\n${both()}`).toBeDefined();
      expect(theirsMs, `ip ${args.join(' ')}\n${both()}`).toBeDefined();
      // Both went through BACKUP and said so with a priority-0 advert.
      expect(await theirsLogged(/\(VI_1\) sent 0 priority/, mark.theirs), keepalived.log).toBeDefined();
      expect(theirsLeft(mark.theirs), keepalived.log).toBe(1);
      expect(oursLeft(mark.ours), ours.log()).toBe(1);
      expect(daemon.lines.slice(mark.ours).some((l) => l.msg === 'advert sent' && l.priority === 0 && l.why === 'installed-deleted'), ours.log()).toBe(true);
      expect(daemon.messages(/deleted from outside$/, mark.ours)[0]).toMatchObject({ level: 40, instance: 'VI_1' });
      await settle((s) => s === before, `back after ip ${args.join(' ')}`);
    }
    console.log(timings.join('\n'));
  }, 90_000);

  it('a static route, rule or address deleted from outside is added again at once; the master stays master', async () => {
    const before = installed(ours.lab.a);
    const timings: string[] = [];
    for (const args of [
      ['route', 'del', '203.0.113.128/26', 'table', '100'],
      ['rule', 'del', 'priority', '1000'],
      ['-6', 'rule', 'del', 'priority', '1001'],
      ['addr', 'del', '203.0.113.50/32', 'dev', 'eth0'],
    ]) {
      const mark = deleteInBoth(args);
      const [oursMs, theirsMs] = await Promise.all([backIn(ours.lab.a, before, mark.at), backIn(theirs.lab.a, before, mark.at)]);
      timings.push(`ip ${args.join(' ')}: keepalived-ts ${oursMs?.toFixed(0)} ms, keepalived ${theirsMs?.toFixed(0)} ms`);
      expect(oursMs, `ip ${args.join(' ')}\n${both()}`).toBeDefined();
      expect(theirsMs, `ip ${args.join(' ')}\n${both()}`).toBeDefined();
      expect(await theirsLogged(/Restoring deleted static/, mark.theirs), keepalived.log).toBeDefined();
      expect(await oursLogged(/deleted from outside: restoring$/, mark.ours), ours.log()).toBeDefined();
      expect(daemon.messages(/deleted from outside: restoring$/, mark.ours)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(theirsLeft(mark.theirs) + oursLeft(mark.ours), both()).toBe(0);
    }
    console.log(timings.join('\n'));
  }, 60_000);

  it('kill -9 of our VRRP child: the parent removes its VIPs, virtual routes and rules; the restarted child takes them back', async () => {
    const before = installed(ours.lab.a);
    const mark = daemon.lines.length;
    const killedAt = performance.now();
    expect(daemon.signal('vrrp', 'SIGKILL')).toBeDefined();
    const staticsOnly = [
      '203.0.113.128/26 via 198.51.100.1 dev eth0 table 100 proto keepalived',
      '203.0.113.96/27 via 198.51.100.1 dev eth0 table 100 proto keepalived',
      '1000:\tfrom 203.0.113.128/26 lookup 100 proto keepalived',
      '1001:\tfrom 2001:db8:2::/48 lookup 100 proto keepalived',
      'addresses: 198.51.100.11/24 2001:db8::11/64 203.0.113.50/32',
    ].join('\n');
    const gone = await until(() => installed(ours.lab.a) === staticsOnly, 5_000, 10);
    expect(gone, `${ours.log()}\n${installed(ours.lab.a)}`).toBeDefined();
    console.log(`kill -9: VIPs, virtual routes and rules gone after ${(performance.now() - killedAt).toFixed(0)} ms`);
    for (const re of [/^removed the dead VRRP child's virtual routes$/, /^removed the dead VRRP child's virtual rules$/, /^removed the dead VRRP child's VIPs$/]) {
      expect(await oursLogged(re, mark), ours.log()).toBeDefined();
      expect(daemon.messages(re, mark)).toHaveLength(1);
    }
    // The new child is master again after the master-down interval, with all of it.
    expect(await until(() => installed(ours.lab.a) === before, 20_000, 50), ours.log()).toBeDefined();
  }, 60_000);

  it('an untracked route deleted (no dev, no_track, IPv6 without metric) changes nothing and stays deleted', async () => {
    const mark = deleteInBoth(['route', 'del', 'blackhole', '203.0.113.224/27', 'table', '100']);
    for (const args of [['route', 'del', '203.0.113.160/27'], ['-6', 'route', 'del', '2001:db8:1::/48']]) {
      ours.lab.a.ip(...args);
      theirs.lab.a.ip(...args);
    }
    await new Promise((r) => setTimeout(r, 1500));
    const state = await settle((s) => !s.includes('203.0.113.224/27') && !s.includes('203.0.113.160/27') && !s.includes('2001:db8:1::/48'), 'untracked routes stay deleted');
    expect(state).toContain('2003:');
    expect(oursLeft(mark.ours) + theirsLeft(mark.theirs), both()).toBe(0);
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
