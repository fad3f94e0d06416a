// track_file input on a real file system: reading, init_file, and change
// notification through fs.watch (inotify) on the file's directory.
import { mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileWatch, initTrackFile, readTrackFile } from '../../../src/vrrp/trackers/file-watch.js';

const dir = mkdtempSync(join(tmpdir(), 'kts-trackfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function waitFor(pred: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await pred()) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

describe('track file I/O', () => {
  it('reads the number; a missing file is 0', async () => {
    const f = join(dir, 'read');
    expect(await readTrackFile(f)).toBe(0);
    writeFileSync(f, '-12\n');
    expect(await readTrackFile(f)).toBe(-12);
  });

  it('init_file writes when missing, keeps an existing file unless overwrite, never on reload', async () => {
    const f = join(dir, 'init');
    expect(await initTrackFile(f, { value: 5, overwrite: false }, false)).toBeUndefined();
    expect(readFileSync(f, 'utf8')).toBe('5\n');
    await initTrackFile(f, { value: 7, overwrite: false }, false);
    expect(readFileSync(f, 'utf8')).toBe('5\n');
    await initTrackFile(f, { value: 7, overwrite: true }, true);
    expect(readFileSync(f, 'utf8')).toBe('5\n');
    await initTrackFile(f, { value: 7, overwrite: true }, false);
    expect(readFileSync(f, 'utf8')).toBe('7\n');
    expect(await initTrackFile(dir, { value: 1, overwrite: true }, false)).toMatch(/not a regular file/);
  });

  it('calls back on write, rename into place and delete', async () => {
    const f = join(dir, 'watched');
    writeFileSync(f, '1');
    let calls = 0;
    const w = new FileWatch(f, () => calls++, { rereadMs: 0 });
    expect(w.start()).toBe(true);
    try {
      writeFileSync(f, '2');
      await waitFor(() => calls >= 1);
      expect(calls).toBeGreaterThanOrEqual(1);
      const before = calls;
      writeFileSync(join(dir, 'tmp'), '3');
      renameSync(join(dir, 'tmp'), f);
      await waitFor(() => calls > before);
      expect(await readTrackFile(f)).toBe(3);
      const beforeDelete = calls;
      unlinkSync(f);
      await waitFor(() => calls > beforeDelete);
      expect(calls).toBeGreaterThan(beforeDelete);
    } finally {
      w.stop();
    }
  });
});
