// MISC_CHECK `user`: keepalived 2.2.7 looks the user and group up while
// reading ("Failed to set uid/gid ... - removing") and drops the checker.
import { describe, expect, it } from 'vitest';
import { fakeHost, problemLines, readText } from '../../helpers/config.js';

const text = (user: string) =>
  ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '  real_server 203.0.113.1 80 {', '    MISC_CHECK {', '      misc_path /bin/true', `      user ${user}`, '    }', '  }', '}'].join('\n');
const host = fakeHost({ files: { '/bin/true': {} }, users: { root: { uid: 0, gid: 0 }, nobody: { uid: 65534, gid: 65534 } } });

describe('checkMiscUser', () => {
  it.each([
    ['nosuchuser', ['8:unknown-script-user']],
    ['root nosuchgroup', ['8:unknown-script-user']],
    ['root root', []],
    ['nobody', []],
  ])('user %s', (user, expected) => {
    const r = readText(text(user), host);
    expect(problemLines(r.problems).filter((p) => p.endsWith('unknown-script-user'))).toEqual(expected);
    const checker = r.config.check.virtualServers[0].realServers[0].checkers[0];
    expect(checker.dropped !== undefined).toBe(expected.length > 0);
  });

  it('a dropped misc checker runs no script (keepalived 2.2.7: exit 5, not 6)', () => {
    expect(readText(text('nosuchuser'), host).exitCode).toBe(5);
  });
});
