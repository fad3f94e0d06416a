// Adapter: virtual IP addresses through iproute2's `ip`, run with execa.
//
// It does what it is told and reports what happened; it decides nothing.
// Several changes go to one `ip -force -batch -` (every line tried, failures
// reported per line). With `persistent`, one long-running `ip -force -batch -`
// takes every change, so a VIP change or a lease refresh costs a line written
// to a pipe instead of a process spawn (which blocks the event loop for
// several milliseconds). Adding uses `address replace`, so adding an address
// that is already there succeeds, and re-adding with a lifetime refreshes the
// lease (valid_lft / preferred_lft): a master that dies without cleanup then
// loses its VIPs by itself when the lease runs out.
// Nothing here throws for a failed command: failures are values.

import { execa, type ResultPromise } from 'execa';

export type Family = 4 | 6;

/** One address as `ip address` takes it. */
export interface VipSpec {
  /** The address, without prefix length. */
  address: string;
  /** Prefix length (32 / 128 for a host address). */
  prefix: number;
  family: Family;
  /** Interface the address goes on. */
  dev: string;
  /** `brd`: an address, '+' (derive) or '-' (none). */
  broadcast?: string;
  /** host, link, site, global, nowhere, or a number. */
  scope?: string;
  label?: string;
  peer?: string;
  /** Flags passed as written: home, nodad, noprefixroute, mngtmpaddr, autojoin. */
  flags?: readonly string[];
  /** preferred_lft of the config line (seconds or forever); a lease caps it. */
  preferredLft?: number | 'forever';
}

/** Lease of an address (seconds): after valid_lft the kernel removes it. */
export interface VipLifetime {
  validSec: number;
  preferredSec: number;
}

export interface IpOptions {
  /** Run inside this network namespace (`ip -n NS`); default: the current one. */
  netns?: string;
  /** The `ip` binary. Default `ip`. */
  ipBinary?: string;
  /** Kill a command (or give up on a batch) after this long. Default 10 s. */
  timeoutMs?: number;
  /** Keep one `ip -force -batch -` running for all changes (close() ends it). Default false. */
  persistent?: boolean;
}

export interface BatchFailure {
  /** 1-based line of the batch. */
  lineNumber: number;
  line: string;
  /** What ip said about it. */
  message: string;
  /** The address to delete was not there (deleting an absent VIP). */
  absent: boolean;
}

export interface BatchResult {
  /** Every line succeeded. */
  ok: boolean;
  failures: BatchFailure[];
  /** Set when ip could not run at all, timed out, or failed without naming a line. */
  error?: string;
  durationMs: number;
}

/** What `interfaceInfo` found out about an interface. */
export interface InterfaceInfo {
  name: string;
  index: number;
  mac?: string;
  mtu?: number;
  /** Administratively up and with carrier (LOWER_UP). */
  up: boolean;
  /** IPv4 addresses in the kernel's order; `secondary` as ip reports it. */
  ipv4: { address: string; prefix: number; secondary: boolean; scope: string }[];
  /** IPv6 addresses in the kernel's order. */
  ipv6: { address: string; prefix: number; scope: string; tentative: boolean }[];
}

export type InterfaceInfoResult = { ok: true; info: InterfaceInfo } | { ok: false; error: string };

const SAFE_WORD = /^[A-Za-z0-9_.:@+/-]+$/;

function word(value: string, what: string): string {
  // A batch line is split on blanks: refuse anything that would change its meaning.
  if (!SAFE_WORD.test(value)) throw new RangeError(`${what} '${value}' is not a single word`);
  return value;
}

/**
 * The batch line (without `ip`) that adds / refreshes (op 'replace') or
 * deletes (op 'del') a VIP. Throws RangeError for a field that is not a
 * single word (a programming error: the config reader only produces words).
 */
export function vipCommand(op: 'replace' | 'del', vip: VipSpec, lifetime?: VipLifetime): string {
  const parts = ['address', op, `${word(vip.address, 'address')}/${vip.prefix}`];
  if (vip.peer !== undefined && op === 'replace') parts.push('peer', word(vip.peer, 'peer'));
  parts.push('dev', word(vip.dev, 'device'));
  if (op === 'replace') {
    if (vip.broadcast !== undefined) parts.push('brd', word(vip.broadcast, 'broadcast'));
    if (vip.scope !== undefined) parts.push('scope', word(vip.scope, 'scope'));
    if (vip.label !== undefined) parts.push('label', word(vip.label, 'label'));
    for (const f of vip.flags ?? []) parts.push(word(f, 'flag'));
    if (lifetime) {
      const valid = Math.max(1, Math.ceil(lifetime.validSec));
      let preferred = Math.max(0, Math.ceil(Math.min(lifetime.preferredSec, valid)));
      if (typeof vip.preferredLft === 'number') preferred = Math.min(preferred, vip.preferredLft);
      parts.push('valid_lft', String(valid), 'preferred_lft', String(preferred));
    } else if (vip.preferredLft !== undefined) {
      parts.push('preferred_lft', String(vip.preferredLft));
    }
  }
  return parts.join(' ');
}

function failure(lineNumber: number, line: string, message: string): BatchFailure {
  return {
    lineNumber,
    line,
    message,
    absent: / del /.test(` ${line} `) && /Cannot assign requested address|Address not found/i.test(message),
  };
}

/** `Error: ...` lines followed by `Command failed -:N`, as `ip -force -batch -` reports them. */
export function parseBatchErrors(stderr: string, lines: readonly string[]): BatchFailure[] {
  const failures: BatchFailure[] = [];
  let pending: string[] = [];
  for (const raw of stderr.split('\n')) {
    const text = raw.trim();
    if (text === '') continue;
    const m = /^Command failed -:(\d+)$/.exec(text);
    if (!m) {
      pending.push(text);
      continue;
    }
    const lineNumber = Number(m[1]);
    failures.push(failure(lineNumber, lines[lineNumber - 1] ?? '', pending.join('; ') || 'failed'));
    pending = [];
  }
  return failures;
}

/**
 * A batch line that always fails the same way, ending each batch written to
 * a long-running `ip -force -batch -`: when its failure is reported, every
 * line before it has been carried out. '/' never appears in an interface name.
 */
const END_MARK = 'address show dev kts/end-of-batch';

/** One long-running `ip -force -batch -`; batches are written one after another. */
class IpBatchProcess {
  private child: ResultPromise | undefined;
  private lineCount = 0;
  private stderrTail = '';
  private pendingMessages: string[] = [];
  private current:
    | { child: ResultPromise | undefined; base: number; lines: readonly string[]; failures: BatchFailure[]; done: (r: BatchResult) => void; started: number; timer: NodeJS.Timeout }
    | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly argv: readonly string[],
    private readonly timeoutMs: number,
  ) {}

  run(lines: readonly string[]): Promise<BatchResult> {
    const result = this.chain.then(() => this.runNow(lines));
    this.chain = result;
    return result;
  }

  close(): void {
    const child = this.child;
    this.child = undefined;
    child?.stdin?.end();
  }

  private start(): ResultPromise | undefined {
    const child = execa(this.argv[0], this.argv.slice(1), { stdin: 'pipe', stdout: 'ignore', stderr: 'pipe', buffer: false, reject: false });
    this.lineCount = 0;
    this.stderrTail = '';
    this.pendingMessages = [];
    child.stderr?.on('data', (d: Buffer) => this.onStderr(d.toString()));
    child.stdin?.on('error', () => {
      /* reported through the exit below */
    });
    void child.then((r) => {
      if (this.child === child) this.child = undefined;
      // Only a batch written to this process waits for it (after close(), a new one may be running).
      if (this.current?.child !== child) return;
      const why = r.exitCode === undefined ? `ip could not run: ${r.shortMessage ?? r.message ?? 'unknown error'}` : `ip -batch ended (exit ${String(r.exitCode ?? r.signal)})`;
      this.finish(why);
    });
    return child;
  }

  private runNow(lines: readonly string[]): Promise<BatchResult> {
    this.child ??= this.start();
    const child = this.child;
    return new Promise((done) => {
      const started = performance.now();
      const timer = setTimeout(() => {
        // Start afresh next time: this one may have lost count of its lines.
        if (this.child === child) this.child = undefined;
        this.finish(`ip -batch gave no answer within ${this.timeoutMs} ms`);
        child?.kill('SIGKILL');
      }, this.timeoutMs);
      this.current = { child, base: this.lineCount, lines, failures: [], done, started, timer };
      this.lineCount += lines.length + 1;
      child?.stdin?.write(`${lines.join('\n')}\n${END_MARK}\n`);
    });
  }

  private onStderr(text: string): void {
    this.stderrTail += text;
    const parts = this.stderrTail.split('\n');
    this.stderrTail = parts.pop() ?? '';
    for (const raw of parts) {
      const line = raw.trim();
      if (line === '') continue;
      const m = /^Command failed -:(\d+)$/.exec(line);
      if (!m) {
        this.pendingMessages.push(line);
        continue;
      }
      const message = this.pendingMessages.join('; ') || 'failed';
      this.pendingMessages = [];
      const cur = this.current;
      if (!cur) continue;
      const index = Number(m[1]) - cur.base - 1;
      if (index === cur.lines.length) this.finish();
      else if (index >= 0 && index < cur.lines.length) cur.failures.push(failure(index + 1, cur.lines[index], message));
    }
  }

  private finish(error?: string): void {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    clearTimeout(cur.timer);
    const result: BatchResult = { ok: !error && cur.failures.length === 0, failures: cur.failures, durationMs: performance.now() - cur.started };
    if (error) result.error = error;
    cur.done(result);
  }
}

export class AddressAdapter {
  private readonly ip: string;
  private readonly prefix: string[];
  private readonly timeoutMs: number;
  private readonly batch: IpBatchProcess | undefined;

  constructor(options: IpOptions = {}) {
    this.ip = options.ipBinary ?? 'ip';
    this.prefix = options.netns ? ['-n', options.netns] : [];
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (options.persistent) this.batch = new IpBatchProcess([this.ip, ...this.prefix, '-force', '-batch', '-'], this.timeoutMs);
  }

  /** End the long-running ip (persistent mode); a later change starts a new one. */
  close(): void {
    this.batch?.close();
  }

  /** Add the VIPs (or refresh them when present), with an optional lease. */
  addVips(vips: readonly VipSpec[], lifetime?: VipLifetime): Promise<BatchResult> {
    return this.batchOf(vips, (v) => vipCommand('replace', v, lifetime));
  }

  /** Delete the VIPs; a VIP that was not there is reported with `absent`. */
  removeVips(vips: readonly VipSpec[]): Promise<BatchResult> {
    return this.batchOf(vips, (v) => vipCommand('del', v));
  }

  private batchOf(vips: readonly VipSpec[], line: (v: VipSpec) => string): Promise<BatchResult> {
    const lines: string[] = [];
    try {
      for (const v of vips) lines.push(line(v));
    } catch (e) {
      return Promise.resolve({ ok: false, failures: [], error: (e as Error).message, durationMs: 0 });
    }
    return this.runBatch(lines);
  }

  /** Run lines of `ip` commands (without the leading `ip`) in one process. */
  async runBatch(lines: readonly string[]): Promise<BatchResult> {
    if (lines.length === 0) return { ok: true, failures: [], durationMs: 0 };
    // ip counts lines to report failures: one command per line.
    if (lines.some((l) => /[\r\n]/.test(l))) return { ok: false, failures: [], error: 'a batch line contains a line break', durationMs: 0 };
    if (this.batch) return this.batch.run(lines);
    const started = performance.now();
    const r = await execa(this.ip, [...this.prefix, '-force', '-batch', '-'], {
      input: `${lines.join('\n')}\n`,
      reject: false,
      timeout: this.timeoutMs,
      stripFinalNewline: false,
    });
    const durationMs = performance.now() - started;
    const stderr = String(r.stderr ?? '');
    const failures = parseBatchErrors(stderr, lines);
    const result: BatchResult = { ok: r.exitCode === 0 && failures.length === 0, failures, durationMs };
    if (r.timedOut) result.error = `ip timed out after ${this.timeoutMs} ms`;
    else if (r.exitCode === undefined) result.error = `ip could not run: ${r.shortMessage ?? r.message ?? 'unknown error'}`;
    else if (r.exitCode !== 0 && failures.length === 0) result.error = `ip exited with ${r.exitCode}: ${stderr.trim()}`;
    if (result.error) result.ok = false;
    return result;
  }

  /** Index, MAC, state and addresses of an interface (`ip -j address show dev IF`). */
  async interfaceInfo(name: string): Promise<InterfaceInfoResult> {
    const r = await execa(this.ip, [...this.prefix, '-j', 'address', 'show', 'dev', name], { reject: false, timeout: this.timeoutMs });
    if (r.exitCode !== 0) {
      const why = r.timedOut ? 'timed out' : String(r.stderr ?? '').trim() || r.shortMessage || `exit ${String(r.exitCode)}`;
      return { ok: false, error: `cannot read interface ${name}: ${why}` };
    }
    return parseInterfaceJson(String(r.stdout ?? ''), name);
  }

  /** The VIPs of this list that are on their interface now. */
  async presentVips(vips: readonly VipSpec[]): Promise<{ ok: true; present: VipSpec[] } | { ok: false; error: string }> {
    const devs = [...new Set(vips.map((v) => v.dev))];
    const present: VipSpec[] = [];
    for (const dev of devs) {
      const info = await this.interfaceInfo(dev);
      if (!info.ok) return info;
      const here = new Set([...info.info.ipv4, ...info.info.ipv6].map((a) => `${a.address}/${a.prefix}`));
      for (const v of vips) if (v.dev === dev && here.has(`${v.address}/${v.prefix}`)) present.push(v);
    }
    return { ok: true, present };
  }
}

interface IpJsonAddr {
  family?: string;
  local?: string;
  prefixlen?: number;
  scope?: string;
  secondary?: boolean;
  tentative?: boolean;
}

interface IpJsonLink {
  ifindex?: number;
  ifname?: string;
  flags?: string[];
  mtu?: number;
  address?: string;
  addr_info?: IpJsonAddr[];
}

/** Parse `ip -j address show dev NAME` output. */
export function parseInterfaceJson(text: string, name: string): InterfaceInfoResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `ip -j gave no JSON for ${name}: ${(e as Error).message}` };
  }
  const link = Array.isArray(doc) ? (doc[0] as IpJsonLink | undefined) : undefined;
  if (!link || typeof link.ifindex !== 'number') return { ok: false, error: `no interface ${name}` };
  const flags = link.flags ?? [];
  const addrs = link.addr_info ?? [];
  const info: InterfaceInfo = {
    name: link.ifname ?? name,
    index: link.ifindex,
    up: flags.includes('UP') && flags.includes('LOWER_UP'),
    ipv4: addrs
      .filter((a) => a.family === 'inet' && a.local)
      .map((a) => ({ address: a.local!, prefix: a.prefixlen ?? 32, secondary: a.secondary === true, scope: a.scope ?? 'global' })),
    ipv6: addrs
      .filter((a) => a.family === 'inet6' && a.local)
      .map((a) => ({ address: a.local!, prefix: a.prefixlen ?? 128, scope: a.scope ?? 'global', tentative: a.tentative === true })),
  };
  if (link.address !== undefined) info.mac = link.address;
  if (link.mtu !== undefined) info.mtu = link.mtu;
  return { ok: true, info };
}

/**
 * The interface's primary IPv4 address as keepalived takes it: the first
 * address that is not secondary, skipping `exclude` (our own VIPs, which are
 * primary addresses of their /32 too). Undefined when there is none.
 */
export function primaryIpv4(info: InterfaceInfo, exclude: readonly string[] = []): string | undefined {
  return info.ipv4.find((a) => !a.secondary && !exclude.includes(a.address))?.address;
}

/** The first link-local IPv6 address (the source of VRRP over IPv6). */
export function linkLocalIpv6(info: InterfaceInfo): string | undefined {
  return info.ipv6.find((a) => a.scope === 'link')?.address;
}
