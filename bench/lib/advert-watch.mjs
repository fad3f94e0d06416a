// The VRRP adverts on the lab segment as a third host (the client) sees them,
// for the failover and stability benchmarks: a takeover timed from the
// master's last advert (or its priority-0 advert) instead of from the failure,
// and the gaps in a master's adverts. The watcher process is
// bench/lib/stability-advert-watch.mjs (the project's raw VRRP socket, built
// in dist/): one JSON line per advert, {s: source, p: priority, t: wall ms}.
import { createInterface } from 'node:readline';
import { waitUntilSeen } from '../../test/lab/observe.mjs';
import { ADDRESSES } from '../../test/lab/topology.mjs';

const WATCHER = new URL('./stability-advert-watch.mjs', import.meta.url).pathname;

export class AdvertWatch {
  /** Start watching on the client's eth0; resolves once the socket is open (or throws). */
  static async start(lab) {
    const w = new AdvertWatch(lab);
    const ready = await new Promise((resolve) => {
      w.child.stderr.once('data', (d) => resolve(String(d).includes('watching')));
      w.child.once('exit', () => resolve(false));
    });
    if (!ready) throw new Error('the advert watcher did not start (is the project built? npm run build)');
    return w;
  }

  constructor(lab) {
    /** {s, p, t} in arrival order. */
    this.adverts = [];
    this.waiters = new Set();
    this.child = lab.spawn('client', [process.execPath, WATCHER, 'eth0', ADDRESSES.client]);
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      try {
        this.adverts.push(JSON.parse(line));
      } catch {
        return; /* not a record */
      }
      for (const w of this.waiters) w();
    });
  }

  /** The first advert of `host` seen after wall-clock time `wall`; undefined after `timeoutMs`. */
  next(host, wall, timeoutMs) {
    return waitUntilSeen(this.waiters, () => this.adverts.find((a) => a.s === ADDRESSES[host] && a.t > wall), timeoutMs);
  }

  /** The last advert `host` sent before wall-clock time `wall` (ms), or undefined. */
  lastBefore(host, wall) {
    return this.adverts.findLast((a) => a.s === ADDRESSES[host] && a.t <= wall);
  }

  /** The first advert of `host` with priority `priority` at or after `wall`, or undefined. */
  firstWithPriority(host, priority, wall) {
    return this.adverts.find((a) => a.s === ADDRESSES[host] && a.p === priority && a.t >= wall);
  }

  /** Forget what was seen before `wall` (the list would grow by 20 a second otherwise). */
  forgetBefore(wall) {
    this.adverts = this.adverts.filter((a) => a.t >= wall);
  }

  stop() {
    this.child.kill('SIGKILL');
  }
}
