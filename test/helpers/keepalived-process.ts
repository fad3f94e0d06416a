// A real keepalived (Debian's) running in a namespace in the foreground with
// its pid files in a directory of the test's own; stopped only by its own pids.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { until } from './director-pair.js';
import type { Netns } from './netns.js';

export class KeepalivedProcess {
  log = '';
  private exitedAt: number | undefined;

  constructor(
    readonly child: ChildProcess,
    private readonly pidFiles: { main: string; vrrp: string; checkers: string },
  ) {
    child.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    child.once('exit', () => (this.exitedAt = performance.now()));
  }

  /** Write `config` to DIR/NAME.conf and run `keepalived -n -l -D -f` on it in ns. */
  static start(ns: Netns, dir: string, name: string, config: string, args: readonly string[] = []): KeepalivedProcess {
    const file = join(dir, `${name}.conf`);
    writeFileSync(file, config);
    const p = (f: string) => join(dir, `${name}.${f}.pid`);
    const pidFiles = { checkers: p('checkers'), vrrp: p('vrrp'), main: p('main') };
    return new KeepalivedProcess(ns.spawn(['keepalived', '-n', '-l', '-D', '-f', file, '-p', pidFiles.main, '-r', pidFiles.vrrp, '-c', pidFiles.checkers, '-b', p('bfd'), ...args]), pidFiles);
  }

  get running(): boolean {
    return this.exitedAt === undefined;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  /** Pids of the children, then the parent (from their pid files). */
  pids(): number[] {
    const out: number[] = [];
    for (const f of Object.values(this.pidFiles)) {
      try {
        const n = Number.parseInt(readFileSync(f, 'utf8'), 10);
        if (Number.isInteger(n) && n > 0) out.push(n);
      } catch {
        /* not running */
      }
    }
    return out;
  }

  /**
   * SIGKILL every process of this keepalived, children first: a child
   * outliving its parent even briefly gets SIGTERM from the kernel
   * (PDEATHSIG) and would stop cleanly.
   */
  killAll(): void {
    for (const pid of this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  async stop(): Promise<void> {
    this.signal('SIGTERM');
    if ((await until(() => !this.running, 10_000)) === undefined) this.signal('SIGKILL');
    await until(() => !this.running, 5_000);
  }
}
