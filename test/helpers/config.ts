// Reads a config given as text, without files or the preprocessor, against a
// fake host, for unit tests of the keyword tables and passes.
import { readConfigLines, type ConfigResult } from '../../src/config/read.js';
import type { FileInfo, HostInfo } from '../../src/config/host.js';
import type { Problem } from '../../src/config/problems.js';
import type { SourceLine } from '../../src/config/source.js';

export const TEST_FILE = 'test.conf';

export function linesOf(text: string, file = TEST_FILE): SourceLine[] {
  return text.split('\n').map((t, i) => ({ text: t, file, line: i + 1, col: 1, expanded: false }));
}

export interface FakeHostOptions {
  interfaces?: string[] | undefined;
  files?: Record<string, Partial<FileInfo>>;
  users?: Record<string, { uid: number; gid: number }>;
}

/** A host with eth0..eth3 and eth0.1 (the oracle namespace's interfaces) unless told otherwise. */
export function fakeHost(options: FakeHostOptions = {}): HostInfo {
  const interfaces = 'interfaces' in options ? options.interfaces : ['lo', 'eth0', 'eth1', 'eth2', 'eth3', 'eth0.1'];
  const files = options.files ?? {};
  const users = options.users ?? { root: { uid: 0, gid: 0 } };
  const info = (path: string): FileInfo | undefined => {
    const f = files[path];
    if (!f) return undefined;
    return { uid: 0, gid: 0, mode: 0o100755, isFile: true, isDirectory: false, ...f };
  };
  return {
    ...(interfaces ? { interfaces: new Set(interfaces) } : {}),
    fileInfo: info,
    linkInfo: (p) => {
      const i = info(p);
      return i ? { ...i, isSymlink: false } : undefined;
    },
    user: (name) => users[name],
    group: (name) => (name === 'root' ? 0 : undefined),
    path: ['/usr/sbin', '/usr/bin', '/sbin', '/bin'],
  };
}

export function readText(text: string, host: HostInfo = fakeHost()): ConfigResult {
  return readConfigLines(TEST_FILE, linesOf(text), host);
}

/** "LINE:code" for each problem, to assert on compactly. */
export function problemLines(problems: readonly Problem[]): string[] {
  return problems.map((p) => `${p.loc?.line ?? '-'}:${p.code}`);
}

/**
 * What keepalived shows for a config, in our terms: the exit code, the
 * problems it reports too (our notes left out), and the distinct lines they
 * name, sorted.
 */
export function verdictOf(text: string, host: HostInfo = fakeHost()) {
  const { problems, exitCode, config } = readText(text, host);
  const named = problems.filter((p) => p.severity !== 'note');
  const lines = [...new Set(named.filter((p) => p.loc).map((p) => p.loc!.line))].sort((a, b) => a - b);
  return { exit: exitCode, named, lines, config };
}
