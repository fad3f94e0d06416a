// Runs test/vrrp/interop-harness.ts inside a network namespace.
//
// A namespace can only be entered by a new process, and Node 20 cannot run
// TypeScript, so the harness and every module it imports are transpiled with
// the transformer vitest itself uses (vite's transformWithOxc: types stripped,
// no type check - `npm run typecheck` does that; a quarter of a second where
// TypeScript's transpileModule takes several) into a temporary directory,
// which gets a package.json saying "type": "module" and a node_modules link
// to the project's. The process is started with Netns.spawn (tracked, killed
// by pid on cleanup); its JSON lines are collected, and tests wait on them
// with generous timeouts.

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { transformWithOxc } from 'vite';
import type { Netns } from '../helpers/netns.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HARNESS = join(REPO, 'test', 'vrrp', 'interop-harness.ts');

export interface CompiledHarness {
  /** The transpiled interop-harness.js. */
  script: string;
  dir: string;
  dispose(): void;
}

// Relative module specifiers of static imports, re-exports and dynamic imports.
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** The source file behind a relative specifier: `x.js` is `x.ts` when that exists. */
function sourceOf(fromFile: string, specifier: string): string {
  const target = resolve(dirname(fromFile), specifier);
  const asTs = target.replace(/\.js$/, '.ts');
  return asTs !== target && existsSync(asTs) ? asTs : target;
}

/** Transpile the harness (or another entry script) and its imports (value imports only) into a temporary directory. */
export async function compileHarness(entry: string = HARNESS): Promise<CompiledHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'kts-harness-'));
  try {
    const seen = new Set<string>();
    const todo = [entry];
    while (todo.length > 0) {
      const file = todo.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      const code = file.endsWith('.ts') ? (await transformWithOxc(text, file, { sourcemap: false })).code : text;
      const out = join(dir, relative(REPO, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, code);
      for (const m of code.matchAll(RELATIVE_IMPORT)) todo.push(sourceOf(file, m[1]));
    }
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    script: join(dir, relative(REPO, entry)).replace(/\.ts$/, '.js'),
    dir,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface HarnessLine {
  /** ms since the harness started (its own clock). */
  t: number;
  type: string;
  /** performance.now() in the test process when the line arrived. */
  at: number;
  [key: string]: unknown;
}

/** A running harness: its output lines, and ways to wait for them. */
export class HarnessProcess {
  readonly lines: HarnessLine[] = [];
  stderr = '';
  private waiters: (() => void)[] = [];
  private closed = false;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const obj = JSON.parse(line) as Omit<HarnessLine, 'at'>;
        this.lines.push({ ...obj, at: performance.now() } as HarnessLine);
      } catch {
        this.lines.push({ t: -1, type: 'text', text: line, at: performance.now() });
      }
      for (const w of this.waiters) w();
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    // 'close' comes after the output has been read to the end (unlike 'exit').
    this.exited = new Promise((res) => {
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.closed = true;
        res({ code, signal });
      });
    });
    void this.exited.then(() => {
      for (const w of this.waiters) w();
    });
  }

  /** Start the compiled harness in `ns` with the given arguments. */
  static start(ns: Netns, harness: CompiledHarness, name: string, args: readonly string[]): HarnessProcess {
    return new HarnessProcess(name, ns.spawn([process.execPath, harness.script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** Until the process has ended and its output has been read. */
  get running(): boolean {
    return !this.closed;
  }

  /** The first line (from index `from`) matching pred, waiting up to timeoutMs; undefined on timeout or exit. */
  waitFor(pred: (l: HarnessLine) => boolean, timeoutMs: number, from = 0): Promise<HarnessLine | undefined> {
    return new Promise((res) => {
      const check = (): boolean => {
        const hit = this.lines.slice(from).find(pred);
        if (hit || !this.running) {
          this.waiters = this.waiters.filter((w) => w !== onLine);
          clearTimeout(timer);
          res(hit);
          return true;
        }
        return false;
      };
      const onLine = (): void => void check();
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== onLine);
        res(undefined);
      }, timeoutMs);
      if (!check()) this.waiters.push(onLine);
    });
  }

  /** Write a line to the harness's stdin. */
  send(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Send a signal to the harness (by its pid) and wait for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, signal);
      } catch {
        /* already gone */
      }
    }
    return Promise.race([this.exited, new Promise<undefined>((res) => setTimeout(() => res(undefined), timeoutMs))]);
  }

  /** The output so far, for failure messages. */
  describe(): string {
    const out = this.lines.map((l) => JSON.stringify(l)).join('\n');
    return `--- ${this.name} stdout ---\n${out}\n--- ${this.name} stderr ---\n${this.stderr}`;
  }
}
