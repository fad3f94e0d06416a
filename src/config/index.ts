// Reading a config: preprocess, then read.ts (tree, keyword tables, passes).
// Every step adds to one problem list; nothing throws for a bad config.
import type { HostInfo } from './host.js';
import { noteUnterminatedLastLines } from './last-line.js';
import { nodeConfigFs, preprocessLines, type ConfigFs } from './preprocess.js';
import { Problems } from './problems.js';
import { readConfigLines, type ConfigResult } from './read.js';

export type { ConfigResult } from './read.js';

export interface ReadConfigOptions {
  /** For @ID lines (keepalived -i). */
  configId: string;
  /** keepalived -e: missing include files are fatal. */
  allConfig?: boolean;
  host: HostInfo;
  fs?: ConfigFs;
}

export function readConfig(file: string, options: ReadConfigOptions): ConfigResult {
  const problems = new Problems();
  const preprocessorProblems = new Problems();
  const lines = preprocessLines(file, { configId: options.configId, allConfig: options.allConfig ?? false, ...(options.fs ? { fs: options.fs } : {}) }, preprocessorProblems);
  const result = readConfigLines(file, lines, options.host, problems, preprocessorProblems);
  noteUnterminatedLastLines(problems, options.fs ?? nodeConfigFs);
  return { ...result, problems: problems.list };
}
