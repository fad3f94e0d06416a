// keepalived's parent process numbers the last line of a file that does not
// end with a newline one lower than its children do ("(Line 3) Extra '}'
// found" from the parent, "(FILE: Line 4) ..." from the children; measured
// with 2.2.7). A problem on such a line therefore gets a note on the line
// above too, so every line keepalived names is named here, and the user
// learns why keepalived's numbers disagree.
import type { ConfigFs } from './preprocess.js';
import type { Problems } from './problems.js';

export function noteUnterminatedLastLines(problems: Problems, fs: ConfigFs): void {
  const lastLine = new Map<string, number | undefined>();
  const lastLineOf = (file: string): number | undefined => {
    if (!lastLine.has(file)) {
      const text = fs.readFile(file);
      lastLine.set(file, text === undefined || text === '' || text.endsWith('\n') ? undefined : text.split('\n').length);
    }
    return lastLine.get(file);
  };
  for (const p of [...problems.list]) {
    if (!p.loc || p.severity === 'note') continue;
    const last = lastLineOf(p.loc.file);
    if (last === undefined || p.loc.line !== last || last < 2) continue;
    problems.note('last-line-without-newline', { file: p.loc.file, line: last - 1, col: 1 }, `the file does not end with a newline: keepalived reports the problem on line ${last} as line ${last - 1} in some of its messages`, {
      hint: 'end the file with a newline',
    });
    lastLine.set(p.loc.file, undefined); // one note per file is enough
  }
}
