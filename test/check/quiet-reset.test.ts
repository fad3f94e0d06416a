// The window in which errors are made without stack traces (quiet-reset.ts):
// opened when an exchange's response is complete, closed by the socket's
// destroy() or, failing that, by the end of the synchronous run.
import { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { endQuietReset, quietUntilDestroyed, startQuietReset } from '../../src/check/checkers/quiet-reset.js';

const frames = (err: Error): number => String(err.stack).split('\n').filter((l) => l.trimStart().startsWith('at ')).length;

describe('quiet reset window', () => {
  const limit = Error.stackTraceLimit;
  afterEach(() => {
    endQuietReset();
    Error.stackTraceLimit = limit;
  });

  it('errors made inside it have no stack frames; the socket destroy() closes it at once', async () => {
    const socket = new Socket();
    const emitted: Error[] = [];
    socket.on('error', (err) => emitted.push(err));
    quietUntilDestroyed(socket);
    startQuietReset();
    const quiet = new Error('reset');
    socket.destroy(quiet);
    const loud = new Error('after');
    expect(frames(quiet)).toBe(0);
    expect(socket.destroyed).toBe(true);
    expect(Error.stackTraceLimit).toBe(limit);
    expect(frames(loud)).toBeGreaterThan(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(emitted).toEqual([quiet]);
  });

  it('closes by itself at the end of the synchronous run when no destroy() comes', async () => {
    startQuietReset();
    expect(Error.stackTraceLimit).toBe(0);
    await Promise.resolve();
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it('opening it twice restores the limit it found first', () => {
    startQuietReset();
    startQuietReset();
    endQuietReset();
    expect(Error.stackTraceLimit).toBe(limit);
  });
});
