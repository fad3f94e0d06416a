// Entry point: keepalived's flags -> config test, genhash, version, help,
// signum, or the daemon (watchdog parent with VRRP and checker children).
import fs from 'node:fs';
import { nodeHostInfo } from '../config/host-node.js';
import { parseArgs, USAGE } from './args.js';
import { runConfigTest } from './config-test.js';

export function main(argv: readonly string[]): number | Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.error}\n${USAGE}`);
    return 1;
  }
  const options = parsed.options;
  if (options.help) {
    process.stderr.write(USAGE);
    return 0;
  }
  // --version and --signum load their modules only here: reading package.json
  // through require() costs every other run a few milliseconds.
  if (options.version) {
    return import('./version.js').then(({ VERSION }) => {
      process.stderr.write(`keepalived-ts v${VERSION} (config language of Keepalived v2.2.7)\n`);
      return 0;
    });
  }
  const signum = options.signum;
  if (signum !== undefined) {
    return import('./signum.js').then(({ signalNumber }) => {
      const n = signalNumber(signum);
      if (n === undefined) {
        process.stderr.write(`Unknown sigfunc ${signum}\n`);
        return 1;
      }
      process.stdout.write(`${n}\n`);
      return 0;
    });
  }
  if (options.configTest !== undefined) {
    const logFile = typeof options.configTest === 'string' ? options.configTest : undefined;
    return runConfigTest(options, {
      stdout: (t) => process.stdout.write(t),
      report: logFile ? (t) => fs.appendFileSync(logFile, t) : (t) => process.stderr.write(t),
      host: nodeHostInfo(),
      color: !logFile && process.stderr.isTTY === true && !process.env.NO_COLOR,
    });
  }
  if (options.genhash) {
    // Loaded only here: the HTTP client is not needed to check a config.
    return import('../check/genhash.js').then(({ runGenhash }) =>
      runGenhash(options.genhashArgs, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }),
    );
  }
  // Loaded only here: checking a config needs none of the daemon.
  return import('./daemon.js').then(({ runDaemon }) => runDaemon(options, argv));
}
