// Script security against a fake host. Every case states the verdict real
// keepalived 2.2.7 -t gave for the same configuration with the same file
// modes and users ("ka:"), measured in a namespace with eth0..eth3, on a
// host without a keepalived_script user.
import { describe, expect, it } from 'vitest';
import type { FileInfo } from '../../../src/config/host.js';
import { parseScriptLine, splitQuotedEscaped } from '../../../src/config/schema/global/script-words.js';
import { fakeHost, readText } from '../../helpers/config.js';

const DIR: Partial<FileInfo> = { isFile: false, isDirectory: true, mode: 0o40755 };
const SCRIPT: Partial<FileInfo> = { mode: 0o100755 };

/** A host with root-owned scripts in /etc/keepalived and a few unsafe ones. */
function host(extraUsers: Record<string, { uid: number; gid: number }> = {}) {
  return fakeHost({
    users: { root: { uid: 0, gid: 0 }, nobody: { uid: 65534, gid: 65534 }, ...extraUsers },
    files: {
      '/': DIR,
      '/etc': DIR,
      '/etc/keepalived': DIR,
      '/etc/keepalived/notify.sh': SCRIPT,
      '/etc/keepalived/noexec.sh': { mode: 0o100644 },
      '/etc/keepalived/world.sh': { mode: 0o100777 },
      '/etc/keepalived/group.sh': { mode: 0o100775, gid: 1 },
      '/etc/keepalived/user.sh': { mode: 0o100755, uid: 65534 },
      '/tmp': { ...DIR, mode: 0o41777 },
      '/tmp/in-sticky.sh': SCRIPT,
      '/opt': DIR,
      '/opt/open': { ...DIR, mode: 0o40777 },
      '/opt/open/in-open.sh': SCRIPT,
      '/usr': DIR,
      '/usr/bin': DIR,
      '/usr/bin/true': SCRIPT,
    },
  });
}

function instance(extra = '', iface = 'eth0'): string {
  return `vrrp_instance VI_1 {
  state BACKUP
  interface ${iface}
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    198.51.100.10/24
  }
${extra}}
`;
}

function virtualServer(realServerExtra = '', vsExtra = '', withRealServer = true): string {
  const rs = withRealServer ? `  real_server 198.51.100.2 80 {\n    weight 1\n${realServerExtra}  }\n` : '';
  return `virtual_server 198.51.100.1 80 {\n  delay_loop 6\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n${vsExtra}${rs}}\n`;
}

function globalDefs(body: string): string {
  return `global_defs {\n${body}}\n`;
}

const ESS_ROOT = '  enable_script_security\n  script_user root\n';

function check(text: string, h = host()) {
  const result = readText(text, h);
  const mine = result.problems.filter((p) =>
    [
      'script-security',
      'script-not-found',
      'script-insecure',
      'script-not-executable',
      'script-dropped',
      'script-user-unknown',
      'script-user-too-late',
      'no-script-user',
      'unterminated-quote',
      'config-test-killed',
    ].includes(p.code),
  );
  return { ...result, mine: mine.map((p) => `${p.loc?.line ?? '-'}:${p.code}:${p.severity}`) };
}

describe('scripts without enable_script_security (keepalived -t exit 6)', () => {
  it('flags a notify script that exists, naming it and what to do', () => {
    // ka: exit 6, "SECURITY VIOLATION - scripts are being executed but script_security not enabled."
    const r = check(instance('  notify_master /etc/keepalived/notify.sh\n'));
    expect(r.exitCode).toBe(6);
    expect(r.mine).toEqual(['9:script-security:error']);
    const p = r.problems.find((q) => q.code === 'script-security')!;
    expect(p.message).toContain("'/etc/keepalived/notify.sh'");
    expect(p.message).toContain('as root');
    expect(p.hint).toContain('enable_script_security');
    expect(p.hint).toContain('script_user');
  });

  it('says when the script is also unsafe', () => {
    // ka: exit 6, "... There are insecure scripts."
    const r = check(instance('  notify_master /etc/keepalived/world.sh\n'));
    expect(r.exitCode).toBe(6);
    expect(r.problems.find((p) => p.code === 'script-security')!.message).toContain('writable by everyone');
  });

  it.each([
    { what: 'a script that is not executable', extra: '  notify_master /etc/keepalived/noexec.sh\n', ka: 6 },
    { what: 'a directory', extra: '  notify_master /etc/keepalived\n', ka: 6 },
    { what: 'a command found on $PATH', extra: '  notify_master true\n', ka: 6 },
    { what: 'a quoted command with arguments', extra: '  notify_master "/etc/keepalived/notify.sh arg1"\n', ka: 6 },
    { what: 'a script the root user is named for', extra: '  notify_master /etc/keepalived/notify.sh root\n', ka: 6 },
    { what: 'a missing script', extra: '  notify_master /etc/keepalived/missing.sh\n', ka: 0 },
    { what: 'a bare name not on $PATH', extra: '  notify_master missing.sh\n', ka: 0 },
    { what: 'a file-open test "</path"', extra: '  notify_master "</etc/keepalived/notify.sh"\n', ka: 0 },
    { what: 'a script for a user that does not exist', extra: '  notify_master /etc/keepalived/notify.sh nosuchuser\n', ka: 0 },
  ])('$what: ka exit $ka', ({ extra, ka }) => {
    expect(check(instance(extra)).exitCode).toBe(ka);
  });

  it('counts every vrrp_script when there is an instance, used or not', () => {
    // ka: exit 6 for an unused vrrp_script with an existing script
    const unused = check(`vrrp_script chk {\n  script /etc/keepalived/notify.sh\n}\n${instance()}`);
    expect(unused.exitCode).toBe(6);
    expect(unused.mine).toEqual(['2:script-security:error']);
    // ka: exit 0 without any vrrp_instance
    expect(check('vrrp_script chk {\n  script /etc/keepalived/notify.sh\n}\n').exitCode).toBe(0);
  });

  it('reports a missing vrrp_script script (keepalived disables the vrrp_script)', () => {
    // ka: exit 5, "Disabling track script chk since not found/accessible"
    const r = check(`vrrp_script chk {\n  script /etc/keepalived/missing.sh\n}\n${instance()}`);
    expect(r.exitCode).toBe(5);
    expect(r.mine).toEqual(['2:script-not-found:error']);
  });

  it('skips VRRP scripts when keepalived stops at a missing interface', () => {
    // ka: exit 5 (interface eth9 missing), no security violation
    const r = check(instance('  notify_master /etc/keepalived/notify.sh\n', 'eth9'));
    expect(r.exitCode).toBe(5);
    expect(r.mine).toEqual([]);
  });

  it('always counts startup and shutdown scripts', () => {
    // ka: exit 6, "SECURITY VIOLATION - start/shutdown scripts are being executed ..."
    expect(check(globalDefs('  startup_script /etc/keepalived/notify.sh\n')).exitCode).toBe(6);
    // ka: exit 6 for a shutdown script that is not executable
    expect(check(globalDefs('  shutdown_script /etc/keepalived/noexec.sh\n')).exitCode).toBe(6);
    // ka: exit 0 for a missing one
    expect(check(globalDefs('  startup_script /etc/keepalived/missing.sh\n')).exitCode).toBe(0);
  });

  it('counts checker scripts only for virtual servers with real servers', () => {
    // ka: exit 6, "SECURITY VIOLATION - check scripts are being executed ..."
    const up = check(virtualServer('    notify_up /etc/keepalived/notify.sh\n'));
    expect(up.exitCode).toBe(6);
    expect(up.mine).toEqual(['8:script-security:error']);
    const misc = check(virtualServer('    MISC_CHECK {\n      misc_path /etc/keepalived/notify.sh\n    }\n'));
    expect(misc.exitCode).toBe(6);
    // ka: exit 5 only for "Virtual server ... has no real servers": its quorum_up does not count
    expect(check(virtualServer('', '  quorum_up /etc/keepalived/notify.sh\n', false)).mine).toEqual([]);
    // ka: exit 0 for a missing misc_path script
    expect(check(virtualServer('    MISC_CHECK {\n      misc_path /etc/keepalived/missing.sh\n    }\n')).exitCode).toBe(0);
  });

  it('counts fifo scripts with the process that uses them', () => {
    // ka: exit 6: notify_fifo_script with a vrrp_instance (even without notify_fifo)
    expect(check(globalDefs('  notify_fifo_script /etc/keepalived/notify.sh\n') + instance()).exitCode).toBe(6);
    // ka: exit 0: notify_fifo_script with neither instances nor virtual servers
    expect(check(globalDefs('  notify_fifo /tmp/fifo\n  notify_fifo_script /etc/keepalived/notify.sh\n')).exitCode).toBe(0);
    // ka: exit 0: lvs_notify_fifo_script with only a vrrp_instance
    expect(check(globalDefs('  lvs_notify_fifo /tmp/fifo\n  lvs_notify_fifo_script /etc/keepalived/notify.sh\n') + instance()).exitCode).toBe(0);
  });
});

describe('with enable_script_security', () => {
  it('accepts safe scripts run as root (script_user root)', () => {
    // ka: exit 0
    const r = check(globalDefs(ESS_ROOT) + instance('  notify_master /etc/keepalived/notify.sh\n'));
    expect(r.exitCode).toBe(0);
    expect(r.mine).toEqual([]);
  });

  it.each([
    ['a world-writable script', '/etc/keepalived/world.sh'],
    ['a script writable by a non-root group', '/etc/keepalived/group.sh'],
    ['a script owned by another user', '/etc/keepalived/user.sh'],
    ['a script in a world-writable directory', '/opt/open/in-open.sh'],
  ])('drops %s silently (ka: exit 0); we add a note', (_what, path) => {
    const r = check(globalDefs(ESS_ROOT) + instance(`  notify_master ${path}\n`));
    expect(r.exitCode).toBe(0);
    expect(r.mine).toEqual(['13:script-insecure:note']);
  });

  it('accepts a script in a sticky world-writable directory such as /tmp', () => {
    // ka: exit 0, no complaint
    const r = check(globalDefs(ESS_ROOT) + instance('  notify_master /tmp/in-sticky.sh\n'));
    expect(r.mine).toEqual([]);
  });

  it('reports an unsafe vrrp_script, which keepalived disables with an error', () => {
    // ka: exit 5, "Disabling track script chk due to insecure"
    const r = check(globalDefs(ESS_ROOT) + `vrrp_script chk {\n  script /etc/keepalived/world.sh\n}\n` + instance('  track_script {\n    chk\n  }\n'));
    expect(r.exitCode).toBe(5);
    expect(r.mine).toEqual(['6:script-insecure:error']);
  });

  it('fails every script without a user when keepalived_script does not exist and no script_user is set', () => {
    // ka: exit 5, "(Line 12) Unable to set default user keepalived_script for script"
    const r = check(globalDefs('  enable_script_security\n') + instance('  notify_master /etc/keepalived/notify.sh\n'));
    expect(r.exitCode).toBe(5);
    expect(r.mine).toEqual(['12:no-script-user:error', '12:script-dropped:note']);
    expect(r.problems.find((p) => p.code === 'no-script-user')!.hint).toContain('script_user');
  });

  it('reports the failure once, at the first script keepalived reads (global_defs first)', () => {
    // ka: exit 5, "(Line 3) Unable to set default user ...", "(Line 3) Invalid startup script"; nothing for line 13
    const r = check(globalDefs('  enable_script_security\n  startup_script /etc/keepalived/notify.sh\n') + instance('  notify_master /etc/keepalived/notify.sh\n'));
    expect(r.exitCode).toBe(5);
    expect(r.mine).toEqual(['3:no-script-user:error', '3:script-dropped:error', '13:script-dropped:note']);
  });

  it('uses root when a script or fifo settled the default user before enable_script_security', () => {
    // ka: exit 0 for notify_fifo before enable_script_security
    const r = check(globalDefs('  notify_fifo /tmp/fifo\n  enable_script_security\n') + instance());
    expect(r.exitCode).toBe(0);
    expect(r.mine).toEqual([]);
  });

  it('accepts a script that names root itself', () => {
    // ka: exit 0 for "notify_master /path root" with enable_script_security and no script_user
    expect(check(globalDefs('  enable_script_security\n') + instance('  notify_master /etc/keepalived/notify.sh root\n')).exitCode).toBe(0);
  });
});

describe('script users', () => {
  it('drops scripts without a user when script_user does not exist', () => {
    // ka: exit 5, "(Line 2) Error setting global script uid/gid" (and no exit 6)
    const r = check(globalDefs('  script_user nosuchuser\n') + instance('  notify_master /etc/keepalived/notify.sh\n'));
    expect(r.exitCode).toBe(5);
    expect(r.mine).toEqual(['2:script-user-unknown:error', '12:script-dropped:note']);
  });

  it('reports script_user after keepalived already failed to find a default user', () => {
    // ka: "(Line 3) Unable to set default user keepalived_script for script", "(Line 4) Error setting global script uid/gid"
    const r = check(globalDefs('  enable_script_security\n  notify_fifo /tmp/fifo\n  script_user root\n'));
    expect(r.mine).toEqual(['3:no-script-user:error', '4:script-user-too-late:error']);
  });

  it('reports a startup script whose user does not exist', () => {
    // ka: exit 5, "(Line 2) Invalid startup script"
    const r = check(globalDefs('  startup_script /etc/keepalived/notify.sh nosuchuser\n'));
    expect(r.exitCode).toBe(5);
    expect(r.mine).toEqual(['2:script-user-unknown:error']);
  });

  it('notes that keepalived -t kills itself on scripts run by other users', () => {
    // ka: keepalived -t is killed by SIGTERM (exit 143) for a script run as nobody
    const r = check(instance('  notify_master /etc/keepalived/notify.sh nobody\n'));
    expect(r.mine).toContain('9:config-test-killed:note');
  });

  it('uses keepalived_script when it exists', () => {
    const r = check(instance('  notify_master /etc/keepalived/notify.sh\n'), host({ keepalived_script: { uid: 990, gid: 990 } }));
    expect(r.problems.find((p) => p.code === 'script-security')!.message).toContain('as keepalived_script');
  });
});

describe('script lines', () => {
  it('reports an unterminated quote where keepalived does', () => {
    // ka: exit 5, "(Line 9) String '...': missing terminating '" - and the script is dropped (no 6)
    const r = check(instance("  notify_master /etc/keepalived/notify.sh 'abc\n"));
    expect(r.exitCode).toBe(5);
    expect(r.mine).toEqual(['9:unterminated-quote:error']);
  });

  it('splits words like keepalived: quotes, escapes, user and group', () => {
    expect(splitQuotedEscaped(`"/bin/a b" 'c d' e\\ f \\x41\\101\\t`)).toEqual({ ok: true, words: ['/bin/a b', 'c d', 'e f', 'AA\t'] });
    expect(parseScriptLine('"/etc/x.sh arg" nobody daemon', true)).toEqual({ ok: true, line: { args: ['/etc/x.sh', 'arg'], user: 'nobody', group: 'daemon' } });
    expect(parseScriptLine('/etc/x.sh arg', false)).toEqual({ ok: true, line: { args: ['/etc/x.sh'] } });
    expect(splitQuotedEscaped(`/bin/a 'b`)).toEqual({ ok: false, reason: 'unterminated-quote', quote: "'" });
  });
});
