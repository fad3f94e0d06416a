#!/usr/bin/env node
// npm run lab (as root): the reference LVS-DR lab of /work/shared/lab.md in
// network namespaces, told as a short story with numbers.
//
//   1. build the lab: client, director1, director2, web1, web2 on a bridge;
//   2. start keepalived-ts on both directors with conf/director1.conf and
//      conf/director2.conf, and show who is master (the VIP in `ip -br addr`,
//      the MAC the client's ARP entry for the VIP points to);
//   3. the client pings the VIP every 10 ms throughout;
//   4. SIGKILL every process of director1's keepalived-ts: director2 takes
//      over within Master_Down_Interval, and the dead master loses its VIP
//      lease by itself; bring director1 back: it preempts;
//   5. the same with SIGTERM (priority-0 advert: takeover after the skew time);
//   6. tear everything down (also on Ctrl-C or an error).
//
// Without kernel IPVS (this project's CI kernel has none) the directors
// cannot forward HTTP to web1/web2, so the client probes the VIP itself
// (ICMP echo, answered by whichever director holds it). The checker child
// runs against the ipvsadm emulator (test/ipvs/emulator) when it is built;
// --vrrp-only runs the VRRP child alone.
//
// Exit status: 0 when every step did what it should, 1 otherwise.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, IPVSADM_EMULATOR, KEEPALIVED_TS, REPO } from './daemons.mjs';
import { VipWatch, Probe } from './observe.mjs';
import { masterDownMs, skewMs, vipLeaseMs } from './rfc-timing.mjs';
import { ADDRESSES, Lab, VIP, describePid, pidAlive, run, sleep, until, wallNow } from './topology.mjs';

const USAGE = `usage: npm run lab [-- --vrrp-only] [-- --keep-logs]
  --vrrp-only   run only the VRRP child (keepalived-ts -P)
  --keep-logs   keep the daemons' logs (the directory is printed)`;

const args = new Set(process.argv.slice(2));
if (args.has('-h') || args.has('--help')) {
  console.log(USAGE);
  process.exit(0);
}
for (const a of args) {
  if (!['--vrrp-only', '--keep-logs'].includes(a)) {
    console.error(`unknown option ${a}\n${USAGE}`);
    process.exit(2);
  }
}

// The lab's configs (conf/director{1,2}.conf): VRRPv2, advert_int 1, priorities 150 / 100.
const ADVERT_S = 1;
const P1 = 150;
const P2 = 100;

const t0 = performance.now();
const stamp = () => `[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s]`;
const say = (msg) => console.log(`${stamp()} ${msg}`);
const detail = (msg) => console.log(`          ${msg}`);
const ms = (v) => (v === undefined ? 'never' : `${Math.round(v)} ms`);

const failures = [];
function check(ok, what) {
  if (!ok) {
    failures.push(what);
    detail(`FAILED: ${what}`);
  }
  return ok;
}

/** The reason keepalived-ts logged for its last move to MASTER after `since`. */
function masterReason(daemon, since) {
  return daemon.records(since).find((r) => r.to === 'master' && r.why !== undefined)?.msg;
}

function ensureBuilt() {
  if (existsSync(join(REPO, 'dist', 'bundle', 'main.js'))) return;
  say('dist/ is missing: npm run build');
  const r = run(['npm', 'run', 'build', '--silent'], { timeoutMs: 300_000 });
  if (!existsSync(join(REPO, 'dist', 'bundle', 'main.js'))) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
}

class Story {
  constructor(lab, dir, daemonArgs) {
    this.lab = lab;
    this.dir = dir;
    this.daemonArgs = daemonArgs;
    this.daemons = {};
    this.results = [];
  }

  start(host) {
    const d = Daemon.keepalivedTs(this.lab, host, {
      conf: join(REPO, 'conf', `${host}.conf`),
      dir: this.dir,
      args: this.daemonArgs,
      env: { IPVSADM_EMULATOR_STATE: join(this.dir, `${host}.ipvs.json`) },
    });
    this.daemons[host] = d;
    return d;
  }

  async begin() {
    const { lab } = this;
    this.watch = { director1: await VipWatch.start(lab, 'director1'), director2: await VipWatch.start(lab, 'director2') };
    const since = performance.now();
    say(`starting keepalived-ts on director1 (conf/director1.conf, priority 150) and director2 (conf/director2.conf, priority 100)`);
    this.start('director1');
    this.start('director2');
    const up = await this.watch.director1.wait('add', since, 20_000);
    if (!check(up !== undefined, 'director1 takes the VIP within 20 s of starting')) return false;
    say(`director1 is MASTER ${ms(up.at - since)} after the start (it starts in BACKUP and waits one Master_Down_Interval, ${ms(masterDownMs(P1, ADVERT_S))}, as keepalived does)`);
    // director2 may have come up first and been master for a moment: it steps back at director1's first advert.
    await until(() => lab.vipHolders().join() === 'director1', 5_000);
    this.showHolders();
    check(lab.vipHolders().join() === 'director1', 'exactly one VIP holder, director1');
    this.probe = await Probe.start(lab, 'client');
    await sleep(500);
    this.showClientArp();
    const answered = this.probe.repliesSince(wallNow() - 400).length;
    detail(`client -> ${VIP}: ICMP echo every 10 ms, ${answered} replies in the last 0.4 s`);
    check(lab.whoseMac(lab.neighbourMac('client', VIP)) === 'director1', "the client's ARP entry for the VIP points to director1");
    this.showIpvs();
    return true;
  }

  showHolders() {
    for (const d of ['director1', 'director2']) detail(`${d.padEnd(9)} ip -br addr: ${this.lab.brief(d)}${this.lab.holdsVip(d) ? '   <- VIP' : ''}`);
  }

  showClientArp() {
    const mac = this.lab.neighbourMac('client', VIP);
    detail(`client    ip neigh: ${VIP} lladdr ${mac ?? '(none)'} = ${this.lab.whoseMac(mac)}'s eth0`);
  }

  showIpvs() {
    if (this.daemonArgs.includes('-P')) {
      detail(`IPVS: not shown (VRRP child only: ${args.has('--vrrp-only') ? '--vrrp-only' : 'the checker child is not built (dist/daemon/checker-service.js)'})`);
      return;
    }
    const r = run([IPVSADM_EMULATOR, '-Ln'], { env: { ...process.env, IPVSADM_EMULATOR_STATE: join(this.dir, 'director1.ipvs.json') } });
    const table = r.code === 0 ? r.stdout.trim() : `(ipvsadm emulator: ${r.stderr.trim()})`;
    detail("director1's IPVS table (ipvsadm emulator, kept by the checker child):");
    for (const line of table.split('\n')) detail(`  ${line}`);
  }

  /** Kill director1's daemon (SIGKILL of its whole tree, or SIGTERM); measure the takeover. */
  async failover(how) {
    const { lab, watch } = this;
    const d1 = this.daemons.director1;
    const d2 = this.daemons.director2;
    // Land the failure anywhere in the advert cycle.
    await sleep(Math.random() * ADVERT_S * 1000);
    const expected =
      how === 'SIGKILL'
        ? `Master_Down_Interval of director2 = 3 x 1 s + skew = ${ms(masterDownMs(P2, ADVERT_S))}: ${ms(masterDownMs(P2, ADVERT_S) - ADVERT_S * 1000)}-${ms(masterDownMs(P2, ADVERT_S))} after the kill, depending on where in the advert cycle it lands`
        : `skew time of director2 = (256 - 100) / 256 s = ${ms(skewMs(P2, ADVERT_S))}, thanks to the priority-0 advert`;
    const pids = d1.tree();
    const killedAt = performance.now();
    const killedWall = wallNow();
    if (how === 'SIGKILL') d1.killTree();
    else d1.signal('SIGTERM');
    say(
      how === 'SIGKILL'
        ? `kill -9 of every process of director1's keepalived-ts (pids ${pids.join(' ')})`
        : `kill -TERM ${d1.pid} (director1's keepalived-ts: graceful stop)`,
    );
    detail(`expected takeover: ${expected}`);
    const [took, lost] = await Promise.all([
      watch.director2.wait('add', killedAt, 15_000),
      watch.director1.wait('del', killedAt, vipLeaseMs(P1, ADVERT_S) + 3_000),
    ]);
    const takeoverMs = took && took.at - killedAt;
    const releaseMs = lost && lost.at - killedAt;
    say(`director2 holds the VIP ${ms(takeoverMs)} after the kill`);
    const why = masterReason(d2, killedAt);
    if (why) detail(`director2 says: "${why}"`);
    await this.probe.settled(killedWall, 5_000);
    await sleep(200);
    const outage = this.probe.outage(killedWall);
    this.showClientArp();
    const span = outage && outage.ms > 0 ? ` (no reply from ${ms(outage.lastBefore - killedWall)} to ${ms(outage.firstAfter - killedWall)} after the kill)` : '';
    const stillHeld = took && (!lost || lost.at > took.at);
    detail(
      `client-visible outage: ${outage ? ms(outage.ms) : 'not over'}${span}` +
        (stillHeld ? ": director1's kernel still had the VIP and answered until director2's gratuitous ARPs moved the client" : ''),
    );
    detail(
      how === 'SIGKILL'
        ? `director1 (all its processes dead) lost the VIP ${ms(releaseMs)} after the kill: its lease of ${vipLeaseMs(P1, ADVERT_S) / 1000} s ran out (keepalived would keep it until restarted)`
        : `director1 removed the VIP itself ${ms(releaseMs)} after the signal; its keepalived-ts exited with ${JSON.stringify((await d1.exited) ?? {})}`,
    );
    this.showHolders();

    const limit = how === 'SIGKILL' ? masterDownMs(P2, ADVERT_S) + 500 : skewMs(P2, ADVERT_S) + 1000;
    check(takeoverMs !== undefined && takeoverMs <= limit, `${how}: director2 takes the VIP within ${ms(limit)} (took ${ms(takeoverMs)})`);
    check(outage !== undefined && outage.ms <= limit + 500, `${how}: the client's outage ends (${outage ? ms(outage.ms) : 'not over'})`);
    check(releaseMs !== undefined, `${how}: director1 no longer holds the VIP`);
    check(lab.vipHolders().join() === 'director2', `${how}: exactly one VIP holder afterwards, director2 (holders: ${lab.vipHolders().join(', ') || 'none'})`);
    check(lab.whoseMac(lab.neighbourMac('client', VIP)) === 'director2', `${how}: the client's ARP entry for the VIP points to director2`);
    if (how === 'SIGTERM') check(d1.exit?.code === 0, `SIGTERM: director1's keepalived-ts exits 0`);
    await until(() => !pids.some(pidAlive), 3_000);
    check(!pids.some(pidAlive), `${how}: no process of the old director1 daemon is left (alive: ${pids.filter(pidAlive).map(describePid).join(', ')})`);
    return { how, takeoverMs, outageMs: outage?.ms, releaseMs, limit };
  }

  /** Start director1 again: with preemption (the default) it takes the VIP back. */
  async comeBack(result) {
    const { lab, watch } = this;
    const since = performance.now();
    const sinceWall = wallNow();
    say('director1 comes back: keepalived-ts started again');
    this.start('director1');
    const [back, released] = await Promise.all([watch.director1.wait('add', since, 20_000), watch.director2.wait('del', since, 20_000)]);
    const backMs = back && back.at - since;
    say(`director1 preempts: MASTER again ${ms(backMs)} after its start; director2 released the VIP at ${ms(released && released.at - since)}`);
    const why = masterReason(this.daemons.director1, since);
    if (why) detail(`director1 says: "${why}"`);
    await this.probe.settled(sinceWall, 5_000);
    await sleep(300);
    const outage = this.probe.outage(sinceWall);
    this.showClientArp();
    detail(`client-visible outage during the preemption: ${outage ? ms(outage.ms) : 'not over'}`);
    check(back !== undefined, `${result.how}: director1 takes the VIP back (preempt)`);
    check(lab.vipHolders().join() === 'director1', `${result.how}: exactly one VIP holder after the preemption, director1 (holders: ${lab.vipHolders().join(', ') || 'none'})`);
    check(lab.whoseMac(lab.neighbourMac('client', VIP)) === 'director1', `${result.how}: the client's ARP entry points to director1 again`);
    result.preemptMs = backMs;
    result.preemptOutageMs = outage?.ms;
    this.results.push(result);
  }

  summary() {
    const header = ['failure', 'takeover (kill -> VIP on director2)', 'client outage', 'dead master drops VIP', 'preempt after restart'];
    const rows = this.results.map((r) => [r.how, `${ms(r.takeoverMs)} (bound ${ms(r.limit)})`, ms(r.outageMs), ms(r.releaseMs), ms(r.preemptMs)]);
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    console.log('');
    for (const row of [header, ...rows]) console.log(`  ${row.map((cell, c) => cell.padEnd(widths[c])).join('   ').trimEnd()}`);
    console.log('');
  }

  async stopAll() {
    this.probe?.stop();
    await Promise.all(Object.values(this.daemons).map((d) => d.stop()));
  }
}

async function main() {
  if (process.getuid?.() !== 0) {
    console.error('npm run lab needs root (it creates network namespaces): sudo npm run lab');
    return 1;
  }
  ensureBuilt();
  const checkerBuilt = existsSync(join(REPO, 'dist', 'daemon', 'checker-service.js'));
  const vrrpOnly = args.has('--vrrp-only') || !checkerBuilt;
  const daemonArgs = vrrpOnly ? ['-P'] : ['--ipvsadm', IPVSADM_EMULATOR];
  const dir = mkdtempSync(join(tmpdir(), 'kts-lab-'));
  // Also on Ctrl-C (the lab's own teardown runs first, then this).
  process.on('exit', () => {
    if (!args.has('--keep-logs') && failures.length === 0) rmSync(dir, { recursive: true, force: true });
  });

  say('building the LVS-DR lab in network namespaces (bridge with no uplink, 198.51.100.0/24)');
  const lab = await Lab.create({ label: 'lab' });
  detail(`namespaces ${lab.prefix}{switch,client,director1,director2,web1,web2}`);
  detail(`client ${ADDRESSES.client}, director1 ${ADDRESSES.director1}, director2 ${ADDRESSES.director2}, web1 ${ADDRESSES.web1}, web2 ${ADDRESSES.web2}, VIP ${VIP}`);
  detail(`web1 and web2: VIP on lo, arp_ignore=1, arp_announce=2; from the client: "${lab.httpGet(ADDRESSES.web1)}", "${lab.httpGet(ADDRESSES.web2)}"`);
  detail(`daemon logs and pid files: ${dir}${args.has('--keep-logs') ? '' : ' (removed at the end unless a step fails; --keep-logs keeps them)'}`);
  detail(`daemon: ${KEEPALIVED_TS.replace(`${REPO}/`, '')} -n -f conf/directorN.conf ${daemonArgs.join(' ').replace(`${REPO}/`, '')}${vrrpOnly && !args.has('--vrrp-only') ? '   (checker child not built yet: VRRP only)' : ''}`);

  const story = new Story(lab, dir, daemonArgs);
  try {
    if (await story.begin()) {
      console.log('');
      await story.comeBack(await story.failover('SIGKILL'));
      console.log('');
      await story.comeBack(await story.failover('SIGTERM'));
      story.summary();
    }
  } finally {
    say('stopping the daemons and tearing the lab down');
    await story.stopAll();
    lab.teardown();
    if (args.has('--keep-logs') || failures.length > 0) detail(`daemon logs kept in ${dir}`);
  }
  if (failures.length > 0) {
    say(`FAILED: ${failures.length} check(s):`);
    for (const f of failures) detail(`- ${f}`);
    for (const d of Object.values(story.daemons)) console.log(d.tail(8));
    return 1;
  }
  say('done: every step behaved as expected');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    failures.push(String(e));
    console.error(`lab failed: ${e?.stack ?? e}`);
    process.exit(1);
  },
);
