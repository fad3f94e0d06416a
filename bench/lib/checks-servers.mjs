#!/usr/bin/env node
// The real servers of bench/checks.mjs: one process (run inside the real
// servers' namespace) holding one listening socket per real server, each
// bound to that server's own address:port, so a subset can stop answering
// (its listeners close: the next connect is refused) while the rest go on.
//
//   node checks-servers.mjs tcp|http COUNT PORT_BASE
//
// Listener i is real server i of bench/lib/checks-layout.mjs.
//   tcp   accept, read until the peer closes, close (TCP_CHECK connects and hangs up).
//   http  answer one request with 200 "ok\n" and close (Connection: close), a
//         minimal responder so the servers cost as little CPU as possible.
//
// Control: one JSON object a line on stdin, one a line back on stdout.
//   {"op":"close","keys":[i,...]}  -> {"ev":"closed","at":WALL_MS}
//   {"op":"open","keys":[i,...]}   -> {"ev":"opened","at":WALL_MS}
//   {"op":"count"}                 -> {"ev":"count","accepted":N,"at":WALL_MS}
// At start: {"ev":"ready","listeners":N}. WALL_MS: epoch milliseconds.
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { realServers } from './checks-layout.mjs';

const [kind, count, portBase] = process.argv.slice(2);
if (kind !== 'tcp' && kind !== 'http') throw new Error('usage: checks-servers.mjs tcp|http COUNT PORT_BASE');
const endpoints = realServers(Number(count), Number(portBase)).map((s) => [s.address, s.checkPort]);

const wallNow = () => performance.timeOrigin + performance.now();
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const noop = () => {};

let accepted = 0;
const RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n';

function onTcp(socket) {
  accepted++;
  socket.on('error', noop);
  socket.on('end', () => socket.end());
  socket.resume();
}

function onHttp(socket) {
  accepted++;
  socket.on('error', noop);
  let head = '';
  socket.setEncoding('latin1');
  socket.on('data', (d) => {
    if (head === undefined) return;
    head += d;
    if (head.includes('\r\n\r\n')) {
      head = undefined;
      socket.end(RESPONSE);
    }
  });
  socket.on('end', () => socket.end());
}

const handler = kind === 'tcp' ? onTcp : onHttp;
const servers = new Array(endpoints.length);

function listen(i) {
  const [host, port] = endpoints[i];
  const server = createServer(handler);
  servers[i] = server;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: 1024, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(i) {
  const server = servers[i];
  servers[i] = undefined;
  // Closing the listening socket happens at once (the fd is closed in this
  // call); established connections finish on their own.
  server?.close();
}

for (let i = 0; i < endpoints.length; i += 500) {
  await Promise.all(endpoints.slice(i, i + 500).map((_, j) => listen(i + j)));
}
say({ ev: 'ready', listeners: endpoints.length });

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const msg = JSON.parse(line);
  if (msg.op === 'close') {
    for (const k of msg.keys) close(k);
    say({ ev: 'closed', at: wallNow() });
  } else if (msg.op === 'open') {
    await Promise.all(msg.keys.filter((k) => servers[k] === undefined).map(listen));
    say({ ev: 'opened', at: wallNow() });
  } else if (msg.op === 'count') {
    say({ ev: 'count', accepted, at: wallNow() });
  } else {
    say({ ev: 'error', message: `unknown op ${msg.op}` });
  }
}
