// keepalived -t: read and validate the config, print every problem once with
// its location, exit as keepalived 2.2.7 would (0, 4, 5 or 6).
import fs from 'node:fs';
import os from 'node:os';
import type { HostInfo } from '../config/host.js';
import { readConfig } from '../config/index.js';
import type { KeepalivedConfig } from '../config/model/index.js';
import type { ExitCode, Problem } from '../config/problems.js';
import { orderProblems, renderProblem, summarize, type SourceLookup } from '../config/render.js';
import type { CliOptions } from './args.js';

export interface ConfigTestIo {
  stdout(text: string): void;
  /** Where the human-readable report goes (stderr, or the -t=LOGFILE file). */
  report(text: string): void;
  host: HostInfo;
  color: boolean;
}

/** keepalived's default config-id: the host name up to its first dot. */
export function defaultConfigId(): string {
  return os.hostname().split('.')[0];
}

export function runConfigTest(options: CliOptions, io: ConfigTestIo): ExitCode {
  const result = readConfig(options.configFile, {
    configId: options.configId ?? defaultConfigId(),
    allConfig: options.allConfig,
    host: io.host,
  });
  const problems = orderProblems(result.problems);
  if (options.dumpConf) io.stdout(dumpConfig(result.config) + '\n');
  if (options.json) {
    io.stdout(JSON.stringify({ exitCode: result.exitCode, problems: problems.map(problemJson) }, null, 2) + '\n');
  } else if (problems.length > 0) {
    const source = sourceLookup();
    const text = problems.map((p) => renderProblem(p, source, { mainFile: options.configFile, color: io.color })).join('\n\n');
    io.report(`${text}\n\n${summarize(problems, result.exitCode)}\n`);
  }
  return result.exitCode;
}

function problemJson(p: Problem): Record<string, unknown> {
  const out: Record<string, unknown> = { severity: p.severity, code: p.code, message: p.message };
  if (p.loc) out.loc = p.loc;
  if (p.hint) out.hint = p.hint;
  return out;
}

/** The normalized model as JSON, without locations, so two configs can be diffed. */
export function dumpConfig(config: KeepalivedConfig): string {
  return JSON.stringify(config, (key, value) => (key === 'loc' || key === 'locs' ? undefined : value), 2);
}

/** Reads each file once, only when a problem in it is shown. */
function sourceLookup(): SourceLookup {
  const cache = new Map<string, string[] | undefined>();
  return (file, line) => {
    if (!cache.has(file)) {
      try {
        cache.set(file, fs.readFileSync(file, 'utf8').split('\n'));
      } catch {
        cache.set(file, undefined);
      }
    }
    return cache.get(file)?.[line - 1];
  };
}
