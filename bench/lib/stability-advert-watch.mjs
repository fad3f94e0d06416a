// A third host's view of the VRRP adverts on the segment, for
// bench/stability.mjs: run inside a namespace, it joins 224.0.0.18 on an
// interface (with the project's own raw VRRP socket, dist/net/vrrp-socket.js)
// and prints one JSON line per IPv4 advert: {"s": source, "p": priority,
// "t": wall-clock ms}. It never sends anything.
//
//   node bench/lib/stability-advert-watch.mjs IFACE SOURCE_ADDRESS
import { VrrpSocket } from '../../dist/net/vrrp-socket.js';

const [iface, sourceAddress] = process.argv.slice(2);
if (!iface || !sourceAddress) {
  console.error('usage: stability-advert-watch.mjs IFACE SOURCE_ADDRESS');
  process.exit(2);
}
const opened = VrrpSocket.open({ interface: iface, family: 4, sourceAddress });
if (!opened.ok) {
  console.error(opened.error);
  process.exit(1);
}
opened.socket.onPacket((packet) => {
  const b = packet.bytes;
  const ihl = (b[0] & 0x0f) * 4;
  if (b.length < ihl + 8) return;
  process.stdout.write(`${JSON.stringify({ s: packet.source, p: b[ihl + 2], t: performance.timeOrigin + packet.receivedAt })}\n`);
});
opened.socket.onError((e) => {
  console.error(e);
  process.exit(1);
});
// raw-socket's poll handle neither keeps node running nor keeps the socket
// from being garbage-collected (which closes it): hold it here.
setInterval(() => opened.socket.isClosed && process.exit(1), 60_000);
console.error('watching');
