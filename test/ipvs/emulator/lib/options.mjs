// ipvsadm 1.31's command line: the popt option table, parse_options (one
// command first, then options in order, each checked as it is read) and
// generic_opt_check (the table of which options each command needs or
// refuses, copied from the 1.31 binary). Produces a command entry; the
// kernel-side checks happen in process.mjs.
import { inetAton, parseIpv6, formatIpv4, formatIpv6 } from './addr.mjs';
import { fail, tryHelp, crash } from './exit.mjs';
import { hostToIpv4, serviceToPort } from './names.mjs';
import { PoptContext } from './popt.mjs';
import { usage, VERSION } from './usage.mjs';

export const CMD = {
  ADD: 1, EDIT: 2, DEL: 3, FLUSH: 4, LIST: 5, ADDDEST: 6, DELDEST: 7, EDITDEST: 8,
  TIMEOUT: 9, STARTDAEMON: 10, STOPDAEMON: 11, RESTORE: 12, SAVE: 13, ZERO: 14,
};
const CMD_NAMES = ['add-service', 'edit-service', 'delete-service', 'flush', 'list', 'add-server', 'delete-server', 'edit-server', 'set', 'start-daemon', 'stop-daemon', 'restore', 'save', 'zero'];

export const OPT_NAMES = [
  'numeric', 'connection', 'service-address', 'scheduler', 'persistent', 'netmask', 'real-server', 'forwarding-method',
  'weight', 'u-threshold', 'l-threshold', 'mcast-interface', 'timeout', 'daemon', 'stats', 'rate', 'thresholds',
  'persistent-conn', 'nosort', 'syncid', 'exact', 'ops', 'pe', 'sched-flags', 'mcast-group', 'mcast-port', 'mcast-ttl',
  'sync-maxlen', 'tun-info', 'tun-type', 'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum',
];
/** Option index by name (the bit number ipvsadm uses). */
export const OPT = Object.fromEntries(OPT_NAMES.map((n, i) => [n, i]));

// '+' required, 'x' refused, '1' at most one of these, ' ' allowed; one row per command, one column per option.
const COMMANDS_V_OPTIONS = [
  'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  'xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  ' 11xxxxxxxxx11       xxxxxxx xxxxx',
  'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  'xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'xxxxxxxxxxx xxxxxxx xxxx    xxxxxx',
  'xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx',
  'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  ' xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
];

export const FMT = { NUMERIC: 0x1, RULE: 0x2, STATS: 0x4, RATE: 0x8, THRESHOLDS: 0x10, PERSISTENTCONN: 0x20, NOSORT: 0x40, EXACT: 0x80, TUN_INFO: 0x100 };
export const SVC_F = { PERSISTENT: 0x1, HASHED: 0x2, ONEPACKET: 0x4, SCHED1: 0x8, SCHED2: 0x10, SCHED3: 0x20 };
export const FWD = { MASQ: 0, LOCALNODE: 1, TUNNEL: 2, DROUTE: 3 };
export const TUN_TYPES = ['ipip', 'gue', 'gre'];
export const PROTO = { TCP: 6, UDP: 17, SCTP: 132 };
/** IPVS_SVC_PERSISTENT_TIMEOUT: -p without a value. */
const DEFAULT_PERSISTENT_TIMEOUT = 360;
const MAX_TIMEOUT = 86400 * 31;
const INT_MAX = 2147483647;
export const DEF_SCHED = 'wlc';

const o = (long, short, arg, key = long) => ({ long, short, arg, key });
const POPT_TABLE = [
  o('add-service', 'A', 'none', 'A'), o('edit-service', 'E', 'none', 'E'), o('delete-service', 'D', 'none', 'D'),
  o('clear', 'C', 'none', 'C'), o('list', 'L', 'none', 'L'), o('list', 'l', 'none', 'L'), o('zero', 'Z', 'none', 'Z'),
  o('add-server', 'a', 'none', 'a'), o('edit-server', 'e', 'none', 'e'), o('delete-server', 'd', 'none', 'd'),
  o('set', undefined, 'none'), o('help', 'h', 'none', 'h'), o('version', 'v', 'none', 'v'),
  o('restore', 'R', 'none', 'R'), o('save', 'S', 'none', 'S'),
  o('start-daemon', undefined, 'required'), o('stop-daemon', undefined, 'required'),
  o('tcp-service', 't', 'required', 't'), o('udp-service', 'u', 'required', 'u'), o('sctp-service', undefined, 'required'),
  o('fwmark-service', 'f', 'required', 'f'), o('scheduler', 's', 'required', 's'), o('persistent', 'p', 'optional', 'p'),
  o('netmask', 'M', 'required', 'M'), o('real-server', 'r', 'required', 'r'), o('masquerading', 'm', 'none', 'm'),
  o('ipip', 'i', 'none', 'i'), o('gatewaying', 'g', 'none', 'g'), o('weight', 'w', 'required', 'w'),
  o('u-threshold', 'x', 'required', 'x'), o('l-threshold', 'y', 'required', 'y'), o('numeric', 'n', 'none', 'n'),
  o('connection', 'c', 'none', 'c'), o('mcast-interface', undefined, 'required'), o('syncid', undefined, 'required'),
  o('timeout', undefined, 'none'), o('daemon', undefined, 'none'), o('stats', undefined, 'none'), o('rate', undefined, 'none'),
  o('thresholds', undefined, 'none'), o('persistent-conn', undefined, 'none'), o('nosort', undefined, 'none'),
  o('sort', undefined, 'none'), o('exact', 'X', 'none', 'X'), o('ipv6', '6', 'none', '6'), o('ops', 'o', 'none', 'o'),
  o('pe', undefined, 'required'), o('sched-flags', 'b', 'required', 'b'), o('mcast-group', undefined, 'required'),
  o('mcast-port', undefined, 'required'), o('mcast-ttl', undefined, 'required'), o('sync-maxlen', undefined, 'required'),
  o('tun-info', undefined, 'none'), o('tun-type', undefined, 'required'), o('tun-port', undefined, 'required'),
  o('tun-nocsum', undefined, 'none'), o('tun-csum', undefined, 'none'), o('tun-remcsum', undefined, 'none'),
];

/** strtol-based string_to_number: the whole string is a base-10 number within [min, max], else -1. */
export function stringToNumber(s, min, max) {
  if (!/^[ \t\n\v\f\r]*[+-]?\d+$/.test(s)) return -1;
  const n = Number(s.trim());
  return n >= min && n <= max ? n : -1;
}

function strIsDigit(s) {
  return /^\d*$/.test(s);
}

function protocolName(proto) {
  return proto === PROTO.TCP ? 'tcp' : proto === PROTO.UDP ? 'udp' : proto === PROTO.SCTP ? 'sctp' : undefined;
}

/**
 * parse_service: reads host[:port] or [v6]:port into target (af, addr, port).
 * Returns 0 (nothing), 1 (address) or 3 (address and port).
 */
function parseService(buf, target) {
  if (strIsDigit(buf)) return 0;
  let text = buf;
  let port;
  if (text[0] === '[') {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return 0;
    port = text.slice(close + 2);
    text = text.slice(1, close);
  }
  const v6 = parseIpv6(text);
  if (v6) {
    target.af = 6;
    target.addr = formatIpv6(v6);
    target.netmask = 128;
  } else {
    if (port === undefined) {
      const colon = text.lastIndexOf(':');
      if (colon >= 0) {
        port = text.slice(colon + 1);
        text = text.slice(0, colon);
      }
    }
    const v4 = inetAton(text) ?? (hostToIpv4(text) !== undefined ? inetAton(hostToIpv4(text)) : undefined);
    if (v4 === undefined) return 0;
    target.af = 4;
    target.addr = formatIpv4(v4);
  }
  if (port === undefined) return 1;
  let n = stringToNumber(port, 0, 65535);
  if (n === -1) {
    const proto = protocolName(target.protocol);
    n = proto ? serviceToPort(port, proto) ?? -1 : -1;
  }
  if (n === -1) return 0;
  target.port = n;
  return 3;
}

function parseFwmark(buf) {
  const ok = /^[ \t\n\v\f\r]*[+-]?\d+$/.test(buf);
  const n = ok ? Number(buf.trim()) : NaN;
  if (!ok || n <= 0 || n > 0xffffffff) fail(2, `invalid fwmark value \`${buf}' specified`);
  return n;
}

function parseTimeout(buf, min, max) {
  if (buf === undefined) return DEFAULT_PERSISTENT_TIMEOUT;
  const n = stringToNumber(buf, min, max);
  if (n === -1) fail(2, `invalid timeout value \`${buf}' specified`);
  return n;
}

/** parse_netmask (IPv4): the mask as a 32-bit number, or undefined. */
function parseNetmask(buf) {
  const v4 = inetAton(buf) ?? (hostToIpv4(buf) !== undefined ? inetAton(hostToIpv4(buf)) : undefined);
  return v4;
}

/** C atoi: leading blanks, sign, digits; 0 when none. */
function atoi(s) {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

function parseSchedFlags(sched, arg) {
  const name = sched || DEF_SCHED;
  const parts = arg.split(',').filter((p) => p !== '');
  // strtok finds no token at all: 1.31 compares a NULL pointer and crashes.
  if (parts.length === 0) crash();
  let flags = 0;
  for (const flag of parts) {
    if (flag === 'flag-1') flags |= SVC_F.SCHED1;
    else if (flag === 'flag-2') flags |= SVC_F.SCHED2;
    else if (flag === 'flag-3') flags |= SVC_F.SCHED3;
    else if (flag === 'sh-fallback' || flag === 'mh-fallback' || flag === 'sh-port' || flag === 'mh-port') {
      flags |= flag.endsWith('fallback') ? SVC_F.SCHED1 : SVC_F.SCHED2;
      if (name !== flag.slice(0, 2)) fail(2, `incompatible scheduler flag \`${flag}'`);
    } else fail(2, `invalid scheduler flag \`${flag}'`);
  }
  return flags;
}

export function newCommandEntry() {
  return {
    cmd: 0,
    svc: { af: 0, protocol: 0, addr: undefined, port: 0, fwmark: 0, sched: '', flags: 0, timeout: 0, netmask: 0xffffffff, pe: '' },
    dest: { af: 0, addr: undefined, port: 0, fwd: FWD.DROUTE, weight: 1, uthreshold: 0, lthreshold: 0, tunType: 0, tunPort: 0, tunFlags: 0 },
    timeout: { tcp: 0, tcpfin: 0, udp: 0 },
    daemon: { state: undefined, mcastIfn: '', syncid: 0 },
  };
}

function setCommand(ce, cmd) {
  if (ce.cmd !== 0) fail(2, 'multiple commands specified');
  ce.cmd = cmd;
}

function setOption(options, index) {
  if (options.has(index)) fail(2, `multiple '${OPT_NAMES[index]}' options specified`);
  options.add(index);
}

/**
 * parse_options: the command entry, the set of options given (by index)
 * and the output format bits; or an exit (usage, version, errors).
 */
export function parseOptions(program, args, out) {
  const ce = newCommandEntry();
  const options = new Set();
  let format = 0;
  let schedFlagsArg = '';
  const context = new PoptContext(args, POPT_TABLE);

  const first = context.nextOption();
  if (!('key' in first)) tryHelp(program);
  const commands = { A: CMD.ADD, E: CMD.EDIT, D: CMD.DEL, a: CMD.ADDDEST, e: CMD.EDITDEST, d: CMD.DELDEST, C: CMD.FLUSH, L: CMD.LIST, Z: CMD.ZERO, set: CMD.TIMEOUT, R: CMD.RESTORE, S: CMD.SAVE };
  if (first.key in commands) setCommand(ce, commands[first.key]);
  else if (first.key === 'start-daemon' || first.key === 'stop-daemon') {
    setCommand(ce, first.key === 'start-daemon' ? CMD.STARTDAEMON : CMD.STOPDAEMON);
    if (first.arg === 'master' || first.arg === 'backup') ce.daemon.state = first.arg;
    else fail(2, first.key === 'start-daemon' ? 'illegal start-daemon parameter specified' : 'illegal start_daemon specified');
  } else if (first.key === 'h') {
    out.stdout.push(usage(program));
    return { exit: 0 };
  } else if (first.key === 'v') {
    out.stdout.push(`${VERSION}\n`);
    return { exit: 0 };
  } else tryHelp(program);

  let c;
  while ('key' in (c = context.nextOption())) {
    const arg = c.arg;
    switch (c.key) {
      case 't':
      case 'u':
      case 'sctp-service':
        setOption(options, OPT['service-address']);
        ce.svc.protocol = c.key === 't' ? PROTO.TCP : c.key === 'u' ? PROTO.UDP : PROTO.SCTP;
        if (!(parseService(arg, ce.svc) & 1)) fail(2, 'illegal virtual server address[:port] specified');
        break;
      case 'f':
        setOption(options, OPT['service-address']);
        ce.svc.af = 4;
        ce.svc.protocol = PROTO.TCP;
        ce.svc.fwmark = parseFwmark(arg);
        break;
      case 's':
        setOption(options, OPT.scheduler);
        ce.svc.sched = arg;
        break;
      case 'p':
        setOption(options, OPT.persistent);
        ce.svc.flags |= SVC_F.PERSISTENT;
        ce.svc.timeout = parseTimeout(arg, 1, MAX_TIMEOUT);
        break;
      case 'M':
        setOption(options, OPT.netmask);
        if (ce.svc.af !== 6) {
          const mask = parseNetmask(arg);
          if (mask === undefined) fail(2, 'illegal virtual server persistent mask specified');
          ce.svc.netmask = mask;
        } else {
          ce.svc.netmask = atoi(arg);
          if (ce.svc.netmask < 1 || ce.svc.netmask > 128) fail(2, 'illegal ipv6 netmask specified');
        }
        break;
      case 'r': {
        setOption(options, OPT['real-server']);
        const target = { ...ce.svc };
        const parsed = parseService(arg, target);
        ce.dest.af = target.af;
        ce.dest.addr = target.addr;
        ce.dest.port = target.port;
        if (!(parsed & 1)) fail(2, 'illegal real server address[:port] specified');
        if (parsed === 1) ce.dest.port = ce.svc.port;
        break;
      }
      case 'i':
      case 'g':
      case 'm':
        setOption(options, OPT['forwarding-method']);
        ce.dest.fwd = c.key === 'i' ? FWD.TUNNEL : c.key === 'g' ? FWD.DROUTE : FWD.MASQ;
        break;
      case 'w':
        setOption(options, OPT.weight);
        if ((ce.dest.weight = stringToNumber(arg, 0, INT_MAX)) === -1) fail(2, 'illegal weight specified');
        break;
      case 'x':
        setOption(options, OPT['u-threshold']);
        if ((ce.dest.uthreshold = stringToNumber(arg, 0, INT_MAX)) === -1) fail(2, 'illegal u_threshold specified');
        break;
      case 'y':
        setOption(options, OPT['l-threshold']);
        if ((ce.dest.lthreshold = stringToNumber(arg, 0, INT_MAX)) === -1) fail(2, 'illegal l_threshold specified');
        break;
      case 'c':
        setOption(options, OPT.connection);
        break;
      case 'n':
        setOption(options, OPT.numeric);
        format |= FMT.NUMERIC;
        break;
      case 'mcast-interface':
        setOption(options, OPT['mcast-interface']);
        ce.daemon.mcastIfn = arg;
        break;
      case 'syncid':
        setOption(options, OPT.syncid);
        if ((ce.daemon.syncid = stringToNumber(arg, 0, 255)) === -1) fail(2, 'illegal syncid specified');
        break;
      case 'timeout':
        setOption(options, OPT.timeout);
        break;
      case 'daemon':
        setOption(options, OPT.daemon);
        break;
      case 'stats':
        setOption(options, OPT.stats);
        format |= FMT.STATS;
        break;
      case 'rate':
        setOption(options, OPT.rate);
        format |= FMT.RATE;
        break;
      case 'thresholds':
        setOption(options, OPT.thresholds);
        format |= FMT.THRESHOLDS;
        break;
      case 'persistent-conn':
        setOption(options, OPT['persistent-conn']);
        format |= FMT.PERSISTENTCONN;
        break;
      case 'nosort':
        setOption(options, OPT.nosort);
        format |= FMT.NOSORT;
        break;
      case 'sort':
        break;
      case 'X':
        setOption(options, OPT.exact);
        format |= FMT.EXACT;
        break;
      case '6':
        if (ce.svc.fwmark) {
          ce.svc.af = 6;
          ce.svc.netmask = 128;
        } else fail(2, '-6 used before -f\n');
        break;
      case 'o':
        setOption(options, OPT.ops);
        ce.svc.flags |= SVC_F.ONEPACKET;
        break;
      case 'pe':
        setOption(options, OPT.pe);
        ce.svc.pe = arg;
        break;
      case 'b':
        setOption(options, OPT['sched-flags']);
        schedFlagsArg = arg;
        break;
      case 'mcast-group': {
        setOption(options, OPT['mcast-group']);
        if (arg.includes(':')) {
          const g = parseIpv6(arg);
          if (!g || g[0] >> 8 !== 0xff) fail(2, `invalid IPv6 mcast-group \`${arg}'`);
        } else {
          const g = inetAton(arg);
          if (g === undefined || g < 0xe0000000 || g > 0xefffffff) fail(2, `invalid IPv4 mcast-group \`${arg}'`);
        }
        break;
      }
      case 'mcast-port':
        setOption(options, OPT['mcast-port']);
        if (stringToNumber(arg, 1, 65535) === -1) fail(2, 'illegal mcast-port specified');
        break;
      case 'mcast-ttl':
        setOption(options, OPT['mcast-ttl']);
        if (stringToNumber(arg, 1, 255) === -1) fail(2, 'illegal mcast-ttl specified');
        break;
      case 'sync-maxlen':
        setOption(options, OPT['sync-maxlen']);
        if (stringToNumber(arg, 1, 65535 - 20 - 8) === -1) fail(2, 'illegal sync-maxlen specified');
        break;
      case 'tun-info':
        setOption(options, OPT['tun-info']);
        format |= FMT.TUN_INFO;
        break;
      case 'tun-type':
        setOption(options, OPT['tun-type']);
        ce.dest.tunType = TUN_TYPES.indexOf(arg);
        if (ce.dest.tunType === -1) fail(2, 'illegal tunnel type specified');
        break;
      case 'tun-port': {
        setOption(options, OPT['tun-port']);
        const port = stringToNumber(arg, 1, 65535);
        if (port === -1) fail(2, 'illegal tunnel port specified');
        ce.dest.tunPort = port;
        break;
      }
      case 'tun-nocsum':
        setOption(options, OPT['tun-nocsum']);
        break;
      case 'tun-csum':
        setOption(options, OPT['tun-csum']);
        ce.dest.tunFlags |= 1;
        break;
      case 'tun-remcsum':
        setOption(options, OPT['tun-remcsum']);
        ce.dest.tunFlags |= 2;
        break;
      default:
        // A second command, -h or -v after the command.
        fail(2, `invalid option \`${c.word}'`);
    }
  }
  if ('error' in c) {
    // popt's own error: reported, and the command fails without exiting.
    out.stderr.push(`${c.bad}: ${c.error}\n`);
    return { failed: true };
  }
  if (ce.cmd === CMD.TIMEOUT) {
    const values = [context.nextLeftover(), context.nextLeftover(), context.nextLeftover()];
    if (values.some((v) => v === undefined)) fail(2, '--set option requires 3 timeout values');
    [ce.timeout.tcp, ce.timeout.tcpfin, ce.timeout.udp] = values.map((v) => parseTimeout(v, 0, MAX_TIMEOUT));
  }
  const extra = context.nextLeftover();
  if (extra !== undefined) fail(2, `unexpected argument ${extra}`);
  if (schedFlagsArg) {
    ce.svc.flags &= ~(SVC_F.SCHED1 | SVC_F.SCHED2 | SVC_F.SCHED3);
    ce.svc.flags |= parseSchedFlags(ce.svc.sched, schedFlagsArg);
  }
  return { ce, options, format };
}

/** generic_opt_check: the first option (in table order) that the command needs or refuses. */
export function genericOptCheck(cmd, options) {
  const row = COMMANDS_V_OPTIONS[cmd - 1];
  let last = -1;
  for (let j = 0; j < OPT_NAMES.length; j++) {
    if (!options.has(j)) {
      if (row[j] === '+') fail(2, `You need to supply the '${OPT_NAMES[j]}' option for the '${CMD_NAMES[cmd - 1]}' command`);
    } else {
      if (row[j] === 'x') fail(2, `Illegal '${OPT_NAMES[j]}' option with the '${CMD_NAMES[cmd - 1]}' command`);
      if (row[j] === '1') {
        if (last === -1) {
          last = j;
          continue;
        }
        fail(2, `The option '${OPT_NAMES[j]}' conflicts with the '${OPT_NAMES[last]}' option in the '${CMD_NAMES[cmd - 1]}' command`);
      }
    }
  }
}

// Per tunnel type: tun-port, tun-nocsum, tun-csum, tun-remcsum.
const TUNNEL_TYPES_V_OPTIONS = ['xxxx', '+111', 'x11x'];
const TUN_OPTS = ['tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'];

export function tunnelOptCheck(tunType, options) {
  const row = TUNNEL_TYPES_V_OPTIONS[tunType];
  let last;
  TUN_OPTS.forEach((name, j) => {
    if (!options.has(OPT[name])) {
      if (row[j] === '+') fail(2, `You need to supply the '${name}' option for the '${TUN_TYPES[tunType]}' tunnel type`);
      return;
    }
    if (row[j] === 'x') fail(2, `Illegal '${name}' option with the '${TUN_TYPES[tunType]}' tunnel type`);
    if (row[j] === '1') {
      if (last === undefined) last = name;
      else fail(2, `The option '${name}' conflicts with the '${last}' option in the '${TUN_TYPES[tunType]}' tunnel type`);
    }
  });
}
