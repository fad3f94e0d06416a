// The steps after preprocessing: lex and build the block tree, read the
// keyword tables into the model, run the validation passes.
import type { HostInfo } from './host.js';
import { createConfig, type KeepalivedConfig } from './model/index.js';
import { allPasses } from './passes/index.js';
import { exitCodeOf, Problems, type ExitCode, type Problem } from './problems.js';
import { keywordHomes, topLevel } from './schema/index.js';
import { readBlock } from './schema/reader.js';
import type { ReadContext } from './schema/types.js';
import type { SourceLine } from './source.js';
import { buildTree } from './tree.js';

export interface ConfigResult {
  config: KeepalivedConfig;
  problems: Problem[];
  /** keepalived -t's exit code for these problems. */
  exitCode: ExitCode;
}

/** `problems` may already hold the preprocessor's. */
export function readConfigLines(file: string, lines: readonly SourceLine[], host: HostInfo, problems = new Problems()): ConfigResult {
  const tree = buildTree(lines, problems);
  const config = createConfig(file);
  const ctx: ReadContext = { problems, scripts: [], keywordHomes };
  readBlock(topLevel, tree, config, ctx);
  for (const pass of allPasses) pass(config, { problems, host, scripts: ctx.scripts });
  return { config, problems: problems.list, exitCode: exitCodeOf(problems.list) };
}
