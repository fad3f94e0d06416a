// DNS_CHECK, SMTP_CHECK, UDP_CHECK and PING_CHECK against real servers in a
// network namespace, the checkers running in another (the lab of lab.ts):
// up, stopped (nothing listens), no answer (timeout), wrong answer, IPv6,
// and abort. Needs root and ip netns; under CI=true it must run.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsUnavailableReason } from '../helpers/netns.js';
import { cannotRun } from '../helpers/gate.js';
import { ADDR, CheckLab, LineReader, ServerProcess } from './lab.js';

const reason = netnsUnavailableReason();
const HERE = import.meta.dirname;

type Kind = 'dns' | 'smtp' | 'udp' | 'ping';
interface Probe {
  kind: Kind;
  options: Record<string, unknown>;
  abortAfterMs?: number;
}
interface ProbeResult {
  ok: boolean;
  reason: string;
  ms: number;
}
interface Seen {
  kind: string;
  port: number;
  remote: string;
  data: string;
}

const TIMEOUT = 1000;
const dns = (host: string, port: number, over: Record<string, unknown> = {}): Probe => ({
  kind: 'dns',
  options: { host, port, connectTimeoutMs: TIMEOUT, queryType: 'A', name: 'www.example.org', ...over },
});
const smtp = (host: string, port: number, over: Record<string, unknown> = {}): Probe => ({
  kind: 'smtp',
  options: { hosts: [{ host, port }], connectTimeoutMs: TIMEOUT, heloName: 'checker.example', ...over },
});
const udp = (host: string, port: number, over: Record<string, unknown> = {}): Probe => ({
  kind: 'udp',
  options: { host, port, connectTimeoutMs: TIMEOUT, requireReply: false, minReplyLength: 0, maxReplyLength: 255, ...over },
});
const ping = (host: string, over: Record<string, unknown> = {}): Probe => ({ kind: 'ping', options: { host, connectTimeoutMs: TIMEOUT, ...over } });

describe('DNS, SMTP, UDP and PING checkers against real servers in namespaces', () => {
  if (reason !== undefined) {
    cannotRun('checker namespace tests (DNS, SMTP, UDP, PING)', reason);
    return;
  }

  let lab: CheckLab;
  let servers: ServerProcess;

  beforeAll(async () => {
    lab = CheckLab.create('ckn');
    const listeners = [
      { kind: 'dns', host: ADDR.rs1, port: 5301, mode: 'ok' },
      { kind: 'dns', host: ADDR.rs1, port: 5302, mode: 'nxdomain' },
      { kind: 'dns', host: ADDR.rs1, port: 5303, mode: 'wrongid' },
      { kind: 'dns', host: ADDR.rs1, port: 5304, mode: 'silent' },
      { kind: 'dns', host: ADDR.rs6, port: 5301, mode: 'ok' },
      { kind: 'smtp', host: ADDR.rs1, port: 2501, mode: 'ok' },
      { kind: 'smtp', host: ADDR.rs1, port: 2502, mode: 'badbanner' },
      { kind: 'smtp', host: ADDR.rs1, port: 2503, mode: 'badhelo' },
      { kind: 'smtp', host: ADDR.rs1, port: 2504, mode: 'silent' },
      { kind: 'smtp', host: ADDR.rs1, port: 2505, mode: 'multiline' },
      { kind: 'smtp', host: ADDR.rs6, port: 2501, mode: 'ok' },
      { kind: 'udp', host: ADDR.rs1, port: 6001, mode: 'echo' },
      { kind: 'udp', host: ADDR.rs1, port: 6002, mode: 'silent' },
      { kind: 'udp', host: ADDR.rs1, port: 6003, mode: 'fixed', reply: 'cafe0102' },
      { kind: 'udp', host: ADDR.rs6, port: 6001, mode: 'echo' },
    ];
    servers = new ServerProcess(lab.rs.spawn([process.execPath, join(HERE, 'checkers-servers.mjs'), JSON.stringify(listeners)]));
    await servers.ready();
  });

  afterAll(async () => {
    await servers?.kill();
    lab?.destroy();
  });

  async function run(probes: Probe[]): Promise<ProbeResult[]> {
    const child = lab.lb.spawn([process.execPath, join(HERE, 'checkers-probe.mjs'), JSON.stringify(probes)], {
      env: { ...process.env, KTS_CHECK_BUILD: lab.dir },
    });
    const out = new LineReader(child);
    try {
      const code = await out.exit(30_000);
      if (code !== 0) throw new Error(`probe failed (exit ${code}): ${out.stderr}`);
      return JSON.parse(out.lines[out.lines.length - 1]) as ProbeResult[];
    } finally {
      if (!out.exited) child.kill('SIGKILL');
    }
  }

  const seen = (kind: string, port: number): Seen[] => servers.out.json<Seen>().filter((s) => s.kind === kind && s.port === port);

  it('DNS_CHECK: NOERROR is up; NXDOMAIN, a wrong id, silence and a closed port are down with their reason', async () => {
    const [ok, nx, wrongId, silent, closed, blackhole, v6] = await run([
      dns(ADDR.rs1, 5301),
      dns(ADDR.rs1, 5302),
      dns(ADDR.rs1, 5303),
      dns(ADDR.rs1, 5304),
      dns(ADDR.rs1, 5399),
      dns(ADDR.blackhole, 53),
      dns(ADDR.rs6, 5301, { queryType: 'AAAA' }),
    ]);
    expect(ok).toMatchObject({ ok: true, reason: `DNS A www.example.org to ${ADDR.rs1}:5301: NOERROR` });
    expect(nx).toMatchObject({ ok: false, reason: expect.stringContaining('answered NXDOMAIN (rcode 3)') });
    // An answer with another id is not ours: the check waits it out.
    expect(wrongId).toMatchObject({ ok: false, reason: expect.stringContaining(`no answer within ${TIMEOUT} ms`) });
    expect(wrongId.ms).toBeGreaterThanOrEqual(TIMEOUT - 50);
    expect(silent).toMatchObject({ ok: false, reason: expect.stringContaining('no answer within') });
    expect(closed).toMatchObject({ ok: false, reason: expect.stringContaining('connection refused (ECONNREFUSED)') });
    expect(closed.ms).toBeLessThan(TIMEOUT);
    expect(blackhole).toMatchObject({ ok: false, reason: expect.stringContaining('no answer within') });
    expect(v6).toMatchObject({ ok: true, reason: `DNS AAAA www.example.org to [${ADDR.rs6}]:5301: NOERROR` });

    // The query as keepalived builds it: one question, recursion desired, class IN.
    const q = Buffer.from(seen('dns', 5301).find((s) => s.remote === ADDR.lb)!.data, 'hex');
    expect(q.readUInt16BE(2)).toBe(0x0100);
    expect([q.readUInt16BE(4), q.readUInt16BE(6), q.readUInt16BE(8), q.readUInt16BE(10)]).toEqual([1, 0, 0, 0]);
    expect(q.subarray(12).toString('latin1')).toBe('\x03www\x07example\x03org\x00\x00\x01\x00\x01');
  });

  it('SMTP_CHECK: 220, HELO 250, QUIT is up; a bad greeting, a refused HELO, silence and a closed port are down', async () => {
    const [ok, badBanner, badHelo, silent, closed, multiline, v6, twoHosts] = await run([
      smtp(ADDR.rs1, 2501),
      smtp(ADDR.rs1, 2502),
      smtp(ADDR.rs1, 2503),
      smtp(ADDR.rs1, 2504),
      smtp(ADDR.rs1, 2599),
      smtp(ADDR.rs1, 2505),
      smtp(ADDR.rs6, 2501),
      smtp(ADDR.rs1, 2501, { hosts: [{ host: ADDR.rs1, port: 2501 }, { host: ADDR.rs1, port: 2503 }] }),
    ]);
    expect(ok).toMatchObject({ ok: true });
    expect(badBanner).toMatchObject({ ok: false, reason: `SMTP ${ADDR.rs1}:2502: greeting "554 no service here", expected 220` });
    expect(badHelo).toMatchObject({ ok: false, reason: `SMTP ${ADDR.rs1}:2503: HELO answered "500 go away", expected 250` });
    expect(silent).toMatchObject({ ok: false, reason: `SMTP ${ADDR.rs1}:2504: greeting: no answer within ${TIMEOUT} ms` });
    expect(closed).toMatchObject({ ok: false, reason: expect.stringContaining('connect: connection refused (ECONNREFUSED)') });
    expect(multiline).toMatchObject({ ok: true });
    expect(v6).toMatchObject({ ok: true });
    // host { } blocks: every host must pass.
    expect(twoHosts).toMatchObject({ ok: false, reason: expect.stringContaining(':2503: HELO answered') });
    const dialogue = seen('smtp', 2501).filter((s) => s.remote === ADDR.lb).map((s) => s.data);
    // Two dialogues ran on this port at once (the single host, and the first of two).
    expect(dialogue.sort()).toEqual(['HELO checker.example', 'HELO checker.example', 'QUIT', 'QUIT']);
  });

  it('UDP_CHECK: silence is up unless a reply is required; replies are matched; a closed port is down', async () => {
    const [echoAny, silentOk, silentRequired, closed, match, mismatch, wildcard, tooLong, v6, noData] = await run([
      udp(ADDR.rs1, 6001, { requireReply: true }),
      udp(ADDR.rs1, 6002),
      udp(ADDR.rs1, 6002, { requireReply: true }),
      udp(ADDR.rs1, 6099),
      udp(ADDR.rs1, 6003, { requireReply: true, replyData: 'cafe' }),
      udp(ADDR.rs1, 6003, { requireReply: true, replyData: 'beef' }),
      udp(ADDR.rs1, 6003, { requireReply: true, replyData: 'c0fe', replyMask: '0f00' }),
      udp(ADDR.rs1, 6003, { requireReply: true, replyData: 'cafe', maxReplyLength: 3 }),
      udp(ADDR.rs6, 6001, { requireReply: true, payload: '68656c6c6f' }),
      udp(ADDR.rs1, 6003, { requireReply: true, maxReplyLength: 1 }),
    ]);
    expect(echoAny).toMatchObject({ ok: true, reason: `UDP ${ADDR.rs1}:6001: reply of 32 bytes` });
    expect(silentOk).toMatchObject({ ok: true, reason: expect.stringContaining(`no error within ${TIMEOUT} ms`) });
    expect(silentRequired).toMatchObject({ ok: false, reason: expect.stringContaining('no reply within') });
    expect(closed).toMatchObject({ ok: false, reason: expect.stringContaining('connection refused (ECONNREFUSED)') });
    expect(closed.ms).toBeLessThan(TIMEOUT);
    expect(match).toMatchObject({ ok: true });
    expect(mismatch).toMatchObject({ ok: false, reason: `UDP ${ADDR.rs1}:6003: reply byte 0 is 0xca, expected 0xbe` });
    expect(wildcard).toMatchObject({ ok: true });
    expect(tooLong).toMatchObject({ ok: false, reason: `UDP ${ADDR.rs1}:6003: reply of 4 bytes, expected 0 to 3` });
    expect(v6).toMatchObject({ ok: true, reason: `UDP [${ADDR.rs6}]:6001: reply of 5 bytes` });
    // As keepalived: without expected bytes, the reply length is not checked.
    expect(noData).toMatchObject({ ok: true });
    // keepalived's default payload.
    expect(Buffer.from(seen('udp', 6001)[0].data, 'hex').toString('latin1')).toBe('keepalived check - keepalived ch');
  });

  it('PING_CHECK: echo replies over IPv4 and IPv6 are up; no reply and unreachable are down', async () => {
    const [v4, v6, second, absent, blackhole, unreachable] = await run([
      ping(ADDR.rs1),
      ping(ADDR.rs6),
      ping(ADDR.rs2),
      ping('198.51.100.23'),
      ping(ADDR.blackhole),
      ping(ADDR.unreachable),
    ]);
    expect(v4).toMatchObject({ ok: true, reason: expect.stringMatching(new RegExp(`^ping ${ADDR.rs1}: echo reply in \\d+ ms$`)) });
    expect(v6).toMatchObject({ ok: true, reason: expect.stringContaining(`ping ${ADDR.rs6}: echo reply`) });
    expect(second).toMatchObject({ ok: true });
    expect(absent).toMatchObject({ ok: false });
    expect(blackhole).toMatchObject({ ok: false, reason: `ping ${ADDR.blackhole}: no echo reply within ${TIMEOUT} ms` });
    expect(unreachable.ok).toBe(false);
    expect(unreachable.ms).toBeLessThan(TIMEOUT);
  });

  it('aborting ends every kind of check promptly', async () => {
    const results = await run([
      { ...dns(ADDR.blackhole, 53, { connectTimeoutMs: 10_000 }), abortAfterMs: 200 },
      { ...smtp(ADDR.rs1, 2504, { connectTimeoutMs: 10_000 }), abortAfterMs: 200 },
      { ...udp(ADDR.rs1, 6002, { connectTimeoutMs: 10_000, requireReply: true }), abortAfterMs: 200 },
      { ...ping(ADDR.blackhole, { connectTimeoutMs: 10_000 }), abortAfterMs: 200 },
    ]);
    for (const r of results) {
      expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('aborted') });
      expect(r.ms).toBeLessThan(2000);
    }
  });
});
