// TCP_CHECK, HTTP_GET, SSL_GET and genhash against real servers in a
// network namespace, with the checker running in another namespace.
// Digests are checked against md5sum and against keepalived's own genhash.
// Needs root and ip netns; under CI=true it must run.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpCheckOptions } from '../../src/check/checkers/http.js';
import type { TcpCheckOptions } from '../../src/check/checkers/tcp.js';
import { netnsUnavailableReason, runCommand } from '../helpers/netns.js';
import { ADDR, CheckLab, type Listener, type ServerProcess } from './lab.js';
import { cannotRun } from '../helpers/gate.js';

const reason = netnsUnavailableReason();

const BODY = 'hello keepalived\n'.repeat(600); // ~10 KB: several reads
const CHUNKED_BODY = 'chunk by chunk\n'.repeat(500);
const ROUTES = {
  '/ok': { body: BODY },
  '/chunked': { body: CHUNKED_BODY, chunked: true },
  '/err': { status: 503, body: 'unavailable\n' },
  '/moved': { status: 301, body: '' },
  '/created': { status: 201, body: 'created\n' },
};
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

type Probe = ({ kind: 'tcp'; options: TcpCheckOptions } | { kind: 'http'; options: HttpCheckOptions }) & { stallMs?: number; abortAfterMs?: number };
interface ProbeResult {
  ok: boolean;
  reason: string;
  ms: number;
}

const tcp = (host: string, port: number, over: Partial<TcpCheckOptions> = {}): Probe => ({
  kind: 'tcp',
  options: { host, port, connectTimeoutMs: 1000, ...over },
});
const http = (host: string, port: number, urls: HttpCheckOptions['urls'], over: Partial<HttpCheckOptions> = {}): Probe => ({
  kind: 'http',
  options: { type: 'HTTP_GET', host, port, connectTimeoutMs: 1000, urls, httpProtocol: '1.0', ...over },
});
const url = (path: string, over: Partial<HttpCheckOptions['urls'][number]> = {}): HttpCheckOptions['urls'][number] => ({
  path,
  statusCodes: [[200, 299]],
  ...over,
});

describe('checkers against real servers in namespaces', () => {
  if (reason !== undefined) {
    cannotRun('checker namespace tests', reason);
    return;
  }

  let lab: CheckLab;
  let servers: ServerProcess;
  let clientPem: { cert: string; key: string };

  beforeAll(async () => {
    lab = CheckLab.create('chk');
    const { cert, key } = lab.selfSignedCertificate();
    clientPem = { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
    const listeners: Listener[] = [
      { kind: 'tcp', host: ADDR.rs1, port: 7001 },
      { kind: 'reset', host: ADDR.rs1, port: 7002 },
      { kind: 'silent', host: ADDR.rs1, port: 7003 },
      { kind: 'http', host: ADDR.rs1, port: 8080, routes: ROUTES },
      { kind: 'https', host: ADDR.rs1, port: 8443, routes: ROUTES, cert, key },
      { kind: 'https', host: ADDR.rs1, port: 8444, routes: ROUTES, cert, key, requestCert: true },
      { kind: 'tcp', host: ADDR.rs6, port: 7001 },
      { kind: 'http', host: ADDR.rs6, port: 8080, routes: ROUTES },
    ];
    servers = await lab.startServers(listeners);
  });

  afterAll(async () => {
    await servers?.kill();
    lab?.destroy();
  });

  async function run(probes: Probe[]): Promise<ProbeResult[]> {
    const r = await lab.probe('checks', probes);
    if (r.code !== 0) throw new Error(`probe failed (exit ${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as ProbeResult[];
  }

  it('TCP_CHECK: connected, refused, timed out, unreachable, bad bindto, IPv6', async () => {
    const [open, closed, blackhole, unreachable, badBind, v6, bound] = await run([
      tcp(ADDR.rs1, 7001),
      tcp(ADDR.rs1, 7009),
      tcp(ADDR.blackhole, 80),
      tcp(ADDR.unreachable, 80),
      tcp(ADDR.rs1, 7001, { bindTo: '198.51.100.77' }),
      tcp(ADDR.rs6, 7001),
      tcp(ADDR.rs1, 7001, { bindTo: ADDR.lbSecond, bindPort: 40123 }),
    ]);
    expect(open).toMatchObject({ ok: true, reason: 'connected to 198.51.100.21:7001' });
    expect(closed).toMatchObject({ ok: false, reason: 'connect to 198.51.100.21:7009: connection refused (ECONNREFUSED)' });
    expect(blackhole.ok).toBe(false);
    expect(blackhole.reason).toBe('connect to 203.0.113.99:80: no answer within 1000 ms (connect timeout)');
    expect(blackhole.ms).toBeGreaterThanOrEqual(900);
    expect(blackhole.ms).toBeLessThan(5000);
    expect(unreachable).toMatchObject({ ok: false, reason: 'connect to 203.0.113.98:80: host unreachable (EHOSTUNREACH)' });
    expect(unreachable.ms).toBeLessThan(900);
    expect(badBind).toMatchObject({ ok: false });
    expect(badBind.reason).toMatch(/source address not available \(bindto\) \(EADDRNOTAVAIL\)/);
    expect(v6).toMatchObject({ ok: true, reason: 'connected to [2001:db8::21]:7001' });
    expect(bound).toMatchObject({ ok: true });
  });

  it('TCP_CHECK: a stall of the checker longer than connect_timeout is not the server\'s silence (its answer is read before the timeout counts)', async () => {
    const [answered, silent] = await run([
      { ...tcp(ADDR.rs1, 7001, { connectTimeoutMs: 100 }), stallMs: 400 },
      { ...tcp(ADDR.blackhole, 80, { connectTimeoutMs: 100 }), stallMs: 400 },
    ]);
    expect(answered).toMatchObject({ ok: true, reason: 'connected to 198.51.100.21:7001' });
    expect(silent).toMatchObject({ ok: false, reason: 'connect to 203.0.113.99:80: no answer within 100 ms (connect timeout)' });
  });

  it('TCP_CHECK succeeds on connect even when the server then resets (as keepalived)', async () => {
    const [reset] = await run([tcp(ADDR.rs1, 7002)]);
    expect(reset.ok).toBe(true);
  });

  it('HTTP_GET: status codes and ranges', async () => {
    const results = await run([
      http(ADDR.rs1, 8080, [url('/ok')]),
      http(ADDR.rs1, 8080, [url('/err')]),
      http(ADDR.rs1, 8080, [url('/err', { statusCodes: [[500, 599]] })]),
      http(ADDR.rs1, 8080, [url('/moved', { statusCodes: [[200, 299], [301, 301]] })]),
      http(ADDR.rs1, 8080, [url('/created', { statusCodes: [[200, 200]] })]),
      http(ADDR.rs1, 8080, [url('/nowhere')]),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true, true, false, false]);
    expect(results[0].reason).toBe('GET http://198.51.100.21:8080: /ok 200');
    expect(results[1].reason).toBe('GET http://198.51.100.21:8080/err: status 503, expected 200-299');
    expect(results[4].reason).toBe('GET http://198.51.100.21:8080/created: status 201, expected 200');
    expect(results[5].reason).toBe('GET http://198.51.100.21:8080/nowhere: status 404, expected 200-299');
  });

  it('HTTP_GET: digest is the MD5 of the body, as md5sum computes it', async () => {
    const file = join(lab.dir, 'body.txt');
    writeFileSync(file, BODY);
    const md5sum = runCommand(['md5sum', file]).stdout.split(/\s+/)[0];
    expect(md5sum).toMatch(/^[0-9a-f]{32}$/);
    expect(md5sum).toBe(md5(BODY));
    const [good, bad, upper] = await run([
      http(ADDR.rs1, 8080, [url('/ok', { digest: md5sum })]),
      http(ADDR.rs1, 8080, [url('/ok', { digest: md5('something else') })]),
      http(ADDR.rs1, 8080, [url('/ok', { digest: md5sum.toUpperCase() })]),
    ]);
    expect(good).toMatchObject({ ok: true, reason: 'GET http://198.51.100.21:8080: /ok 200 digest ok' });
    expect(bad).toMatchObject({ ok: false, reason: `GET http://198.51.100.21:8080/ok: MD5 digest ${md5sum} of the body, expected ${md5('something else')}` });
    expect(upper.ok).toBe(true);
  });

  it('HTTP_GET: every url must pass; the failing one is named', async () => {
    const [both, second] = await run([
      http(ADDR.rs1, 8080, [url('/ok'), url('/created')]),
      http(ADDR.rs1, 8080, [url('/ok'), url('/err'), url('/created')]),
    ]);
    expect(both).toMatchObject({ ok: true, reason: 'GET http://198.51.100.21:8080: /ok 200, /created 201' });
    expect(second).toMatchObject({ ok: false, reason: 'GET http://198.51.100.21:8080/err: status 503, expected 200-299' });
  });

  it('HTTP_GET: refused, reset, no answer, connect timeout', async () => {
    const [refused, reset, silent, blackhole] = await run([
      http(ADDR.rs1, 7009, [url('/ok')]),
      http(ADDR.rs1, 7002, [url('/ok')]),
      http(ADDR.rs1, 7003, [url('/ok')]),
      http(ADDR.blackhole, 80, [url('/ok')]),
    ]);
    expect(refused).toMatchObject({ ok: false, reason: 'GET http://198.51.100.21:7009/ok: connection refused (ECONNREFUSED)' });
    expect(reset).toMatchObject({ ok: false, reason: 'GET http://198.51.100.21:7002/ok: connection reset by peer (ECONNRESET)' });
    expect(silent).toMatchObject({ ok: false, reason: 'GET http://198.51.100.21:7003/ok: timed out waiting for the response (UND_ERR_HEADERS_TIMEOUT)' });
    expect(silent.ms).toBeGreaterThanOrEqual(900);
    expect(silent.ms).toBeLessThan(5000);
    expect(blackhole).toMatchObject({ ok: false, reason: 'GET http://203.0.113.99:80/ok: connect timed out (UND_ERR_CONNECT_TIMEOUT)' });
    expect(blackhole.ms).toBeGreaterThanOrEqual(900);
    expect(blackhole.ms).toBeLessThan(5000);
  });

  it("HTTP_GET sends keepalived's headers: User-Agent, Host (virtualhost or ip:port), from bindto", async () => {
    const before = servers.requests().length;
    const results = await run([
      http(ADDR.rs1, 8080, [url('/ok')]),
      http(ADDR.rs1, 8080, [url('/ok')], { virtualhost: 'www.example' }),
      http(ADDR.rs1, 8080, [url('/ok', { virtualhost: 'url.example' })], { virtualhost: 'www.example' }),
      http(ADDR.rs1, 8080, [url('/ok')], { bindTo: ADDR.lbSecond }),
      http(ADDR.rs6, 8080, [url('/ok')]),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    const reqs = servers.requests().slice(before);
    expect(reqs.map((r) => r.headers['user-agent'])).toEqual(Array(5).fill('KeepAliveClient'));
    expect(reqs.map((r) => r.headers.host)).toEqual(['198.51.100.21:8080', 'www.example', 'url.example', '198.51.100.21:8080', '[2001:db8::21]:8080']);
    expect(reqs.map((r) => r.remote)).toEqual([ADDR.lb, ADDR.lb, ADDR.lb, ADDR.lbSecond, ADDR.lb6]);
    expect(reqs.every((r) => r.method === 'GET' && r.url === '/ok' && r.headers.connection === 'close')).toBe(true);
  });

  it('SSL_GET: self-signed certificate accepted, digest over TLS, SNI only when enabled', async () => {
    const before = servers.requests().length;
    const results = await run([
      http(ADDR.rs1, 8443, [url('/ok', { digest: md5(BODY) })], { type: 'SSL_GET' }),
      http(ADDR.rs1, 8443, [url('/ok')], { type: 'SSL_GET', virtualhost: 'tls.example', tls: { sni: true } }),
      http(ADDR.rs1, 8443, [url('/ok')], { type: 'SSL_GET', virtualhost: 'tls.example', tls: { sni: false } }),
      http(ADDR.rs1, 8443, [url('/err')], { type: 'SSL_GET' }),
      http(ADDR.rs1, 8080, [url('/ok')], { type: 'SSL_GET' }),
      http(ADDR.rs1, 8443, [url('/ok')]),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false, false, false]);
    expect(results[0].reason).toBe('GET https://198.51.100.21:8443: /ok 200 digest ok');
    expect(results[3].reason).toBe('GET https://198.51.100.21:8443/err: status 503, expected 200-299');
    expect(results[4].reason).toBe('GET https://198.51.100.21:8080/ok: TLS handshake failed: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)');
    expect(results[5].reason).toBe('GET http://198.51.100.21:8443/ok: connection closed by peer (UND_ERR_SOCKET)');
    const reqs = servers.requests().slice(before);
    expect(reqs.map((r) => r.servername)).toEqual([false, 'tls.example', false, false]);
    expect(reqs.map((r) => r.headers.host)).toEqual(['198.51.100.21:8443', 'tls.example', 'tls.example', '198.51.100.21:8443']);
  });

  it('SSL_GET presents the client certificate of the ssl block when there is one', async () => {
    const before = servers.requests().length;
    const tls = { sni: false, ...clientPem };
    const results = await run([
      http(ADDR.rs1, 8444, [url('/ok')], { type: 'SSL_GET', tls }),
      http(ADDR.rs1, 8444, [url('/ok')], { type: 'SSL_GET', tls }),
      http(ADDR.rs1, 8444, [url('/ok')], { type: 'SSL_GET' }),
    ]);
    expect(results.map((r) => r.reason)).toEqual(Array(3).fill('GET https://198.51.100.21:8444: /ok 200'));
    expect(servers.requests().slice(before).map((r) => r.clientCert)).toEqual(['kts-check-test', 'kts-check-test', null]);
  });

  it('HTTP_GET: aborting ends a check at once, connecting or waiting for the answer; the checks after it still pass', async () => {
    const [waiting, connecting, after, tlsWaiting, tlsAfter] = await run([
      { ...http(ADDR.rs1, 7003, [url('/ok')], { connectTimeoutMs: 10_000 }), abortAfterMs: 200 },
      { ...http(ADDR.blackhole, 80, [url('/ok')], { connectTimeoutMs: 10_000 }), abortAfterMs: 200 },
      http(ADDR.rs1, 8080, [url('/ok'), url('/created')]),
      { ...http(ADDR.rs1, 7003, [url('/ok')], { type: 'SSL_GET', connectTimeoutMs: 10_000 }), abortAfterMs: 200 },
      http(ADDR.rs1, 8443, [url('/ok')], { type: 'SSL_GET' }),
    ]);
    expect(waiting).toMatchObject({ ok: false, reason: 'GET http://198.51.100.21:7003/ok: aborted (ABORT_ERR)' });
    expect(connecting).toMatchObject({ ok: false, reason: 'GET http://203.0.113.99:80/ok: aborted (ABORT_ERR)' });
    expect(tlsWaiting).toMatchObject({ ok: false, reason: 'GET https://198.51.100.21:7003/ok: aborted (ABORT_ERR)' });
    for (const r of [waiting, connecting, tlsWaiting]) expect(r.ms).toBeLessThan(1000);
    expect(after).toMatchObject({ ok: true, reason: 'GET http://198.51.100.21:8080: /ok 200, /created 201' });
    expect(tlsAfter).toMatchObject({ ok: true });
  });

  it('HTTP_GET: connections come from a pool of undici Clients that grows to the checks in flight and is reused; the error undici closes each connection with has no stack trace, every other error keeps its own', async () => {
    const r = await lab.probe('bursts', { options: http(ADDR.rs1, 8080, [url('/ok')]).options, bursts: 3, size: 20 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: number; idleClients: number[]; resetStacks: number[]; limit: number; frames: number };
    expect(out.ok).toBe(60);
    expect(out.idleClients).toEqual([20, 20, 20]);
    expect(out.resetStacks).toEqual(Array(60).fill(0));
    expect(out.limit).toBe(10);
    expect(out.frames).toBeGreaterThan(0);
  });

  it('digests agree with keepalived genhash: HTTP / TLS x 1.0 / 1.0C / 1.1 x plain / chunked body', async () => {
    const cases: Array<{ path: '/ok' | '/chunked'; protocol: '1.0' | '1.0C' | '1.1'; ssl: boolean; expected?: string }> = [];
    for (const ssl of [false, true]) {
      for (const protocol of ['1.0', '1.0C', '1.1'] as const) {
        for (const path of ['/ok', '/chunked'] as const) cases.push({ path, protocol, ssl });
      }
    }
    const port = (ssl: boolean): number => (ssl ? 8443 : 8080);
    const genhashArgs = (c: (typeof cases)[number]): string[] => [
      ...(c.ssl ? ['-S'] : []),
      ...['-s', ADDR.rs1, '-p', String(port(c.ssl)), '-u', c.path, '-P', c.protocol.toLowerCase()],
    ];
    for (const c of cases) {
      const ka = lab.lb.run(['genhash', ...genhashArgs(c), '-t', '5'], { timeoutMs: 20_000 });
      c.expected = ka.stdout.trim();
      expect(c.expected, `keepalived genhash ${genhashArgs(c).join(' ')}: ${ka.stderr}`).toMatch(/^[0-9a-f]{32}$/);
      const body = c.path === '/ok' ? BODY : CHUNKED_BODY;
      // keepalived hashes the bytes after the headers: the chunk framing too
      // when the server chunks (only for an HTTP/1.1 request).
      if (c.path === '/chunked' && c.protocol === '1.1') expect(c.expected).not.toBe(md5(body));
      else expect(c.expected).toBe(md5(body));
    }
    const results = await run(
      cases.map((c) =>
        http(ADDR.rs1, port(c.ssl), [url(c.path, { digest: c.expected! })], { type: c.ssl ? 'SSL_GET' : 'HTTP_GET', httpProtocol: c.protocol }),
      ),
    );
    results.forEach((r, i) => expect(r.ok, `${JSON.stringify(cases[i])}: ${r.reason}`).toBe(true));

    // Our genhash command prints the same digest as keepalived's.
    for (const c of [cases.find((x) => !x.ssl && x.path === '/chunked' && x.protocol === '1.1')!, cases.find((x) => x.ssl && x.path === '/ok')!]) {
      const ours = await lab.probe('genhash', genhashArgs(c));
      expect(ours.code, ours.stderr).toBe(0);
      expect(ours.stdout.trim()).toBe(c.expected);
    }
  });

  it('genhash reports a failed fetch on stderr with exit code 1', async () => {
    const refused = await lab.probe('genhash', ['-s', ADDR.rs1, '-p', '7009', '-u', '/']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe('genhash: GET http://198.51.100.21:7009/: connection refused (ECONNREFUSED)\n');
    const verbose = await lab.probe('genhash', ['-s', ADDR.rs1, '-p', '8080', '-u', '/ok', '-v']);
    expect(verbose.code).toBe(0);
    expect(verbose.stdout.trim()).toBe(md5(BODY));
    expect(verbose.stderr).toBe(`HTTP status 200, ${Buffer.byteLength(BODY)} body bytes\n`);
  });
});
