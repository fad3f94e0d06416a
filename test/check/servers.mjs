// Test servers for the checker tests, run inside a network namespace:
//   node servers.mjs '<json>'
// where json = [{ kind, host, port, ... }], one entry per listener. Kinds:
//   tcp     accept and close
//   http    serve `routes` { path: { status, body, chunked } }; others 404
//   https   the same over TLS (`cert`, `key` are PEM file paths); with
//           `requestCert`, asks for a client certificate (any is accepted)
//   reset   accept, read the request, answer with a TCP reset
//   silent  accept, read, never answer
// Prints "ready" once every listener listens, then one JSON line per request:
// { port, method, url, httpVersion, headers, remote, servername, clientCert }
// (clientCert: the CN of the client's certificate, or null).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

const listeners = JSON.parse(process.argv[2]);

function log(entry) {
  process.stdout.write(`${JSON.stringify(entry)}\n`);
}

function handler(l) {
  return (req, res) => {
    log({
      port: l.port,
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      headers: req.headers,
      remote: req.socket.remoteAddress,
      servername: req.socket.servername ?? null,
      clientCert: req.socket.getPeerCertificate?.()?.subject?.CN ?? null,
    });
    const route = l.routes?.[req.url];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    const body = Buffer.from(route.body ?? '');
    if (route.chunked) {
      // No Content-Length: chunked for an HTTP/1.1 request, close-delimited for 1.0.
      res.writeHead(route.status ?? 200, { 'content-type': 'text/plain' });
      const half = Math.floor(body.length / 2);
      res.write(body.subarray(0, half));
      setTimeout(() => res.end(body.subarray(half)), 5);
    } else {
      res.writeHead(route.status ?? 200, { 'content-type': 'text/plain', 'content-length': body.length });
      res.end(body);
    }
  };
}

function listen(server, l) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: l.host, port: l.port }, resolve);
  });
}

const servers = [];
for (const l of listeners) {
  let server;
  switch (l.kind) {
    case 'tcp':
      server = net.createServer((socket) => socket.end());
      break;
    case 'http':
      server = http.createServer(handler(l));
      break;
    case 'https':
      server = https.createServer(
        { cert: readFileSync(l.cert), key: readFileSync(l.key), ...(l.requestCert ? { requestCert: true, rejectUnauthorized: false } : {}) },
        handler(l),
      );
      break;
    case 'reset':
      server = net.createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
      break;
    case 'silent':
      server = net.createServer((socket) => socket.on('data', () => {}));
      break;
    default:
      throw new Error(`unknown listener kind ${l.kind}`);
  }
  servers.push(server);
  await listen(server, l);
}
process.stdout.write('ready\n');
