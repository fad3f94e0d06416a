// The real keepalived-ts binary (bin/keepalived-ts.js, built by `npm test`)
// started in a network namespace in the foreground with its JSON logs
// collected, its pid files and dump files in a directory of the test's own.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Netns } from '../helpers/netns.js';
import { HarnessProcess } from '../vrrp/harness-process.js';

const BIN = resolve(fileURLToPath(import.meta.url), '..', '..', '..', 'bin', 'keepalived-ts.js');

export class DaemonProcess extends HarnessProcess {
  constructor(
    name: string,
    child: HarnessProcess['child'],
    readonly dir: string,
  ) {
    super(name, child);
  }

  /** `keepalived-ts -n -f CONF -p/-r/-c DIR/NAME.*.pid ARGS` in ns; dumps go to DIR. */
  static launch(ns: Netns, dir: string, name: string, config: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): DaemonProcess {
    const pid = (f: string) => join(dir, `${name}.${f}.pid`);
    const child = ns.spawn([process.execPath, BIN, '-n', '-f', config, '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('checkers'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KEEPALIVED_TS_TMP_DIR: dir, ...env },
    });
    return new DaemonProcess(name, child, dir);
  }

  /** The pid in one of our pid files (main, vrrp, checkers), or undefined. */
  pidOf(which: 'main' | 'vrrp' | 'checkers'): number | undefined {
    try {
      const n = Number.parseInt(readFileSync(join(this.dir, `${this.name}.${which}.pid`), 'utf8'), 10);
      return Number.isInteger(n) ? n : undefined;
    } catch {
      return undefined;
    }
  }

  /** Send a signal to one of our processes, by the pid its pid file names. */
  signal(which: 'main' | 'vrrp' | 'checkers', sig: NodeJS.Signals | number): number | undefined {
    const pid = this.pidOf(which);
    if (pid !== undefined) {
      try {
        process.kill(pid, sig);
      } catch {
        return undefined;
      }
    }
    return pid;
  }

  /** Resident set size of one of our processes, in kB (from /proc). */
  rssKb(which: 'main' | 'vrrp' | 'checkers'): number | undefined {
    const pid = this.pidOf(which);
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Log lines whose message matches. */
  messages(re: RegExp, from = 0): HarnessProcess['lines'] {
    return this.lines.slice(from).filter((l) => typeof l.msg === 'string' && re.test(l.msg));
  }
}
