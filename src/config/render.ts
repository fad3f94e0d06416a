// Turns problems into what a person reads: "FILE:LINE:COL: severity: text",
// the source line with a caret under the span, and the hint. Pure: the
// caller supplies the source lines.
import type { Problem } from './problems.js';

export type SourceLookup = (file: string, line: number) => string | undefined;

export interface RenderOptions {
  /** File named for problems that have no location (the main config file). */
  mainFile: string;
  color?: boolean;
}

const COLORS = { error: '\x1b[1;31m', warning: '\x1b[1;33m', note: '\x1b[1;36m', bold: '\x1b[1m', dim: '\x1b[2m', reset: '\x1b[0m' };

/** Problems in reading order, each once (the same problem can be met twice, e.g. through a file included twice). */
export function orderProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  const unique: Problem[] = [];
  for (const p of problems) {
    const key = `${p.code}\0${p.loc?.file}\0${p.loc?.line}\0${p.loc?.col}\0${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(p);
  }
  const fileOrder = new Map<string, number>();
  for (const p of unique) if (p.loc && !fileOrder.has(p.loc.file)) fileOrder.set(p.loc.file, fileOrder.size);
  return unique
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const la = a.p.loc;
      const lb = b.p.loc;
      if (!la || !lb) return la ? -1 : lb ? 1 : a.i - b.i;
      return fileOrder.get(la.file)! - fileOrder.get(lb.file)! || la.line - lb.line || la.col - lb.col || a.i - b.i;
    })
    .map(({ p }) => p);
}

export function renderProblem(p: Problem, source: SourceLookup, options: RenderOptions): string {
  const c = options.color ? COLORS : { error: '', warning: '', note: '', bold: '', dim: '', reset: '' };
  const where = p.loc ? `${p.loc.file}:${p.loc.line}:${p.loc.col}` : options.mainFile;
  const out = [`${c.bold}${where}:${c.reset} ${c[p.severity]}${p.severity}:${c.reset} ${p.message}`];
  const text = p.loc ? source(p.loc.file, p.loc.line) : undefined;
  if (p.loc && text !== undefined) {
    const gutter = String(p.loc.line);
    const pad = ' '.repeat(gutter.length);
    const line = text.replace(/\t/g, ' ');
    const start = Math.max(0, p.loc.col - 1);
    const width = Math.max(1, (p.loc.endCol ?? p.loc.col + 1) - p.loc.col);
    out.push(`${c.dim}${gutter} |${c.reset} ${line}`);
    out.push(`${c.dim}${pad} |${c.reset} ${' '.repeat(Math.min(start, line.length))}${c[p.severity]}${'^'.repeat(width)}${c.reset}`);
  }
  if (p.hint) out.push(`${' '.repeat(p.loc && text !== undefined ? String(p.loc.line).length : 0)} = hint: ${p.hint}`);
  return out.join('\n');
}

export function summarize(problems: readonly Problem[], exitCode: number): string {
  const count = (s: string): number => problems.filter((p) => p.severity === s).length;
  const parts: string[] = [];
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (count('error')) parts.push(plural(count('error'), 'error'));
  if (count('warning')) parts.push(plural(count('warning'), 'warning'));
  if (count('note')) parts.push(plural(count('note'), 'note'));
  const verdict: Record<number, string> = {
    0: 'configuration OK',
    4: 'configuration cannot be run',
    5: 'keepalived would run, with the problems above',
    6: 'scripts would run without enable_script_security',
  };
  return `${parts.length ? parts.join(', ') : 'no problems'}; exit ${exitCode}: ${verdict[exitCode] ?? ''}`;
}
