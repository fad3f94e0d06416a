// Adapter: unsolicited Neighbour Advertisements (RFC 4861 7.2.6), the IPv6
// counterpart of a gratuitous ARP: ICMPv6 type 136 to all-nodes (ff02::1)
// with the Override flag and the interface's MAC as target link-layer
// address, hop limit 255 (receivers drop anything else). Nodes that have the
// VIP in their neighbour cache switch it to the new master's MAC at once.
// One raw ICMPv6 socket per interface, opened for a burst and closed after;
// the kernel fills in the checksum and picks the link-local source.
// Nothing throws: every outcome is a value.
import { readFileSync } from 'node:fs';
import { ipv6ToBytes } from '../vrrp/packet.js';
import { createRawSocket, sendDatagram } from './raw-socket.js';

const IPPROTO_ICMPV6 = 58;
const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const IPPROTO_IPV6 = 41;
const IPV6_MULTICAST_IF = 17;
const IPV6_MULTICAST_HOPS = 18;
const ND_NEIGHBOR_ADVERT = 136;
const ND_OPT_TARGET_LINKADDR = 2;
const NA_FLAG_OVERRIDE = 0x20000000;
const ALL_NODES = 'ff02::1';

/** The NA message (checksum left 0 for the kernel). undefined for a bad address or MAC. */
export function buildNeighbourAdvert(target: string, mac: string): Buffer | undefined {
  const addr = ipv6ToBytes(target);
  const macBytes = mac.split(':').map((h) => Number.parseInt(h, 16));
  if (!addr || macBytes.length !== 6 || macBytes.some((b) => !(b >= 0 && b <= 255))) return undefined;
  const b = Buffer.alloc(32);
  b[0] = ND_NEIGHBOR_ADVERT;
  b.writeUInt32BE(NA_FLAG_OVERRIDE, 4);
  Buffer.from(addr).copy(b, 8);
  b[24] = ND_OPT_TARGET_LINKADDR;
  b[25] = 1;
  Buffer.from(macBytes).copy(b, 26);
  return b;
}

/** MAC and index of an interface, from sysfs (no process spawned). */
function linkOf(dev: string): { mac: string; index: number } | string {
  try {
    const base = `/sys/class/net/${dev}`;
    return { mac: readFileSync(`${base}/address`, 'utf8').trim(), index: Number(readFileSync(`${base}/ifindex`, 'utf8').trim()) };
  } catch (e) {
    return `interface ${dev}: ${(e as Error).message}`;
  }
}

function uint32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return b;
}

/** Send `count` unsolicited NAs for each target on `dev`; resolves to frames sent and failures. */
export async function sendUnsolicitedNa(dev: string, targets: readonly string[], count: number): Promise<{ sent: number; failures: { target: string; message: string }[] }> {
  const failures: { target: string; message: string }[] = [];
  const link = linkOf(dev);
  if (typeof link === 'string') return { sent: 0, failures: targets.map((target) => ({ target, message: link })) };
  const socket = createRawSocket(IPPROTO_ICMPV6, 6);
  if (socket instanceof Error) return { sent: 0, failures: targets.map((target) => ({ target, message: socket.message })) };
  try {
    socket.on('error', () => {});
    const name = Buffer.from(`${dev}\0`);
    socket.setOption(SOL_SOCKET, SO_BINDTODEVICE, name, name.length);
    socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_IF, uint32(link.index), 4);
    socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, uint32(255), 4);
  } catch (e) {
    socket.close();
    return { sent: 0, failures: targets.map((target) => ({ target, message: `cannot open an ICMPv6 socket on ${dev}: ${(e as Error).message}` })) };
  }
  let sent = 0;
  try {
    for (const target of targets) {
      const message = buildNeighbourAdvert(target, link.mac);
      if (!message) {
        failures.push({ target, message: `cannot build a neighbour advertisement for ${target} (MAC ${link.mac})` });
        continue;
      }
      for (let i = 0; i < count; i++) {
        const r = await sendDatagram(socket, message, ALL_NODES);
        if (r.ok) sent++;
        else failures.push({ target, message: `sending the neighbour advertisement failed: ${r.error}` });
      }
    }
  } finally {
    socket.close();
  }
  return { sent, failures };
}
