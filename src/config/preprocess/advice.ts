// Notes for $NAME mistakes that keepalived passes over in silence: a name it
// leaves unexpanded although the user surely meant a definition, and a line
// that looks like a definition but is not one (keepalived then reads it as a
// keyword line and only says "Unknown keyword '$X'").
import { closest } from '../suggest.js';
import { isNameChar, isNameStart, type Definitions } from './params.js';

export interface Advice {
  /** Offset in the line. */
  at: number;
  message: string;
  hint?: string;
}

/** References left in a fully preprocessed line that were probably meant to expand. */
export function adviseUnexpanded(text: string, defs: Definitions): Advice[] {
  const out: Advice[] = [];
  let userNames: string[] | undefined;
  const user = (): string[] => (userNames ??= defs.names().filter((n) => !defs.get(n)?.predefined));
  for (let at = text.indexOf('$'); at >= 0; at = text.indexOf('$', at + 1)) {
    const braces = text[at + 1] === '{';
    const start = at + (braces ? 2 : 1);
    if (!isNameStart(text[start])) continue;
    let end = start + 1;
    while (end < text.length && isNameChar(text[end])) end++;
    const name = text.slice(start, end);
    const def = defs.get(name);
    const ref = braces ? `\${${name}}` : `$${name}`;
    if (def) {
      const next = text[end];
      if (text[0] === '~') {
        out.push({ at, message: `'${ref}' is not expanded: keepalived does not expand lines that start with '~'` });
      } else if (def.multiline) {
        out.push({ at, message: `'${ref}' is not expanded: multi-line definition '${name}' can only be used at the end of a line` });
      } else if (!braces && next !== undefined && !' \t,)'.includes(next)) {
        out.push({
          at,
          message: `'${ref}' is not expanded because it is followed by '${next}'`,
          hint: `keepalived expands $NAME only before a blank, ',' or ')' or at the end of the line; write \${${name}}`,
        });
      }
      continue;
    }
    if (!braces) {
      const prefix = user().find((n) => name.startsWith(n) && n.length < name.length);
      if (prefix !== undefined) {
        out.push({ at, message: `'${ref}' is not defined, so it is left as written`, hint: `to follow $${prefix} with '${name.slice(prefix.length)}', write \${${prefix}}${name.slice(prefix.length)}` });
        continue;
      }
    }
    // Short names are too alike for a useful guess.
    const guess = name.length >= 3 ? closest(name, user()) : undefined;
    if (guess !== undefined) out.push({ at, message: `'${ref}' is not defined, so it is left as written`, hint: `did you mean '${braces ? `\${${guess}}` : `$${guess}`}'?` });
  }
  return out;
}

/** Why a line starting with '$' and containing '=' is not a definition. */
export function adviseBadDefinition(text: string): Advice | undefined {
  if (text[0] !== '$' || !text.includes('=')) return undefined;
  if (!isNameStart(text[1])) {
    return { at: 0, message: `'${text}' is not a definition: a name must start with a letter or '_'` };
  }
  let p = 2;
  while (isNameChar(text[p])) p++;
  const name = text.slice(1, p);
  let q = p;
  while (text[q] === ' ' || text[q] === '\t') q++;
  if (text[q] === '=' && q > p) {
    return { at: p, message: `'${text}' is not a definition: blanks before '='`, hint: `write $${name}=${text.slice(q + 1).trimStart()}` };
  }
  if (text[p] !== '=' && text.indexOf('=') > p) {
    return { at: p, message: `'${text}' is not a definition: '${text[p]}' cannot be part of a name`, hint: 'names may contain only letters, digits and _' };
  }
  return undefined;
}
