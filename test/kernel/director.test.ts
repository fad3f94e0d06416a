// Kernel tier (b, c): the director of the reference lab on an IPVS host (the
// QEMU guest, or a namespace when this machine's kernel has IPVS: see
// ipvs-host.ts), programming a real kernel's IPVS in DR mode, with two real
// servers and a client in namespaces on its bridge. First Debian's keepalived
// 2.2.7 (the oracle): its table from the config, a client's requests reaching
// both real servers through the VIPs (IPv4 and IPv6), a stopped real server
// leaving the table and the rotation (weight 0 under inhibit_on_failure; the
// sorry server when a quorum is lost) and coming back, its entries removed at
// stop. Then our checker (keepalived-ts -C, the current source) through the
// same steps under the same real-server health: its tables must be keepalived's.
//
// Checkers: TCP_CHECK, HTTP_GET (status codes over two urls; a digest made by
// both genhashes), SSL_GET (the lab's self-signed certificate), over IPv4 and
// IPv6. One boot for all: a boot is most of this file's time under TCG.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cannotRun } from '../helpers/gate.js';
import { isCI } from '../helpers/netns.js';
import { ADDR, ADDR6, DrLab, waitFor } from './dr-lab.js';
import { ipvsHostUnavailableReason, selectKernelTier } from './ipvs-host.js';
import { WEB_HEALTH_PATH, WEB_PAGE, WEB_PAGE_PATH } from './web-server.js';

const [RS1, RS2] = ADDR.rs;
const [RS1_6, RS2_6] = ADDR6.rs;
const SORRY = '198.51.100.23';
const VIP6 = `[${ADDR6.vip}]`;

/**
 * A config block, one keyword a line: keepalived reads a line as one keyword
 * and its arguments, so `url { path /x status_code 404 }` on one line sets the
 * path and nothing else (the rest are ignored arguments; ours does the same).
 */
const block = (name: string, lines: string[]): string[] => [`${name} {`, ...lines.map((l) => `  ${l}`), '}'];
const checker = (name: string, lines: string[]): string => block(name, lines).map((l) => `    ${l}\n`).join('');
/** A url block: its path, and `status_code N` / `digest HEX`. */
const url = (path: string, ...expect: string[]): string[] => block('url', [`path ${path}`, ...expect]);
/** TCP_CHECK connecting to the web server (port 80) whatever the real server's own port. */
const tcpCheck = checker('TCP_CHECK', ['connect_port 80', 'connect_timeout 2']);
/** HTTP_GET of every url from the web server on port 80. */
const httpGet = (...urls: string[][]): string => checker('HTTP_GET', [...urls.flat(), 'connect_port 80', 'connect_timeout 2']);
const sslGet = checker('SSL_GET', [...url(WEB_HEALTH_PATH, 'status_code 200'), 'connect_timeout 3']);
const realServer = (address: string, port: number, weight: number, check: string): string => `  real_server ${address} ${port} {\n    weight ${weight}\n${check}  }\n`;
const virtualServer = (head: string, options: string[], servers: string): string =>
  `virtual_server ${head} {\n  delay_loop 1\n  lb_kind DR\n${options.map((o) => `  ${o}\n`).join('')}${servers}}\n`;

/**
 * The lab's service; two that show keepalived's semantics: weight 0 instead
 * of removal (inhibit_on_failure), and a fwmark service whose quorum loss
 * brings in the sorry server and takes the remaining real server out; HTTP_GET
 * by status (every url must pass, a 404 expected on one) and by digest (a
 * real server whose page has another digest stays out);
 * SSL_GET (left out without a certificate); an IPv6 service, one real server
 * checked by TCP_CHECK and the other by HTTP_GET.
 */
/** The MD5 of another page: a real server checked against it never stays in the table. */
const WRONG_DIGEST = createHash('md5').update('another page\n').digest('hex');

function labConfig(digest: string, withSsl: boolean): string {
  const health = url(WEB_HEALTH_PATH, 'status_code 200');
  const missing = url('/nowhere', 'status_code 404');
  const page = url(WEB_PAGE_PATH, `digest ${digest}`);
  const otherPage = url(WEB_PAGE_PATH, `digest ${WRONG_DIGEST}`);
  return [
    virtualServer(`${ADDR.vip} 80`, ['lb_algo rr', 'protocol TCP'], realServer(RS1, 80, 1, tcpCheck) + realServer(RS2, 80, 1, tcpCheck)),
    virtualServer(`${ADDR.vip} 8080`, ['lb_algo wlc', 'protocol TCP', 'persistence_timeout 300', 'inhibit_on_failure'], realServer(RS1, 8080, 2, tcpCheck) + realServer(RS2, 8080, 3, tcpCheck)),
    virtualServer('fwmark 1', ['lb_algo sh', 'quorum 2', `sorry_server ${SORRY} 80`], realServer(RS1, 80, 1, tcpCheck) + realServer(RS2, 80, 1, tcpCheck)),
    virtualServer(`${ADDR.vip} 81`, ['lb_algo rr', 'protocol TCP'], realServer(RS1, 81, 1, httpGet(health, missing)) + realServer(RS2, 81, 1, httpGet(health, missing))),
    virtualServer(`${ADDR.vip} 82`, ['lb_algo wrr', 'protocol TCP'], realServer(RS1, 82, 2, httpGet(page)) + realServer(RS2, 82, 3, httpGet(page))),
    virtualServer(`${ADDR.vip} 83`, ['lb_algo rr', 'protocol TCP'], realServer(RS1, 83, 1, httpGet(otherPage)) + realServer(RS2, 83, 1, httpGet(page))),
    ...(withSsl ? [virtualServer(`${ADDR.vip} 443`, ['lb_algo lc', 'protocol TCP'], realServer(RS1, 443, 1, sslGet) + realServer(RS2, 443, 1, sslGet))] : []),
    virtualServer(`${ADDR6.vip} 80`, ['lb_algo rr', 'protocol TCP'], realServer(RS1_6, 80, 1, tcpCheck) + realServer(RS2_6, 80, 1, httpGet(health))),
  ].join('');
}

const save = (lines: string[], withSsl: boolean): string =>
  lines
    .filter((l) => withSsl || !l.includes(`${ADDR.vip}:443`))
    .map((l) => `${l}\n`)
    .join('');
// What keepalived 2.2.7 programs (fwmark destinations lose their ports: it warns and clears them),
// in ipvsadm's order: fwmark 0 first, IPv4 before IPv6, then protocol, address, port.
const ALL_UP = [
  `-A -t ${ADDR.vip}:80 -s rr`,
  `-a -t ${ADDR.vip}:80 -r ${RS1}:80 -g -w 1`,
  `-a -t ${ADDR.vip}:80 -r ${RS2}:80 -g -w 1`,
  `-A -t ${ADDR.vip}:81 -s rr`,
  `-a -t ${ADDR.vip}:81 -r ${RS1}:81 -g -w 1`,
  `-a -t ${ADDR.vip}:81 -r ${RS2}:81 -g -w 1`,
  `-A -t ${ADDR.vip}:82 -s wrr`,
  `-a -t ${ADDR.vip}:82 -r ${RS1}:82 -g -w 2`,
  `-a -t ${ADDR.vip}:82 -r ${RS2}:82 -g -w 3`,
  `-A -t ${ADDR.vip}:83 -s rr`,
  `-a -t ${ADDR.vip}:83 -r ${RS2}:83 -g -w 1`,
  `-A -t ${ADDR.vip}:443 -s lc`,
  `-a -t ${ADDR.vip}:443 -r ${RS1}:443 -g -w 1`,
  `-a -t ${ADDR.vip}:443 -r ${RS2}:443 -g -w 1`,
  `-A -t ${ADDR.vip}:8080 -s wlc -p 300`,
  `-a -t ${ADDR.vip}:8080 -r ${RS1}:8080 -g -w 2`,
  `-a -t ${ADDR.vip}:8080 -r ${RS2}:8080 -g -w 3`,
  `-A -t ${VIP6}:80 -s rr`,
  `-a -t ${VIP6}:80 -r [${RS1_6}]:80 -g -w 1`,
  `-a -t ${VIP6}:80 -r [${RS2_6}]:80 -g -w 1`,
  `-A -f 1 -s sh`,
  `-a -f 1 -r ${RS1}:0 -g -w 1`,
  `-a -f 1 -r ${RS2}:0 -g -w 1`,
];
const RS1_DOWN = [
  `-A -t ${ADDR.vip}:80 -s rr`,
  `-a -t ${ADDR.vip}:80 -r ${RS2}:80 -g -w 1`,
  `-A -t ${ADDR.vip}:81 -s rr`,
  `-a -t ${ADDR.vip}:81 -r ${RS2}:81 -g -w 1`,
  `-A -t ${ADDR.vip}:82 -s wrr`,
  `-a -t ${ADDR.vip}:82 -r ${RS2}:82 -g -w 3`,
  `-A -t ${ADDR.vip}:83 -s rr`,
  `-a -t ${ADDR.vip}:83 -r ${RS2}:83 -g -w 1`,
  `-A -t ${ADDR.vip}:443 -s lc`,
  `-a -t ${ADDR.vip}:443 -r ${RS2}:443 -g -w 1`,
  `-A -t ${ADDR.vip}:8080 -s wlc -p 300`,
  `-a -t ${ADDR.vip}:8080 -r ${RS1}:8080 -g -w 0`,
  `-a -t ${ADDR.vip}:8080 -r ${RS2}:8080 -g -w 3`,
  `-A -t ${VIP6}:80 -s rr`,
  `-a -t ${VIP6}:80 -r [${RS2_6}]:80 -g -w 1`,
  `-A -f 1 -s sh`,
  `-a -f 1 -r ${SORRY}:0 -g -w 1`,
];
/** Generous: delay_loop 1 + connect_timeout 2 + a retry, on a slow emulated CPU. */
const CHANGE_WITHIN_MS = 90_000;
/** Node starts two processes in the guest (parent, checker): 15 s on a quiet host under TCG, 75 s seen on an overloaded one. */
const START_WITHIN_MS = 240_000;

/** A health-checking director the IPVS host can run: its argv for a config file and a run directory. */
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

const tier = selectKernelTier();
const reason = ipvsHostUnavailableReason(tier.tier);

describe(`a director on the ${tier.tier} kernel tier, DR to real servers in namespaces`, () => {
  if (reason !== undefined) {
    cannotRun(`kernel tier: director (${tier.tier}: ${tier.why})`, reason);
    return;
  }
  let lab: DrLab;
  let configFile: string;
  let withSsl = false;
  const digests: Record<string, string> = {};
  const observed = new Map<string, Observed>();

  beforeAll(async () => {
    lab = await DrLab.create({ withProject: true }, tier.tier);
    const { host } = lab;
    console.log(`kernel tier (${tier.why}): ${host.description}, on the lab's bridge`);
    withSsl = lab.tls.unavailable === undefined;
    if (!withSsl) {
      // CI installs openssl (.ci/setup): there, a missing SSL_GET service is a failure, not a skip.
      if (isCI()) throw new Error(`the SSL_GET service needs a certificate: ${lab.tls.unavailable}`);
      console.warn(`CANNOT RUN kernel tier: the SSL_GET service: ${lab.tls.unavailable}`);
    }
    // The digest, as an operator makes it: both genhashes against each web server, from the client's namespace.
    const genhash = { keepalived: ['genhash'], 'keepalived-ts': [process.execPath, join(host.projectDir, 'bin', 'keepalived-ts.js'), '--genhash'] };
    for (const [name, argv] of Object.entries(genhash)) {
      for (const rs of ADDR.rs) {
        const r = lab.client.run([...argv, '-s', rs, '-p', '80', '-u', WEB_PAGE_PATH]);
        digests[`${name} ${rs}`] = r.exitCode === 0 ? r.stdout.trim() : `exit ${r.exitCode}: ${r.stderr}`;
      }
    }
    configFile = join(host.exchangeDir, 'keepalived.conf');
    writeFileSync(configFile, labConfig(digests[`keepalived ${RS1}`], withSsl));
  }, 360_000);
  afterAll(async () => {
    await lab?.stop();
  }, 60_000);

  it("keepalived's genhash and ours give the web page's MD5 digest", () => {
    const md5 = createHash('md5').update(WEB_PAGE).digest('hex');
    expect(Object.values(digests)).toEqual(Object.keys(digests).map(() => md5));
    expect(Object.keys(digests)).toHaveLength(4);
  });

  const KEEPALIVED: Director = {
    name: 'keepalived 2.2.7',
    argv: (config, run) => ['keepalived', '-n', '-l', '-D', '-C', '-f', config, '-p', `${run}/parent.pid`, '-c', `${run}/checkers.pid`],
  };
  // Our checker: the same flags as keepalived's, from the transpiled current source.
  const OURS: Director = {
    name: 'keepalived-ts',
    argv: (config, run) => ['node', join(lab.host.projectDir, 'bin', 'keepalived-ts.js'), '-n', '-l', '-D', '-C', '-f', config, '-p', `${run}/parent.pid`, '-c', `${run}/checkers.pid`],
  };

  for (const director of [KEEPALIVED, OURS]) {
    describe(director.name, () => {
      const seen: Observed = {};
      observed.set(director.name, seen);
      let pid: number;

      /** Waits until the director's table is `want`; the table, or an error with the director's log. */
      async function tableBecomes(want: string, withinMs = CHANGE_WITHIN_MS): Promise<string> {
        try {
          return await waitFor(`the table to become:\n${want}`, withinMs, async () => {
            const table = await lab.table();
            return table === want ? table : undefined;
          });
        } catch (err) {
          const s = await lab.host.status(pid);
          throw new Error(`${(err as Error).message}\nlast table:\n${await lab.table()}\n${director.name} (running: ${s.running}):\n${s.stdout}${s.stderr}`);
        }
      }

      it('programs the table from the config: every real server', async () => {
        expect(await lab.table()).toBe('');
        // Pid files in the exchange directory: the native tier shares the host's /run.
        const run = join(lab.host.exchangeDir, director.name.replace(/\W/g, '_'));
        mkdirSync(run);
        pid = await lab.host.spawn(director.argv(configFile, run));
        seen.started = await tableBecomes(save(ALL_UP, withSsl), START_WITHIN_MS);
      }, START_WITHIN_MS + 30_000);

      it("client requests to the VIPs (IPv4 and IPv6) reach both real servers, which see the client's address (DR)", () => {
        for (const [vip, client] of [[ADDR.vip, ADDR.client], [ADDR6.vip, ADDR6.client]]) {
          const answers = new Set<string | undefined>();
          for (let i = 0; i < 6; i++) answers.add(lab.request(vip));
          expect([...answers].sort(), vip).toEqual([`this is web1 from ${client}`, `this is web2 from ${client}`]);
        }
      }, 120_000);

      it('a stopped real server leaves the table (weight 0 with inhibit_on_failure; the sorry server on quorum loss) and the rotation, and comes back', async () => {
        await lab.stopWeb(0);
        try {
          const stoppedAt = Date.now();
          seen.rs1Down = await tableBecomes(save(RS1_DOWN, withSsl));
          seen.removalMs = Date.now() - stoppedAt;
          console.log(`kernel tier: ${director.name} removed a stopped real server in ${seen.removalMs} ms`);
          for (let i = 0; i < 4; i++) expect(lab.request()).toBe(`this is web2 from ${ADDR.client}`);
          for (let i = 0; i < 2; i++) expect(lab.request(ADDR6.vip)).toBe(`this is web2 from ${ADDR6.client}`);
        } finally {
          // Back even when this director failed: the next one starts from a healthy lab.
          await lab.startWeb(0);
        }
        seen.rs1Back = await tableBecomes(save(ALL_UP, withSsl));
      }, 240_000);

      it('removes its entries when stopped (SIGTERM)', async () => {
        await lab.host.kill(pid, 'SIGTERM');
        const end = await lab.host.waitExit(pid, 60_000);
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
    expect(tables(theirs).rs1Down).toBe(save(RS1_DOWN, withSsl));
  });
});
