// Every check in flight shares one AbortSignal (its runner's, aborted at
// stop): a checker hears the abort through onAbort() here, never through
// an 'abort' listener of its own. An EventTarget walks its listeners on
// each add and remove (13 µs each with 2,000 checks in flight, and a
// MaxListenersExceeded warning), and an AbortController per check cost
// 7 µs; a callback in a Set costs a fraction of one.

const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/** Call `fn` once when `signal` aborts (the caller checks `signal.aborted` first). */
export function onAbort(signal: AbortSignal, fn: () => void): void {
  let callbacks = waiting.get(signal);
  if (!callbacks) {
    const set = new Set<() => void>();
    callbacks = set;
    waiting.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        waiting.delete(signal);
        for (const f of set) f();
      },
      { once: true },
    );
  }
  callbacks.add(fn);
}

/** Forget `fn` (the check ended first). */
export function offAbort(signal: AbortSignal, fn: () => void): void {
  waiting.get(signal)?.delete(fn);
}

/**
 * A signal of its own for one attempt, aborted with `signal`: for code
 * that takes an AbortSignal and listens on it (a script runner). `release`
 * when the attempt is over.
 */
export function attemptSignal(signal: AbortSignal): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  if (signal.aborted) controller.abort();
  else onAbort(signal, abort);
  return { signal: controller.signal, release: () => offAbort(signal, abort) };
}
