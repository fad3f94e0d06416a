// The runner's one AbortSignal heard by every check in flight: callbacks in
// a set behind one listener, so thousands of checks neither pile listeners
// on the signal nor pay for one each.
import { describe, expect, it } from 'vitest';
import { attemptSignal, offAbort, onAbort } from '../../src/check/checkers/abort.js';

describe('onAbort / offAbort', () => {
  it('calls every registered callback once when the signal aborts, and not the ones taken back', () => {
    const controller = new AbortController();
    const called: number[] = [];
    const callbacks = Array.from({ length: 5000 }, (_, i) => () => called.push(i));
    for (const f of callbacks) onAbort(controller.signal, f);
    for (const f of callbacks.slice(0, 4990)) offAbort(controller.signal, f);
    controller.abort();
    controller.abort();
    expect(called).toEqual([4990, 4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999]);
  });

  it('adds one listener to the signal however many checks wait on it (no MaxListeners warning)', () => {
    const controller = new AbortController();
    let added = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added++;
      add(...args);
    }) as typeof add;
    for (let i = 0; i < 100; i++) onAbort(controller.signal, () => {});
    expect(added).toBe(1);
  });

  it('keeps signals apart', () => {
    const a = new AbortController();
    const b = new AbortController();
    const heard: string[] = [];
    onAbort(a.signal, () => heard.push('a'));
    onAbort(b.signal, () => heard.push('b'));
    b.abort();
    expect(heard).toEqual(['b']);
  });
});

describe('attemptSignal', () => {
  it('is aborted with the shared signal until released', () => {
    const shared = new AbortController();
    const first = attemptSignal(shared.signal);
    const second = attemptSignal(shared.signal);
    second.release();
    shared.abort();
    expect(first.signal.aborted).toBe(true);
    expect(second.signal.aborted).toBe(false);
    expect(attemptSignal(shared.signal).signal.aborted).toBe(true);
  });
});
