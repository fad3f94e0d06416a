// Adapter: gratuitous ARP for IPv4 VIPs with iputils' arping.
//
// `arping -U` sends an ARP request whose sender and target address are both
// the VIP, to the Ethernet broadcast address, from the interface's MAC: the
// frame keepalived sends. arping waits a whole second between packets and
// after the last one, so a burst of N is N arpings started together, each
// sending one frame at once (keepalived sends its burst back to back). The
// VIP must already be on the interface (arping binds to it).
//
// IPv6 VIPs get unsolicited Neighbour Advertisements instead (arping cannot
// send them): unsolicited-na.ts, over a raw ICMPv6 socket.
// Nothing here throws: every outcome is a value.

import { execa } from 'execa';
import { sendUnsolicitedNa } from './unsolicited-na.js';

export interface GarpTarget {
  address: string;
  family: 4 | 6;
  /** Interface to send on. */
  dev: string;
}

export interface GarpOptions {
  /** Run inside this network namespace (`ip netns exec NS arping ...`). */
  netns?: string;
  /** The arping binary (iputils). Default `arping`. */
  arpingBinary?: string;
  /** Kill an arping after this long. Default 5 s. */
  timeoutMs?: number;
}

export interface GarpFailure {
  target: GarpTarget;
  message: string;
}

export interface GarpResult {
  /** Frames arping reported as sent (one per successful arping). */
  sent: number;
  failures: GarpFailure[];
}

export class GarpSender {
  private readonly argv0: string[];
  private readonly netns: string | undefined;
  private readonly timeoutMs: number;

  constructor(options: GarpOptions = {}) {
    const arping = options.arpingBinary ?? 'arping';
    this.argv0 = options.netns ? ['ip', 'netns', 'exec', options.netns, arping] : [arping];
    this.netns = options.netns;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** Send `count` gratuitous ARPs for each target; resolves when every arping has ended. */
  async send(targets: readonly GarpTarget[], count: number): Promise<GarpResult> {
    const result: GarpResult = { sent: 0, failures: [] };
    const runs: Promise<void>[] = [];
    const ipv6ByDev = new Map<string, GarpTarget[]>();
    for (const target of targets) {
      if (target.family !== 4) {
        ipv6ByDev.set(target.dev, [...(ipv6ByDev.get(target.dev) ?? []), target]);
        continue;
      }
      for (let i = 0; i < count; i++) {
        runs.push(
          this.one(target).then((message) => {
            if (message === undefined) result.sent++;
            else result.failures.push({ target, message });
          }),
        );
      }
    }
    for (const [dev, list] of ipv6ByDev) {
      runs.push(
        this.neighbourAdverts(dev, list, count).then((r) => {
          result.sent += r.sent;
          for (const f of r.failures) result.failures.push({ target: list.find((t) => t.address === f.target) ?? list[0], message: f.message });
        }),
      );
    }
    await Promise.all(runs);
    return result;
  }

  /** IPv6: in our own namespace directly; in another one through a helper process is not supported. */
  private neighbourAdverts(dev: string, targets: readonly GarpTarget[], count: number): Promise<{ sent: number; failures: { target: string; message: string }[] }> {
    if (this.netns !== undefined) {
      return Promise.resolve({ sent: 0, failures: targets.map((t) => ({ target: t.address, message: 'neighbour advertisements are sent from the namespace the daemon runs in only' })) });
    }
    return sendUnsolicitedNa(dev, targets.map((t) => t.address), count);
  }

  /** One arping sending one frame; undefined on success, else why not. */
  private async one(target: GarpTarget): Promise<string | undefined> {
    const argv = [...this.argv0, '-q', '-U', '-c', '1', '-I', target.dev, target.address];
    const r = await execa(argv[0], argv.slice(1), { reject: false, timeout: this.timeoutMs });
    if (r.exitCode === 0) return undefined;
    if (r.timedOut) return `arping timed out after ${this.timeoutMs} ms`;
    if (r.exitCode === undefined) return `arping could not run: ${r.shortMessage ?? r.message ?? 'unknown error'}`;
    return `arping exited with ${r.exitCode}: ${String(r.stderr ?? '').trim()}`;
  }
}
