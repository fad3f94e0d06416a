// Numbers as C's strtoul(text, &end, 0) reads them, for the places where
// keepalived 2.2.7 does so itself: an optional '+', then 0x hex, 0 octal or
// decimal digits ("08" reads as 0 and stops at the 8).

/** strtoul(text + from, &end, 0): the number read (0 when none) and where it stopped. */
export function strtoulBase0(text: string, from: number): { value: bigint; end: number } {
  let i = from;
  if (text[i] === '+') i++;
  const hex = /^0[xX][0-9a-fA-F]/.test(text.slice(i));
  const start = hex ? i + 2 : i;
  const digits = hex ? /^[0-9a-fA-F]+/ : text[i] === '0' ? /^[0-7]+/ : /^[0-9]+/;
  const m = digits.exec(text.slice(start));
  if (!m) return { value: 0n, end: from };
  return { value: BigInt(hex ? `0x${m[0]}` : text[i] === '0' ? `0o${m[0]}` : m[0]), end: start + m[0].length };
}

/** A whole word read by strtoul base 0, or undefined when something else is in it (or a '-'). */
export function wholeCNumber(word: string): bigint | undefined {
  if (word.startsWith('-')) return undefined;
  const n = strtoulBase0(word, 0);
  return n.end === word.length && n.end > 0 ? n.value : undefined;
}
