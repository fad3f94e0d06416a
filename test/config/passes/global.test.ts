// Passes of the global part that look at the host. "ka:" gives what real
// keepalived 2.2.7 -t did with the same setting and the same filesystem.
import { describe, expect, it } from 'vitest';
import type { FileInfo } from '../../../src/config/host.js';
import { namespaceStopsConfigTest } from '../../../src/config/passes/global.js';
import { fakeHost, problemLines, readText } from '../../helpers/config.js';

const DIR: Partial<FileInfo> = { isFile: false, isDirectory: true, mode: 0o40755 };

describe('net_namespace', () => {
  it('notes that keepalived -t checks nothing more when the namespace does not exist', () => {
    // ka: exit 0 for "net_namespace foo" (no /run/netns/foo) even with an unknown keyword after it
    const { config, problems } = readText('net_namespace foo\n');
    expect(namespaceStopsConfigTest(config, fakeHost())).toBe(true);
    expect(problemLines(problems)).toEqual(['1:namespace-missing']);
    expect(problems[0].severity).toBe('note');
  });

  it('checks no script then', () => {
    // ka: exit 0 for "net_namespace foo" with a startup_script (which is 6 without the namespace line)
    const host = fakeHost({ files: { '/': { isFile: false, isDirectory: true, mode: 0o40755 }, '/bin': { isFile: false, isDirectory: true, mode: 0o40755 }, '/bin/true': { mode: 0o100755 } } });
    expect(readText('global_defs {\n  startup_script /bin/true\n}\n', host).exitCode).toBe(6);
    const { problems } = readText('net_namespace foo\nglobal_defs {\n  startup_script /bin/true\n}\n', host);
    expect(problemLines(problems)).toEqual(['1:namespace-missing']);
  });

  it('says nothing when the namespace exists', () => {
    const host = fakeHost({ files: { '/run/netns/blue': { mode: 0o100444 } } });
    const { config, problems } = readText('net_namespace blue\n', host);
    expect(namespaceStopsConfigTest(config, host)).toBe(false);
    expect(problems).toEqual([]);
  });
});

describe('config_save_dir', () => {
  const host = fakeHost({ files: { '/': DIR, '/var': DIR, '/var/lib': DIR, '/etc': DIR, '/etc/passwd': { mode: 0o100644 } } });

  it.each([
    // ka: exit 0 for an existing directory, and for a new one under an existing directory (keepalived creates it)
    ['/var/lib', []],
    ['/var/lib/keepalived', []],
    // ka: exit 5, "config_save_dir /etc/passwd exists and is not a directory"
    ['/etc/passwd', ['2:not-a-directory']],
    // ka: exit 5, "Unable to create config_save_dir /nonexistent/dir (error 2 - No such file or directory)"
    ['/nonexistent/dir', ['2:directory-missing']],
  ])('%s', (dir, lines) => {
    expect(problemLines(readText(`global_defs {\n  config_save_dir ${dir}\n}\n`, host).problems)).toEqual(lines);
  });
});

describe('disable_local_igmp', () => {
  it('needs the kernel setting', () => {
    const without = readText('global_defs {\n  disable_local_igmp\n}\n', fakeHost());
    expect(problemLines(without.problems)).toEqual(['2:unsupported']);
    // ka: exit 0 on a kernel that has the setting
    const withIt = readText('global_defs {\n  disable_local_igmp\n}\n', fakeHost({ files: { '/proc/sys/net/ipv4/igmp_link_local_mcast_reports': { mode: 0o100644 } } }));
    expect(withIt.problems).toEqual([]);
  });
});
