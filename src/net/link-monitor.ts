// Link state of the host's interfaces (adapter): the initial state from
// `ip -j link show`, changes from one long-running `ip -o monitor link`. An
// interface counts as up when it is administratively UP and RUNNING (has a
// carrier), as keepalived's IF_FLAGS_UP; `ip` shows the second as the absence
// of NO-CARRIER. If the monitor dies it is restarted and the state re-read;
// a periodic re-read also covers events lost in between.
import { execa } from 'execa';
import { IpMonitorProcess } from './ip-monitor.js';
import type { Log } from '../log.js';

export interface LinkState {
  name: string;
  index: number;
  /** IFF_UP and IFF_RUNNING. */
  up: boolean;
  flags: string[];
  operstate?: string;
}

export type LinkEvent = { kind: 'link'; link: LinkState } | { kind: 'deleted'; name: string; index: number };

export interface LinkMonitorOptions {
  /** Run `ip -n NETNS` (tests; the daemon watches its own namespace). */
  netns?: string;
  log?: Log;
  /** Default `ip`. */
  ipCommand?: string;
  /** Re-read every link this often; default 30000 ms, 0 = never. */
  resyncMs?: number;
  /** Wait before restarting a monitor that exited; default 1000 ms. */
  restartMs?: number;
}

/** IFF_UP and IFF_RUNNING from the flag names `ip` prints. */
export function isLinkUp(flags: readonly string[]): boolean {
  return flags.includes('UP') && !flags.includes('NO-CARRIER');
}

/** The links of `ip -j link show` output. */
export function parseLinkDump(json: string): LinkState[] {
  const data = JSON.parse(json) as Array<{ ifindex?: number; ifname?: string; flags?: string[]; operstate?: string }>;
  const out: LinkState[] = [];
  for (const l of data) {
    if (typeof l.ifname !== 'string' || typeof l.ifindex !== 'number') continue;
    const flags = Array.isArray(l.flags) ? l.flags : [];
    const link: LinkState = { name: l.ifname, index: l.ifindex, up: isLinkUp(flags), flags };
    if (l.operstate) link.operstate = l.operstate;
    out.push(link);
  }
  return out;
}

const MONITOR_LINE = /^(Deleted\s+)?(\d+):\s+([^\s:@]+)(?:@\S*?)?:\s+<([^>]*)>(.*)$/;

/** One line of `ip -o monitor link`, or undefined for lines that are not link messages. */
export function parseMonitorLine(line: string): LinkEvent | undefined {
  const m = MONITOR_LINE.exec(line.trim());
  if (!m) return undefined;
  const index = Number(m[2]);
  const name = m[3];
  if (m[1]) return { kind: 'deleted', name, index };
  const flags = m[4] === '' ? [] : m[4].split(',');
  const link: LinkState = { name, index, up: isLinkUp(flags), flags };
  const state = /\bstate\s+(\S+)/.exec(m[5]);
  if (state) link.operstate = state[1];
  return { kind: 'link', link };
}

type Listener = (name: string, up: boolean, link: LinkState | undefined) => void;

export class LinkMonitor {
  private readonly links = new Map<string, LinkState>();
  private readonly listeners = new Set<Listener>();
  private monitor: IpMonitorProcess | undefined;
  private running = false;
  private resyncTimer: NodeJS.Timeout | undefined;
  private eventsDuringDump = 0;
  private dumping = false;
  private readonly ip: string;
  private readonly prefix: string[];

  constructor(private readonly options: LinkMonitorOptions = {}) {
    this.ip = options.ipCommand ?? 'ip';
    this.prefix = options.netns ? ['-n', options.netns] : [];
  }

  /** Start the monitor and read every link; resolves once the initial state is known. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.monitor = new IpMonitorProcess(['-o', 'monitor', 'link'], (line) => this.onMonitorLine(line), {
      ...this.options,
      // Changes while it was down are only in a fresh read.
      onRestart: () => void this.resync(),
    });
    // Give `ip monitor` a moment to subscribe before the dump, so a change
    // between the two is seen by one of them.
    await new Promise((r) => setTimeout(r, 50));
    await this.resync();
    const every = this.options.resyncMs ?? 30_000;
    if (every > 0) {
      this.resyncTimer = setInterval(() => void this.resync(), every);
      this.resyncTimer.unref();
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.resyncTimer = undefined;
    const m = this.monitor;
    this.monitor = undefined;
    await m?.stop();
  }

  /** IFF_UP and IFF_RUNNING; undefined for an interface that does not exist. */
  isUp(name: string): boolean | undefined {
    return this.links.get(name)?.up;
  }

  get(name: string): LinkState | undefined {
    return this.links.get(name);
  }

  all(): LinkState[] {
    return [...this.links.values()];
  }

  /** Called when an interface's up state changes (appears, disappears, goes up or down). */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Read every link now and report the differences. */
  async resync(): Promise<void> {
    if (!this.running) return;
    this.dumping = true;
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        this.eventsDuringDump = 0;
        const r = await execa(this.ip, [...this.prefix, '-j', 'link', 'show'], { reject: false, timeout: 10_000, stdin: 'ignore' });
        if (r.exitCode !== 0 || typeof r.stdout !== 'string') {
          this.options.log?.error({ stderr: r.stderr }, `cannot read links: ${this.ip} -j link show failed`);
          return;
        }
        let dump: LinkState[];
        try {
          dump = parseLinkDump(r.stdout);
        } catch (err) {
          this.options.log?.error({ err }, 'cannot parse `ip -j link show` output');
          return;
        }
        // An event that arrived while we read may be newer than the dump: read again.
        if (this.eventsDuringDump > 0 && attempt < 2) continue;
        const seen = new Set<string>();
        for (const link of dump) {
          seen.add(link.name);
          this.apply({ kind: 'link', link });
        }
        for (const [name, link] of [...this.links]) if (!seen.has(name)) this.apply({ kind: 'deleted', name, index: link.index });
        return;
      }
    } finally {
      this.dumping = false;
    }
  }

  private onMonitorLine(line: string): void {
    const e = parseMonitorLine(line);
    if (!e) return;
    if (this.dumping) this.eventsDuringDump++;
    this.apply(e);
  }

  private apply(e: LinkEvent): void {
    const name = e.kind === 'link' ? e.link.name : e.name;
    const before = this.links.get(name);
    let after: LinkState | undefined;
    if (e.kind === 'link') {
      after = e.link;
      // A renamed interface keeps its index: the old name is gone.
      for (const [other, link] of [...this.links]) if (link.index === e.link.index && other !== name) this.apply({ kind: 'deleted', name: other, index: link.index });
      this.links.set(name, after);
    } else {
      // A rename shows as a deletion of the old name elsewhere; only drop what has that index.
      if (before && before.index !== e.index) return;
      this.links.delete(name);
    }
    if (before?.up === after?.up) return;
    const up = after?.up ?? false;
    this.options.log?.info({ interface: name, up, flags: after?.flags }, `interface ${name} is ${after ? (up ? 'up' : 'down') : 'gone'}`);
    for (const l of this.listeners) {
      try {
        l(name, up, after);
      } catch (err) {
        this.options.log?.error({ err }, 'link listener failed');
      }
    }
  }
}
