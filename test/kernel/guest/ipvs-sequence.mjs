// Runs one sequence of IPVS changes through the project's driver (src/ipvs:
// Ipvsadm, diffTables, teardownOperations, transpiled by test/helpers/transpile.ts)
// and prints what happened as JSON. The same file runs in the guest against
// the real ipvsadm and kernel, and on the host with the ipvsadm emulator first
// on PATH; ipvsadm.test.ts compares the two outputs.
//
//   node ipvs-sequence.mjs BUILD_DIR SEQUENCE.json
//
// Steps: { table: SAVE_TEXT, thresholds? }  bring the live table there (read, diff, one -R)
//        { teardown: true }                 remove what the earlier steps own
//        { raw: ARGS, input? }               one ipvsadm run as it is (for refusals)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [buildDir, sequenceFile] = process.argv.slice(2);
const load = (name) => import(pathToFileURL(join(buildDir, 'src', 'ipvs', name)).href);
const { Ipvsadm } = await load('ipvsadm.js');
const { diffTables, formatBatch, teardownOperations } = await load('diff.js');
const { formatSave, parseSave } = await load('table.js');

const adapter = new Ipvsadm({ timeoutMs: 60_000 });
let owned = { services: new Set(), destinations: new Set() };

/** The run's facts that both sides must share (not the argv path or timings). */
const runFacts = (r) => ({ exitCode: r.exitCode ?? null, signal: r.signal ?? null, stdout: r.stdout, stderr: r.stderr });

async function readLive(thresholds) {
  const r = await adapter.read({ thresholds });
  if (!r.ok) throw new Error(`read failed: ${r.failure.message}`);
  return r.table;
}

async function applyOps(operations) {
  const result = await adapter.apply(operations);
  return {
    batch: formatBatch(operations),
    apply: result.ok ? { ok: true, processes: result.processes } : { ok: false, message: result.failure.message, ...runFacts(result.failure) },
  };
}

async function after(thresholds) {
  const table = await readLive(thresholds);
  return { read: formatSave(table), ...(thresholds ? { readWithThresholds: table } : {}), save: runFacts(await adapter.run(['-Sn'])) };
}

const results = [];
for (const step of JSON.parse(readFileSync(sequenceFile, 'utf8'))) {
  if (step.raw) {
    results.push({ raw: step.raw, ...runFacts(await adapter.run(step.raw, step.input)) });
  } else if (step.teardown) {
    const applied = await applyOps(teardownOperations(await readLive(false), owned));
    owned = { services: new Set(), destinations: new Set() };
    results.push({ teardown: true, ...applied, ...(await after(false)) });
  } else {
    const diff = diffTables(await readLive(step.thresholds), parseSave(step.table), owned);
    owned = diff.owned;
    results.push({ table: step.table, ...(step.thresholds ? { thresholds: true } : {}), ...(await applyOps(diff.operations)), ...(await after(step.thresholds)) });
  }
}
process.stdout.write(`${JSON.stringify(results, null, 1)}\n`);
