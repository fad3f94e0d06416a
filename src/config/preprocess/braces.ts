// keepalived splits a line at its first '{' or '}' outside double quotes and
// reads the rest as the next line, after the same preprocessing as any line
// (so `x { @id y` or `x { include f` work). A line starting with a brace
// keeps just the brace.

export interface BraceSplit {
  /** The line up to the brace (or the brace alone), trailing blanks removed. */
  head: string;
  /** What is read as the next line, if anything. */
  rest?: string;
  /** Offset of `rest` in the line. */
  restAt: number;
}

const trimEnd = (s: string): string => {
  let end = s.length;
  while (end > 0 && (s[end - 1] === ' ' || s[end - 1] === '\t')) end--;
  return end === s.length ? s : s.slice(0, end);
};

export function splitAtBrace(text: string): BraceSplit {
  let p = -1;
  if (text[0] === '{' || text[0] === '}') p = 0;
  else {
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '{' || c === '}') {
        p = i;
        break;
      }
      if (c === '"') {
        // An unterminated quote hides any later brace.
        const close = text.indexOf('"', i + 1);
        if (close < 0) break;
        i = close;
      }
    }
  }
  if (p >= 0) {
    let at = p;
    if (p === 0) {
      at = 1;
      while (text[at] === ' ' || text[at] === '\t') at++;
    }
    if (at < text.length) return { head: trimEnd(text.slice(0, at)), rest: trimEnd(text.slice(at)), restAt: at };
  }
  return { head: trimEnd(text), restAt: text.length };
}
