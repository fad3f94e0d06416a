// track_file input (adapter): read the file's number, write init_file, and
// watch the file's directory (inotify through fs.watch, as keepalived watches
// it for close-after-write, delete and rename) with a periodic re-read in case
// an event is missed or the directory cannot be watched.
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseTrackFileValue } from './file-value.js';

/** The file's number (0 when it is missing or unreadable). */
export async function readTrackFile(path: string): Promise<number> {
  try {
    const fd = await readFile(path);
    return parseTrackFileValue(fd.subarray(0, 127));
  } catch {
    return 0;
  }
}

/**
 * init_file VALUE [overwrite]: write VALUE when the file does not exist, or
 * always with `overwrite`; never on a reload. Returns a problem, or undefined.
 */
export async function initTrackFile(path: string, init: { value: number; overwrite: boolean }, reload: boolean): Promise<string | undefined> {
  try {
    const st = await lstat(path);
    if (!st.isFile()) return `cannot initialise track file ${path}: it is not a regular file`;
    if (!init.overwrite || reload) return undefined;
  } catch {
    // Missing: create it.
  }
  try {
    await writeFile(path, `${init.value}\n`);
    return undefined;
  } catch (err) {
    return `unable to initialise track file ${path}: ${(err as Error).message}`;
  }
}

export interface FileWatchOptions {
  /** Re-read this often even without events; default 5000 ms, 0 = never. */
  rereadMs?: number;
}

/** Calls onChange (coalesced) whenever the file may have changed. */
export class FileWatch {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pending = false;

  constructor(
    private readonly path: string,
    private readonly onChange: () => void,
    private readonly options: FileWatchOptions = {},
  ) {}

  /** Whether the directory could be watched (else only the re-read runs). */
  start(): boolean {
    const name = basename(this.path);
    let watching = false;
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, file) => {
        if (file === null || file.toString() === name) this.changed();
      });
      this.watcher.on('error', () => this.watcher?.close());
      watching = true;
    } catch {
      this.watcher = undefined;
    }
    const every = this.options.rereadMs ?? 5000;
    if (every > 0) {
      this.timer = setInterval(() => this.changed(), every);
      this.timer.unref();
    }
    return watching;
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private changed(): void {
    if (this.pending) return;
    this.pending = true;
    // One read for a burst of events (a write is often several).
    setImmediate(() => {
      this.pending = false;
      this.onChange();
    });
  }
}
