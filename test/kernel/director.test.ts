// Kernel tier (b, c): the director of the reference lab in the QEMU guest,
// programming a real kernel's IPVS in DR mode, with two real servers and a
// client in namespaces on the guest's bridge. First Debian's keepalived
// 2.2.7 (the oracle): its table from the config, a client's requests reaching
// both real servers through the VIP, a stopped real server leaving the table
// and the rotation (weight 0 under inhibit_on_failure; the sorry server when a
// quorum is lost) and coming back, its entries removed at stop. Then our
// checker (keepalived-ts -C, the current source) through the same steps under
// the same real-server health: its tables must be keepalived's.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cannotRun } from '../helpers/gate.js';
import { ADDR, DrLab, waitFor } from './dr-lab.js';
import { vmUnavailableReason } from './vm.js';

const [RS1, RS2] = ADDR.rs;
const SORRY = '198.51.100.23';

/** A real_server block whose TCP_CHECK connects to the web server (port 80) whatever its own port. */
const realServer = (address: string, port: number, weight: number): string => `  real_server ${address} ${port} {
    weight ${weight}
    TCP_CHECK {
      connect_port 80
      connect_timeout 2
    }
  }
`;
const virtualServer = (head: string, options: string[], servers: string): string =>
  `virtual_server ${head} {\n  delay_loop 1\n  lb_kind DR\n${options.map((o) => `  ${o}\n`).join('')}${servers}}\n`;

/**
 * The lab's service, plus two that show keepalived's semantics: weight 0
 * instead of removal (inhibit_on_failure), and a fwmark service whose quorum
 * loss brings in the sorry server and takes the remaining real server out.
 */
const CONFIG = [
  virtualServer(`${ADDR.vip} 80`, ['lb_algo rr', 'protocol TCP'], realServer(RS1, 80, 1) + realServer(RS2, 80, 1)),
  virtualServer(`${ADDR.vip} 8080`, ['lb_algo wlc', 'protocol TCP', 'persistence_timeout 300', 'inhibit_on_failure'], realServer(RS1, 8080, 2) + realServer(RS2, 8080, 3)),
  virtualServer('fwmark 1', ['lb_algo sh', 'quorum 2', `sorry_server ${SORRY} 80`], realServer(RS1, 80, 1) + realServer(RS2, 80, 1)),
].join('');

const save = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');
// What keepalived 2.2.7 programs (fwmark destinations lose their ports: it warns and clears them).
const ALL_UP = save(
  `-A -t ${ADDR.vip}:80 -s rr`,
  `-a -t ${ADDR.vip}:80 -r ${RS1}:80 -g -w 1`,
  `-a -t ${ADDR.vip}:80 -r ${RS2}:80 -g -w 1`,
  `-A -t ${ADDR.vip}:8080 -s wlc -p 300`,
  `-a -t ${ADDR.vip}:8080 -r ${RS1}:8080 -g -w 2`,
  `-a -t ${ADDR.vip}:8080 -r ${RS2}:8080 -g -w 3`,
  `-A -f 1 -s sh`,
  `-a -f 1 -r ${RS1}:0 -g -w 1`,
  `-a -f 1 -r ${RS2}:0 -g -w 1`,
);
const RS1_DOWN = save(
  `-A -t ${ADDR.vip}:80 -s rr`,
  `-a -t ${ADDR.vip}:80 -r ${RS2}:80 -g -w 1`,
  `-A -t ${ADDR.vip}:8080 -s wlc -p 300`,
  `-a -t ${ADDR.vip}:8080 -r ${RS1}:8080 -g -w 0`,
  `-a -t ${ADDR.vip}:8080 -r ${RS2}:8080 -g -w 3`,
  `-A -f 1 -s sh`,
  `-a -f 1 -r ${SORRY}:0 -g -w 1`,
);
/** Generous: delay_loop 1 + connect_timeout 2 + a retry, on a slow emulated CPU. */
const CHANGE_WITHIN_MS = 90_000;
/** Node starts two processes in the guest (parent, checker): 15 s on a quiet host under TCG, 75 s seen on an overloaded one. */
const START_WITHIN_MS = 240_000;

/** A health-checking director the guest can run: its argv for a config file and a run directory. */
interface Director {
  name: string;
  argv: (config: string, run: string) => string[];
}

/** What a director did at each step, to compare one with the other. */
interface Observed {
  started?: string;
  rs1Down?: string;
  rs1Back?: string;
  stopped?: string;
  removalMs?: number;
  log?: string;
}

const reason = vmUnavailableReason();

describe('a director in the QEMU guest, DR to real servers in namespaces', () => {
  if (reason !== undefined) {
    cannotRun('kernel tier: director', reason);
    return;
  }
  let lab: DrLab;
  let configFile: string;
  const observed = new Map<string, Observed>();

  beforeAll(async () => {
    lab = await DrLab.create({ withProject: true });
    const { vm } = lab;
    console.log(`kernel tier: ${vm.image.version} booted in ${vm.bootMs} ms (accel ${vm.accel}) with the lab's bridge`);
    configFile = join(vm.exchangeDir, 'keepalived.conf');
    writeFileSync(configFile, CONFIG);
  }, 360_000);
  afterAll(async () => {
    await lab?.stop();
  }, 60_000);

  const KEEPALIVED: Director = {
    name: 'keepalived 2.2.7',
    argv: (config, run) => ['keepalived', '-n', '-l', '-D', '-C', '-f', config, '-p', `${run}/parent.pid`, '-c', `${run}/checkers.pid`],
  };
  // Hook for our checker: the same flags as keepalived's, from the transpiled current source.
  const OURS: Director = {
    name: 'keepalived-ts',
    argv: (config, run) => ['node', join(lab.vm.projectDir, 'bin', 'keepalived-ts.js'), '-n', '-l', '-D', '-C', '-f', config, '-p', `${run}/parent.pid`, '-c', `${run}/checkers.pid`],
  };

  for (const director of [KEEPALIVED, OURS]) {
    describe(director.name, () => {
      const seen: Observed = {};
      observed.set(director.name, seen);
      let pid: number;

      /** Waits until the guest's table is `want`; the table, or an error with the director's log. */
      async function tableBecomes(want: string, withinMs = CHANGE_WITHIN_MS): Promise<string> {
        try {
          return await waitFor(`the table to become:\n${want}`, withinMs, async () => {
            const table = await lab.table();
            return table === want ? table : undefined;
          });
        } catch (err) {
          const s = await lab.vm.status(pid);
          throw new Error(`${(err as Error).message}\nlast table:\n${await lab.table()}\n${director.name} (running: ${s.running}):\n${s.stdout}${s.stderr}`);
        }
      }

      it('programs the table from the config: every real server', async () => {
        expect(await lab.table()).toBe('');
        const run = `/run/${director.name.replace(/\W/g, '_')}`;
        await lab.vm.runOk(['mkdir', '-p', run]);
        pid = await lab.vm.spawn(director.argv(configFile, run));
        seen.started = await tableBecomes(ALL_UP, START_WITHIN_MS);
      }, START_WITHIN_MS + 30_000);

      it("client requests to the VIP reach both real servers, which see the client's address (DR)", () => {
        const answers = new Set<string | undefined>();
        for (let i = 0; i < 6; i++) answers.add(lab.request());
        expect([...answers].sort()).toEqual([`this is web1 from ${ADDR.client}`, `this is web2 from ${ADDR.client}`]);
      }, 120_000);

      it('a stopped real server leaves the table (weight 0 with inhibit_on_failure; the sorry server on quorum loss) and the rotation, and comes back', async () => {
        await lab.stopWeb(0);
        const stoppedAt = Date.now();
        seen.rs1Down = await tableBecomes(RS1_DOWN);
        seen.removalMs = Date.now() - stoppedAt;
        console.log(`kernel tier: ${director.name} removed a stopped real server in ${seen.removalMs} ms`);
        for (let i = 0; i < 4; i++) expect(lab.request()).toBe(`this is web2 from ${ADDR.client}`);
        await lab.startWeb(0);
        seen.rs1Back = await tableBecomes(ALL_UP);
      }, 240_000);

      it('removes its entries when stopped (SIGTERM)', async () => {
        await lab.vm.kill(pid, 'SIGTERM');
        const end = await lab.vm.waitExit(pid, 60_000);
        seen.log = end.stdout + end.stderr;
        seen.stopped = await lab.table();
        expect(seen.stopped).toBe('');
      }, 120_000);
    });
  }

  it('keepalived-ts left the same tables as keepalived at every step', () => {
    const theirs = observed.get(KEEPALIVED.name)!;
    const ours = observed.get(OURS.name)!;
    const tables = (o: Observed) => ({ started: o.started, rs1Down: o.rs1Down, rs1Back: o.rs1Back, stopped: o.stopped });
    expect(tables(ours)).toEqual(tables(theirs));
    expect(tables(theirs).rs1Down).toBe(RS1_DOWN);
  });
});
