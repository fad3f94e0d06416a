// End to end: the runner with real timers and real checkers in one
// namespace, real servers in another. A stopped server is reported down
// within delay_loop + connect_timeout + retry x delay_before_retry and back
// up soon after it is restarted; the other real server is not disturbed.
// Needs root and ip netns; under CI=true it must run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsUnavailableReason } from '../helpers/netns.js';
import { readText } from '../helpers/config.js';
import { ADDR, CheckLab, DOWN_BOUND, SMALL_TIMERS, UP_BOUND, type LineReader, type Listener, type ServerProcess } from './lab.js';
import { cannotRun } from '../helpers/gate.js';

const reason = netnsUnavailableReason();

const { delayLoop: DELAY_LOOP, retry: RETRY, delayBeforeRetry: DELAY_BEFORE_RETRY } = SMALL_TIMERS;
/** Process and scheduling noise on a loaded 2-core CI machine. */
const SLACK = 1500;
/** Health keys of the two real servers (src/ipvs/server-id.ts). */
const TCP_RS = `tcp 198.51.100.50:80 -> ${ADDR.rs1}:80`;
const HTTP_RS = `tcp 198.51.100.50:80 -> ${ADDR.rs2}:80`;

const CONFIG = `
virtual_server 198.51.100.50 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server ${ADDR.rs1} 80 {
        TCP_CHECK {
            connect_port 7001
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server ${ADDR.rs2} 80 {
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
    }
}
`;

const TCP_SERVER: Listener[] = [{ kind: 'tcp', host: ADDR.rs1, port: 7001 }];
const HTTP_SERVER: Listener[] = [{ kind: 'http', host: ADDR.rs2, port: 8080, routes: { '/ok': { body: 'ok\n' } } }];

interface Event {
  kind: string;
  server?: string;
  checker?: string;
  up?: boolean;
  ok?: boolean;
  reason?: string;
  wall: number;
  servers?: Record<string, boolean>;
}

const parse = (line: string): Event | undefined => {
  try {
    return JSON.parse(line) as Event;
  } catch {
    return undefined;
  }
};

describe('health checks end to end in namespaces', () => {
  if (reason !== undefined) {
    cannotRun('health end-to-end tests', reason);
    return;
  }

  let lab: CheckLab;
  let tcpServer: ServerProcess;
  let httpServer: ServerProcess;
  let runner: LineReader;

  beforeAll(async () => {
    lab = CheckLab.create('health');
    tcpServer = await lab.startServers(TCP_SERVER);
    httpServer = await lab.startServers(HTTP_SERVER);
  });

  afterAll(async () => {
    if (runner && !runner.exited) runner.child.kill('SIGKILL');
    await tcpServer?.kill();
    await httpServer?.kill();
    lab?.destroy();
  });

  /** The first event (from line `from`) matching, within timeoutMs. */
  const next = async (match: (e: Event) => boolean, timeoutMs: number, from = 0): Promise<{ value: Event; index: number }> =>
    runner.waitFor((l) => {
      const e = parse(l);
      return e && match(e) ? e : undefined;
    }, timeoutMs, from);

  it(`takes a stopped server out within ${DOWN_BOUND} ms and back in after a restart`, async () => {
    const { config, problems } = readText(CONFIG);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    runner = lab.spawnProbe('runner', config.check);

    const started = await next((e) => e.kind === 'started', 10_000);
    expect(started.value.servers).toEqual({ [TCP_RS]: true, [HTTP_RS]: true });
    // First checks: 1 s bootstrap + up to warmup (= delay_loop).
    await next((e) => e.kind === 'result' && e.server === TCP_RS && e.ok === true, 2 * DELAY_LOOP + SLACK + 2000);
    const firstHttp = await next((e) => e.kind === 'result' && e.server === HTTP_RS && e.ok === true, 2 * DELAY_LOOP + SLACK + 2000);
    const measured: Record<string, number> = {};

    // HTTP_GET: stop the web server.
    let killedAt = Date.now();
    await httpServer.kill();
    const httpDown = await next((e) => e.kind === 'server' && e.server === HTTP_RS && e.up === false, DOWN_BOUND + SLACK + 2000, firstHttp.index);
    measured.httpDown = httpDown.value.wall - killedAt;
    expect(httpDown.value.reason).toBe(`GET http://${ADDR.rs2}:8080/ok: connection refused (ECONNREFUSED)`);
    expect(measured.httpDown).toBeLessThanOrEqual(DOWN_BOUND + SLACK);
    // It took two failed attempts, delay_before_retry apart.
    expect(measured.httpDown).toBeGreaterThanOrEqual(RETRY * DELAY_BEFORE_RETRY - 100);

    httpServer = await lab.startServers(HTTP_SERVER);
    let readyAt = Date.now();
    const httpUp = await next((e) => e.kind === 'server' && e.server === HTTP_RS && e.up === true, UP_BOUND + SLACK + 2000, httpDown.index);
    measured.httpUp = httpUp.value.wall - readyAt;
    expect(measured.httpUp).toBeLessThanOrEqual(UP_BOUND + SLACK);

    // TCP_CHECK: stop the TCP listener.
    killedAt = Date.now();
    await tcpServer.kill();
    const tcpDown = await next((e) => e.kind === 'server' && e.server === TCP_RS && e.up === false, DOWN_BOUND + SLACK + 2000, httpUp.index);
    measured.tcpDown = tcpDown.value.wall - killedAt;
    expect(tcpDown.value.reason).toBe(`connect to ${ADDR.rs1}:7001: connection refused (ECONNREFUSED)`);
    expect(measured.tcpDown).toBeLessThanOrEqual(DOWN_BOUND + SLACK);

    tcpServer = await lab.startServers(TCP_SERVER);
    readyAt = Date.now();
    const tcpUp = await next((e) => e.kind === 'server' && e.server === TCP_RS && e.up === true, UP_BOUND + SLACK + 2000, tcpDown.index);
    measured.tcpUp = tcpUp.value.wall - readyAt;
    expect(measured.tcpUp).toBeLessThanOrEqual(UP_BOUND + SLACK);

    // Each server changed exactly twice; the other one was never disturbed.
    const changes = runner
      .json<Event>()
      .filter((e) => e.kind === 'server')
      .map((e) => `${e.server} ${e.up ? 'up' : 'down'}`);
    expect(changes).toEqual([`${HTTP_RS} down`, `${HTTP_RS} up`, `${TCP_RS} down`, `${TCP_RS} up`]);
    console.log(`health e2e (ms; bounds: down ${DOWN_BOUND}, up ${UP_BOUND}, slack ${SLACK}): ${JSON.stringify(measured)}`);

    runner.child.kill('SIGTERM');
    expect(await runner.exit(10_000)).toBe(0);
  });
});
