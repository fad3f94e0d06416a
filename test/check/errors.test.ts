import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/check/checkers/errors.js';

const coded = (code: string, message = 'boom', extra: Record<string, unknown> = {}): Error => Object.assign(new Error(message), { code, ...extra });

describe('describeError', () => {
  const cases: Array<[string, unknown, string]> = [
    ['refused', coded('ECONNREFUSED', 'connect ECONNREFUSED 198.51.100.21:80'), 'connection refused (ECONNREFUSED)'],
    ['unreachable', coded('EHOSTUNREACH'), 'host unreachable (EHOSTUNREACH)'],
    ['undici timeout', coded('UND_ERR_CONNECT_TIMEOUT'), 'connect timed out (UND_ERR_CONNECT_TIMEOUT)'],
    ['the system cause wins over undici\'s wrapper', Object.assign(coded('UND_ERR_SOCKET'), { cause: coded('ECONNRESET') }), 'connection reset by peer (ECONNRESET)'],
    ['an unknown cause keeps the wrapper', Object.assign(coded('UND_ERR_SOCKET'), { cause: coded('EWHATEVER') }), 'connection closed by peer (UND_ERR_SOCKET)'],
    ['TLS: OpenSSL reason', coded('ERR_SSL_WRONG_VERSION_NUMBER', '8050:error:0A00010B:SSL routines::wrong version number\n', { reason: 'wrong version number' }), 'TLS handshake failed: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)'],
    ['unknown code', coded('EFOO', 'something odd'), 'something odd (EFOO)'],
    ['no code', new Error('plain'), 'plain'],
    ['not an error', 'a string', 'a string'],
  ];
  for (const [name, err, text] of cases) {
    it(name, () => expect(describeError(err)).toBe(text));
  }
});
