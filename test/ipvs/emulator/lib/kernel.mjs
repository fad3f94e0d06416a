// The kernel side of IPVS as ipvsadm sees it through netlink (Linux 6.1):
// services keyed by (af, protocol, address, port) or (af, fwmark), their
// destinations keyed by (af, address, port), and the errno each request can
// fail with. Plain data, so the table can live in a JSON state file.
import { inetAton, parseIpv6 } from './addr.mjs';
import { FWD } from './options.mjs';

/** Schedulers a stock Debian 12 kernel (6.1) can load; twos came in 6.2. */
const SCHEDULERS = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh']);
const PERSISTENCE_ENGINES = new Set(['sip']);

/** The errno a request failed with (the messages depend on the request, see process.mjs). */
export const E = { EEXIST: 'EEXIST', ENOENT: 'ENOENT', ESRCH: 'ESRCH', EINVAL: 'EINVAL', ERANGE: 'ERANGE', ENODEV: 'ENODEV' };

/** @typedef {{ services: any[], timeouts: { tcp: number, tcpfin: number, udp: number } }} Table */

/** @returns {Table} */
export function emptyTable() {
  return { services: [], timeouts: { tcp: 900, tcpfin: 120, udp: 300 } };
}

function sameService(s, q) {
  if (s.af !== q.af || s.fwmark !== q.fwmark) return false;
  return s.fwmark !== 0 || (s.protocol === q.protocol && s.addr === q.addr && s.port === q.port);
}

const sameDest = (d, q) => d.af === q.af && d.addr === q.addr && d.port === q.port;

/** ip_vs_new_dest refuses what is not a unicast address (or a local one). */
function unicastDestination(dest) {
  if (dest.af === 4) {
    const a = inetAton(dest.addr);
    return a !== 0 && a !== 0xffffffff && !(a >= 0xe0000000 && a <= 0xefffffff);
  }
  const g = parseIpv6(dest.addr);
  const isLoopback = g.slice(0, 7).every((x) => x === 0) && g[7] === 1;
  if (isLoopback) return true;
  const unspecified = g.every((x) => x === 0);
  const multicast = g[0] >> 8 === 0xff;
  const linkLocal = (g[0] & 0xffc0) === 0xfe80;
  const mapped = g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
  return !(unspecified || multicast || linkLocal || mapped);
}

export class Kernel {
  /** @param {{ services: object[], timeouts: { tcp: number, tcpfin: number, udp: number } }} table */
  constructor(table) {
    this.table = table;
  }

  findService(svc) {
    return this.table.services.find((s) => sameService(s, svc));
  }

  #checkEngines(svc) {
    if (!SCHEDULERS.has(svc.sched)) return E.ENOENT;
    if (svc.pe && !PERSISTENCE_ENGINES.has(svc.pe)) return E.ENOENT;
    return undefined;
  }

  #serviceRecord(svc) {
    return {
      af: svc.af,
      protocol: svc.fwmark ? 0 : svc.protocol,
      addr: svc.fwmark ? undefined : svc.addr,
      port: svc.fwmark ? 0 : svc.port,
      fwmark: svc.fwmark,
      sched: svc.sched,
      flags: svc.flags,
      timeout: svc.timeout,
      netmask: svc.netmask,
      pe: svc.pe,
    };
  }

  addService(svc) {
    if (this.findService(svc)) return E.EEXIST;
    const err = this.#checkEngines(svc);
    if (err) return err;
    this.table.services.push({ ...this.#serviceRecord(svc), dests: [] });
    return undefined;
  }

  editService(svc) {
    const s = this.findService(svc);
    if (!s) return E.ESRCH;
    const err = this.#checkEngines(svc);
    if (err) return err;
    Object.assign(s, { sched: svc.sched, flags: svc.flags, timeout: svc.timeout, netmask: svc.netmask, pe: svc.pe });
    return undefined;
  }

  deleteService(svc) {
    const s = this.findService(svc);
    if (!s) return E.ESRCH;
    this.table.services.splice(this.table.services.indexOf(s), 1);
    return undefined;
  }

  /** -Z: with no service given, every service (there are no counters to clear). */
  zeroService(svc) {
    const given = svc.fwmark || svc.addr !== undefined || svc.port;
    if (given && !this.findService(svc)) return E.ESRCH;
    return undefined;
  }

  flush() {
    this.table.services = [];
    return undefined;
  }

  #destRecord(dest) {
    const tunnel = dest.fwd === FWD.TUNNEL;
    return {
      af: dest.af,
      addr: dest.addr,
      port: dest.port,
      fwd: dest.fwd,
      weight: dest.weight,
      uthreshold: dest.uthreshold,
      lthreshold: dest.lthreshold,
      tunType: tunnel ? dest.tunType : 0,
      tunPort: tunnel ? dest.tunPort : 0,
      tunFlags: tunnel ? dest.tunFlags : 0,
    };
  }

  addDest(svc, dest) {
    const s = this.findService(svc);
    if (!s) return E.ESRCH;
    if (dest.lthreshold > dest.uthreshold) return E.ERANGE;
    if (s.dests.some((d) => sameDest(d, dest))) return E.EEXIST;
    if (!unicastDestination(dest)) return E.EINVAL;
    // The kernel links a new destination at the head of the service's list.
    s.dests.unshift(this.#destRecord(dest));
    return undefined;
  }

  editDest(svc, dest) {
    const s = this.findService(svc);
    if (!s) return E.ESRCH;
    if (dest.lthreshold > dest.uthreshold) return E.ERANGE;
    const d = s.dests.find((x) => sameDest(x, dest));
    if (!d) return E.ENOENT;
    Object.assign(d, this.#destRecord(dest));
    return undefined;
  }

  deleteDest(svc, dest) {
    const s = this.findService(svc);
    if (!s) return E.ESRCH;
    const i = s.dests.findIndex((x) => sameDest(x, dest));
    if (i < 0) return E.ENOENT;
    s.dests.splice(i, 1);
    return undefined;
  }

  /** --set: a zero leaves that timeout as it is. */
  setTimeouts(t) {
    for (const k of ['tcp', 'tcpfin', 'udp']) if (t[k]) this.table.timeouts[k] = t[k];
    return undefined;
  }

  /** The emulated host has no network interfaces, so a sync daemon never starts. */
  startDaemon() {
    return E.ENODEV;
  }

  stopDaemon() {
    return E.ESRCH;
  }
}
