// Compare our config test (`keepalived-ts -t --json`) with real keepalived's
// (`keepalived -t`) on the same file, in the same namespace.
//
// Agreement means: (a) the same exit code, and (b) every line keepalived names
// (`(FILE: Line N)` / `(Line N)`) is named by at least one of our problems, in
// the same file. We may name more lines than keepalived; messages keepalived
// prints without a line number are shown but not required.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  formatKeepalivedMessage,
  keepalivedConfigTest,
  keepalivedVersion,
  sameConfigFile,
  type KeepalivedMessage,
  type KeepalivedResult,
} from './keepalived.js';
import { describeOutcome, netnsUnavailableReason, type Netns, type RunResult } from './netns.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUR_BIN = resolve(REPO_ROOT, 'bin', 'keepalived-ts.js');

export interface OurProblem {
  severity: 'error' | 'warning' | 'note';
  code: string;
  message: string;
  loc?: { file: string; line: number; col?: number; endCol?: number };
  hint?: string;
}

export interface OurResult {
  exitCode: number | null;
  problems: OurProblem[];
  run: RunResult;
  /** Set when stdout was not the JSON document the CLI promises. */
  jsonError?: string;
}

/** `node bin/keepalived-ts.js -t -f FILE --json ARGS...` inside `ns`. */
export function oursConfigTest(ns: Netns, file: string, args: readonly string[] = [], cwd = REPO_ROOT): OurResult {
  const run = ns.run([process.execPath, OUR_BIN, '-t', '-f', file, '--json', ...args], { cwd, timeoutMs: 120_000 });
  const result: OurResult = { exitCode: run.exitCode, problems: [], run };
  try {
    const doc = JSON.parse(run.stdout) as { exitCode?: unknown; problems?: unknown };
    if (!Array.isArray(doc.problems)) throw new Error('no "problems" array');
    result.problems = doc.problems as OurProblem[];
    if (doc.exitCode !== run.exitCode) {
      result.jsonError = `"exitCode" in the JSON (${String(doc.exitCode)}) differs from the process exit code (${run.exitCode})`;
    }
  } catch (e) {
    result.jsonError = `stdout is not the --json document: ${(e as Error).message}`;
  }
  return result;
}

export interface Comparison {
  agree: boolean;
  exitAgrees: boolean;
  /** keepalived messages whose line none of our problems names (same file). */
  missedLines: KeepalivedMessage[];
  keepalived: KeepalivedResult;
  ours: OurResult;
  /** Human-readable, side by side; empty when everything agrees. */
  report: string;
}

export interface CompareOptions {
  /** Flags given to both (e.g. ['-i', 'high'], ['-e']). */
  args?: readonly string[];
  cwd?: string;
}

/** Is keepalived's located message `m` covered by one of our problems? */
export function coveredBy(m: KeepalivedMessage, problems: readonly OurProblem[], cwd: string): boolean {
  if (m.line === undefined) return true;
  return problems.some((p) => {
    if (!p.loc || p.loc.line !== m.line) return false;
    // `(Line N)` without a file (the parent's pass): any file will do.
    if (m.file === undefined) return true;
    return sameConfigFile(m.file, p.loc.file, cwd);
  });
}

function formatOurs(p: OurProblem, cwd: string): string {
  const where = p.loc
    ? `${shortPath(p.loc.file, cwd)}:${p.loc.line}${p.loc.col !== undefined ? `:${p.loc.col}` : ''}: `
    : '';
  return `${where}${p.severity} [${p.code}] ${p.message}${p.hint ? ` (hint: ${p.hint})` : ''}`;
}

function shortPath(file: string, cwd: string): string {
  const abs = resolve(cwd, file);
  return abs.startsWith(`${REPO_ROOT}/`) ? abs.slice(REPO_ROOT.length + 1) : file;
}

function numberedSource(file: string, lines: ReadonlySet<number>): string[] {
  try {
    const text = readFileSync(file, 'utf8').split('\n');
    return [...lines]
      .sort((a, b) => a - b)
      .filter((n) => n >= 1 && n <= text.length)
      .map((n) => `    ${String(n).padStart(4)} | ${text[n - 1]}`);
  } catch {
    return [];
  }
}

/** Run both on `file` in `ns` and compare. */
export function compareWithKeepalived(ns: Netns, file: string, options: CompareOptions = {}): Comparison {
  const cwd = options.cwd ?? REPO_ROOT;
  const args = options.args ?? [];
  const keepalived = keepalivedConfigTest(ns, file, { args, cwd });
  const ours = oursConfigTest(ns, file, args, cwd);
  const exitAgrees = keepalived.exitCode === ours.exitCode && ours.jsonError === undefined;
  const missedLines = keepalived.messages.filter((m) => !coveredBy(m, ours.problems, cwd));
  const agree = exitAgrees && missedLines.length === 0;
  const comparison: Comparison = { agree, exitAgrees, missedLines, keepalived, ours, report: '' };
  if (!agree) comparison.report = renderReport(file, args, comparison, cwd);
  return comparison;
}

function renderReport(file: string, args: readonly string[], c: Comparison, cwd: string): string {
  const out: string[] = [];
  const flags = args.length ? ` (flags: ${args.join(' ')})` : '';
  out.push(`keepalived-ts disagrees with keepalived on ${shortPath(file, cwd)}${flags}`);
  out.push(`  exit code: keepalived ${c.keepalived.exitCode}, keepalived-ts ${c.ours.exitCode}${c.exitAgrees ? '' : '   <-- differs'}`);
  if (c.ours.jsonError) {
    out.push(`  keepalived-ts output problem: ${c.ours.jsonError}`);
    out.push(`  command: ${c.ours.run.argv.join(' ')} (${describeOutcome(c.ours.run)})`);
    if (c.ours.run.stdout.trim()) out.push(`  stdout: ${c.ours.run.stdout.trim().slice(0, 2000)}`);
  }
  if (c.missedLines.length) {
    out.push('  lines keepalived names that keepalived-ts does not:');
    for (const m of c.missedLines) out.push(`    ${formatKeepalivedMessage(m)}`);
  }

  // Side by side, grouped by line number (then the messages without a line).
  const byLine = new Map<number | 'none', { ka: string[]; ours: string[] }>();
  const slot = (k: number | 'none') => {
    let s = byLine.get(k);
    if (!s) byLine.set(k, (s = { ka: [], ours: [] }));
    return s;
  };
  for (const m of c.keepalived.messages) {
    const inMain = m.file === undefined || sameConfigFile(m.file, file, cwd);
    slot(m.line ?? 'none').ka.push(inMain ? m.text : `(${m.file}) ${m.text}`);
  }
  for (const p of c.ours.problems) slot(p.loc?.line ?? 'none').ours.push(formatOurs(p, cwd));
  const keys = [...byLine.keys()].sort((a, b) => (a === 'none' ? 1 : b === 'none' ? -1 : a - b));
  out.push('  side by side (by line):');
  if (keys.length === 0) out.push('    (neither reports anything)');
  for (const k of keys) {
    const s = byLine.get(k)!;
    out.push(`    line ${k === 'none' ? '-' : k}:`);
    for (const t of s.ka) out.push(`      keepalived:    ${t}`);
    if (s.ka.length === 0) out.push('      keepalived:    (nothing)');
    for (const t of s.ours) out.push(`      keepalived-ts: ${t}`);
    if (s.ours.length === 0) out.push('      keepalived-ts: (nothing)');
  }
  const lines = new Set(c.missedLines.map((m) => m.line!).filter((n) => n !== undefined));
  const src = numberedSource(file, lines);
  if (src.length) {
    out.push(`  source (${shortPath(file, cwd)}; lines in included files are not shown):`);
    out.push(...src);
  }
  if (c.ours.run.stderr.trim()) {
    out.push('  keepalived-ts stderr:');
    out.push(...c.ours.run.stderr.trim().split('\n').map((l) => `    ${l}`));
  }
  return out.join('\n');
}

/** Flags encoded in a fixture's first line, `# args: -i high`. */
export function fixtureArgs(file: string): string[] {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^\s*[#!]\s*args:\s*(.*)$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}

/**
 * Why the oracle tests cannot run here (no root / no `ip netns` / no
 * keepalived), or undefined; the caller fails with it (test/helpers/gate.ts).
 */
export function oracleUnavailableReason(): string | undefined {
  const ns = netnsUnavailableReason();
  if (ns) return ns;
  if (!keepalivedVersion()) return 'keepalived is not installed (apt-get install keepalived)';
  return undefined;
}

