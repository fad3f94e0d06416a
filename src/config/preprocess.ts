// The preprocessor: what keepalived 2.2.7 does to the text of its config
// before the keyword parser sees it (include, @ID / @^ID lines, $NAME
// definitions, ~SEQ / ~LST loops), with every output line tied to its source.
// The details, each measured against the real binary, are in the modules
// under ./preprocess/; reader.ts explains which of keepalived's readings of
// the config we reproduce. Comments are left for the lexer, except on lines
// that needed work, which come out as keepalived sees them (no comments).
import { engineFs, nodeConfigFs, type ConfigFs } from './preprocess/config-fs.js';
import { CHECK_ALL } from './preprocess/include.js';
import { checkMainFile } from './preprocess/main-file.js';
import { Engine } from './preprocess/reader.js';
import type { Problems } from './problems.js';
import type { LineSource, SourceLine } from './source.js';

export { nodeConfigFs };
export type { ConfigFs, FileKind } from './preprocess/config-fs.js';

export interface PreprocessOptions {
  /** For @ID / @^ID lines (keepalived -i; default = host name up to the first dot, chosen by the caller). */
  configId: string;
  /** keepalived -e / --all-config: a missing include file is fatal. */
  allConfig: boolean;
  fs?: ConfigFs;
}

export function preprocess(file: string, options: PreprocessOptions, problems: Problems): SourceLine[] {
  const source = preprocessLines(file, options, problems);
  const lines: SourceLine[] = [];
  for (let line = source.nextLine(); line !== undefined; line = source.nextLine()) lines.push(line);
  return lines;
}

/**
 * The lines one at a time, as the preprocessor finds them: its problems are
 * added to `problems` as it goes.
 */
export function preprocessLines(file: string, options: PreprocessOptions, problems: Problems): LineSource {
  let engine: Engine | undefined;
  let ended = false;
  return {
    nextLine() {
      if (ended) return undefined;
      try {
        if (!engine) {
          const fs = engineFs(options.fs ?? nodeConfigFs);
          const includeCheck = options.allConfig ? CHECK_ALL : 0;
          const files = checkMainFile(file, includeCheck, fs, problems);
          if (!files) {
            ended = true;
            return undefined;
          }
          engine = new Engine(fs, { configId: options.configId, includeCheck, random: () => Math.floor(Math.random() * 0x80000000) }, problems).start(files);
        }
        const line = engine.nextLine();
        if (line === undefined) ended = true;
        return line;
      } catch (e) {
        // A bug of ours must not hide the rest of the config test.
        problems.error('internal-error', undefined, `keepalived-ts could not preprocess '${file}': ${(e as Error)?.message ?? String(e)}`, { exit: 0 });
        ended = true;
        return undefined;
      }
    },
  };
}
