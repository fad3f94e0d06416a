// The checks keepalived makes on the -f file before reading it
// (check_conf_file). The -f argument is a glob too. Measured with 2.2.7 -t:
// a missing file gives exit 0 (4 with -e) and nothing else is checked;
// an unreadable one exit 4; a directory exit 0 (4 with -e); several matches
// are all read, with a warning (exit 5).
import type { Problems } from '../problems.js';
import { glob, hasBrace } from './glob.js';
import { CHECK_BRACE, CHECK_MATCH, CHECK_READ, CHECK_WILDCARD } from './include.js';
import type { EngineFs } from './reader.js';

/** The files to read, or undefined when keepalived would stop here. */
export function checkMainFile(file: string, check: number, fs: EngineFs, problems: Problems): string[] | undefined {
  const exit = (bit: number) => ({ exit: check & bit ? 4 : 0 }) as const;
  const g = glob(file, '', fs);
  if (g.matches.length === 0) {
    if (g.missingFiles || g.missingDirs) {
      const bit = hasBrace(file) ? CHECK_BRACE : CHECK_MATCH;
      problems.warning('config-file-missing', undefined, `configuration file '${file}' not found`, {
        ...exit(bit),
        hint: 'keepalived -t still exits 0 here (4 with -e), but the daemon would not start',
      });
    } else if (g.haveWildcards && check & CHECK_WILDCARD) {
      problems.warning('config-file-missing', undefined, `no configuration file matches '${file}'`, exit(CHECK_WILDCARD));
    }
    return undefined;
  }
  if (g.missingFiles || g.missingDirs) {
    problems.warning('config-file-missing', undefined, `some of the configuration files named by '${file}' do not exist`, exit(CHECK_BRACE));
    if (check & CHECK_BRACE) return undefined;
  }
  let ok = true;
  for (const m of g.matches) {
    if (m.endsWith('/')) {
      problems.warning('config-file-directory', undefined, `configuration file '${m}' is a directory`, exit(CHECK_READ));
      ok = false;
    } else if (fs.isRegularNonExecutable(m) === false) {
      problems.warning('config-file-not-regular', undefined, `configuration file '${m}' is not a regular, non-executable file: keepalived skips it`, { ...exit(CHECK_READ), hint: 'config files must not be executable (chmod a-x)' });
      ok = false;
    } else if (fs.readFile(m) === undefined) {
      problems.error('config-file-unreadable', undefined, `configuration file '${m}' cannot be read`, { exit: 4 });
      return undefined;
    }
  }
  if (!ok) return undefined;
  if (g.matches.length > 1) {
    problems.warning('config-file-multiple', undefined, `${g.matches.length} files match '${file}': keepalived reads them all, one after the other, starting with '${g.matches[0]}'`);
  }
  return g.matches;
}
