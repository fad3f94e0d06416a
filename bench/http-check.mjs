#!/usr/bin/env node
// Micro-benchmark of one HttpChecker (HTTP_GET) in-process: CPU per check.
//
//   node bench/http-check.mjs [CHECKS] [CONCURRENCY]
//   env: HTTP_MOD=path/to/checkers/http.js (default dist/), DIGEST=hex|none,
//        PROTO=1.0|1.0C|1.1, PORT (8081: nothing listens, refused),
//        NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' (flags for the measured process)
//
// Runs itself inside a network namespace of its own (test/helpers/netns.ts:
// a unique name, deleted even on failure; 198.51.100.1 on its loopback),
// forks a node HTTP server there, runs 200
// warm-up checks, then CHECKS checks CONCURRENCY at a time, and prints the
// client's CPU per check (user + system; the kernel's loopback work for the
// server side counts on the connecting side too). The namespace is deleted
// at the end, also on failure or Ctrl-C. Needs root.
import { fork } from 'node:child_process';
import http from 'node:http';
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ADDRESS = '198.51.100.1';
const BODY = 'hello world, this is a page\n';
const mode = process.argv[2];

if (mode === 'server') {
  http.createServer((_req, res) => res.end(BODY)).listen(8080, ADDRESS, () => process.send('up'));
} else if (mode === 'inner') {
  const server = fork(process.argv[1], ['server'], { execArgv: [] });
  try {
    await new Promise((resolve) => server.once('message', resolve));
    const { HttpChecker } = await import(process.env.HTTP_MOD ?? join(ROOT, 'dist', 'check', 'checkers', 'http.js'));
    const digest = process.env.DIGEST ?? 'none';
    const checker = new HttpChecker({
      type: 'HTTP_GET',
      host: ADDRESS,
      port: Number(process.env.PORT ?? 8080),
      connectTimeoutMs: 1000,
      urls: [{ path: '/', statusCodes: [[200, 299]], ...(digest !== 'none' ? { digest } : {}) }],
      httpProtocol: process.env.PROTO ?? '1.0',
    });
    const total = Number(process.argv[3] ?? 4000);
    const concurrency = Number(process.argv[4] ?? 50);
    const signal = new AbortController().signal;
    for (let i = 0; i < 200; i++) await checker.run(signal);
    let started = 0;
    let ok = 0;
    let last;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (started < total) {
          started++;
          last = await checker.run(signal);
          if (last.ok) ok++;
        }
      }),
    );
    const cpu = process.cpuUsage(c0);
    const ms = performance.now() - t0;
    const per = (us) => (us / total).toFixed(0);
    console.log(`${total} checks in ${ms.toFixed(0)} ms; client CPU per check ${per(cpu.user + cpu.system)} us (user ${per(cpu.user)}, system ${per(cpu.system)}); ok ${ok}; last: ${last.reason}`);
  } finally {
    server.kill();
  }
} else {
  // The namespace helper is the tests' TypeScript: loaded through the benchmarks' transpiling hook.
  register('./lib/kernel-ts-hooks.mjs', import.meta.url);
  const { Netns } = await import('../test/helpers/netns.ts');
  const ns = Netns.create('hbench');
  try {
    ns.addAddress('lo', `${ADDRESS}/32`);
    const nodeArgs = (process.env.NODE_ARGS ?? '').split(' ').filter(Boolean);
    const r = ns.run([process.execPath, ...nodeArgs, process.argv[1], 'inner', ...process.argv.slice(2)], { timeoutMs: 600_000 });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    process.exitCode = r.exitCode ?? 1;
  } finally {
    ns.delete();
  }
}
