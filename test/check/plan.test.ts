// From a config to the checks the checker process runs: keys, timers,
// endpoints, alpha inheritance, and what is skipped and why.
import { describe, expect, it } from 'vitest';
import { HttpChecker } from '../../src/check/checkers/http.js';
import { TcpChecker } from '../../src/check/checkers/tcp.js';
import { FILE_CHECK_POLL_MS } from '../../src/check/checkers/index.js';
import { fingerprintOf, planChecks, sameSettings } from '../../src/check/plan.js';
import { readText } from '../helpers/config.js';

const CONFIG = `
virtual_server 198.51.100.50 80 {
    delay_loop 4
    lb_algo rr
    lb_kind DR
    protocol TCP
    alpha
    virtualhost vs.example
    real_server 198.51.100.21 80 {
        TCP_CHECK {
            connect_timeout 2
            retry 2
            delay_before_retry 1
        }
    }
    real_server 198.51.100.22 80 {
        alpha off
        HTTP_GET {
            url {
                path /health
                status_code 200-299 301
                digest 9b3a0c85a887a256d6939da88aabd8cd
            }
            connect_port 8080
            bindto 198.51.100.2
            warmup 0
        }
        MISC_CHECK {
            misc_path "/bin/true"
        }
    }
}
virtual_server 198.51.100.51 443 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.51.100.23 8443 {
        SSL_GET {
            url {
                path /
            }
            enable_sni
            virtualhost tls.example
        }
    }
}
`;

describe('planChecks', () => {
  const { config, problems } = readText(CONFIG);
  const plan = planChecks(config.check);

  it('reads the config without errors', () => {
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('plans one check per supported checker, keyed by virtual and real server', () => {
    expect(plan.checks.map((c) => c.spec.server)).toEqual([
      'tcp 198.51.100.50:80 -> 198.51.100.21:80',
      'tcp 198.51.100.50:80 -> 198.51.100.22:80',
      'tcp 198.51.100.50:80 -> 198.51.100.22:80',
      'tcp 198.51.100.51:443 -> 198.51.100.23:8443',
    ]);
    expect(plan.checks.map((c) => [c.vs, c.rs])).toEqual([
      ['tcp 198.51.100.50:80', '198.51.100.21:80'],
      ['tcp 198.51.100.50:80', '198.51.100.22:80'],
      ['tcp 198.51.100.50:80', '198.51.100.22:80'],
      ['tcp 198.51.100.51:443', '198.51.100.23:8443'],
    ]);
    for (const c of plan.checks) expect(c.spec.id).toMatch(new RegExp(`^${c.spec.server.replace(/[.]/g, '\\.')} / ${c.checker.type} [0-9a-f]{8}$`));
    expect(plan.checks.map((c) => c.label)).toEqual([
      'TCP_CHECK 198.51.100.21:80 of VS 198.51.100.50:80',
      'HTTP_GET 198.51.100.22:80 of VS 198.51.100.50:80',
      'MISC_CHECK 198.51.100.22:80 of VS 198.51.100.50:80',
      'SSL_GET 198.51.100.23:8443 of VS 198.51.100.51:443',
    ]);
  });

  it('keeps keys and checker ids across a reload that leaves the blocks unchanged', () => {
    // Another virtual server in front, the servers reordered, addresses and timers written differently.
    const rewritten = readText(
      `virtual_server 198.51.100.60 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n real_server 198.51.100.30 80 {\n  TCP_CHECK {\n  }\n }\n}\n` +
        CONFIG.replace('198.51.100.50 80 {\n    delay_loop 4', '198.51.100.50 80 {').replace('connect_timeout 2', 'connect_timeout 2\n            delay_loop 4'),
    );
    const again = planChecks(rewritten.config.check);
    const ids = (p: typeof plan): string[] => p.checks.map((c) => c.spec.id);
    // The TCP_CHECK now sets delay_loop itself: same value, same id. The other two took delay_loop 4 from the VS before...
    expect(ids(again).slice(1)).toContain(ids(plan)[0]);
    expect(ids(again)).toContain(ids(plan)[3]);
    // ...and the HTTP_GET of .22 now runs every 60 s: a changed checker, a new id on the same server.
    const http = again.checks.find((c) => c.checker.type === 'HTTP_GET')!;
    expect(http.spec.server).toBe(plan.checks[1].spec.server);
    expect(http.spec.id).not.toBe(plan.checks[1].spec.id);
  });

  it('a reload takes unchanged checkers as they run instead of building them again; MISC_CHECK and FILE_CHECK are built anew', () => {
    const running = new Map(plan.checks.map((c) => [c.spec.id, c]));
    const asked: string[] = [];
    const changed = readText(CONFIG.replace('connect_port 8080', 'connect_port 8081'));
    const again = planChecks(changed.config.check, {
      running: (id) => {
        asked.push(id);
        return running.get(id);
      },
    });
    const [tcp, http, misc, ssl] = again.checks;
    // Unchanged: the very same planned check, checker instance included.
    expect(tcp).toBe(plan.checks[0]);
    expect(ssl).toBe(plan.checks[3]);
    // Changed (connect_port): a new id, a new checker.
    expect(http.spec.id).not.toBe(plan.checks[1].spec.id);
    expect(http.checker).not.toBe(plan.checks[1].checker);
    expect(http.checker.target).toBe('http://198.51.100.22:8081');
    // MISC_CHECK: same id, built again (whether its script can run is looked at anew).
    expect(misc.spec.id).toBe(plan.checks[2].spec.id);
    expect(misc).not.toBe(plan.checks[2]);
    expect(asked).toEqual([tcp.spec.id, http.spec.id, ssl.spec.id]);
  });

  it('a reload numbers identical blocks as a fresh plan does, taken over or not', () => {
    const twins = 'virtual_server 198.51.100.60 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n real_server 198.51.100.30 80 {\n  TCP_CHECK {\n  }\n  TCP_CHECK {\n  }\n  BFD_CHECK {\n  }\n  TCP_CHECK {\n  }\n }\n}\n';
    const first = planChecks(readText(twins).config.check);
    const byId = new Map(first.checks.slice(0, 1).map((c) => [c.spec.id, c]));
    const again = planChecks(readText(twins).config.check, { running: (id) => byId.get(id) });
    expect(again.checks.map((c) => c.spec.id)).toEqual(first.checks.map((c) => c.spec.id));
    expect(again.checks[0]).toBe(first.checks[0]);
    expect(again.checks[1]).not.toBe(first.checks[1]);
    expect(again.skipped.map((s) => s.label)).toEqual(['BFD_CHECK 198.51.100.30:80 of VS 198.51.100.60:80']);
  });

  it('numbers identical checker blocks of one real server', () => {
    const twin = readText(
      'virtual_server 198.51.100.60 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n real_server 198.51.100.30 80 {\n  TCP_CHECK {\n  }\n  TCP_CHECK {\n  }\n }\n}\n',
    );
    const [a, b] = planChecks(twin.config.check).checks.map((c) => c.spec.id);
    expect(b).toBe(`${a}#2`);
  });

  it('converts timers to milliseconds with keepalived defaults and inheritance', () => {
    const [tcp, http, , ssl] = plan.checks.map((c) => c.spec);
    expect(tcp).toMatchObject({ delayLoopMs: 4_000, retry: 2, delayBeforeRetryMs: 1_000, warmupMs: 4_000, retryWhileDown: true });
    // HTTP_GET: retry 1 and delay_before_retry 3 by default.
    expect(http).toMatchObject({ delayLoopMs: 4_000, retry: 1, delayBeforeRetryMs: 3_000, warmupMs: 0, retryWhileDown: false });
    expect(ssl).toMatchObject({ delayLoopMs: 60_000, warmupMs: 60_000 });
  });

  it('takes alpha from the checker, else the real server, else the virtual server', () => {
    expect(plan.checks.map((c) => c.spec.alpha)).toEqual([true, false, false, false]);
  });

  it('connects to connect_ip / connect_port, else the real server, from bindto', () => {
    const [tcp, http, , ssl] = plan.checks.map((c) => c.checker);
    expect(tcp).toBeInstanceOf(TcpChecker);
    expect(tcp.target).toBe('198.51.100.21:80');
    expect(http).toBeInstanceOf(HttpChecker);
    expect(http.type).toBe('HTTP_GET');
    expect(http.target).toBe('http://198.51.100.22:8080');
    expect(ssl.type).toBe('SSL_GET');
    expect(ssl.target).toBe('https://198.51.100.23:8443');
  });

  it('skips checkers keepalived drops, with the reason', () => {
    expect(plan.skipped).toEqual([]);
    const dropped = readText('virtual_server 198.51.100.60 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n real_server 198.51.100.30 80 {\n  HTTP_GET {\n  }\n }\n}\n');
    const p = planChecks(dropped.config.check);
    expect(p.checks).toEqual([]);
    expect(p.skipped).toEqual([expect.objectContaining({ label: 'HTTP_GET 198.51.100.30:80 of VS 198.51.100.60:80', reason: expect.stringMatching(/url/) })]);
  });

  it("plans FILE_CHECK from the config's track_file blocks, polling its file whatever delay_loop says", () => {
    const text =
      'track_file tf {\n file /tmp/kts-weight\n}\n' +
      'virtual_server 198.51.100.60 80 {\n delay_loop 30\n lb_algo rr\n lb_kind DR\n protocol TCP\n real_server 198.51.100.30 80 {\n  FILE_CHECK {\n   track_file tf\n  }\n }\n}\n';
    const { config } = readText(text);
    const withFiles = planChecks(config.check, { trackFiles: config.vrrp.trackFiles });
    expect(withFiles.skipped).toEqual([]);
    expect(withFiles.checks).toHaveLength(1);
    expect(withFiles.checks[0].checker.type).toBe('FILE_CHECK');
    expect(withFiles.checks[0].spec).toMatchObject({ delayLoopMs: FILE_CHECK_POLL_MS, retry: 0 });
    // Without the track_file blocks there is nothing to watch.
    expect(planChecks(config.check).skipped).toEqual([expect.objectContaining({ reason: expect.stringMatching(/track_file/) })]);
  });
});

describe('sameSettings: what fingerprintOf compares, without strings', () => {
  const at = (line: number) => ({ file: 'a.conf', line, col: 1 });
  it('ignores where things were written, undefined fields and key order', () => {
    expect(sameSettings({ weight: 1, loc: at(3), locs: { weight: at(4) }, port: undefined }, { loc: at(9), weight: 1 })).toBe(true);
    expect(sameSettings({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameSettings({ timers: { source: { delayLoop: 'virtual_server' }, delayLoop: 6 } }, { timers: { source: { delayLoop: 'default' }, delayLoop: 6 } })).toBe(true);
  });
  it('sees a changed, added or removed setting, at any depth', () => {
    expect(sameSettings({ weight: 1 }, { weight: 2 })).toBe(false);
    expect(sameSettings({ weight: 1 }, { weight: 1, inhibit: true })).toBe(false);
    expect(sameSettings({ weight: 1, inhibit: false }, { weight: 1 })).toBe(false);
    expect(sameSettings({ c: [1, 2] }, { c: [1, 2, 3] })).toBe(false);
    expect(sameSettings({ c: [{ x: 1 }] }, { c: [{ x: 2 }] })).toBe(false);
    expect(sameSettings({ c: [] }, { c: {} })).toBe(false);
    expect(sameSettings({ c: null }, { c: {} })).toBe(false);
  });
  it('leaves out the top-level keys it is told to', () => {
    expect(sameSettings({ weight: 1, checkers: [1] }, { weight: 1, checkers: [2] }, new Set(['checkers']))).toBe(true);
    expect(sameSettings({ x: { checkers: [1] } }, { x: { checkers: [2] } }, new Set(['checkers']))).toBe(false);
  });
  it('agrees with fingerprintOf on every pair of real servers of a config', () => {
    const servers = readText(CONFIG).config.check.virtualServers.flatMap((vs) => vs.realServers);
    const variants = [...servers, ...servers.map((rs) => ({ ...rs, weight: (rs.weight ?? 1) + 1 })), ...servers.map((rs) => ({ ...rs, loc: at(99) }))];
    for (const a of variants) for (const b of variants) expect(sameSettings(a, b)).toBe(fingerprintOf(a) === fingerprintOf(b));
  });
});
