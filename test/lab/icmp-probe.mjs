#!/usr/bin/env node
// The lab client's probe: an ICMP echo request to TARGET every INTERVAL_MS
// milliseconds (iputils ping is not installed everywhere; raw-socket is a
// dependency already), and one JSON line per echo reply on stdout:
//   {"n":12,"sent":1712345678901.2,"t":1712345678901.9}
// n: the request's number (1, 2, ...; the ICMP sequence number is n modulo
// 65536), sent / t: wall-clock milliseconds when the request was sent and the
// reply received, so the
// caller can measure the gaps in the replies with this process's own clock.
// Runs until killed. Usage: node icmp-probe.mjs TARGET [INTERVAL_MS]
import { createRequire } from 'node:module';

const raw = createRequire(import.meta.url)('raw-socket');
const [target, intervalArg] = process.argv.slice(2);
if (!target) {
  process.stderr.write('usage: icmp-probe.mjs TARGET [INTERVAL_MS]\n');
  process.exit(2);
}
const intervalMs = Number(intervalArg ?? 10);
const id = process.pid & 0xffff;
const wallNow = () => performance.timeOrigin + performance.now();
const sentAt = new Map();

const socket = raw.createSocket({ protocol: raw.Protocol.ICMP });
socket.on('error', (e) => {
  process.stderr.write(`icmp-probe: ${e.message}\n`);
  process.exit(1);
});
socket.on('message', (buf, source) => {
  const t = wallNow();
  if (source !== target) return;
  // IPv4 raw sockets hand over the IP header too.
  const icmp = (buf[0] & 0x0f) * 4;
  if (buf.length < icmp + 8 || buf[icmp] !== 0 || buf.readUInt16BE(icmp + 4) !== id) return;
  const request = sentAt.get(buf.readUInt16BE(icmp + 6));
  if (!request) return; // a duplicate, or older than the last 1000 requests
  sentAt.delete(buf.readUInt16BE(icmp + 6));
  process.stdout.write(`${JSON.stringify({ n: request.n, sent: request.sent, t })}\n`);
});

let n = 0;
function sendOne() {
  n++;
  const seq = n & 0xffff;
  const packet = Buffer.alloc(16);
  packet[0] = 8; // echo request
  packet.writeUInt16BE(id, 4);
  packet.writeUInt16BE(seq, 6);
  raw.writeChecksum(packet, 2, raw.createChecksum(packet));
  sentAt.set(seq, { n, sent: wallNow() });
  if (sentAt.size > 1000) sentAt.delete(sentAt.keys().next().value);
  // An unreachable neighbour makes sendto fail now and then: that is an outage, not an error.
  socket.send(packet, 0, packet.length, target, () => {});
}

// A fixed schedule (not "interval after the last send"), so timer lag does not stretch it.
const start = performance.now();
function tick() {
  sendOne();
  setTimeout(tick, Math.max(0, start + n * intervalMs - performance.now()));
}
tick();
