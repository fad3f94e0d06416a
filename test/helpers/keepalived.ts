// Run real keepalived's config test (`keepalived -t`) inside a namespace and
// parse what it says, so tests can use it as an oracle.

import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { runCommand, type Netns, type RunResult } from './netns.js';

export const KEEPALIVED_BIN = process.env.KEEPALIVED_BIN ?? 'keepalived';

export interface KeepalivedMessage {
  /**
   * The file name exactly as keepalived printed it (`(FILE: Line N) text`): the
   * -f argument for the main file, and for an included file the name as written
   * in the include line, relative to the including file's directory (keepalived
   * changes directory while reading an include). Use resolveKeepalivedFile /
   * sameConfigFile to compare it with a path.
   */
  file?: string;
  /** Present when keepalived named a line (`(FILE: Line N)` or `(Line N)`). */
  line?: number;
  text: string;
}

export interface KeepalivedResult {
  exitCode: number | null;
  /** Deduplicated, in order of first appearance. */
  messages: KeepalivedMessage[];
  run: RunResult;
}

export interface ConfigTestOptions {
  /** Extra flags, e.g. ['-i', 'high'] or ['-e']. */
  args?: readonly string[];
  /** Working directory for keepalived (relative file names are resolved against it). */
  cwd?: string;
  timeoutMs?: number;
}

/** keepalived's version line, or undefined when it is not installed. */
export function keepalivedVersion(): string | undefined {
  const r = runCommand([KEEPALIVED_BIN, '--version'], { timeoutMs: 10_000 });
  if (r.exitCode !== 0 && r.exitCode !== 1) return undefined;
  const line = (r.stderr + r.stdout).split('\n').find((l) => /^Keepalived v/.test(l));
  return line?.trim();
}

const WITH_FILE = /^\((.+): Line (\d+)\)\s*(.*)$/;
const WITHOUT_FILE = /^\(Line (\d+)\)\s*(.*)$/;

/**
 * Parse keepalived's `-t` output. Prefixes are `(FILE: Line N) text` and
 * `(Line N) text`; other lines have no location (note that `(VI_1) text` is
 * not a location prefix). Each subsystem parses the config itself, so the same
 * message can appear several times: duplicates (same file, line and text) are
 * dropped, and so is a `(Line N) text` whose text also appears with a file.
 */
export function parseKeepalivedOutput(output: string): KeepalivedMessage[] {
  const seen = new Set<string>();
  const messages: KeepalivedMessage[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    let msg: KeepalivedMessage;
    let m = WITH_FILE.exec(line);
    if (m) {
      msg = { file: m[1], line: Number(m[2]), text: m[3].trim() };
    } else if ((m = WITHOUT_FILE.exec(line))) {
      msg = { line: Number(m[1]), text: m[2].trim() };
    } else {
      msg = { text: line };
    }
    const key = `${msg.file ?? ''}\0${msg.line ?? ''}\0${msg.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    messages.push(msg);
  }
  // The parent's pass prints `(Line N) text` where the children print
  // `(FILE: Line N) text`: keep only the named copy.
  const named = new Set(messages.filter((m) => m.file !== undefined).map((m) => `${m.line}\0${m.text}`));
  return messages.filter((m) => m.file !== undefined || m.line === undefined || !named.has(`${m.line}\0${m.text}`));
}

/** Render a message as keepalived would, with the file shortened when it equals `mainFile`. */
export function formatKeepalivedMessage(m: KeepalivedMessage): string {
  if (m.line === undefined) return m.text;
  return m.file ? `(${m.file}: Line ${m.line}) ${m.text}` : `(Line ${m.line}) ${m.text}`;
}

/**
 * `keepalived -t -f FILE -l` with private pid files, inside `ns` (or on the
 * host when ns is undefined, which only makes sense for configs that name no
 * interface).
 */
export function keepalivedConfigTest(ns: Netns | undefined, file: string, options: ConfigTestOptions = {}): KeepalivedResult {
  const cwd = options.cwd ?? process.cwd();
  const dir = mkdtempSync(join(tmpdir(), 'kts-ka-'));
  try {
    // keepalived 2.2.7 -t can crash (SIGSEGV, e.g. HTTP_GET without url): no core files.
    const argv = [
      'sh',
      '-c',
      'ulimit -c 0; exec "$@"',
      'sh',
      KEEPALIVED_BIN,
      '-t',
      '-f',
      file,
      '-l',
      '-p',
      join(dir, 'keepalived.pid'),
      '-r',
      join(dir, 'vrrp.pid'),
      '-c',
      join(dir, 'checkers.pid'),
      '-b',
      join(dir, 'bfd.pid'),
      ...(options.args ?? []),
    ];
    const runOptions = { cwd, timeoutMs: options.timeoutMs ?? 60_000 };
    const run = ns ? ns.run(argv, runOptions) : runCommand(argv, runOptions);
    // -t writes its messages to stderr; -l may echo to stdout: read both.
    const messages = parseKeepalivedOutput(`${run.stderr}\n${run.stdout}`);
    return { exitCode: run.exitCode, messages, run };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function canonical(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/**
 * Does the file keepalived printed (`kaFile`) denote `path`? An absolute name
 * must be the same file; a relative one is either relative to `cwd` (the -f
 * argument) or to the directory of some including file, which we do not know:
 * so it matches when `path` ends with it (after normalisation).
 */
export function sameConfigFile(kaFile: string, path: string, cwd = process.cwd()): boolean {
  const target = canonical(resolve(cwd, path));
  if (isAbsolute(kaFile)) return canonical(kaFile) === target;
  if (canonical(resolve(cwd, kaFile)) === target) return true;
  const rel = normalize(kaFile);
  if (rel.startsWith('..')) return false;
  return target.endsWith(sep + rel) || resolve(cwd, path).endsWith(sep + rel);
}
