// ipvsadm 1.31's output: -L/-l in its table formats (plain, --stats, --rate,
// --thresholds, --persistent-conn, --tun-info) and -S (rules that -R reads),
// sorted the way libipvs sorts (glibc's merge sort with ipvsadm's
// comparisons, which subtract unsigned words and keep the sign of the int).
import { addressWords, inetAton, formatIpv4, parseIpv6 } from './addr.mjs';
import { FMT, FWD, PROTO, SVC_F, TUN_TYPES } from './options.mjs';
import { addressToHost, portToService } from './names.mjs';

const pad = (s, n) => String(s).padEnd(n);
const padStart = (s, n) => String(s).padStart(n);
/** C's (int) of an unsigned difference. */
const signedDiff = (a, b) => (a - b) | 0;

/** glibc msort: top-down, left half first, ties keep the left element. */
export function mergeSort(items, cmp) {
  if (items.length <= 1) return items.slice();
  const n1 = Math.floor(items.length / 2);
  const left = mergeSort(items.slice(0, n1), cmp);
  const right = mergeSort(items.slice(n1), cmp);
  const out = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) out.push(cmp(left[i], right[j]) <= 0 ? left[i++] : right[j++]);
  return out.concat(left.slice(i), right.slice(j));
}

function compareAddresses(af, a, b) {
  const wa = addressWords(af, a.addr);
  const wb = addressWords(b.af, b.addr);
  const words = af === 6 ? 4 : 1;
  let r = 0;
  for (let i = 0; r === 0 && i < words; i++) r = signedDiff(wa[i], wb[i]);
  return r;
}

/** ipvs_cmp_services. */
function compareServices(a, b) {
  return signedDiff(a.fwmark, b.fwmark) || a.af - b.af || a.protocol - b.protocol || (a.fwmark ? 0 : compareAddresses(a.af, a, b)) || a.port - b.port;
}

/** ipvs_cmp_dests: the first destination's family decides how many words count. */
function compareDests(a, b) {
  return compareAddresses(a.af, a, b) || a.port - b.port;
}

function protoName(proto) {
  return proto === PROTO.TCP ? 'tcp' : proto === PROTO.UDP ? 'udp' : proto === PROTO.SCTP ? 'sctp' : undefined;
}

function sameAddress(af, text) {
  return (candidate) => {
    if (af === 4) return inetAton(candidate) !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(candidate) && inetAton(candidate) === inetAton(text);
    const g = parseIpv6(candidate);
    return g !== undefined && g.join(':') === parseIpv6(text).join(':');
  };
}

/** addrport_to_anyname. */
function addrPort(af, addr, port, proto, format) {
  const [open, close] = af === 4 ? ['', ''] : ['[', ']'];
  if (format & FMT.NUMERIC) return `${open}${addr}${close}:${port}`;
  const host = addressToHost(addr, sameAddress(af, addr)) ?? addr;
  const name = protoName(proto) ? portToService(port, protoName(proto)) : undefined;
  return `${open}${host}${close}:${name ?? port}`.slice(0, 59);
}

function fwdName(fwd) {
  return ['Masq', 'Local', 'Tunnel', 'Route'][fwd];
}

function fwdSwitch(fwd) {
  return ['-m', '-g', '-i', '-g'][fwd];
}

function schedFlags(s) {
  const names =
    s.sched === 'sh' ? [[SVC_F.SCHED1, 'sh-fallback'], [SVC_F.SCHED2, 'sh-port']]
    : s.sched === 'mh' ? [[SVC_F.SCHED1, 'mh-fallback'], [SVC_F.SCHED2, 'mh-port']]
    : [[SVC_F.SCHED1, 'flag-1'], [SVC_F.SCHED2, 'flag-2'], [SVC_F.SCHED3, 'flag-3']];
  return names.filter(([bit]) => s.flags & bit).map(([, n]) => n).join(',');
}

const hasSchedFlags = (s) => (s.flags & (SVC_F.SCHED1 | SVC_F.SCHED2 | SVC_F.SCHED3)) !== 0;

function largeNum(n, format) {
  if (format & FMT.EXACT) {
    const len = String(n).length;
    return padStart(n, len <= 8 ? 9 : len + 1);
  }
  if (n < 100000000) return padStart(n, 9);
  const [div, unit] = n < 1e9 ? [1e3, 'K'] : n < 1e11 ? [1e6, 'M'] : n < 1e14 ? [1e9, 'G'] : [1e12, 'T'];
  return `${padStart(Math.floor(n / div), 8)}${unit}`;
}

const zeros = (format) => [0, 0, 0, 0, 0].map((n) => largeNum(n, format)).join('');

function title(format) {
  const t = pad('Prot LocalAddress:Port', 33);
  if (format & FMT.STATS) return `${t} ${['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'].map((h) => padStart(h, 8)).join(' ')}\n  -> RemoteAddress:Port\n`;
  if (format & FMT.RATE) return `${t} ${['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'].map((h) => padStart(h, 8)).join(' ')}\n  -> RemoteAddress:Port\n`;
  if (format & FMT.THRESHOLDS) return `${t} ${['Uthreshold', 'Lthreshold', 'ActiveConn', 'InActConn'].map((h) => pad(h, 10)).join(' ')}\n  -> RemoteAddress:Port\n`;
  if (format & FMT.PERSISTENTCONN) return `${t} ${pad('Weight', 9)} ${pad('PersistConn', 11)} ${pad('ActiveConn', 10)} ${pad('InActConn', 10)}\n  -> RemoteAddress:Port\n`;
  if (format & FMT.TUN_INFO) return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n';
  if (!(format & FMT.RULE)) return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
  return '';
}

function serviceName(s, format) {
  if (s.fwmark) {
    const mark = s.fwmark | 0;
    if (format & FMT.RULE) return s.af === 6 ? `-f ${mark} -6` : `-f ${mark}`;
    return s.af === 6 ? `FWM  ${mark} IPv6` : `FWM  ${mark}`;
  }
  const vname = addrPort(s.af, s.addr, s.port, s.protocol, format);
  if (format & FMT.RULE) {
    const option = s.protocol === PROTO.TCP ? '-t' : s.protocol === PROTO.UDP ? '-u' : s.protocol === PROTO.SCTP ? '--sctp-service' : '--xxx-service';
    return `${option} ${vname}`;
  }
  const proto = s.protocol === PROTO.TCP ? 'TCP' : s.protocol === PROTO.UDP ? 'UDP' : s.protocol === PROTO.SCTP ? 'SCTP' : '?';
  const name = `${pad(proto, 4)} ${vname}`;
  return s.af === 6 ? name : name.slice(0, 33);
}

function maskText(s) {
  if (s.af === 4) return s.netmask !== 0xffffffff ? formatIpv4(s.netmask) : undefined;
  return s.netmask !== 128 ? String(s.netmask) : undefined;
}

function serviceLine(s, name, format) {
  const persistent = (s.flags & SVC_F.PERSISTENT) !== 0;
  const mask = persistent ? maskText(s) : undefined;
  if (format & FMT.RULE) {
    let line = `-A ${name} -s ${s.sched}`;
    if (persistent) line += ` -p ${s.timeout}${mask !== undefined ? ` -M ${mask}` : ''}`;
    if (s.pe) line += ` --pe ${s.pe}`;
    if (s.flags & SVC_F.ONEPACKET) line += ' -o';
    if (hasSchedFlags(s)) line += ` -b ${schedFlags(s)}`;
    return `${line}\n`;
  }
  if (format & (FMT.STATS | FMT.RATE)) return `${pad(name, 33)}${zeros(format)}\n`;
  let line = `${name} ${s.sched}`;
  if (hasSchedFlags(s)) line += ` (${schedFlags(s)})`;
  if (persistent) line += ` persistent ${s.timeout}${mask !== undefined ? ` mask ${mask}` : ''}${s.pe ? ` pe ${s.pe}` : ''}`;
  if (s.flags & SVC_F.ONEPACKET) line += ' ops';
  return `${line}\n`;
}

const TUN_FLAG_OPTIONS = ['--tun-nocsum', '--tun-csum', '--tun-remcsum'];
const TUN_FLAG_SHORT = ['-c', '+c', 'r+c'];

function destLine(s, d, name, format) {
  let dname = addrPort(d.af, d.addr, d.port, s.protocol, format);
  if (!(format & FMT.RULE) && d.af !== 6) dname = dname.slice(0, 28);
  if (format & FMT.RULE) {
    const base = `-a ${name} -r ${dname} ${fwdSwitch(d.fwd)} -w ${d.weight | 0}`;
    if (d.fwd !== FWD.TUNNEL) return `${base}\n`;
    const type = TUN_TYPES[d.tunType];
    if (type === 'gue') return `${base} --tun-type gue --tun-port ${d.tunPort} ${TUN_FLAG_OPTIONS[d.tunFlags]}\n`;
    if (type === 'gre') return `${base} --tun-type gre ${TUN_FLAG_OPTIONS[d.tunFlags]}\n`;
    return `${base} --tun-type ${type}\n`;
  }
  const arrow = `  -> ${pad(dname, 28)}`;
  if (format & FMT.STATS) return `${arrow}${zeros(format)}\n`;
  if (format & FMT.RATE) return `${arrow} ${padStart(0, 8)} ${padStart(0, 8)} ${padStart(0, 8)}${largeNum(0, format)}${largeNum(0, format)}\n`;
  if (format & FMT.THRESHOLDS) return `${arrow} ${[d.uthreshold, d.lthreshold, 0, 0].map((n) => pad(n, 10)).join(' ')}\n`;
  if (format & FMT.PERSISTENTCONN) return `${arrow} ${pad(d.weight, 9)} ${pad(0, 11)} ${pad(0, 10)} ${pad(0, 10)}\n`;
  if (format & FMT.TUN_INFO) {
    let info = 'n/a';
    if (d.fwd === FWD.TUNNEL) {
      const type = TUN_TYPES[d.tunType];
      info = type === 'gue' ? `gue:${d.tunPort}:${TUN_FLAG_SHORT[d.tunFlags]}` : type === 'gre' ? `gre:${TUN_FLAG_SHORT[d.tunFlags]}` : type;
    }
    return `${arrow} ${pad(fwdName(d.fwd), 7)} ${pad(info, 13)} ${pad(d.weight | 0, 6)} ${pad(0, 10)} ${pad(0, 10)}\n`;
  }
  return `${arrow} ${pad(fwdName(d.fwd), 7)} ${pad(d.weight | 0, 6)} ${pad(0, 10)} ${pad(0, 10)}\n`;
}

function serviceEntry(s, format) {
  const name = serviceName(s, format);
  const dests = format & FMT.NOSORT ? s.dests : mergeSort(s.dests, compareDests);
  return serviceLine(s, name, format) + dests.map((d) => destLine(s, d, name, format)).join('');
}

/**
 * list_all (-L, and -S with FMT.RULE). Unsorted, the kernel lists address
 * services before firewall-mark ones, each in hash-table order (seeded by a
 * kernel pointer); the emulator uses the order they were added instead.
 */
export function listAll(table, format) {
  const header = format & FMT.RULE ? '' : 'IP Virtual Server version 1.2.1 (size=4096)\n';
  const unsorted = [...table.services.filter((s) => !s.fwmark), ...table.services.filter((s) => s.fwmark)];
  const services = format & FMT.NOSORT ? unsorted : mergeSort(unsorted, compareServices);
  return header + title(format) + services.map((s) => serviceEntry(s, format)).join('');
}

/** list_service (-L with a service). */
export function listService(service, format) {
  return title(format) + serviceEntry(service, format);
}

export function listTimeouts(t) {
  return `Timeout (tcp tcpfin udp): ${t.tcp} ${t.tcpfin} ${t.udp}\n`;
}

/** -c: the emulator carries no traffic, so there are no connections. */
export function listConnections(format) {
  return format & FMT.PERSISTENTCONN
    ? `IPVS connection entries\npro expire ${pad('state', 11)} ${pad('source', 18)} ${pad('virtual', 18)} ${pad('destination', 18)} ${pad('pe name', 16)} pe_data\n`
    : `IPVS connection entries\npro expire ${pad('state', 11)} ${pad('source', 18)} ${pad('virtual', 18)} destination\n`;
}
