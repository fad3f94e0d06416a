// keepalived 2.2.7's command line, read into a typed value. The option table
// is data; the reader follows getopt_long's rules (clustered short flags,
// -fFILE or -f FILE, --opt=VAL or --opt VAL, optional arguments only attached).

export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';

export interface CliOptions {
  configFile: string;
  /** -t: check the config and exit; a string when -t=LOGFILE was given. */
  configTest?: true | string;
  version: boolean;
  help: boolean;
  signum?: string;
  genhash: boolean;
  /** Arguments after -T (genhash mode takes its own options). */
  genhashArgs: string[];
  vrrpOnly: boolean;
  checkOnly: boolean;
  noBfd: boolean;
  all: boolean;
  logConsole: boolean;
  logDetail: boolean;
  logFacility?: string;
  logFile?: string;
  noSyslog: boolean;
  umask?: number;
  releaseVips: boolean;
  dontReleaseVrrp: boolean;
  dontReleaseIpvs: boolean;
  dontRespawn: boolean;
  dontFork: boolean;
  dumpConf: boolean;
  pidFile?: string;
  vrrpPidFile?: string;
  checkersPidFile?: string;
  bfdPidFile?: string;
  addressMonitoring: boolean;
  snmp: boolean;
  snmpAgentSocket?: string;
  namespace?: string;
  coreDump: boolean;
  coreDumpPattern?: string;
  allConfig: boolean;
  configId?: string;
  /** Ours: -t prints problems as JSON on stdout. */
  json: boolean;
  /** Ours: install VIPs without a lifetime (no self-removal after kill -9). */
  noVipLease: boolean;
  /** Ours: the ipvsadm program the checker child runs (default: ipvsadm from PATH). */
  ipvsadm?: string;
  /** Ours: cap of the child restart back-off in seconds (keepalived: 60). */
  respawnDelayMax?: number;
  /** Non-option arguments; keepalived only reports them. */
  extra: string[];
}

type Arg = 'none' | 'required' | 'optional';

interface OptionSpec {
  short?: string;
  long: string;
  arg: Arg;
  apply: (o: CliOptions, value: string | undefined) => string | void;
}

const flag =
  (set: (o: CliOptions) => unknown) =>
  (o: CliOptions): void => {
    set(o);
  };

const OPTIONS: readonly OptionSpec[] = [
  { short: 'f', long: 'use-file', arg: 'required', apply: (o, v) => void (o.configFile = v!) },
  { short: 'P', long: 'vrrp', arg: 'none', apply: flag((o) => (o.vrrpOnly = true)) },
  { short: 'C', long: 'check', arg: 'none', apply: flag((o) => (o.checkOnly = true)) },
  { short: 'B', long: 'no_bfd', arg: 'none', apply: flag((o) => (o.noBfd = true)) },
  { long: 'all', arg: 'none', apply: flag((o) => (o.all = true)) },
  { short: 'l', long: 'log-console', arg: 'none', apply: flag((o) => (o.logConsole = true)) },
  { short: 'D', long: 'log-detail', arg: 'none', apply: flag((o) => (o.logDetail = true)) },
  { short: 'S', long: 'log-facility', arg: 'required', apply: (o, v) => void (o.logFacility = v!) },
  { short: 'g', long: 'log-file', arg: 'optional', apply: (o, v) => void (o.logFile = v ?? '/tmp/keepalived.log') },
  { short: 'G', long: 'no-syslog', arg: 'none', apply: flag((o) => (o.noSyslog = true)) },
  {
    short: 'u',
    long: 'umask',
    arg: 'required',
    apply: (o, v) => {
      const n = /^0[xX][0-9a-fA-F]+$/.test(v!) ? parseInt(v!, 16) : /^0[0-7]*$/.test(v!) ? parseInt(v!, 8) : /^[1-9]\d*$/.test(v!) ? parseInt(v!, 10) : NaN;
      if (!(n >= 0 && n <= 0o777)) return `invalid umask '${v}' (give it in numeric form, e.g. 022)`;
      o.umask = n;
    },
  },
  { short: 'X', long: 'release-vips', arg: 'none', apply: flag((o) => (o.releaseVips = true)) },
  { short: 'V', long: 'dont-release-vrrp', arg: 'none', apply: flag((o) => (o.dontReleaseVrrp = true)) },
  { short: 'I', long: 'dont-release-ipvs', arg: 'none', apply: flag((o) => (o.dontReleaseIpvs = true)) },
  { short: 'R', long: 'dont-respawn', arg: 'none', apply: flag((o) => (o.dontRespawn = true)) },
  { short: 'n', long: 'dont-fork', arg: 'none', apply: flag((o) => (o.dontFork = true)) },
  { short: 'd', long: 'dump-conf', arg: 'none', apply: flag((o) => (o.dumpConf = true)) },
  { short: 'p', long: 'pid', arg: 'required', apply: (o, v) => void (o.pidFile = v!) },
  { short: 'r', long: 'vrrp_pid', arg: 'required', apply: (o, v) => void (o.vrrpPidFile = v!) },
  { short: 'c', long: 'checkers_pid', arg: 'required', apply: (o, v) => void (o.checkersPidFile = v!) },
  { short: 'b', long: 'bfd_pid', arg: 'required', apply: (o, v) => void (o.bfdPidFile = v!) },
  { short: 'T', long: 'genhash', arg: 'none', apply: flag((o) => (o.genhash = true)) },
  { short: 'a', long: 'address-monitoring', arg: 'none', apply: flag((o) => (o.addressMonitoring = true)) },
  { short: 'x', long: 'snmp', arg: 'none', apply: flag((o) => (o.snmp = true)) },
  { short: 'A', long: 'snmp-agent-socket', arg: 'required', apply: (o, v) => void (o.snmpAgentSocket = v!) },
  { short: 's', long: 'namespace', arg: 'required', apply: (o, v) => void (o.namespace = v!) },
  { short: 'm', long: 'core-dump', arg: 'none', apply: flag((o) => (o.coreDump = true)) },
  { short: 'M', long: 'core-dump-pattern', arg: 'optional', apply: (o, v) => void ((o.coreDump = true), (o.coreDumpPattern = v ?? 'core')) },
  { short: 'e', long: 'all-config', arg: 'none', apply: flag((o) => (o.allConfig = true)) },
  { short: 'i', long: 'config-id', arg: 'required', apply: (o, v) => void (o.configId = v!) },
  { long: 'signum', arg: 'required', apply: (o, v) => void (o.signum = v!) },
  { short: 't', long: 'config-test', arg: 'optional', apply: (o, v) => void (o.configTest = v ?? true) },
  { short: 'v', long: 'version', arg: 'none', apply: flag((o) => (o.version = true)) },
  { short: 'h', long: 'help', arg: 'none', apply: flag((o) => (o.help = true)) },
  { long: 'json', arg: 'none', apply: flag((o) => (o.json = true)) },
  { long: 'no-vip-lease', arg: 'none', apply: flag((o) => (o.noVipLease = true)) },
  { long: 'ipvsadm', arg: 'required', apply: (o, v) => void (o.ipvsadm = v!) },
  {
    long: 'respawn-delay-max',
    arg: 'required',
    apply: (o, v) => {
      const n = Number(v);
      if (!/^\d+(\.\d+)?$/.test(v!) || n < 0 || n > 3600) return `invalid --respawn-delay-max '${v}' (seconds, 0..3600)`;
      o.respawnDelayMax = n;
    },
  },
];

export function defaultOptions(): CliOptions {
  return {
    configFile: DEFAULT_CONFIG_FILE,
    version: false,
    help: false,
    genhash: false,
    genhashArgs: [],
    vrrpOnly: false,
    checkOnly: false,
    noBfd: false,
    all: false,
    logConsole: false,
    logDetail: false,
    noSyslog: false,
    releaseVips: false,
    dontReleaseVrrp: false,
    dontReleaseIpvs: false,
    dontRespawn: false,
    dontFork: false,
    dumpConf: false,
    addressMonitoring: false,
    snmp: false,
    coreDump: false,
    allConfig: false,
    json: false,
    noVipLease: false,
    extra: [],
  };
}

export type ParseResult = { ok: true; options: CliOptions } | { ok: false; error: string };

export function parseArgs(argv: readonly string[]): ParseResult {
  const options = defaultOptions();
  const byShort = new Map(OPTIONS.filter((o) => o.short).map((o) => [o.short!, o]));
  // genhash mode hands everything after -T to genhash's own option reader.
  if (argv[0] === '-T' || argv[0] === '--genhash') {
    options.genhash = true;
    options.genhashArgs = argv.slice(1);
    return { ok: true, options };
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      options.extra.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const spec = findLong(name);
      if (!spec) return { ok: false, error: `Unknown option --${name}` };
      if (typeof spec === 'string') return { ok: false, error: spec };
      let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
      if (spec.arg === 'none' && value !== undefined) return { ok: false, error: `option '--${spec.long}' doesn't allow an argument` };
      if (spec.arg === 'required' && value === undefined) {
        if (i + 1 >= argv.length) return { ok: false, error: `option '--${spec.long}' requires an argument` };
        value = argv[++i];
      }
      const err = spec.apply(options, value);
      if (err) return { ok: false, error: err };
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const spec = byShort.get(arg[j]);
        if (!spec) return { ok: false, error: `Unknown option -${arg[j]}` };
        let value: string | undefined;
        const attached = arg.slice(j + 1);
        if (spec.arg === 'required') {
          if (attached) value = attached;
          else if (i + 1 < argv.length) value = argv[++i];
          else return { ok: false, error: `option requires an argument -- '${arg[j]}'` };
        } else if (spec.arg === 'optional') {
          // getopt: an optional argument must be attached (-tFILE); keepalived also takes -t=FILE.
          if (attached) value = attached.startsWith('=') ? attached.slice(1) : attached;
        }
        const err = spec.apply(options, value);
        if (err) return { ok: false, error: err };
        if (spec.arg !== 'none') break;
      }
      continue;
    }
    options.extra.push(arg);
  }
  return { ok: true, options };
}

/** Exact long name, or a unique prefix of one, as getopt_long allows. */
function findLong(name: string): OptionSpec | string | undefined {
  const exact = OPTIONS.find((o) => o.long === name);
  if (exact) return exact;
  const prefixed = OPTIONS.filter((o) => o.long.startsWith(name));
  if (prefixed.length === 1 && name.length > 0) return prefixed[0];
  if (prefixed.length > 1) return `option '--${name}' is ambiguous; possibilities: ${prefixed.map((o) => '--' + o.long).join(' ')}`;
  return undefined;
}

export const USAGE = `Usage: keepalived-ts [OPTION...]
  -f, --use-file=FILE          Use the specified configuration file
                                default '${DEFAULT_CONFIG_FILE}'
  -P, --vrrp                   Only run with VRRP subsystem
  -C, --check                  Only run with Health-checker subsystem
  -B, --no_bfd                 Don't run BFD subsystem
      --all                    Force all child processes to run, even if have no configuration
  -l, --log-console            Log messages to local console (human-readable)
  -D, --log-detail             Detailed log messages
  -S, --log-facility=([0-7]|local[0-7]|user|daemon)
                               Set syslog facility
  -g, --log-file=FILE          Log to FILE
  -G, --no-syslog              Don't log via syslog
  -u, --umask=MASK             umask for file creation (in numeric form)
  -X, --release-vips           Drop VIP on transition from signal
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop
  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop
  -R, --dont-respawn           Don't respawn child processes
  -n, --dont-fork              Don't fork the daemon process
  -d, --dump-conf              Dump the configuration data (with -t: the normalized model as JSON)
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process
  -b, --bfd_pid=FILE           Use specified pidfile for BFD child process
  -T, --genhash                Enter into genhash utility mode (this should be the first option used)
  -s, --namespace=NAME         Run in network namespace NAME (overrides config)
  -e, --all-config             Error if any configuration file missing
  -i, --config-id id           Skip configuration lines beginning '@' that don't match id,
                                and lines beginning '@^' that do match
                                (default: the host name up to its first dot)
      --signum=SIGFUNC         Print the signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
  -t, --config-test[=LOG_FILE] Check the configuration, report every problem with
                                FILE:LINE:COL, and exit 0, 4, 5 or 6 as keepalived does
      --json                   With -t: print the problems as JSON on stdout
      --no-vip-lease           Install VIPs without a lifetime (by default a master
                                killed with -9 loses its VIPs within 2 master-down intervals)
      --ipvsadm=PATH           The ipvsadm program to run (default: ipvsadm from PATH)
      --respawn-delay-max=SEC  Longest wait before restarting a child that keeps dying (default 60)
  -v, --version                Display the version number
  -h, --help                   Display this help message
`;
