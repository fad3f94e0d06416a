// What the preprocessor hands to the lexer: one line of config text and where
// it came from, so every later problem can name file:line:col.

export interface SourceLine {
  /** The line after preprocessing (include, $VAR, @id and ~SEQ resolved). */
  text: string;
  /** Path of the file the line came from, as the user would recognise it. */
  file: string;
  /** 1-based line number in that file (the first line of a '\'-continued line). */
  line: number;
  /** 1-based column in the source line where text[0] came from (an @id prefix shifts it). */
  col: number;
  /**
   * True when $VAR or ~SEQ expansion changed the text: columns are then exact
   * up to the first expansion and approximate after it.
   */
  expanded: boolean;
}

/**
 * Lines handed out one at a time, undefined at the end. A pull source rather
 * than an iterator: a config of 10^5 lines then costs no result object per
 * line between the preprocessor and the tree.
 */
export interface LineSource {
  nextLine(): SourceLine | undefined;
}

export function arrayLineSource(lines: readonly SourceLine[]): LineSource {
  let i = 0;
  return { nextLine: () => lines[i++] };
}
