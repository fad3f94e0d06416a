// Entry point of a forked child: `child-main.js ROLE SETTINGS_JSON`.
import { createLog } from '../log.js';
import { runChild, type ChildService } from './child.js';
import type { ChildSettings } from './ipc.js';

const settings = JSON.parse(process.argv[3] ?? '{}') as ChildSettings;
const log = createLog({ ...settings.log, process: settings.role });

async function service(): Promise<ChildService> {
  // Each child loads only its own side.
  if (settings.role === 'vrrp') return (await import('./vrrp-child.js')).vrrpChild(settings, log);
  return (await import('./checker-child.js')).checkerChild(settings, log);
}

// A bug must not look like a permanent failure (exit 1 stops the whole daemon):
// exit 70 (EX_SOFTWARE), and the parent restarts the child.
process.on('uncaughtException', (e) => {
  log.fatal({ err: e }, 'uncaught exception');
  process.exit(70);
});
process.on('unhandledRejection', (e) => {
  log.fatal({ err: e }, 'unhandled rejection');
  process.exit(70);
});

if (!process.send) {
  process.stderr.write('keepalived-ts: this is a child process of the daemon; run keepalived-ts instead\n');
  process.exit(1);
}
service().then(
  (s) => runChild(log, s),
  (e: unknown) => {
    log.fatal({ err: e }, 'child cannot start');
    process.exit(70);
  },
);
