#!/usr/bin/env node
// The ipvsadm emulator as a long-running server, for the native-speed relay
// (relay.c): the same runIpvsadm as the executable, one request at a time,
// with the table held in memory and written to the state file (atomically,
// whenever it changed) before each answer, so a watcher of that file sees a
// change when the ipvsadm run that made it ends, as with the executable.
//
//   node server.mjs SOCKET STATE      prints "ready\n" once it listens
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants } from 'node:os';
import { runIpvsadm } from './lib/run.mjs';
import { loadTable, saveTableText } from './lib/state.mjs';

/** A request as the relay sends it: the argument count and the arguments, each ended by NUL, then stdin. */
export function parseRequest(bytes) {
  let at = 0;
  const field = () => {
    const end = bytes.indexOf(0, at);
    if (end < 0) throw new Error('truncated request');
    const text = bytes.subarray(at, end).toString('utf8');
    at = end + 1;
    return text;
  };
  const count = Number(field());
  if (!Number.isInteger(count) || count < 0) throw new Error('bad argument count');
  const args = Array.from({ length: count }, field);
  return { args, stdin: bytes.subarray(at).toString('utf8') };
}

/** The answer the relay reads: a header line, stdout, then stderr. */
export function formatAnswer({ stdout, stderr, status, signal }) {
  const out = Buffer.from(stdout, 'utf8');
  const signo = signal ? constants.signals[signal] : 0;
  return Buffer.concat([Buffer.from(`${status} ${signo} ${out.length}\n`), out, Buffer.from(stderr, 'utf8')]);
}

/** Serves the emulator on `socketPath`, its table kept in `statePath`; resolves once it listens. */
export function serveEmulator(socketPath, statePath) {
  let table = loadTable(statePath);
  let saved = JSON.stringify(table);
  const server = createServer((conn) => {
    const chunks = [];
    conn.on('data', (d) => chunks.push(d));
    conn.on('error', () => {}); // a relay killed mid-request: nothing to answer
    conn.on('end', () => {
      let answer;
      try {
        const { args, stdin } = parseRequest(Buffer.concat(chunks));
        const result = runIpvsadm(args, { table, readStdin: () => stdin });
        table = result.table;
        const now = JSON.stringify(table);
        if (now !== saved) {
          saveTableText(statePath, now);
          saved = now;
        }
        answer = formatAnswer(result);
      } catch (err) {
        answer = formatAnswer({ stdout: '', stderr: `ipvsadm emulator server: ${err.message}\n`, status: 2 });
      }
      conn.end(answer);
    });
  });
  rmSync(socketPath, { force: true });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve(server));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [socketPath, statePath] = process.argv.slice(2);
  if (!socketPath || !statePath) {
    process.stderr.write('usage: node server.mjs SOCKET STATE\n');
    process.exit(2);
  }
  const server = await serveEmulator(socketPath, statePath);
  process.stdout.write('ready\n');
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
