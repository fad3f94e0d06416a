// An in-memory ConfigFs for the preprocessor tests: files by absolute path;
// their parent directories exist implicitly.
import path from 'node:path';
import type { ConfigFs, FileKind } from '../../src/config/preprocess.js';
import { preprocess } from '../../src/config/preprocess.js';
import { Problems, type Problem } from '../../src/config/problems.js';
import type { SourceLine } from '../../src/config/source.js';

export interface MemFsOptions {
  /** Extra (possibly empty) directories. */
  dirs?: string[];
  /** Files that exist but cannot be read. */
  unreadable?: string[];
  executable?: string[];
}

export function memFs(files: Record<string, string>, options: MemFsOptions = {}): ConfigFs & { reads: string[] } {
  const dirs = new Set<string>(options.dirs ?? []);
  for (const f of [...Object.keys(files), ...(options.unreadable ?? []), ...(options.dirs ?? [])]) {
    for (let d = path.dirname(f); !dirs.has(d); d = path.dirname(d)) {
      dirs.add(d);
      if (d === '/') break;
    }
  }
  const unreadable = new Set(options.unreadable ?? []);
  const executable = new Set(options.executable ?? []);
  const norm = (p: string): string => path.resolve('/', p);
  const reads: string[] = [];
  return {
    reads,
    readFile(p) {
      const k = norm(p);
      reads.push(k);
      return unreadable.has(k) ? undefined : files[k];
    },
    readDir(p) {
      const d = norm(p);
      if (!dirs.has(d)) return undefined;
      const names = new Set<string>();
      for (const f of [...Object.keys(files), ...dirs, ...unreadable]) {
        if (f !== d && path.dirname(f) === d) names.add(path.basename(f));
      }
      return [...names];
    },
    isDirectory: (p) => dirs.has(norm(p)),
    fileKind(p): FileKind {
      const k = norm(p);
      if (dirs.has(k)) return 'directory';
      if (executable.has(k)) return 'executable';
      return k in files || unreadable.has(k) ? 'regular' : 'missing';
    },
  };
}

export interface Run {
  lines: SourceLine[];
  texts: string[];
  problems: Problem[];
}

/** preprocess() on `main` in an in-memory file system. */
export function run(files: Record<string, string>, main = Object.keys(files)[0], options: { configId?: string; allConfig?: boolean; fs?: MemFsOptions } = {}): Run {
  const problems = new Problems();
  const lines = preprocess(main, { configId: options.configId ?? 'lb1', allConfig: options.allConfig ?? false, fs: memFs(files, options.fs) }, problems);
  return { lines, texts: lines.map((l) => l.text.trim()), problems: problems.list };
}

/** The texts of a one-file config. */
export function texts(conf: string, options: { configId?: string } = {}): string[] {
  return run({ '/etc/keepalived/keepalived.conf': conf }, undefined, options).texts;
}
