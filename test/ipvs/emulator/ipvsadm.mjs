#!/usr/bin/env node
// A strict stand-in for ipvsadm 1.31 (Debian 12) for tests on a host whose
// kernel has no IPVS: it accepts and refuses what the real one does, with its
// messages and exit statuses, and keeps the "kernel" table in the JSON file
// named by IPVSADM_EMULATOR_STATE. Its answers are checked against ones
// recorded from the real ipvsadm on a real kernel (fixtures/). Known gaps:
// no DNS (only /etc/hosts), no sync daemon, no connections or counters, and
// with --nosort services come in the order they were added (the kernel uses
// its hash-table order).
import { readFileSync } from 'node:fs';
import { runIpvsadm } from './lib/run.mjs';
import { loadTable, lock, saveTable } from './lib/state.mjs';

const statePath = process.env.IPVSADM_EMULATOR_STATE;
if (!statePath) {
  process.stderr.write('ipvsadm emulator: set IPVSADM_EMULATOR_STATE to the file that holds the table\n');
  process.exit(2);
}

const args = process.argv.slice(2);
// -R waits for its batch before it touches the table (as the real one reads
// each line before applying it): a caller may start it long before the
// batch comes, and it must not hold the table's lock meanwhile.
const restores = args.some((a) => a === '--restore' || /^-[a-zA-Z]*R/.test(a));
const batch = restores ? readFileSync(0, 'utf8') : undefined;
const unlock = lock(statePath);
let result;
try {
  result = runIpvsadm(args, { table: loadTable(statePath), readStdin: () => batch ?? readFileSync(0, 'utf8') });
  saveTable(statePath, result.table);
} finally {
  unlock();
}
process.stdout.write(result.stdout);
process.stderr.write(result.stderr, () => {
  if (result.signal) process.kill(process.pid, result.signal);
  else process.exitCode = result.status;
});
