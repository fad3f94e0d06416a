// Starting and killing the daemons of the lab's directors: keepalived-ts
// (bin/keepalived-ts.js) or Debian's keepalived, in the foreground (-n) inside
// a director's namespace, with pid files in the run's temporary directory
// (never /run). A daemon is only ever signalled by pid: its own, or those of
// its process tree read from /proc.
import { appendFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pidAlive, processTree, signalPid, until } from './topology.mjs';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KEEPALIVED_TS = join(REPO, 'bin', 'keepalived-ts.js');
export const IPVSADM_EMULATOR = join(REPO, 'test', 'ipvs', 'emulator', 'ipvsadm');

/**
 * The pid file names of a daemon on `host`, emptied first: a daemon killed
 * with -9 leaves its files, and a reused pid in one makes the next start say
 * "daemon is already running".
 */
function freshPidFiles(dir, host, names) {
  const pid = (f) => join(dir, `${host}.${f}.pid`);
  for (const f of names) rmSync(pid(f), { force: true });
  return pid;
}

export class Daemon {
  /**
   * keepalived-ts on `host`. Options: conf (file), dir (for pid files and the
   * log), args (extra flags, e.g. ['-P'] or ['--ipvsadm', PATH]), env (extra
   * environment, e.g. IPVSADM_EMULATOR_STATE).
   */
  static keepalivedTs(lab, host, { conf, dir, args = [], env = {} }) {
    const pid = freshPidFiles(dir, host, ['main', 'vrrp', 'checkers']);
    const argv = [process.execPath, KEEPALIVED_TS, '-n', '-f', conf, '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('checkers'), ...args];
    return new Daemon(lab, host, 'keepalived-ts', argv, join(dir, `${host}.keepalived-ts.log`), env);
  }

  /** Debian's keepalived on `host` (-n -l -D, private pid files). */
  static keepalived(lab, host, { conf, dir, args = [] }) {
    const pid = freshPidFiles(dir, host, ['main', 'vrrp', 'checkers', 'bfd']);
    const argv = ['keepalived', '-n', '-l', '-D', '-f', conf, '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('checkers'), '-b', pid('bfd'), ...args];
    return new Daemon(lab, host, 'keepalived', argv, join(dir, `${host}.keepalived.log`), {});
  }

  constructor(lab, host, kind, argv, logFile, env) {
    this.host = host;
    this.kind = kind;
    this.logFile = logFile;
    /** Log lines as printed (JSON for keepalived-ts without -l). */
    this.lines = [];
    this.exit = undefined;
    this.child = lab.spawn(host, argv, { env: { ...process.env, ...env } });
    this.pid = this.child.pid;
    this.exited = new Promise((res) => this.child.once('exit', (code, signal) => res((this.exit = { code, signal }))));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push({ at: performance.now(), line });
        appendFileSync(logFile, `${line}\n`);
      });
    }
  }

  get running() {
    return this.exit === undefined;
  }

  /** keepalived-ts JSON log records (lines that are not JSON are skipped). */
  records(since = 0) {
    const out = [];
    for (const { at, line } of this.lines) {
      if (at < since || !line.startsWith('{')) continue;
      try {
        out.push({ at, ...JSON.parse(line) });
      } catch {
        /* not JSON */
      }
    }
    return out;
  }

  /** The first VRRP state change to `state` (e.g. 'master') logged at or after `since`. */
  stateChange(state, since = 0) {
    if (this.kind === 'keepalived-ts') return this.records(since).find((r) => r.msg === `Entering ${state.toUpperCase()} STATE`);
    const want = new RegExp(`Entering ${state.toUpperCase()} STATE`);
    return this.lines.find((l) => l.at >= since && want.test(l.line));
  }

  /** The daemon's processes (parent first), read from /proc. */
  tree() {
    return this.running ? processTree(this.pid) : [];
  }

  signal(sig) {
    return this.running && signalPid(this.pid, sig);
  }

  /** SIGKILL every process of the daemon at once (children first); the pids killed. */
  killTree() {
    const pids = this.tree();
    for (const pid of [...pids].reverse()) signalPid(pid, 'SIGKILL');
    return pids;
  }

  /** SIGTERM, then SIGKILL of the tree if it has not stopped within `graceMs`. */
  async stop(graceMs = 8_000) {
    if (!this.running) return this.exit;
    const pids = this.tree();
    this.signal('SIGTERM');
    if (!(await until(() => !this.running, graceMs))) this.killTree();
    await this.exited;
    // A child that outlived its parent (it should not) is ours to stop.
    for (const pid of pids) if (pidAlive(pid)) signalPid(pid, 'SIGKILL');
    return this.exit;
  }

  /** The last lines of the log, for an error message. */
  tail(n = 20) {
    return this.lines
      .slice(-n)
      .map((l) => `  ${this.host}: ${l.line}`)
      .join('\n');
  }
}
