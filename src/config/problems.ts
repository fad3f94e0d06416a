// Problems found while reading a config: collected, never thrown, so that a
// config test reports every problem in one run.

/** A place in a config file. Lines and columns are 1-based. */
export interface Loc {
  file: string;
  line: number;
  col: number;
  /** Column just after the span, when the span is known. */
  endCol?: number;
}

/**
 * error / warning: keepalived reports these too (it treats both alike: exit 5).
 * note: our own advice; it never changes the verdict.
 */
export type Severity = 'error' | 'warning' | 'note';

/**
 * keepalived -t exit codes: 0 no problems, 2 keepalived stops reading at this
 * line (a value it cannot do without is missing), 4 cannot run (fatal), 5
 * problems but keepalived would run, 6 scripts would run without
 * enable_script_security.
 */
export type ExitCode = 0 | 2 | 4 | 5 | 6;

export interface Problem {
  severity: Severity;
  /** Stable identifier for editors and tests, e.g. "unknown-keyword". */
  code: string;
  message: string;
  /** Absent for problems about the config as a whole (no single line is to blame). */
  loc?: Loc;
  hint?: string;
  /** The -t exit code this problem forces at least. */
  exit: ExitCode;
}

export interface ProblemOptions {
  hint?: string;
  /** Overrides the exit code that follows from the severity. */
  exit?: ExitCode;
}

export class Problems {
  readonly list: Problem[] = [];

  add(severity: Severity, code: string, loc: Loc | undefined, message: string, options: ProblemOptions = {}): Problem {
    const problem: Problem = {
      severity,
      code,
      message,
      exit: options.exit ?? (severity === 'note' ? 0 : 5),
    };
    if (loc) problem.loc = loc;
    if (options.hint) problem.hint = options.hint;
    this.list.push(problem);
    return problem;
  }

  error(code: string, loc: Loc | undefined, message: string, options?: ProblemOptions): Problem {
    return this.add('error', code, loc, message, options);
  }

  warning(code: string, loc: Loc | undefined, message: string, options?: ProblemOptions): Problem {
    return this.add('warning', code, loc, message, options);
  }

  note(code: string, loc: Loc | undefined, message: string, options?: ProblemOptions): Problem {
    return this.add('note', code, loc, message, options);
  }
}

/**
 * keepalived keeps the numerically largest class it met, except that a
 * missing value it cannot do without ends the run at once with exit 2.
 */
export function exitCodeOf(problems: readonly Problem[]): ExitCode {
  let code: ExitCode = 0;
  for (const p of problems) {
    if (p.exit === 2) return 2;
    if (p.exit > code) code = p.exit;
  }
  return code;
}
