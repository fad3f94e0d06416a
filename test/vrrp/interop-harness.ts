// A small program the namespace tests run inside a network namespace (no
// daemon exists yet): it wires the real adapters (src/net) to the VRRP
// runtime (src/vrrp/instance.ts). It prints one JSON object per line on
// stdout; `t` is milliseconds since the program started.
//
//   instance --config FILE [--instance NAME] [--lease VALID_S:REFRESH_MS]
//       Read a keepalived config, run one vrrp_instance until SIGTERM/SIGINT,
//       then stop it cleanly (priority-0 advert, VIPs removed) and exit 0.
//       Prints: config, ready, every runtime event, status (each second), stopped.
//
//   socket --interface IF --family 4|6 [--source ADDR] [--ifindex N] [--no-join]
//       Open a VRRP socket and print every packet received ({type:"packet"}).
//       Reads JSON lines on stdin: {"send": HEX, "to": ADDR} sends a VRRP
//       message and prints {type:"sent"} with the result.
//
// Any failure to start prints {type:"fatal"} and exits 2.

import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { readConfig } from '../../src/config/index.js';
import { nodeHostInfo } from '../../src/config/host-node.js';
import { AddressAdapter, linkLocalIpv6, primaryIpv4 } from '../../src/net/addresses.js';
import { GarpSender } from '../../src/net/garp.js';
import { VrrpSocket } from '../../src/net/vrrp-socket.js';
import { InstanceRuntime, type RuntimeOptions } from '../../src/vrrp/instance.js';
import { runtimeConfig } from '../../src/vrrp/params.js';

const started = performance.now();

function print(obj: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ t: Math.round((performance.now() - started) * 10) / 10, ...obj })}\n`);
}

function fatal(message: string): never {
  print({ type: 'fatal', message });
  process.exit(2);
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function runInstance(args: string[]): Promise<void> {
  const file = option(args, '--config') ?? fatal('--config is required');
  const { config, problems, exitCode } = readConfig(file, { configId: hostname(), host: nodeHostInfo() });
  print({ type: 'config', exitCode, problems: problems.map((p) => `${p.severity}: ${p.message}`) });
  const wanted = option(args, '--instance');
  const inst = wanted ? config.vrrp.instances.find((i) => i.name === wanted) : config.vrrp.instances[0];
  if (!inst) fatal(`no vrrp_instance ${wanted ?? ''} in ${file}`);
  if (!inst.interface) fatal(`${inst.name} has no interface`);

  // One long-running `ip -batch` for every VIP change, as a daemon would use it.
  const addresses = new AddressAdapter({ persistent: true });
  const info = await addresses.interfaceInfo(inst.interface);
  if (!info.ok) fatal(info.error);
  const family = inst.family ?? 4;
  const vipAddresses = inst.virtualIps.map((v) => v.address.address);
  const interfaceAddress = family === 4 ? primaryIpv4(info.info, vipAddresses) : linkLocalIpv6(info.info);
  const rc = runtimeConfig({ instance: inst, global: config.global, ...(interfaceAddress ? { interfaceAddress } : {}) });
  if (!rc.ok) fatal(rc.error);
  for (const c of rc.corrections) print({ type: 'correction', message: c });

  const opened = VrrpSocket.open({
    interface: rc.wire.interface,
    family,
    sourceAddress: rc.wire.sourceAddress,
    ifindex: info.info.index,
    group: rc.wire.group,
    join: rc.wire.unicastPeers.length === 0,
    ...(rc.wire.unicastTtl !== undefined ? { unicastTtl: rc.wire.unicastTtl } : {}),
  });
  if (!opened.ok) fatal(opened.error);
  const socket = opened.socket;

  const options: RuntimeOptions = { onEvent: (e) => print({ ...e }) };
  const lease = option(args, '--lease');
  if (lease) {
    const [valid, refresh] = lease.split(':').map(Number);
    options.vipLease = { validSec: valid, preferredSec: valid, refreshMs: refresh };
  }
  const runtime = new InstanceRuntime(rc, { socket, addresses, garp: new GarpSender() }, options);
  socket.onPacket((p) => runtime.receive(p));
  socket.onError((error) => print({ type: 'socket-error', error }));

  const status = setInterval(() => print({ type: 'status', state: runtime.state, priority: runtime.snapshot.priority, stats: runtime.stats }), 1000);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(status);
    print({ type: 'stopping', signal });
    void runtime.stop(true).then(() => {
      print({ type: 'stopped', state: runtime.state, stats: runtime.stats });
      socket.close();
      addresses.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  print({ type: 'ready', instance: inst.name, source: rc.wire.sourceAddress, priority: rc.params.priority, initialState: rc.params.initialState });
  runtime.start();
}

function runSocket(args: string[]): void {
  const iface = option(args, '--interface') ?? fatal('--interface is required');
  const family = Number(option(args, '--family') ?? '4');
  if (family !== 4 && family !== 6) fatal('--family must be 4 or 6');
  const source = option(args, '--source');
  const ifindex = option(args, '--ifindex');
  const opened = VrrpSocket.open({
    interface: iface,
    family,
    ...(source ? { sourceAddress: source } : {}),
    ...(ifindex ? { ifindex: Number(ifindex) } : {}),
    join: !args.includes('--no-join'),
  });
  if (!opened.ok) {
    print({ type: 'open-failed', error: opened.error });
    process.exit(3);
  }
  const socket = opened.socket;
  socket.onPacket((p) => print({ type: 'packet', source: p.source, bytes: p.bytes.toString('hex') }));
  socket.onError((error) => print({ type: 'socket-error', error }));
  createInterface({ input: process.stdin }).on('line', (line) => {
    let cmd: { send?: string; to?: string };
    try {
      cmd = JSON.parse(line) as { send?: string; to?: string };
    } catch {
      print({ type: 'bad-command', line });
      return;
    }
    void socket.send(Buffer.from(cmd.send ?? '', 'hex'), cmd.to).then((result) => print({ type: 'sent', to: cmd.to, result }));
  });
  process.on('SIGTERM', () => {
    socket.close();
    process.exit(0);
  });
  print({ type: 'ready', group: socket.group });
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'instance') {
  runInstance(rest).catch((e: unknown) => fatal((e as Error).stack ?? String(e)));
} else if (mode === 'socket') {
  runSocket(rest);
} else {
  fatal(`unknown mode '${String(mode)}' (instance | socket)`);
}
