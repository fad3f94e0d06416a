// Control of a bench/lib/checks-servers.mjs process (the real servers'
// listeners) from the benchmark: wait until they listen, count the
// connections they accepted, close and reopen some. Times in its answers
// are the host's wall clock. Used by bench/checks.mjs and
// bench/kernel-checks.mjs.
import { JsonLines } from './checks-observe.mjs';

export const SERVERS_SCRIPT = new URL('./checks-servers.mjs', import.meta.url).pathname;

export class Listeners {
  /** @param child a running `node checks-servers.mjs tcp|http COUNT PORT_BASE`, stdin and stdout piped */
  constructor(child) {
    this.child = child;
    this.lines = JsonLines.fromStream(child.stdout);
    this.stderr = '';
    child.stderr?.on('data', (d) => (this.stderr += d));
  }

  async ready(timeoutMs = 60_000) {
    if (!(await this.lines.waitFor((r) => r.ev === 'ready', timeoutMs))) throw new Error(`the listeners did not start: ${this.stderr}`);
  }

  async ask(msg, ev) {
    const from = this.lines.records.length;
    this.child.stdin.write(`${JSON.stringify(msg)}\n`);
    const r = await this.lines.waitFor((x) => x.ev === ev, 30_000, from);
    if (!r) throw new Error(`the listeners did not answer ${msg.op}: ${this.stderr}`);
    return r;
  }

  /** { accepted, at }: connections accepted so far. */
  count = () => this.ask({ op: 'count' }, 'count');
  /** { at }: when the listeners of `keys` were closed (connects to them are refused from then on). */
  close = (keys) => this.ask({ op: 'close', keys }, 'closed');
  open = (keys) => this.ask({ op: 'open', keys }, 'opened');

  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await gone;
  }
}
