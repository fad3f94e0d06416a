// Command-line options of the benchmarks: node's util.parseArgs, plus --help
// (prints the usage and exits) and the real-server counts they share.
import { parseArgs } from 'node:util';

/** The values of `options` (util.parseArgs' format) in `argv`; -h/--help prints `usage` and exits. */
export function readOptions(argv, options, usage) {
  const { values } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return values;
}

/** `--sizes 1000,10000`: real-server counts in whole virtual servers of 50. */
export function realServerCounts(text) {
  const sizes = text.split(',').map(Number);
  if (!sizes.every((n) => Number.isInteger(n) && n >= 50 && n % 50 === 0)) throw new Error('--sizes: multiples of 50');
  return sizes;
}
