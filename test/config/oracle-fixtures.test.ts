// keepalived-ts -t against real keepalived -t on our own fixtures
// (test/fixtures/configs/*.conf: what the keepalived samples do not cover).
// Each fixture says at the top what it exercises; a first line
// `# args: -i high` gives flags passed to both programs.
//
// Agreement: the same exit code, and every line keepalived names is named by
// one of our problems (same file). See test/helpers/oracle.ts.

import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepalivedConfigTest } from '../helpers/keepalived.js';
import { cleanupNetns, createOracleNamespace, type Netns } from '../helpers/netns.js';
import { cannotRun } from '../helpers/gate.js';
import { REPO_ROOT, compareWithKeepalived, fixtureArgs, oracleUnavailableReason } from '../helpers/oracle.js';

const FIXTURES = resolve(REPO_ROOT, 'test', 'fixtures', 'configs');

/**
 * keepalived 2.2.7's own verdict on each fixture, recorded when the fixture
 * was written. Checked separately, so that a different keepalived version in
 * CI shows up as such and not as a keepalived-ts bug. Every fixture must be
 * listed here.
 */
const KEEPALIVED_VERDICTS: Record<string, number | NodeJS.Signals> = {
  'auth.conf': 5,
  'bad-address.conf': 5,
  'bad-enum.conf': 5,
  'bad-number.conf': 5,
  'checker-dns.conf': 0,
  'checker-dns-name-labels.conf': 5,
  'checker-file.conf': 0,
  'checker-http.conf': 0,
  'checker-misc.conf': 0,
  'checker-ping.conf': 0,
  'checker-smtp.conf': 0,
  'checker-ssl.conf': 0,
  'checker-tcp.conf': 0,
  'checker-udp.conf': 0,
  'comments.conf': 0,
  'conditional-low.conf': 5,
  'conditional.conf': 5,
  'duplicate-vrid.conf': 5,
  'empty.conf': 0,
  'extra-brace-inside.conf': 5,
  'extra-brace.conf': 5,
  'fwmark.conf': 0,
  // keepalived 2.2.7 -t crashes on an HTTP_GET without url (see KNOWN_DIFFERENCES).
  'http-get-no-url.conf': 'SIGSEGV',
  'http-get-url-without-brace.conf': 'SIGSEGV',
  'include-glob.conf': 5,
  'ipv6.conf': 0,
  'lab-director1-full.conf': 0,
  'lab-director1.conf': 0,
  'lab-director2.conf': 0,
  'misplaced-block.conf': 5,
  'unbalanced-vrrp-hides-checker.conf': 5,
  'unbalanced-group-hides-vrrp.conf': 5,
  'rules-family-invert.conf': 5,
  'brace-after-value-keyword.conf': 5,
  'extra-brace-no-newline.conf': 5,
  'block-without-brace.conf': 5,
  'missing-include-e.conf': 6,
  'missing-include-glob-e.conf': 6,
  'missing-include.conf': 0,
  'missing-includem.conf': 0,
  'missing-interface.conf': 5,
  // A keyword with no value is fatal: KEEPALIVED_EXIT_CONFIG (2), not 4/5/6.
  'missing-parameter.conf': 2,
  'misspelled-keyword.conf': 5,
  'nb-get-retry.conf': 5,
  'nb-get-retry-without-value.conf': 5,
  'route-from.conf': 5,
  'route-destination-family.conf': 5,
  'rule-fwmark-values.conf': 5,
  'route-type-numbers.conf': 5,
  'route-bad-address-stops-line.conf': 5,
  'vrrp-negative-zero.conf': 6,
  'vrrp-negative-zero-decimals.conf': 5,
  'nested-include.conf': 5,
  'nopreempt-master.conf': 5,
  'one-line-blocks.conf': 0,
  'out-of-range.conf': 5,
  'script-security-enabled.conf': 0,
  'script-security.conf': 6,
  'seq-error.conf': 5,
  'seq.conf': 0,
  'sync-group.conf': 0,
  'track-own-interface.conf': 5,
  'track-script-undefined.conf': 5,
  'unclosed-block.conf': 5,
  'unicast.conf': 0,
  'unknown-keyword.conf': 5,
  'unterminated-quote-auth-pass.conf': 2,
  'unterminated-quote.conf': 5,
  'vars-error.conf': 5,
  'vars.conf': 0,
  'vsg-mixed.conf': 5,
  'vsg-ranges.conf': 0,
  // Found by differential fuzzing (mutated fixtures and samples):
  'data-block-brace.conf': 5,
  'data-block-extra-words.conf': 6,
  'data-block-brace-track.conf': 6,
  'vsg-unclosed.conf': 5,
  'early-close-block-end.conf': 5,
  'missing-brace-fatal.conf': 2,
  'missing-brace-fatal-top.conf': 2,
  'missing-brace-on-close.conf': 5,
  'value-block-without-brace.conf': 0,
  'value-block-to-end-of-file.conf': 5,
  'sync-group-running-on-second-group.conf': 5,
  'static-rules-swallow-routes.conf': 5,
  'instance-swallows-instance.conf': 5,
  'running-on-in-unclosed-block.conf': 5,
  'value-block-in-running-on-block.conf': 2,
  'swallowed-block-value-block-ends-early.conf': 5,
  'unbalanced-group-hides-nested-vrrp.conf': 5,
  'running-on-inside-ignored-brace.conf': 5,
  'block-without-brace-in-unclosed-block.conf': 5,
  'sync-group-unopened-value-block.conf': 6,
  'value-block-without-brace-read-flat.conf': 6,
  'smtp-server-numeric.conf': 0,
  'interface-replaced.conf': 5,
  'missing-brace-nested.conf': 5,
  'missing-brace-fatal-stray-brace.conf': 2,
  'sync-group-second-group.conf': 5,
  'global-defs-without-brace.conf': 5,
  'value-block-takes-instance-close.conf': 2,
  'garp-group-dropped-missing-interface.conf': 5,
  'block-end-after-ignored-brace.conf': 5,
  'rules-family-mixed-first.conf': 5,
  'group-empty-then-group.conf': 6,
  'track-group-value-block.conf': 5,
  'virtual-server-without-brace-nested-blocks.conf': 2,
  'sync-group-value-block-swallows-instance.conf': 5,
  'static-routes-without-brace-read-flat.conf': 5,
  'static-routes-without-brace-other-process-block.conf': 5,
  'vrrp-script-script-replaced.conf': 5,
  'virtual-server-without-brace-real-server-without-brace.conf': 2,
  'virtual-server-without-brace-running-on.conf': 2,
  'sync-group-skipped-group-hides-instance.conf': 5,
  'virtual-server-without-brace-early-close.conf': 2,
};

/**
 * Intentional differences from keepalived, the one place they are listed.
 * `line`: keepalived names this line and we deliberately do not; `exit`: we
 * deliberately give another exit code. Each needs a reason.
 *
 * Not listed because it is no difference in verdict or lines: `nb_get_retry`
 * (nb-get-retry.conf). keepalived 2.2.7 says "Unknown keyword 'nb_get_retry'"
 * in TCP_CHECK (line 12) and "nb_get_retry is deprecated - please use 'retry'"
 * in HTTP_GET (line 21); we accept it everywhere as `retry` with a deprecation
 * warning on the same lines. Both exit 5.
 */
const KNOWN_DIFFERENCES: { fixture: string; line?: number; exit?: number; reason: string }[] = [
  {
    fixture: 'http-get-no-url.conf',
    exit: 5,
    reason:
      'keepalived 2.2.7 -t reports "HTTP/SSL_GET checker has no urls specified" and then dies by SIGSEGV; ' +
      'we report the same problem (same line) and exit 5 instead of crashing',
  },
  {
    fixture: 'http-get-url-without-brace.conf',
    exit: 5,
    reason: 'as http-get-no-url.conf: keepalived 2.2.7 reports "no urls specified" (line 14) and dies by SIGSEGV; we exit 5',
  },
];

/**
 * Cases that cannot be a fixture file: the main config file itself is missing
 * or is a directory. keepalived 2.2.7: missing -> "Config files missing 'X'."
 * and exit 0, or exit 4 with -e; a directory -> "Configuration file 'X/' is a
 * directory - skipping" and exit 0.
 */
const SPECIAL_CASES: { title: string; file: string; args: string[]; keepalivedExit: number }[] = [
  { title: 'main config file missing', file: join(FIXTURES, 'does-not-exist.conf'), args: [], keepalivedExit: 0 },
  { title: 'main config file missing, -e', file: join(FIXTURES, 'does-not-exist.conf'), args: ['-e'], keepalivedExit: 4 },
  { title: 'main config file is a directory', file: join(FIXTURES, 'include.d'), args: [], keepalivedExit: 0 },
];

function listFixtures(): string[] {
  try {
    return readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.conf'))
      .sort();
  } catch {
    return [];
  }
}

const fixtures = listFixtures();
const unavailable = oracleUnavailableReason();

describe('fixtures: keepalived-ts -t agrees with keepalived -t', () => {
  it('every fixture has a recorded keepalived verdict, and vice versa', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
    expect(fixtures).toEqual(Object.keys(KEEPALIVED_VERDICTS).sort());
  });

  if (unavailable !== undefined) {
    cannotRun('keepalived oracle tests', unavailable);
    return;
  }

  let ns: Netns;
  beforeAll(() => {
    ns = createOracleNamespace('fixtures');
  });
  afterAll(() => {
    cleanupNetns();
  });

  describe('keepalived itself gives the recorded verdict', () => {
    for (const f of fixtures) {
      it(f, () => {
        const file = join(FIXTURES, f);
        const r = keepalivedConfigTest(ns, file, { args: fixtureArgs(file), cwd: REPO_ROOT });
        const said = r.messages.map((m) => (m.line === undefined ? m.text : `(Line ${m.line}) ${m.text}`)).join('\n');
        expect(r.exitCode ?? r.run.signal, `keepalived -t ${f}:\n${said}`).toBe(KEEPALIVED_VERDICTS[f]);
      });
    }
    for (const c of SPECIAL_CASES) {
      it(c.title, () => {
        const r = keepalivedConfigTest(ns, c.file, { args: c.args, cwd: REPO_ROOT });
        expect(r.exitCode, r.messages.map((m) => m.text).join('\n')).toBe(c.keepalivedExit);
      });
    }
  });

  describe('keepalived-ts agrees', () => {
    for (const f of fixtures) {
      const args = fixtureArgs(join(FIXTURES, f));
      it(args.length ? `${f} (${args.join(' ')})` : f, () => {
        const c = compareWithKeepalived(ns, join(FIXTURES, f), { args });
        const allowed = KNOWN_DIFFERENCES.filter((d) => d.fixture === f);
        const exitOk =
          c.exitAgrees || allowed.some((d) => d.exit !== undefined && d.exit === c.ours.exitCode && !c.ours.jsonError);
        const missed = c.missedLines.filter((m) => !allowed.some((d) => d.line === m.line));
        expect(exitOk && missed.length === 0, c.report).toBe(true);
      });
    }
    for (const sc of SPECIAL_CASES) {
      it(sc.title, () => {
        const c = compareWithKeepalived(ns, sc.file, { args: sc.args });
        expect(c.agree, c.report).toBe(true);
      });
    }
  });
});
