// From a config to the checks the checker process runs: keys, timers,
// endpoints, alpha inheritance, and what is skipped and why.
import { describe, expect, it } from 'vitest';
import { HttpChecker } from '../../src/check/checkers/http.js';
import { TcpChecker } from '../../src/check/checkers/tcp.js';
import { parseRealServerKey, planChecks, realServerKey } from '../../src/check/plan.js';
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
    expect(plan.checks.map((c) => c.spec.id)).toEqual(['vs0/rs0/c0', 'vs0/rs1/c0', 'vs1/rs0/c0']);
    expect(plan.checks.map((c) => c.spec.server)).toEqual(['vs0/rs0', 'vs0/rs1', 'vs1/rs0']);
    expect(plan.checks.map((c) => c.label)).toEqual([
      'TCP_CHECK 198.51.100.21:80 of VS 198.51.100.50:80',
      'HTTP_GET 198.51.100.22:80 of VS 198.51.100.50:80',
      'SSL_GET 198.51.100.23:8443 of VS 198.51.100.51:443',
    ]);
    expect(realServerKey(3, 7)).toBe('vs3/rs7');
    expect(parseRealServerKey('vs3/rs7')).toEqual({ vs: 3, rs: 7 });
    expect(parseRealServerKey('nope')).toBeUndefined();
  });

  it('converts timers to milliseconds with keepalived defaults and inheritance', () => {
    const [tcp, http, ssl] = plan.checks.map((c) => c.spec);
    expect(tcp).toMatchObject({ delayLoopMs: 4_000, retry: 2, delayBeforeRetryMs: 1_000, warmupMs: 4_000, retryWhileDown: true });
    // HTTP_GET: retry 1 and delay_before_retry 3 by default.
    expect(http).toMatchObject({ delayLoopMs: 4_000, retry: 1, delayBeforeRetryMs: 3_000, warmupMs: 0, retryWhileDown: false });
    expect(ssl).toMatchObject({ delayLoopMs: 60_000, warmupMs: 60_000 });
  });

  it('takes alpha from the checker, else the real server, else the virtual server', () => {
    expect(plan.checks.map((c) => c.spec.alpha)).toEqual([true, false, false]);
  });

  it('connects to connect_ip / connect_port, else the real server, from bindto', () => {
    const [tcp, http, ssl] = plan.checks.map((c) => c.checker);
    expect(tcp).toBeInstanceOf(TcpChecker);
    expect(tcp.target).toBe('198.51.100.21:80');
    expect(http).toBeInstanceOf(HttpChecker);
    expect(http.type).toBe('HTTP_GET');
    expect(http.target).toBe('http://198.51.100.22:8080');
    expect(ssl.type).toBe('SSL_GET');
    expect(ssl.target).toBe('https://198.51.100.23:8443');
  });

  it('skips checkers it cannot run yet, with the reason', () => {
    expect(plan.skipped).toEqual([
      expect.objectContaining({ label: 'MISC_CHECK 198.51.100.22:80 of VS 198.51.100.50:80', reason: 'MISC_CHECK is not implemented yet' }),
    ]);
  });
});
