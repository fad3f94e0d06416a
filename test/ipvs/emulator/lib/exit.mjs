// How ipvsadm leaves: fail() prints a message and exits at once (status 2
// for bad arguments), tryhelp_exit() points at -h (status 255). Thrown here
// and caught by the main program, which saves the table first: an -R batch
// keeps the lines it applied before the failing one.

export class Exit extends Error {
  constructor(status, stderr = '', signal = undefined) {
    super(stderr.trim() || `exit ${status}`);
    this.status = status;
    this.stderr = stderr;
    this.signal = signal;
  }
}

export function fail(status, message) {
  throw new Exit(status, `${message}\n`);
}

export function tryHelp(program) {
  throw new Exit(255, `Try \`${program} -h' or '${program} --help' for more information.\n`);
}

/** ipvsadm 1.31 dereferences NULL on some input (e.g. "-b ,"); the real one dies by SIGSEGV. */
export function crash() {
  throw new Exit(139, '', 'SIGSEGV');
}
