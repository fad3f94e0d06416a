// CheckerService end to end: it runs inside the `lb` namespace of the checker
// lab (test/check/lab.ts) against real TCP and HTTP servers in `rs`, with the
// ipvsadm emulator as its ipvsadm (a table file of its own). Stopping a
// server takes it out of the table within delay_loop + connect_timeout +
// retry x delay_before_retry (plus generous slack), restarting it brings it
// back; inhibit_on_failure keeps weight 0; quorum loss brings in the sorry
// server; a reload that changes one weight is one -e line; a restarted
// service takes the table over without a change; stop removes what it owns.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeepalivedConfig } from '../../src/config/model/index.js';
import { Ipvsadm } from '../../src/ipvs/ipvsadm.js';
import { ADDR, CheckLab, DOWN_BOUND, SMALL_TIMERS, UP_BOUND, REPO_ROOT, type Listener, type ServerProcess } from '../check/lab.js';
import { readText } from '../helpers/config.js';
import { cannotRun } from '../helpers/gate.js';
import { netnsUnavailableReason } from '../helpers/netns.js';
import { addAll, emulatorEnv, emulatorState, lines, saved } from '../ipvs/emulated.js';
import { compileHarness, HarnessProcess, type CompiledHarness, type HarnessLine } from '../vrrp/harness-process.js';

const reason = netnsUnavailableReason();

const { delayLoop: DELAY_LOOP } = SMALL_TIMERS;
/** Process start-up, the emulator's runs and a loaded 2-core CI machine. */
const SLACK = 4000;

const checks = (tcp: string, http: string): string => `
    real_server ${ADDR.rs1} 80 {
        weight ${tcp}
        TCP_CHECK {
            connect_port 7001
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server ${ADDR.rs2} 80 {
        weight ${http}
        inhibit_on_failure
        HTTP_GET {
            url {
                path /ok
                status_code 200
            }
            connect_port 8080
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }`;

/** .180: the two servers (.22 inhibited on failure); .181: the same with quorum 2 and a sorry server. */
function labConfig(weight21 = 1): KeepalivedConfig {
  const vs = (address: string, extra: string, weight: number): string =>
    `virtual_server ${address} 80 {\n    delay_loop 1\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n${extra}${checks(String(weight), '1')}\n}\n`;
  const { config, problems } = readText(vs('198.51.100.180', '', weight21) + vs('198.51.100.181', '    quorum 2\n    sorry_server 198.51.100.99 80\n', 1));
  expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  return config;
}

const TCP_SERVER: Listener[] = [{ kind: 'tcp', host: ADDR.rs1, port: 7001 }];
const HTTP_SERVER: Listener[] = [{ kind: 'http', host: ADDR.rs2, port: 8080, routes: { '/ok': { body: 'ok\n' } } }];
const A = '-A -t 198.51.100.180:80 -s rr';
const B = '-A -t 198.51.100.181:80 -s rr';
const a = (n: number, w: number): string => `-a -t 198.51.100.180:80 -r 198.51.100.${n}:80 -g -w ${w}`;
const b = (n: number, w: number): string => `-a -t 198.51.100.181:80 -r 198.51.100.${n}:80 -g -w ${w}`;
const FOREIGN = lines('-A -u 198.51.100.200:53 -s wlc');
const ALL_UP = lines(A, a(21, 1), a(22, 1), B, b(21, 1), b(22, 1)) + FOREIGN;

describe('CheckerService in namespaces, with real servers and the ipvsadm emulator', () => {
  if (reason !== undefined) {
    cannotRun('checker service end-to-end tests', reason);
    return;
  }

  let lab: CheckLab;
  let harness: CompiledHarness;
  let tcpServer: ServerProcess;
  let httpServer: ServerProcess;
  const services: HarnessProcess[] = [];
  const state = emulatorState();
  const table = new Ipvsadm({ env: emulatorEnv(state) });

  beforeAll(async () => {
    lab = CheckLab.create('ckservice');
    harness = await compileHarness(join(REPO_ROOT, 'test', 'daemon', 'checker-service-harness.ts'));
    tcpServer = await lab.startServers(TCP_SERVER);
    httpServer = await lab.startServers(HTTP_SERVER);
  }, 60_000);

  afterAll(async () => {
    for (const s of services) await s.stop('SIGKILL', 5000);
    await tcpServer?.kill();
    await httpServer?.kill();
    lab?.destroy();
    harness?.dispose();
  });

  function startService(config: KeepalivedConfig, keep: boolean): HarnessProcess {
    const file = join(harness.dir, `config-${services.length}.json`);
    writeFileSync(file, JSON.stringify(config));
    const child = lab.lb.spawn([process.execPath, harness.script, file, ...(keep ? ['keep'] : [])], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...emulatorEnv(state) },
    });
    const service = new HarnessProcess(`service-${services.length}`, child);
    services.push(service);
    return service;
  }

  async function expectLine(service: HarnessProcess, pred: (l: HarnessLine) => boolean, timeoutMs: number, from = 0): Promise<HarnessLine> {
    const line = await service.waitFor(pred, timeoutMs, from);
    if (!line) throw new Error(`no such line within ${timeoutMs} ms\n${service.describe()}`);
    return line;
  }

  /** ipvsadm processes (the emulator, by pid) that still run on this test's table: a stopped service leaves none, not even its standby -R. */
  function ipvsadmProcessesOnTable(): number[] {
    const mark = `IPVSADM_EMULATOR_STATE=${state}\0`;
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(mark) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ipvsadm');
        } catch {
          return false; // gone meanwhile
        }
      })
      .map(Number);
  }

  /** Poll the table until it is `want`; the milliseconds it took. */
  async function tableBecomes(want: string, timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    let last = '';
    while (performance.now() - t0 < timeoutMs) {
      last = await saved(table);
      if (last === want) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`table still\n${last}\ninstead of\n${want}`);
  }

  it('follows the real servers, reloads, and hands the table over to a restarted service', async () => {
    await table.apply(addAll(FOREIGN));
    const first = startService(labConfig(), true);
    await expectLine(first, (l) => l.type === 'started', 20_000);
    expect(await saved(table)).toBe(ALL_UP);
    // Let the first checks (1 s bootstrap + up to delay_loop) pass.
    await new Promise((r) => setTimeout(r, 2 * DELAY_LOOP + 1000));
    const measured: Record<string, number> = {};

    // The TCP server stops: .21 leaves .180; .181 loses its quorum, the sorry server serves, .22 is kept at weight 0.
    await tcpServer.kill();
    measured.tcpDown = await tableBecomes(lines(A, a(22, 1), B, b(22, 0), b(99, 1)) + FOREIGN, DOWN_BOUND + SLACK);
    const down = await expectLine(first, (l) => l.msg === 'real server down' && l.vs === 'tcp 198.51.100.180:80', 1000);
    expect(down).toMatchObject({ rs: `${ADDR.rs1}:80`, reason: `connect to ${ADDR.rs1}:7001: connection refused (ECONNREFUSED)` });
    tcpServer = await lab.startServers(TCP_SERVER);
    measured.tcpUp = await tableBecomes(ALL_UP, UP_BOUND + SLACK);

    // The web server stops: inhibited, .22 stays with weight 0 in .180; .181 loses its quorum again.
    await httpServer.kill();
    measured.httpDown = await tableBecomes(lines(A, a(21, 1), a(22, 0), B, b(22, 0), b(99, 1)) + FOREIGN, DOWN_BOUND + SLACK);
    httpServer = await lab.startServers(HTTP_SERVER);
    measured.httpUp = await tableBecomes(ALL_UP, UP_BOUND + SLACK);
    console.log(`checker service e2e (ms from the event to the table; bounds: down ${DOWN_BOUND}, up ${UP_BOUND}, slack ${SLACK}): ${JSON.stringify(measured)}`);

    // Reload with a new weight for .21 in .180: one -e line, in one batch.
    const mark = first.lines.length;
    first.send(JSON.stringify({ cmd: 'reload', config: labConfig(3) }));
    const reloaded = await expectLine(first, (l) => l.type === 'reloaded', 10_000, mark);
    expect(reloaded.summary).toEqual({ added: [], changed: [`real_server tcp 198.51.100.180:80 -> ${ADDR.rs1}:80`], removed: [] });
    const updates = first.lines.slice(mark).filter((l) => l.msg === 'IPVS table updated');
    expect(updates.map((l) => l.batch)).toEqual([lines(a(21, 3).replace('-a ', '-e '))]);
    const withWeight3 = lines(A, a(21, 3), a(22, 1), B, b(21, 1), b(22, 1)) + FOREIGN;
    expect(await saved(table)).toBe(withWeight3);

    // The checker process restarts (stopped with -I, the table stays): the new one changes nothing.
    expect(ipvsadmProcessesOnTable()).toHaveLength(1); // the standby -R, waiting for the next change
    first.send(JSON.stringify({ cmd: 'stop' }));
    await expectLine(first, (l) => l.type === 'stopped', 10_000);
    expect(ipvsadmProcessesOnTable()).toEqual([]);
    expect(await saved(table)).toBe(withWeight3);
    const second = startService(labConfig(3), false);
    await expectLine(second, (l) => l.type === 'started', 20_000);
    await new Promise((r) => setTimeout(r, 2 * DELAY_LOOP + 1000));
    second.send(JSON.stringify({ cmd: 'snapshot' }));
    const snap = await expectLine(second, (l) => l.type === 'snapshot', 5000);
    const snapshot = snap.snapshot as { ipvs: { batches: number; errors: number }; virtualServers: Array<{ realServers: Array<{ up: boolean; checksRun: number }> }> };
    expect(snapshot.ipvs).toMatchObject({ batches: 0, errors: 0 });
    expect(snapshot.virtualServers.flatMap((v) => v.realServers.map((r) => r.up))).toEqual([true, true, true, true]);
    expect(snapshot.virtualServers.flatMap((v) => v.realServers.map((r) => r.checksRun > 0))).toEqual([true, true, true, true]);
    expect(second.lines.some((l) => l.msg === 'IPVS table updated')).toBe(false);

    // Stop without -I: our entries go, the foreign service stays.
    second.send(JSON.stringify({ cmd: 'stop' }));
    await expectLine(second, (l) => l.type === 'stopped', 10_000);
    expect(ipvsadmProcessesOnTable()).toEqual([]);
    expect(await saved(table)).toBe(FOREIGN);
  }, 120_000);
});
