// A check's "no answer within N ms" that does not count a stall of this
// process as the server's silence. When the event loop was blocked (a
// reload of 10,000 real servers, a long GC, a starved CPU), the timer and
// the server's answer are both due when it wakes, and node runs timers
// before it reads sockets: the check would fail although the answer is
// there. So the verdict waits for the end of the loop turn's poll phase
// (setImmediate), where an answer already received is read first.

export interface AnswerTimeout {
  clear(): void;
}

/** Calls `onTimeout` `ms` after now, once the answers already received have been read; unless cleared first. */
export function answerTimeout(onTimeout: () => void, ms: number): AnswerTimeout {
  let immediate: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    immediate = setImmediate(onTimeout);
  }, ms);
  return {
    clear() {
      clearTimeout(timer);
      if (immediate !== undefined) clearImmediate(immediate);
    },
  };
}
