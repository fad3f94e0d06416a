// Splits a script command line into argv the way keepalived does before it
// execs the script: whitespace separates words, single and double quotes group
// them, a backslash keeps the next character. A line that is one quoted string
// ("/path/script arg") is first unquoted and then split.

export function splitScript(command: string): string[] {
  let text = command.trim();
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"') && text.indexOf('"', 1) === text.length - 1) {
    text = text.slice(1, -1);
  }
  const argv: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) argv.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) argv.push(current);
  return argv;
}
