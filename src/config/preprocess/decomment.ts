// keepalived 2.2.7 strips comments from every line it reads before any other
// preprocessing, and again after each $NAME expansion. The rules (measured
// with the real binary): leading blanks go; outside double quotes `#` or `!`
// starts a comment; `\#` and `\!` outside quotes lose their backslash; any
// other backslash pair is kept as it is; a backslash as the very last
// character is a continuation mark and survives, glued to the text before it
// (`cont \` becomes `cont\`), even when it ends a comment.

export interface Decommented {
  text: string;
  /** Characters removed from the start (leading blanks). */
  lead: number;
  /** The line ended in a continuation backslash. */
  continued: boolean;
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

export function decomment(line: string): Decommented {
  let lead = 0;
  while (isBlank(line[lead])) lead++;
  const n = line.length;
  let out = '';
  let quote = false;
  let continued = false;
  let commentAt = -1;
  let segment = lead;
  let p = lead;
  while (p < n) {
    const c = line[p];
    if (c === '"') {
      // Once a comment has started, quotes no longer count.
      if (commentAt < 0) quote = !quote;
      p++;
    } else if (c === '\\') {
      if (p + 1 >= n) {
        out += line.slice(segment, p);
        segment = n;
        continued = true;
        break;
      }
      const next = line[p + 1];
      if (!quote && (next === '#' || next === '!')) {
        out += line.slice(segment, p);
        segment = p + 1;
      }
      p += 2;
    } else if ((c === '#' || c === '!') && !quote && commentAt < 0) {
      commentAt = out.length + (p - segment);
      p++;
    } else {
      p++;
    }
  }
  out += line.slice(segment, p);
  if (commentAt >= 0) out = out.slice(0, commentAt);
  let end = out.length;
  while (end > 0 && isBlank(out[end - 1])) end--;
  if (end !== out.length) out = out.slice(0, end);
  if (continued) out += '\\';
  return { text: out, lead, continued };
}

/**
 * The inverse for text that must reach the lexer unchanged: escapes `#` and
 * `!` outside quotes so that one more decomment() gives `text` back.
 */
export function protectCommentChars(text: string): string {
  if (!text.includes('#') && !text.includes('!')) return text;
  let out = '';
  let quote = false;
  for (let p = 0; p < text.length; p++) {
    const c = text[p];
    if (c === '"') quote = !quote;
    else if (c === '\\' && p + 1 < text.length) {
      out += c + text[p + 1];
      p++;
      continue;
    } else if ((c === '#' || c === '!') && !quote) {
      out += '\\';
    }
    out += c;
  }
  return out;
}
