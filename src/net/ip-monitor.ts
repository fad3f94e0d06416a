// One long-running `ip -o monitor ...` whose output lines go to a handler,
// restarted after a pause when it exits (the kernel events in between are
// lost: the caller's onRestart can re-read the state). The link and route
// monitors both sit on it.
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import type { Log } from '../log.js';

export interface IpMonitorOptions {
  /** The `ip` binary; default `ip`. */
  ipCommand?: string;
  /** `ip -n NETNS`. */
  netns?: string;
  /** Wait before restarting a monitor that exited; default 1000 ms. */
  restartMs?: number;
  log?: Log;
  /** Called after a restart (not after the first start). */
  onRestart?: () => void;
}

export class IpMonitorProcess {
  private child: ResultPromise | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private running = true;

  /** `args` follow `ip [-n NETNS]`, e.g. ['-o', 'monitor', 'link']. */
  constructor(
    private readonly args: readonly string[],
    private readonly onLine: (line: string) => void,
    private readonly options: IpMonitorOptions = {},
  ) {
    this.spawn();
  }

  /** Ends the monitor (and any pending restart). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const m = this.child;
    this.child = undefined;
    if (!m) return;
    m.kill('SIGTERM');
    await m.catch(() => undefined);
  }

  private spawn(): void {
    const prefix = this.options.netns ? ['-n', this.options.netns] : [];
    const m = execa(this.options.ipCommand ?? 'ip', [...prefix, ...this.args], { reject: false, stdin: 'ignore', stdout: 'pipe', stderr: 'ignore', buffer: false });
    this.child = m;
    if (m.stdout) createInterface({ input: m.stdout }).on('line', this.onLine);
    void m.then((r) => {
      if (!this.running || this.child !== m) return;
      this.child = undefined;
      this.options.log?.warn({ command: `ip ${this.args.join(' ')}`, exitCode: r.exitCode, signal: r.signal }, '`ip monitor` exited: restarting it');
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (!this.running) return;
        this.spawn();
        this.options.onRestart?.();
      }, this.options.restartMs ?? 1000);
    });
  }
}
