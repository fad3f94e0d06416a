#!/usr/bin/env node
// The guest half of bench/kernel-checks.mjs: runs inside the kernel tier's
// QEMU guest (the host's node over 9p) and gives the benchmark one clock,
// the guest's, for everything that happens there:
//   - starts a director (keepalived or keepalived-ts) and stamps each line
//     of its output with the time this process read it: keepalived's console
//     lines carry only seconds, and both programs are treated alike;
//   - polls the kernel's IPVS table (/proc/net/ip_vs) while asked to and
//     reports each change with the time of the read that saw it;
//   - signals the director and reports when it did;
//   - reads CPU and memory of guest processes from the guest's /proc;
//   - answers time pings, from which the host estimates the clock offset.
//
//   node kernel-guest-director.mjs LISTEN_ADDRESS PORT
//
// Control: one TCP connection (from a relay in a namespace on the guest's
// bridge), JSON lines. Requests carry an id and get one answer with it;
// events are pushed without one:
//   {id, op:'time'}                          -> {id, t}
//   {id, op:'write', path, text, mode?}      -> {id}        (a file in the guest, directories made)
//   {id, op:'read', path}                    -> {id, text}  ('' if missing)
//   {id, op:'start', argv}                   -> {id, pid, t}
//   {id, op:'signal', signal}                -> {id, t}     (to the director)
//   {id, op:'watch', everyMs}                -> {id, t, baseline: [[rs, weight], ...], readMs: [ms, ...]}
//                                               (0: stop polling; readMs: the polls' read times since the last watch)
//   {id, op:'table'}                         -> {id, t, dests: [[rs, weight], ...]}
//   {id, op:'proc', pidFiles: [path, ...]}   -> {id, t, procs: [{pid, cpu, childrenCpu, rss, peak} | null, ...]}
//   event {ev:'log', t, line} | {ev:'table', t, set: [[rs, weight], ...], del: [rs, ...], size}
//         | {ev:'exit', t, code, signal}
// t: wall milliseconds of the guest (performance.timeOrigin + now).
// A destination is keyed by its real server address:port alone: in the
// benchmark's layout (bench/lib/checks-layout.mjs) no two virtual servers
// share one.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { childrenCpuSeconds, cpuSeconds, memoryMb, wallNow } from './checks-observe.mjs';

const [address, port] = process.argv.slice(2);
if (!address || !port) throw new Error('usage: kernel-guest-director.mjs LISTEN_ADDRESS PORT');

let connection;
const send = (o) => connection?.write(`${JSON.stringify(o)}\n`);

// --- the IPVS table

const hexAddress = (h) => [0, 2, 4, 6].map((i) => parseInt(h.slice(i, i + 2), 16)).join('.');

const readTableText = () => readFileSync('/proc/net/ip_vs', 'utf8');

/** The kernel's destinations: real server `a.b.c.d:port` -> weight (IPv4; the benchmark uses no other). */
function parseTable(text) {
  const dests = new Map();
  for (const line of text.split('\n')) {
    const m = /^\s+->\s+([0-9A-F]{8}):([0-9A-F]{4})\s+\S+\s+(\d+)/.exec(line);
    if (m) dests.set(`${hexAddress(m[1])}:${parseInt(m[2], 16)}`, Number(m[3]));
  }
  return dests;
}

let tableText = readTableText();
let table = parseTable(tableText);
let watchTimer;
let watchEveryMs = 0;
/** How long each poll's read took since the last watch request (ms). */
let readMs = [];

function pollTable() {
  const t = wallNow();
  const text = readTableText();
  // Parsed and compared only when it changed: most polls see the same table,
  // and the guest's vCPU is the director's too.
  if (text !== tableText) {
    const now = parseTable(text);
    const set = [];
    const del = [];
    for (const [rs, w] of now) if (table.get(rs) !== w) set.push([rs, w]);
    for (const rs of table.keys()) if (!now.has(rs)) del.push(rs);
    tableText = text;
    table = now;
    if (set.length > 0 || del.length > 0) send({ ev: 'table', t, set, del, size: now.size });
  }
  readMs.push(wallNow() - t);
  // The next read `everyMs` after this one ended: a slow read never piles up.
  if (watchEveryMs > 0) watchTimer = setTimeout(pollTable, watchEveryMs);
}

/** Polls every `everyMs` from now on (0: stops); the table now, the base later changes apply to. */
function watch(everyMs) {
  clearTimeout(watchTimer);
  watchEveryMs = everyMs;
  tableText = readTableText();
  table = parseTable(tableText);
  if (everyMs > 0) watchTimer = setTimeout(pollTable, everyMs);
  return [...table];
}

// --- the director

let director;

/** Each line of `stream`, stamped with the time its chunk was read. */
function stampLines(stream) {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (d) => {
    const t = wallNow();
    const lines = (buffered + d).split('\n');
    buffered = lines.pop();
    for (const line of lines) if (line) send({ ev: 'log', t, line });
  });
}

function start(argv) {
  if (director && director.exitCode === null && director.signalCode === null) throw new Error('a director is already running');
  const t = wallNow();
  director = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  stampLines(director.stdout);
  stampLines(director.stderr);
  director.once('error', (err) => send({ ev: 'log', t: wallNow(), line: `spawn failed: ${err.message}` }));
  director.once('exit', (code, signal) => send({ ev: 'exit', t: wallNow(), code, signal }));
  return { pid: director.pid, t };
}

// --- /proc

function procOf(pidFile) {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    return { pid, cpu: cpuSeconds(pid), childrenCpu: childrenCpuSeconds(pid), ...memoryMb(pid) };
  } catch {
    return null; // not written yet, or the process is gone
  }
}

// --- control

const OPS = {
  time: () => ({}),
  write: ({ path, text, mode }) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    if (mode !== undefined) chmodSync(path, mode);
    return {};
  },
  read: ({ path }) => {
    try {
      return { text: readFileSync(path, 'utf8') };
    } catch {
      return { text: '' };
    }
  },
  start: ({ argv }) => start(argv),
  signal: ({ signal }) => {
    const t = wallNow();
    director.kill(signal);
    return { t };
  },
  watch: ({ everyMs }) => {
    const reads = readMs;
    readMs = [];
    return { baseline: watch(everyMs), readMs: reads };
  },
  table: () => ({ dests: [...parseTable(readTableText())] }),
  proc: ({ pidFiles }) => ({ procs: pidFiles.map(procOf) }),
};

createServer((socket) => {
  connection?.destroy();
  connection = socket;
  socket.setNoDelay(true);
  socket.on('error', () => {});
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (d) => {
    const lines = (buffered + d).split('\n');
    buffered = lines.pop();
    for (const line of lines) {
      if (!line.trim()) continue;
      const req = JSON.parse(line);
      const t = wallNow();
      try {
        send({ t, ...OPS[req.op](req), id: req.id });
      } catch (err) {
        send({ id: req.id, t, error: err.message });
      }
    }
  });
}).listen({ host: address, port: Number(port) }, () => process.stdout.write('listening\n'));
