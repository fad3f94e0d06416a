// A two-namespace lab for the checker tests: `lb` (the checker side) and
// `rs` (the real servers), joined by one veth pair, on documentation
// addresses only. Both clients and servers run inside the namespaces as
// child processes; the checker code runs from src/check transpiled into a
// temporary directory, so the tests always exercise the current source.
//
//   lb  lb0 198.51.100.1/24, 198.51.100.2/24, 2001:db8::1/64
//   rs  rs0 198.51.100.21/24, 198.51.100.22/24, 2001:db8::21/64
//
// In lb, 203.0.113.99 is routed to a neighbour that does not exist (SYNs
// leave and nothing answers: a connect timeout) and 203.0.113.98 is
// unreachable (the kernel refuses at once).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Netns, runCommand } from '../helpers/netns.js';
import { transpileProject } from '../helpers/transpile.js';

export { REPO_ROOT } from '../helpers/transpile.js';
const HERE = dirname(fileURLToPath(import.meta.url));

export const ADDR = {
  lb: '198.51.100.1',
  lbSecond: '198.51.100.2',
  lb6: '2001:db8::1',
  rs1: '198.51.100.21',
  rs2: '198.51.100.22',
  rs6: '2001:db8::21',
  /** Routed to a neighbour that never answers. */
  blackhole: '203.0.113.99',
  /** An unreachable route. */
  unreachable: '203.0.113.98',
} as const;

/**
 * The small checker timers the namespace tests use (delay_loop 1,
 * connect_timeout 1, retry 1, delay_before_retry 1), in ms, and keepalived's
 * bounds from a server's failure to its removal and from its return to its
 * next successful check.
 */
export const SMALL_TIMERS = { delayLoop: 1000, connectTimeout: 1000, retry: 1, delayBeforeRetry: 1000 } as const;
export const DOWN_BOUND = SMALL_TIMERS.delayLoop + SMALL_TIMERS.connectTimeout + SMALL_TIMERS.retry * SMALL_TIMERS.delayBeforeRetry;
export const UP_BOUND = SMALL_TIMERS.delayLoop + SMALL_TIMERS.connectTimeout;

/** Collects a child's stdout as lines and lets a test wait for one. */
export class LineReader {
  readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  private buffered = '';
  stderr = '';
  exited = false;

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      this.buffered += d;
      const parts = this.buffered.split('\n');
      this.buffered = parts.pop()!;
      this.lines.push(...parts);
      this.wake();
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => (this.stderr += d));
    // 'close' comes after the last of stdout, unlike 'exit'.
    child.once('close', () => {
      this.exited = true;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The first line (from index `from`) that matches, waiting up to timeoutMs. */
  async waitFor<T>(pick: (line: string) => T | undefined, timeoutMs: number, from = 0): Promise<{ value: T; index: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.lines.length; i++) {
        const v = pick(this.lines[i]);
        if (v !== undefined) return { value: v, index: i };
      }
      if (this.exited) throw new Error(`process exited before the expected line; stderr:\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms; lines:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Lines parsed as JSON objects (others skipped). */
  json<T = Record<string, unknown>>(): T[] {
    return this.lines.flatMap((l) => {
      try {
        const v = JSON.parse(l) as unknown;
        return v !== null && typeof v === 'object' ? [v as T] : [];
      } catch {
        return [];
      }
    });
  }

  async exit(timeoutMs: number): Promise<number | null> {
    if (!this.exited) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms`)), timeoutMs);
        this.child.once('close', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.child.exitCode;
  }
}

export type Listener =
  | { kind: 'tcp' | 'reset' | 'silent'; host: string; port: number }
  | { kind: 'http'; host: string; port: number; routes: Record<string, Route> }
  | { kind: 'https'; host: string; port: number; routes: Record<string, Route>; cert: string; key: string; requestCert?: boolean };

export interface Route {
  status?: number;
  body?: string;
  chunked?: boolean;
}

export interface RequestLog {
  port: number;
  method: string;
  url: string;
  httpVersion: string;
  headers: Record<string, string>;
  remote: string;
  servername: string | false | null;
  /** The CN of the client's certificate (https with requestCert). */
  clientCert: string | null;
}

export class ServerProcess {
  readonly out: LineReader;

  constructor(readonly child: ChildProcess) {
    this.out = new LineReader(child);
  }

  async ready(timeoutMs = 10_000): Promise<void> {
    await this.out.waitFor((l) => (l === 'ready' ? true : undefined), timeoutMs);
  }

  requests(): RequestLog[] {
    return this.out.json<RequestLog>();
  }

  /** Kill it (SIGKILL, by pid) and wait until it is gone. */
  async kill(): Promise<void> {
    if (this.out.exited) return;
    this.child.kill('SIGKILL');
    await this.out.exit(10_000);
  }
}

export class CheckLab {
  readonly dir: string;
  readonly lb: Netns;
  readonly rs: Netns;

  private constructor(dir: string, lb: Netns, rs: Netns) {
    this.dir = dir;
    this.lb = lb;
    this.rs = rs;
  }

  static create(label: string): CheckLab {
    const dir = mkdtempSync(join(tmpdir(), 'kts-check-'));
    let lb: Netns | undefined;
    let rs: Netns | undefined;
    try {
      transpileProject(dir);
      lb = Netns.create(`${label}-lb`);
      rs = Netns.create(`${label}-rs`);
      lb.addVeth('lb0', { peer: 'rs0', peerNs: rs });
      lb.addAddress('lb0', `${ADDR.lb}/24`);
      lb.addAddress('lb0', `${ADDR.lbSecond}/24`);
      lb.ip('addr', 'add', `${ADDR.lb6}/64`, 'dev', 'lb0', 'nodad');
      rs.addAddress('rs0', `${ADDR.rs1}/24`);
      rs.addAddress('rs0', `${ADDR.rs2}/24`);
      rs.ip('addr', 'add', `${ADDR.rs6}/64`, 'dev', 'rs0', 'nodad');
      lb.ip('neigh', 'add', ADDR.blackhole, 'lladdr', '02:00:00:00:00:99', 'dev', 'lb0', 'nud', 'permanent');
      lb.ip('route', 'add', `${ADDR.blackhole}/32`, 'dev', 'lb0');
      lb.ip('route', 'add', 'unreachable', `${ADDR.unreachable}/32`);
      return new CheckLab(dir, lb, rs);
    } catch (e) {
      lb?.delete();
      rs?.delete();
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** A self-signed certificate and key (PEM files) in the lab's directory. */
  selfSignedCertificate(): { cert: string; key: string } {
    const cert = join(this.dir, 'cert.pem');
    const key = join(this.dir, 'key.pem');
    const r = runCommand([
      'openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=kts-check-test',
    ]);
    if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    return { cert, key };
  }

  async startServers(listeners: Listener[]): Promise<ServerProcess> {
    const proc = new ServerProcess(this.rs.spawn([process.execPath, join(HERE, 'servers.mjs'), JSON.stringify(listeners)]));
    await proc.ready();
    return proc;
  }

  /** Start probe.mjs in `lb`. */
  spawnProbe(mode: 'checks' | 'bursts' | 'runner' | 'genhash', input: unknown): LineReader {
    const child = this.lb.spawn([process.execPath, join(HERE, 'probe.mjs'), mode, JSON.stringify(input)], {
      env: { ...process.env, KTS_CHECK_BUILD: this.dir },
    });
    return new LineReader(child);
  }

  /** Run probe.mjs in `lb` to the end; its stdout, stderr and exit code. */
  async probe(mode: 'checks' | 'bursts' | 'genhash', input: unknown, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const p = this.spawnProbe(mode, input);
    try {
      const code = await p.exit(timeoutMs);
      return { code, stdout: p.lines.join('\n'), stderr: p.stderr };
    } finally {
      if (!p.exited) p.child.kill('SIGKILL');
    }
  }

  destroy(): void {
    this.lb.delete();
    this.rs.delete();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
