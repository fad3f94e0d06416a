// File access for the preprocessor: an injected interface (tests use an
// in-memory one), the real implementation on node:fs, and the adapter the
// engine uses (caches reads, since keepalived may read a file twice).
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { EngineFs } from './reader.js';

export type FileKind = 'regular' | 'executable' | 'directory' | 'other' | 'missing';

export interface ConfigFs {
  /** File contents, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /** Entries of a directory (names only), or undefined. */
  readDir(path: string): string[] | undefined;
  isDirectory(path: string): boolean;
  /**
   * Optional: what stat(2) says (following links; 'other' for a dangling
   * link). keepalived skips executable and non-regular config files; without
   * this method that check is not made.
   */
  fileKind?(path: string): FileKind;
}

/** Config files are small; a bigger "file" is surely a mistake (and would eat memory). */
const MAX_FILE_SIZE = 256 * 1024 * 1024;

export const nodeConfigFs: ConfigFs = {
  readFile(path) {
    try {
      // Only regular files: reading a FIFO or a device could block forever.
      const st = statSync(path);
      if (!st.isFile() || st.size > MAX_FILE_SIZE) return undefined;
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  readDir(path) {
    try {
      return readdirSync(path);
    } catch {
      return undefined;
    }
  },
  isDirectory(path) {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
  fileKind(path) {
    try {
      const st = statSync(path);
      if (st.isDirectory()) return 'directory';
      if (!st.isFile()) return 'other';
      return st.mode & 0o111 ? 'executable' : 'regular';
    } catch {
      try {
        lstatSync(path);
        return 'other';
      } catch {
        return 'missing';
      }
    }
  },
};

/** Wraps a ConfigFs for one preprocess() run; no call on it throws. */
export function engineFs(fs: ConfigFs): EngineFs {
  const contents = new Map<string, string | undefined>();
  const guard = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch {
      return fallback;
    }
  };
  const readFile = (path: string): string | undefined => {
    if (!contents.has(path)) {
      const text = guard(() => fs.readFile(path), undefined);
      contents.set(path, typeof text === 'string' ? text : undefined);
    }
    return contents.get(path);
  };
  const kind = (path: string): FileKind | undefined => (fs.fileKind ? guard(() => fs.fileKind!(path), undefined) : undefined);
  const isDirectory = (path: string): boolean => guard(() => fs.isDirectory(path) === true, false);
  return {
    readFile,
    readDir: (path) => {
      const entries = guard(() => fs.readDir(path), undefined);
      return Array.isArray(entries) ? entries.filter((e) => typeof e === 'string') : undefined;
    },
    isDirectory,
    exists: (path) => {
      const k = kind(path);
      return k !== undefined ? k !== 'missing' : isDirectory(path) || readFile(path) !== undefined;
    },
    isRegularNonExecutable: (path) => {
      const k = kind(path);
      return k === undefined ? undefined : k === 'regular';
    },
  };
}
