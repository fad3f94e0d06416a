// One ipvsadm invocation against a table: what it prints, how it ends, and
// the table afterwards. The executable wraps this with the state file; tests
// can call it directly.
import { Exit } from './exit.mjs';
import { Kernel } from './kernel.mjs';
import { listAll } from './listing.mjs';
import { processOptions } from './process.mjs';

/**
 * @param {string[]} args
 * @param {{ table: import('./kernel.mjs').Table, readStdin: () => string, program?: string }} options
 * @returns {{ stdout: string, stderr: string, status: number, signal?: string, table: import('./kernel.mjs').Table }}
 */
export function runIpvsadm(args, { table, readStdin, program = 'ipvsadm' }) {
  const kernel = new Kernel(table);
  const out = { stdout: [], stderr: [] };
  const io = { program, kernel, out, readStdin };
  let status;
  let signal;
  try {
    if (args.length === 0) {
      out.stdout.push(listAll(kernel.table, 0));
      status = 0;
    } else status = processOptions(args, false, io) & 0xff;
  } catch (err) {
    if (!(err instanceof Exit)) throw err;
    out.stderr.push(err.stderr);
    status = err.status;
    signal = err.signal;
  }
  // A crashed ipvsadm loses what stdio still buffered; stderr is unbuffered.
  return { stdout: signal ? '' : out.stdout.join(''), stderr: out.stderr.join(''), status, ...(signal ? { signal } : {}), table: kernel.table };
}
