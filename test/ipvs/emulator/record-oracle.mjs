#!/usr/bin/env node
// Records what a real ipvsadm prints for every step of ORACLE_CASES, for the
// emulator's golden test. Run it where ipvsadm can reach kernel IPVS (as
// root, in a throwaway machine: it clears the table before every case):
//   node test/ipvs/emulator/record-oracle.mjs OUT.json [IPVSADM]
// fixtures/ipvsadm-1.31-linux-6.1.json came from Debian 12's ipvsadm
// 1:1.31-1+b1 on its kernel 6.1.0-56 in a QEMU guest (this repository seen
// over 9p), with the host's /etc/hosts and /etc/services (fixtures/hosts,
// fixtures/services hold the lines that matter).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { ORACLE_CASES } from './oracle-cases.mjs';

const [out, bin = 'ipvsadm'] = process.argv.slice(2);
if (!out) {
  console.error('usage: record-oracle.mjs OUT.json [IPVSADM]');
  process.exit(2);
}

function run(args, stdin = '') {
  // argv0 "ipvsadm" so that usage messages name the program as callers see it.
  const r = spawnSync(bin, args, { input: stdin, encoding: 'utf8', argv0: 'ipvsadm', timeout: 30_000 });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, ...(r.signal ? { signal: r.signal } : {}) };
}

const version = run(['--version']).stdout.trim();
const cases = ORACLE_CASES.map((c) => {
  const clear = run(['-C']);
  if (clear.status !== 0) throw new Error(`ipvsadm -C failed: ${clear.stderr}`);
  const steps = c.steps.map((step) => {
    const { args, stdin } = Array.isArray(step) ? { args: step, stdin: undefined } : step;
    return { args, ...(stdin !== undefined ? { stdin } : {}), ...run(args, stdin) };
  });
  return { name: c.name, steps };
});
run(['-C']);
writeFileSync(out, JSON.stringify({ ipvsadm: version, kernel: release(), cases }, null, 1) + '\n');
console.log(`recorded ${cases.reduce((n, c) => n + c.steps.length, 0)} steps from ${version} on ${release()}`);
