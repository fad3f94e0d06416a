// Adapter: gratuitous ARP for IPv4 VIPs with iputils' arping.
//
// `arping -U` sends an ARP request whose sender and target address are both
// the VIP, to the Ethernet broadcast address, from the interface's MAC: the
// frame keepalived sends. arping waits a whole second between packets and
// after the last one, so a burst of N is N arpings started together, each
// sending one frame at once (keepalived sends its burst back to back). The
// VIP must already be on the interface (arping binds to it).
//
// A burst is one process: a small sh script starts every arping of the burst
// in the background and prints one line per arping. Each process node starts
// costs the daemon milliseconds of CPU with the event loop blocked (measured
// on the lab machine for a burst of 5: 14 ms with one spawn per arping, 1.5 ms
// through one sh), and a new master sends two bursts (garp_master_delay).
//
// IPv6 VIPs get unsolicited Neighbour Advertisements instead (arping cannot
// send them): unsolicited-na.ts, over a raw ICMPv6 socket.
// Nothing here throws: every outcome is a value.

import { spawn } from 'node:child_process';
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

/**
 * The burst script: `sh -c SCRIPT sh ARPING COUNT DEV1 ADDR1 [DEV2 ADDR2 ...]`.
 * For target i it runs COUNT arpings at once and prints, for each,
 * `ok i` or `fail i EXIT OUTPUT` (arping's output on one line).
 */
const BURST_SCRIPT = [
  'arping=$1; n=$2; shift 2; i=0',
  'while [ $# -ge 2 ]; do',
  '  k=0',
  '  while [ $k -lt $n ]; do',
  '    (out=$("$arping" -q -U -c 1 -I "$1" "$2" 2>&1); rc=$?',
  '     if [ $rc -eq 0 ]; then echo "ok $i"; else printf \'fail %s %s %s\\n\' "$i" "$rc" "$(printf %s "$out" | tr \'\\n\' \' \')"; fi) &',
  '    k=$((k+1))',
  '  done',
  '  i=$((i+1)); shift 2',
  'done',
  'wait',
].join('\n');

/** sh's exit status for a command it cannot find. */
const NOT_FOUND = 127;

export class GarpSender {
  private readonly argv0: string[];
  private readonly arping: string;
  private readonly netns: string | undefined;
  private readonly timeoutMs: number;

  constructor(options: GarpOptions = {}) {
    this.arping = options.arpingBinary ?? 'arping';
    this.argv0 = options.netns ? ['ip', 'netns', 'exec', options.netns, 'sh'] : ['sh'];
    this.netns = options.netns;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** Send `count` gratuitous ARPs for each target; resolves when every arping has ended. */
  async send(targets: readonly GarpTarget[], count: number): Promise<GarpResult> {
    const result: GarpResult = { sent: 0, failures: [] };
    const ipv4 = targets.filter((t) => t.family === 4);
    const ipv6ByDev = new Map<string, GarpTarget[]>();
    for (const target of targets) {
      if (target.family !== 4) ipv6ByDev.set(target.dev, [...(ipv6ByDev.get(target.dev) ?? []), target]);
    }
    const runs: Promise<void>[] = [];
    if (ipv4.length > 0 && count > 0) {
      runs.push(
        this.burst(ipv4, count).then((outcomes) => {
          for (const [i, target] of ipv4.entries()) {
            result.sent += outcomes.sent[i];
            for (const message of outcomes.failures[i]) result.failures.push({ target, message });
          }
        }),
      );
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

  /**
   * `count` arpings per target, all at once, in one sh: per target, the frames
   * sent and why the others were not. An arping that has not reported
   * within the timeout is killed with the whole burst (its process group).
   */
  private burst(targets: readonly GarpTarget[], count: number): Promise<{ sent: number[]; failures: string[][] }> {
    const sent = targets.map(() => 0);
    const failures: string[][] = targets.map(() => []);
    const argv = [...this.argv0, '-c', BURST_SCRIPT, 'sh', this.arping, String(count), ...targets.flatMap((t) => [t.dev, t.address])];
    return new Promise((resolve) => {
      let out = '';
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (why?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        for (const line of out.split('\n')) {
          const m = /^(ok|fail) (\d+)(?: (\d+) ?(.*))?$/.exec(line);
          const i = m ? Number(m[2]) : -1;
          if (!m || i >= targets.length) continue;
          if (m[1] === 'ok') sent[i]++;
          else failures[i].push(Number(m[3]) === NOT_FOUND ? `arping could not run: ${m[4]}` : `arping exited with ${m[3]}: ${m[4].trim()}`);
        }
        // Arpings that never reported: killed by the timeout, or sh itself could not run.
        for (const [i] of targets.entries()) {
          for (let k = sent[i] + failures[i].length; k < count; k++) failures[i].push(why ?? 'arping gave no result');
        }
        resolve({ sent, failures });
      };
      // Its own process group (detached), so that a timeout ends every arping of the burst.
      const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
        finish(`arping timed out after ${this.timeoutMs} ms`);
      }, this.timeoutMs);
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      child.on('error', (e) => finish(`arping could not run: ${e.message}`));
      child.on('close', (code) => finish(code === 0 ? undefined : `arping could not run: sh exited with ${String(code)}${err.trim() ? `: ${err.trim()}` : ''}`));
    });
  }
}
