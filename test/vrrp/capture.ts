// Capture real VRRP adverts from Debian's keepalived, for golden tests of the
// codec (src/vrrp/packet.ts).
//
// Each capture runs in a namespace of its own (test/helpers/netns.ts): a veth
// pair eth0 <-> eth1 with fixed MAC addresses (so the IPv6 link-local source,
// and with it the checksum, is the same every run), keepalived as MASTER on
// eth0, and a small python3 sniffer on an AF_PACKET socket bound to eth1
// keeping protocol-112 frames. Nothing leaves the namespace; keepalived and
// the sniffer are stopped by their own pids, and the namespace is deleted
// afterwards, also on failure.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect } from 'vitest';
import {
  IPPROTO_VRRP,
  decodeAdvert,
  decodeIpv4Packet,
  encodeAdvert,
  encodeIpv4Packet,
  formatIpv6,
  parseIpv4Packet,
  type AdvertFields,
  type InstanceView,
} from '../../src/vrrp/packet.js';
import { Netns } from '../helpers/netns.js';

export const ETH0_MAC = '02:00:00:00:00:11';
export const ETH1_MAC = '02:00:00:00:00:12';
export const ETH0_IPV4 = '198.51.100.11';
export const ETH0_IPV6 = '2001:db8::11';
/** EUI-64 link-local address of ETH0_MAC. */
export const ETH0_LINK_LOCAL = 'fe80::ff:fe00:11';
/** A unicast peer that does not exist: a static neighbour entry sends its frames to eth1. */
export const PEER_IPV4 = '198.51.100.12';

/** The instance a scenario configures, in the codec's terms. */
export interface ScenarioInstance {
  version: 2 | 3;
  family: 4 | 6;
  vrid: number;
  priority: number;
  intervalCs: number;
  /** In the order keepalived puts them on the wire. */
  addresses: string[];
  authType: number;
  /** As configured (keepalived sends the first 8 bytes). */
  password?: string;
  src: string;
  dst: string;
  unicastPeers?: string[];
}

export interface CaptureScenario {
  /** Also the fixture's file name: test/vrrp/fixtures/NAME.json. */
  name: string;
  description: string;
  config: string;
  instance: ScenarioInstance;
  /** Adverts to collect while keepalived runs. */
  count: number;
  /** Then stop keepalived (SIGTERM) and collect its priority-0 advert. */
  priorityZero: boolean;
  neighbours?: { address: string; lladdr: string }[];
}

const instanceBlock = (body: string): string => `global_defs {
  router_id kts_pkt
}
vrrp_instance VI_1 {
  state MASTER
  interface eth0
${body}}
`;

export const SCENARIOS: CaptureScenario[] = [
  {
    name: 'v2-ipv4-pass',
    description: 'VRRPv2 over IPv4, PASS authentication with a 10-character password (sent cut to 8), two VIPs',
    config: instanceBlock(`  virtual_router_id 51
  priority 150
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass secretpw99
  }
  virtual_ipaddress {
    198.51.100.180/32
    198.51.100.181/32
  }
`),
    instance: {
      version: 2,
      family: 4,
      vrid: 51,
      priority: 150,
      intervalCs: 100,
      addresses: ['198.51.100.180', '198.51.100.181'],
      authType: 1,
      password: 'secretpw99',
      src: ETH0_IPV4,
      dst: '224.0.0.18',
    },
    count: 3,
    priorityZero: true,
  },
  {
    name: 'v3-ipv4',
    description: 'VRRPv3 over IPv4, advert_int 0.1 (10 cs), one VIP, multicast',
    config: instanceBlock(`  version 3
  virtual_router_id 52
  priority 200
  advert_int 0.1
  virtual_ipaddress {
    198.51.100.180/32
  }
`),
    instance: {
      version: 3,
      family: 4,
      vrid: 52,
      priority: 200,
      intervalCs: 10,
      addresses: ['198.51.100.180'],
      authType: 0,
      src: ETH0_IPV4,
      dst: '224.0.0.18',
    },
    count: 3,
    priorityZero: true,
  },
  {
    name: 'v3-ipv4-unicast',
    description: 'VRRPv3 over IPv4 to a unicast peer: the pseudo-header destination is the peer',
    config: instanceBlock(`  version 3
  virtual_router_id 54
  priority 180
  advert_int 0.5
  unicast_src_ip ${ETH0_IPV4}
  unicast_peer {
    ${PEER_IPV4}
  }
  virtual_ipaddress {
    198.51.100.180/32
    198.51.100.182/32
  }
`),
    instance: {
      version: 3,
      family: 4,
      vrid: 54,
      priority: 180,
      intervalCs: 50,
      addresses: ['198.51.100.180', '198.51.100.182'],
      authType: 0,
      src: ETH0_IPV4,
      dst: PEER_IPV4,
      unicastPeers: [PEER_IPV4],
    },
    count: 3,
    priorityZero: true,
    neighbours: [{ address: PEER_IPV4, lladdr: ETH1_MAC }],
  },
  {
    name: 'v3-ipv6',
    description: 'VRRPv3 over IPv6: a link-local VIP first, then a 2001:db8::/64 one; source is the link-local address',
    config: instanceBlock(`  version 3
  virtual_router_id 53
  priority 120
  advert_int 0.2
  virtual_ipaddress {
    fe80::53:1/64
    2001:db8::180/64
  }
`),
    instance: {
      version: 3,
      family: 6,
      vrid: 53,
      priority: 120,
      intervalCs: 20,
      addresses: ['fe80::53:1', '2001:db8::180'],
      authType: 0,
      src: ETH0_LINK_LOCAL,
      dst: 'ff02::12',
    },
    count: 3,
    priorityZero: true,
  },
];

export interface CapturedFrame {
  /** Milliseconds since keepalived was started. */
  atMs: number;
  /** The whole Ethernet frame. */
  frame: Buffer;
}

export interface CaptureResult {
  frames: CapturedFrame[];
  /** keepalived's output (-l -D), for failure messages. */
  log: string;
}

// Prints one JSON line per protocol-112 frame arriving on the interface.
const SNIFFER = `
import json, select, socket, sys, time
ifname = sys.argv[1]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((ifname, 0))
print('ready', file=sys.stderr, flush=True)
while True:
    select.select([s], [], [])
    data, addr = s.recvfrom(65535)
    if addr[2] == 4:  # PACKET_OUTGOING
        continue
    et = int.from_bytes(data[12:14], 'big')
    if et == 0x0800 and len(data) >= 34 and data[23] == 112:
        pass
    elif et == 0x86dd and len(data) >= 54 and data[20] == 112:
        pass
    else:
        continue
    print(json.dumps({'t': time.monotonic(), 'frame': data.hex()}), flush=True)
`;

/** Why a capture cannot run here (no python3 or keepalived), or undefined. */
export function captureUnavailableReason(): string | undefined {
  for (const [cmd, args] of [
    ['python3', ['--version']],
    ['keepalived', ['--version']],
  ] as const) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.error) return `${cmd} is not installed (${r.error.message})`;
  }
  return undefined;
}

/** The priority byte of a captured frame's VRRP message, or undefined. */
export function framePriority(frame: Buffer): number | undefined {
  const et = frame.readUInt16BE(12);
  if (et === 0x0800) return frame[14 + (frame[14] & 0x0f) * 4 + 2];
  if (et === 0x86dd) return frame[14 + 40 + 2];
  return undefined;
}

function waitForLine(stream: NodeJS.ReadableStream, pattern: RegExp, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: stream });
    const timer = setTimeout(() => {
      rl.close();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    rl.on('line', (line) => {
      if (pattern.test(line)) {
        clearTimeout(timer);
        rl.close();
        resolve();
      }
    });
  });
}

function stop(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(child.pid, signal);
    } catch {
      /* already gone */
    }
  }
}

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Run keepalived with the scenario's config in a fresh namespace and capture its adverts. */
export async function captureAdverts(scenario: CaptureScenario, timeoutMs = 20_000): Promise<CaptureResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kts-pkt-'));
  const ns = Netns.create(`pkt-${scenario.name}`.slice(0, 40));
  let sniffer: ChildProcess | undefined;
  let keepalived: ChildProcess | undefined;
  let log = '';
  try {
    // No duplicate address detection: addresses are usable at once.
    ns.run(['sh', '-c', 'echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad; echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad']);
    ns.ip('link', 'add', 'eth0', 'address', ETH0_MAC, 'type', 'veth', 'peer', 'name', 'eth1', 'address', ETH1_MAC);
    ns.ip('link', 'set', 'eth0', 'up');
    ns.ip('link', 'set', 'eth1', 'up');
    ns.ip('addr', 'add', `${ETH0_IPV4}/24`, 'dev', 'eth0');
    ns.ip('addr', 'add', `${ETH0_IPV6}/64`, 'dev', 'eth0', 'nodad');
    for (const n of scenario.neighbours ?? []) ns.ip('neigh', 'replace', n.address, 'lladdr', n.lladdr, 'dev', 'eth0', 'nud', 'permanent');

    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, scenario.config);

    sniffer = ns.spawn(['python3', '-c', SNIFFER, 'eth1']);
    await waitForLine(sniffer.stderr!, /^ready$/, 10_000, 'the sniffer');

    const frames: CapturedFrame[] = [];
    const started = process.hrtime.bigint();
    let onFrame: (() => void) | undefined;
    createInterface({ input: sniffer.stdout! }).on('line', (line) => {
      try {
        const { frame } = JSON.parse(line) as { frame: string };
        frames.push({ atMs: Number(process.hrtime.bigint() - started) / 1e6, frame: Buffer.from(frame, 'hex') });
        onFrame?.();
      } catch {
        /* not a frame line */
      }
    });
    const until = (pred: () => boolean, ms: number): Promise<boolean> =>
      new Promise((resolve) => {
        if (pred()) return resolve(true);
        const timer = setTimeout(() => {
          onFrame = undefined;
          resolve(false);
        }, ms);
        onFrame = () => {
          if (pred()) {
            clearTimeout(timer);
            onFrame = undefined;
            resolve(true);
          }
        };
      });

    keepalived = ns.spawn([
      'keepalived', '-n', '-l', '-D', '-P',
      '-f', conf,
      '-p', join(dir, 'keepalived.pid'),
      '-r', join(dir, 'vrrp.pid'),
      '-c', join(dir, 'checkers.pid'),
      '-b', join(dir, 'bfd.pid'),
    ]);
    keepalived.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    keepalived.stderr!.on('data', (d: Buffer) => (log += d.toString()));

    const got = await until(() => frames.length >= scenario.count, timeoutMs);
    if (!got) throw new Error(`captured ${frames.length} of ${scenario.count} adverts in ${timeoutMs} ms; keepalived said:\n${log}`);
    if (scenario.priorityZero) {
      const before = frames.length;
      stop(keepalived, 'SIGTERM');
      const zero = await until(() => frames.slice(before).some((f) => framePriority(f.frame) === 0), 10_000);
      if (!zero) throw new Error(`no priority-0 advert after SIGTERM; keepalived said:\n${log}`);
      await exited(keepalived, 10_000);
    }
    return { frames, log };
  } finally {
    stop(keepalived, 'SIGKILL');
    stop(sniffer, 'SIGKILL');
    if (keepalived) await exited(keepalived, 5_000);
    if (sniffer) await exited(sniffer, 5_000);
    ns.delete();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The IPv6 header fields the codec's tests need (the kernel hides them from a raw socket). */
export interface Ipv6Header {
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  src: Buffer;
  dst: Buffer;
}

export function parseIpv6Header(packet: Buffer): Ipv6Header {
  if (packet.length < 40 || packet[0] >> 4 !== 6) throw new Error('not an IPv6 packet');
  const first = packet.readUInt32BE(0);
  return {
    trafficClass: (first >>> 20) & 0xff,
    flowLabel: first & 0xfffff,
    payloadLength: packet.readUInt16BE(4),
    nextHeader: packet[6],
    hopLimit: packet[7],
    src: packet.subarray(8, 24),
    dst: packet.subarray(24, 40),
  };
}

// ---------------------------------------------------------------------------
// Checking a captured frame against the codec (used by the live capture test
// and by the fixture test)

export interface FrameFacts {
  /** IPv4 TOS or IPv6 traffic class. */
  tos: number;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  /** IPv4 only. */
  id?: number;
  /** IPv4 flag bits (DF = 2). */
  flags?: number;
  flowLabel?: number;
  priority: number;
  checksumForm: string;
}

/** The Ethernet destination of a frame carrying an advert to `dst`. */
export function expectedDestinationMac(instance: ScenarioInstance): string {
  if (instance.unicastPeers?.length) return ETH1_MAC;
  return instance.family === 4 ? '01:00:5e:00:00:12' : '33:33:00:00:00:12';
}

function mac(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/**
 * Decode a captured frame with the codec (as the receiving instance of the
 * same config would) and encode the decoded fields again: both must agree
 * with the bytes keepalived sent. Throws (via expect) on any difference.
 */
export function verifyCapturedFrame(frame: Buffer, instance: ScenarioInstance): FrameFacts {
  expect(mac(frame.subarray(0, 6))).toBe(expectedDestinationMac(instance));
  expect(mac(frame.subarray(6, 12))).toBe(ETH0_MAC);
  const view: InstanceView = {
    version: instance.version,
    authType: instance.authType,
    password: instance.password,
    intervalCs: instance.intervalCs,
    addresses: instance.addresses,
    // The receiving side of a unicast advert has the sender as its peer.
    unicastPeers: instance.unicastPeers ? [{ address: instance.src }] : undefined,
    checkUnicastSrc: instance.unicastPeers !== undefined,
  };
  const fields = (priority: number): AdvertFields => ({
    version: instance.version,
    family: instance.family,
    vrid: instance.vrid,
    priority,
    intervalCs: instance.intervalCs,
    addresses: instance.addresses,
    authType: instance.authType,
    authData: instance.password ?? '',
  });
  const packet = frame.subarray(14);
  if (instance.family === 4) {
    expect(frame.readUInt16BE(12)).toBe(0x0800);
    const ip = parseIpv4Packet(packet);
    if (!ip.ok) throw new Error(`IPv4 header: ${ip.detail}`);
    expect(ip.header).toMatchObject({ headerLength: 20, src: instance.src, dst: instance.dst, protocol: IPPROTO_VRRP });
    // No Ethernet padding on a veth: the frame ends with the IP packet.
    expect(packet.length).toBe(ip.header.totalLength);
    const decoded = decodeIpv4Packet(packet, { instance: view });
    if (!decoded.ok) throw new Error(`decoder dropped the advert: ${decoded.reason} (${decoded.detail})`);
    const priority = decoded.advert.priority;
    expect(priority === instance.priority || priority === 0).toBe(true);
    expect(decoded.advert).toMatchObject({
      version: instance.version,
      type: 1,
      vrid: instance.vrid,
      intervalCs: instance.intervalCs,
      addresses: instance.addresses,
      authType: instance.authType,
    });
    const message = encodeAdvert(fields(priority), { src: instance.src, dst: instance.dst });
    expect(message.toString('hex')).toBe(ip.payload.toString('hex'));
    // The whole IP packet, header checksum included, from the captured id.
    const rebuilt = encodeIpv4Packet(message, { src: instance.src, dst: instance.dst, id: ip.header.id, ttl: ip.header.ttl, tos: ip.header.tos });
    expect(rebuilt.toString('hex')).toBe(packet.toString('hex'));
    return {
      tos: ip.header.tos,
      ttl: ip.header.ttl,
      id: ip.header.id,
      flags: ip.header.flags,
      priority,
      checksumForm: decoded.checksumForm,
    };
  }
  expect(frame.readUInt16BE(12)).toBe(0x86dd);
  const h = parseIpv6Header(packet);
  expect(h.nextHeader).toBe(IPPROTO_VRRP);
  expect(formatIpv6(h.src)).toBe(instance.src);
  expect(formatIpv6(h.dst)).toBe(instance.dst);
  const message = packet.subarray(40, 40 + h.payloadLength);
  expect(message.length).toBe(packet.length - 40);
  const decoded = decodeAdvert(message, {
    family: 6,
    src: formatIpv6(h.src),
    dst: formatIpv6(h.dst),
    ttl: h.hopLimit,
    checksumVerified: false,
    instance: view,
  });
  if (!decoded.ok) throw new Error(`decoder dropped the advert: ${decoded.reason} (${decoded.detail})`);
  const priority = decoded.advert.priority;
  expect(priority === instance.priority || priority === 0).toBe(true);
  expect(decoded.advert).toMatchObject({ version: instance.version, type: 1, vrid: instance.vrid, intervalCs: instance.intervalCs, addresses: instance.addresses });
  const encoded = encodeAdvert(fields(priority), { src: instance.src, dst: instance.dst });
  expect(encoded.toString('hex')).toBe(message.toString('hex'));
  return { tos: h.trafficClass, ttl: h.hopLimit, flowLabel: h.flowLabel, priority, checksumForm: decoded.checksumForm };
}
