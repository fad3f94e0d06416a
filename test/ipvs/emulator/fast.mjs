// The ipvsadm emulator at native speed: server.mjs holds the table, and an
// `ipvsadm` built from relay.c (with the system C compiler) hands it each
// run. For benches that time the path from a verdict to the table; tests of
// the emulator's answers use the executable (ipvsadm.mjs) or runIpvsadm.
import { execFileSync, spawn as spawnProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;

/** Compiles the relay into `dir`/relay/ipvsadm (a directory of its own, to put on PATH); returns its path. */
export function buildRelay(dir) {
  mkdirSync(join(dir, 'relay'), { recursive: true });
  const program = join(dir, 'relay', 'ipvsadm');
  execFileSync('cc', ['-O2', '-Wall', '-Werror', '-o', program, join(here, 'relay.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
  return program;
}

/**
 * Starts the server (through `spawn`, e.g. to run it in a namespace) with its
 * socket in `dir` and the table in `state`, and builds the relay.
 * @returns {Promise<{ command: string, env: { IPVSADM_EMULATOR_SOCKET: string }, pid: number, stop: () => Promise<void> }>}
 */
export async function startFastEmulator({ dir, state, spawn = (argv, options) => spawnProcess(argv[0], argv.slice(1), options) }) {
  const command = buildRelay(dir);
  const socket = join(dir, 'ipvsadm.sock');
  const child = spawn([process.execPath, join(here, 'server.mjs'), socket, state], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const ready = new Promise((resolve, reject) => {
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      text += d;
      if (text.includes('ready\n')) resolve();
    });
    exited.then(([code, signal]) => reject(new Error(`ipvsadm emulator server ended (${signal ?? code}) before it listened`)));
  });
  await ready;
  return {
    command,
    env: { IPVSADM_EMULATOR_SOCKET: socket },
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
