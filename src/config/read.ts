// The steps after preprocessing: lex and build the block tree, read the
// keyword tables into the model, run the validation passes.
import type { HostInfo } from './host.js';
import { createConfig, type KeepalivedConfig } from './model/index.js';
import { allPasses } from './passes/index.js';
import { namespaceStopsConfigTest } from './passes/global.js';
import { exitCodeOf, Problems, type ExitCode, type Problem } from './problems.js';
import { globalTopLevel } from './schema/global.js';
import { blockSpecs, keywordHomes, topLevel } from './schema/index.js';
import { withProcessSkipping } from './schema/parts.js';
import { readTopLevel } from './schema/reader.js';
import type { BlockSpec, KeywordHandler, ReadContext } from './schema/types.js';
import { arrayLineSource, type LineSource, type SourceLine } from './source.js';
import { topLevelStatements } from './tree.js';

export interface ConfigResult {
  config: KeepalivedConfig;
  problems: Problem[];
  /** keepalived -t's exit code for these problems. */
  exitCode: ExitCode;
}

/**
 * `lines` may be a stream (the preprocessor's): each line is taken
 * once and not kept, so a large config's lines die young. The preprocessor
 * reports into its own collector while the lines are read; its problems come
 * first in the result, as it read every line before us.
 */
export function readConfigLines(file: string, lines: LineSource | readonly SourceLine[], host: HostInfo, problems = new Problems(), preprocessorProblems = new Problems()): ConfigResult {
  // The preprocessor's problems are the parent's too: it reads every file.
  const globalProblems = new Set<Problem>();
  const config = createConfig(file);
  const ctx: ReadContext = { problems, scripts: [], keywordHomes, blockSpecs };
  readTopLevel(noticingGlobalProblems(withProcessSkipping(topLevel), globalProblems), topLevelStatements(isLineSource(lines) ? lines : arrayLineSource(lines), problems), config, ctx);
  problems.list.unshift(...preprocessorProblems.list);
  for (const p of preprocessorProblems.list) globalProblems.add(p);
  for (const pass of allPasses) pass(config, { problems, host, scripts: ctx.scripts });
  if (namespaceStopsConfigTest(config, host)) keepOnlyGlobalVerdict(problems.list, globalProblems);
  return { config, problems: problems.list, exitCode: exitCodeOf(problems.list) };
}

/** The top-level spec, with the problems met while reading global keywords put in `found`. */
function noticingGlobalProblems<T>(spec: BlockSpec<T>, found: Set<Problem>): BlockSpec<T> {
  const keywords: Record<string, KeywordHandler<T>> = { ...spec.keywords };
  for (const k of Object.keys(globalTopLevel)) {
    const handler = keywords[k];
    keywords[k] = (stmt, target, ctx) => {
      const before = ctx.problems.list.length;
      handler(stmt, target, ctx);
      for (const p of ctx.problems.list.slice(before)) found.add(p);
    };
  }
  return { ...spec, keywords };
}

/**
 * keepalived -t cannot enter a net_namespace that does not exist: it then
 * checks global_defs only. The other problems are still worth showing, but
 * as notes, so the verdict stays keepalived's.
 */
function keepOnlyGlobalVerdict(problems: Problem[], globalProblems: ReadonlySet<Problem>): void {
  for (const p of problems) {
    if (globalProblems.has(p) || p.severity === 'note') continue;
    p.severity = 'note';
    p.exit = 0;
    p.message += ' (not checked by keepalived -t while the net_namespace is missing)';
  }
}

function isLineSource(lines: LineSource | readonly SourceLine[]): lines is LineSource {
  return !Array.isArray(lines);
}
