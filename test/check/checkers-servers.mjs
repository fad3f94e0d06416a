// Servers for the DNS, SMTP and UDP checker tests, run inside a network
// namespace:  node checkers-servers.mjs '<json>'  with json = [{ kind, host, port, mode }].
//   dns   modes: ok (NOERROR, one A record), nxdomain (RCODE 3), wrongid
//         (answers with another id), silent (never answers)
//   smtp  modes: ok, badbanner (554 greeting), badhelo (500 to HELO),
//         multiline (220- continuation lines), silent (accepts, says nothing)
//   udp   modes: echo (sends the datagram back), fixed (answers `reply`, hex),
//         silent (never answers)
// Prints "ready" once every listener is bound, then one JSON line per request
// it saw: { kind, port, remote, data } (data: hex of a datagram, or the line
// an SMTP client sent).
import dgram from 'node:dgram';
import net from 'node:net';

const listeners = JSON.parse(process.argv[2]);
const log = (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`);

function dnsAnswer(query, mode) {
  const id = query.readUInt16BE(0);
  // The question: from byte 12 to the end of QTYPE / QCLASS.
  let i = 12;
  while (i < query.length && query[i] !== 0) i += query[i] + 1;
  const question = query.subarray(12, i + 5);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(mode === 'wrongid' ? (id + 1) & 0xffff : id, 0);
  const rcode = mode === 'nxdomain' ? 3 : 0;
  header.writeUInt16BE(0x8000 | 0x0100 | 0x0080 | rcode, 2); // QR, RD, RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rcode === 0 ? 1 : 0, 6);
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 51, 100, 80]);
  return Buffer.concat([header, question, rcode === 0 ? answer : Buffer.alloc(0)]);
}

function udpServer(l, onMessage) {
  const socket = dgram.createSocket(net.isIPv6(l.host) ? 'udp6' : 'udp4');
  socket.on('message', (msg, rinfo) => {
    log({ kind: l.kind, port: l.port, remote: rinfo.address, data: msg.toString('hex') });
    onMessage(msg, (reply) => socket.send(reply, rinfo.port, rinfo.address));
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(l.port, l.host, resolve);
  });
}

function smtpServer(l) {
  const server = net.createServer((socket) => {
    socket.setEncoding('latin1');
    if (l.mode === 'silent') return socket.on('data', () => {});
    if (l.mode === 'badbanner') socket.write('554 no service here\r\n');
    else if (l.mode === 'multiline') socket.write('220-mail.example ESMTP\r\n220-more greeting\r\n220 ready\r\n');
    else socket.write('220 mail.example ESMTP test\r\n');
    let buffered = '';
    socket.on('data', (d) => {
      buffered += d;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).replace(/\r$/, '');
        buffered = buffered.slice(nl + 1);
        log({ kind: 'smtp', port: l.port, remote: socket.remoteAddress, data: line });
        if (/^HELO /i.test(line)) socket.write(l.mode === 'badhelo' ? '500 go away\r\n' : '250 mail.example\r\n');
        else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
        else socket.write('502 not implemented\r\n');
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: l.host, port: l.port }, resolve);
  });
}

for (const l of listeners) {
  if (l.kind === 'dns') {
    await udpServer(l, (msg, reply) => {
      if (l.mode !== 'silent' && msg.length >= 12) reply(dnsAnswer(msg, l.mode));
    });
  } else if (l.kind === 'udp') {
    await udpServer(l, (msg, reply) => {
      if (l.mode === 'echo') reply(msg);
      else if (l.mode === 'fixed') reply(Buffer.from(l.reply, 'hex'));
    });
  } else if (l.kind === 'smtp') {
    await smtpServer(l);
  } else {
    throw new Error(`unknown listener kind ${l.kind}`);
  }
}
process.stdout.write('ready\n');
