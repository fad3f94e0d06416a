// The checker side of the model: virtual servers (IPVS services), their real
// servers, and the health checkers that decide whether a real server is in
// the pool. Plain data for the IPVS and checker code; every node remembers
// where it was written. Times are in seconds (fractions allowed) unless a
// name says otherwise. keepalived's defaults are noted on each field.
import type { Family, IpAddress } from '../ip.js';
import type { Loc } from '../problems.js';
import type { Located, Script } from '../schema/types.js';

export interface CheckConfig {
  virtualServers: VirtualServer[];
  virtualServerGroups: VirtualServerGroup[];
  /** The top-level SSL block (for SSL_GET); absent means an automatic context. */
  ssl?: SslSettings;
}

export function createCheckConfig(): CheckConfig {
  return { virtualServers: [], virtualServerGroups: [] };
}

// ---------------------------------------------------------------------------
// Defaults (keepalived 2.2.7)

export const CHECK_DEFAULTS = {
  /** Scheduler used when a virtual server names none (keepalived warns). */
  scheduler: 'wlc',
  /** Forwarding method used when neither virtual nor real server names one (keepalived warns). */
  forwarding: 'NAT',
  /** Seconds between checks. */
  delayLoop: 60,
  /** Seconds to wait for a checker's connection. */
  connectTimeout: 5,
  /** persistence_timeout without a value, or implied by persistence_granularity / a zero port. */
  persistenceTimeout: 360,
  quorum: 1,
  hysteresis: 0,
  /** Weight of real servers that set none (the virtual server's `weight`). */
  weight: 1,
  /** Upper bound of weights (IPVS_WEIGHT_LIMIT). */
  maxWeight: 2147483647,
} as const;

// ---------------------------------------------------------------------------
// Shared pieces

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** IPVS schedulers keepalived 2.2.7 accepts (lb_algo / lvs_sched). */
export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

export type ForwardingKind = 'NAT' | 'DR' | 'TUN';
export type TunnelType = 'ipip' | 'gue' | 'gre';
export type TunnelChecksum = 'nocsum' | 'csum' | 'remcsum';

/** lb_kind / lvs_method: how IPVS forwards packets to a real server. */
export interface ForwardingMethod {
  kind: ForwardingKind;
  /** Tunnel encapsulation (meaningful for TUN): default ipip. */
  tunnelType: TunnelType;
  /** UDP port of a gue tunnel (required for gue, not allowed otherwise). */
  tunnelPort?: number;
  /** Tunnel checksum option: default nocsum. */
  tunnelChecksum: TunnelChecksum;
  loc: Loc;
}

/**
 * Checker timing settings as written in one block (virtual_server,
 * real_server or checker); undefined means "not set here".
 */
export interface TimerSettings {
  /** Seconds between checks (delay_loop). */
  delayLoop?: number;
  /** Retries before a failure counts (retry, or nb_get_retry in HTTP_GET / SSL_GET). */
  retry?: number;
  /** Seconds between retries (delay_before_retry). */
  delayBeforeRetry?: number;
  /** Seconds of random delay before the first check (warmup). */
  warmup?: number;
  /** Seconds to wait for a connection (connect_timeout). */
  connectTimeout?: number;
}

export type TimerName = keyof TimerSettings;

/** Where an effective timer value came from. */
export type TimerSource = 'checker' | 'real_server' | 'virtual_server' | 'default';

/** A checker's effective timers, resolved checker -> real server -> virtual server -> default. */
export interface ResolvedTimers {
  delayLoop: number;
  retry: number;
  delayBeforeRetry: number;
  warmup: number;
  /** Absent for checkers without a connection (MISC_CHECK). */
  connectTimeout?: number;
  source: Partial<Record<TimerName, TimerSource>>;
}

// ---------------------------------------------------------------------------
// Virtual server groups

export interface VirtualServerGroup extends Located {
  name: string;
  entries: VirtualServerGroupEntry[];
}

export type VirtualServerGroupEntry = VsgAddressRange | VsgFwmark;

/** `IP [PORT]`, `IP-LAST [PORT]`, `IP-IP [PORT]` or `NET/LEN [PORT]`. */
export interface VsgAddressRange {
  kind: 'range';
  family: Family;
  first: IpAddress;
  /** Same as first for a single address. */
  last: IpAddress;
  /** 0 when no port was given. */
  port: number;
  loc: Loc;
}

/** `fwmark N [inet|inet6]`. */
export interface VsgFwmark {
  kind: 'fwmark';
  fwmark: number;
  /** Only when written. */
  family?: Family;
  loc: Loc;
}

// ---------------------------------------------------------------------------
// Virtual servers

export type VirtualServerKey =
  | { kind: 'address'; address: IpAddress; /** 0 when no port was given. */ port: number }
  | { kind: 'fwmark'; fwmark: number }
  | { kind: 'group'; group: string };

export interface VirtualServerFlags {
  hashed: boolean;
  /** One-packet scheduling (UDP only). */
  ops: boolean;
  flag1: boolean;
  flag2: boolean;
  flag3: boolean;
  shPort: boolean;
  shFallback: boolean;
  mhPort: boolean;
  mhFallback: boolean;
}

export interface VirtualServer extends Located {
  key: VirtualServerKey;
  /**
   * Address family as keepalived settles it while reading: from the address,
   * ip_family, persistence_granularity, or the first non-tunnelled real /
   * sorry server. Undefined only for fwmark / group servers nothing decided.
   */
  family?: Family;
  /** From ip_family, when given. */
  ipFamily?: Family;
  /** Undefined when not set: keepalived then warns and uses UDP for address-based services. */
  protocol?: Protocol;
  /** Undefined when not set: keepalived warns and uses wlc. */
  scheduler?: Scheduler;
  flags: VirtualServerFlags;
  /** Default forwarding of its real servers; undefined: NAT (keepalived warns). */
  forwarding?: ForwardingMethod;
  /** Seconds; undefined means not persistent (a zero port or granularity implies 360). */
  persistenceTimeout?: number;
  /** Netmask (IPv4, dotted) or prefix length (IPv6) for persistence, as written. */
  persistenceGranularity?: string;
  persistenceEngine?: string;
  haSuspend: boolean;
  /** Undefined: taken from global_defs smtp_alert_checker / smtp_alert, else off. */
  smtpAlert?: boolean;
  virtualhost?: string;
  snmpName?: string;
  /** Start real servers as failed until a check succeeds: default off. */
  alpha: boolean;
  /** Run quorum_down when the service is removed: default off. */
  omega: boolean;
  /** Set weight 0 instead of removing failed real servers: default off (real servers can override). */
  inhibitOnFailure: boolean;
  /** Sum of weights of live real servers needed for the service to be up: default 1. */
  quorum: number;
  /** Default 0. */
  hysteresis: number;
  quorumUp?: Script;
  quorumDown?: Script;
  /** Weight of real servers that set none: default 1. */
  weight: number;
  /** Timers written at virtual_server level (inherited by real servers and checkers). */
  timers: TimerSettings;
  sorryServer?: SorryServer;
  /** In order; real servers keepalived skipped while reading are not here. */
  realServers: RealServer[];
  /** Why keepalived ignores this virtual server (undefined group, no real servers); set after reading. */
  ignored?: string;
  /** What keepalived runs with after its corrections; set after reading for virtual servers it keeps. */
  effective?: EffectiveVirtualServer;
}

/** A virtual server's settings after keepalived's defaults and corrections. */
export interface EffectiveVirtualServer {
  scheduler: Scheduler;
  /** Undefined for firewall-mark services (the mark selects the packets). */
  protocol?: Protocol;
  /** Seconds; undefined when not persistent (a service without a port is made persistent). */
  persistenceTimeout?: number;
  /** Lowered to the total weight when above it. */
  quorum: number;
  /** Lowered below quorum when not below it. */
  hysteresis: number;
  /** Sum of the weights of the real servers kept. */
  totalWeight: number;
}

/** A real or sorry server's settings after inheritance and keepalived's port corrections. */
export interface EffectiveServer {
  forwarding: ForwardingMethod;
  /** The port IPVS is given: the service's port for DR / TUN, 0 with a firewall mark (and DR / TUN). */
  port: number;
  weight: number;
  inhibitOnFailure: boolean;
}

// ---------------------------------------------------------------------------
// Real and sorry servers

export interface RealServer extends Located {
  address: IpAddress;
  /** As written; undefined when none (keepalived then uses the virtual server's port, or 0 for fwmark). */
  port?: number;
  /** Explicit weight; undefined means the virtual server's `weight`. */
  weight?: number;
  /** Explicit lvs_method. */
  forwarding?: ForwardingMethod;
  /**
   * The virtual server's lb_kind at the moment this real_server was read:
   * keepalived copies it then, so a later lb_kind does not apply to it.
   */
  inheritedForwarding?: ForwardingMethod;
  /** Connection limits (uthreshold / lthreshold); undefined = no limit. */
  upperThreshold?: number;
  lowerThreshold?: number;
  /** Undefined: the virtual server's inhibit_on_failure. */
  inhibitOnFailure?: boolean;
  /** Undefined: the virtual server's alpha. */
  alpha?: boolean;
  /** Undefined: global smtp_alert_checker / smtp_alert, else on (keepalived's historic default). */
  smtpAlert?: boolean;
  virtualhost?: string;
  snmpName?: string;
  notifyUp?: Script;
  notifyDown?: Script;
  timers: TimerSettings;
  checkers: Checker[];
  /** Why keepalived ignores this real server (a repeat of an earlier one); set after reading. */
  ignored?: string;
  /** Set after reading for real servers keepalived keeps. */
  effective?: EffectiveServer & {
    /** Start as failed until a check succeeds. */
    alpha: boolean;
  };
}

export interface SorryServer {
  address: IpAddress;
  port?: number;
  /** sorry_server_inhibit. */
  inhibit: boolean;
  /** sorry_server_lvs_method. */
  forwarding?: ForwardingMethod;
  /** The virtual server's lb_kind when the sorry_server line was read. */
  inheritedForwarding?: ForwardingMethod;
  loc: Loc;
  /** Set after reading. */
  effective?: EffectiveServer;
}

// ---------------------------------------------------------------------------
// Checkers

export type CheckerType =
  | 'TCP_CHECK'
  | 'HTTP_GET'
  | 'SSL_GET'
  | 'SMTP_CHECK'
  | 'MISC_CHECK'
  | 'DNS_CHECK'
  | 'UDP_CHECK'
  | 'PING_CHECK'
  | 'FILE_CHECK'
  | 'BFD_CHECK';

/** Where a checker connects from and to; undefined parts default to the real server. */
export interface ConnectionOptions {
  /** connect_ip: default the real server's address. */
  connectIp?: IpAddress;
  /** connect_port: default the real server's port. */
  connectPort?: number;
  /** bindto: source address. */
  bindTo?: IpAddress;
  bindPort?: number;
  /** bind_if: needed for IPv6 link-local addresses. */
  bindIf?: string;
  /** SO_MARK for the check's packets. */
  fwmark?: number;
}

interface CheckerBase extends Located {
  /** Timers written in the checker block. */
  timers: TimerSettings;
  /** Effective timers (filled in after the virtual server is read). */
  resolved: ResolvedTimers;
  /** Undefined: the real server's alpha. */
  alpha?: boolean;
  /** Default off (global checker_log_all_failures can turn it on). */
  logAllFailures?: boolean;
  /**
   * Why keepalived drops this checker at load time (e.g. HTTP_GET without
   * url); absent for a checker that runs.
   */
  dropped?: string;
}

export interface TcpCheck extends CheckerBase {
  type: 'TCP_CHECK';
  connection: ConnectionOptions;
}

export interface PingCheck extends CheckerBase {
  type: 'PING_CHECK';
  connection: ConnectionOptions;
}

export type HttpProtocol = '1.0' | '1.0C' | '1.1';

export interface HttpUrl extends Located {
  path?: string;
  /** MD5 of the body, 32 lower-case hex digits. */
  digest?: string;
  /** Accepted status codes as inclusive ranges: default [[200, 299]]. */
  statusCodes: Array<[number, number]>;
  /** Whether status_code was written (else statusCodes is the default). */
  statusCodesSet: boolean;
  virtualhost?: string;
  regex?: string;
  regexNoMatch: boolean;
  regexOptions: string[];
  regexMinOffset?: number;
  regexMaxOffset?: number;
  regexStack?: { start: number; max: number };
}

export interface HttpCheck extends CheckerBase {
  type: 'HTTP_GET' | 'SSL_GET';
  connection: ConnectionOptions;
  urls: HttpUrl[];
  /** Host header: default the real server's (else the virtual server's) virtualhost. */
  virtualhost?: string;
  /** Default 1.0. */
  httpProtocol: HttpProtocol;
  /** Send SNI (SSL_GET): default off. */
  enableSni: boolean;
  /** Re-check at once after a failure: default off. */
  fastRecovery: boolean;
}

export interface SmtpHost extends Located {
  connection: ConnectionOptions;
}

export interface SmtpCheck extends CheckerBase {
  type: 'SMTP_CHECK';
  connection: ConnectionOptions;
  /** Default smtpchecker.keepalived.org. */
  heloName: string;
  /** Deprecated host { } blocks: each is checked like a separate checker. */
  hosts: SmtpHost[];
}

export interface MiscCheck extends CheckerBase {
  type: 'MISC_CHECK';
  /** misc_path; undefined means keepalived drops the checker. */
  script?: Script;
  /** Whole seconds; undefined means the checker's delay_loop. */
  timeout?: number;
  /** Exit code sets the weight (misc_dynamic): default off. */
  dynamic: boolean;
  user?: { user: string; group?: string; loc: Loc };
}

export const DNS_QUERY_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'DNSKEY'] as const;
export type DnsQueryType = (typeof DNS_QUERY_TYPES)[number];

export interface DnsCheck extends CheckerBase {
  type: 'DNS_CHECK';
  connection: ConnectionOptions;
  /** Default SOA. */
  queryType: DnsQueryType;
  /** Default "." (the root). */
  name: string;
}

export interface UdpCheck extends CheckerBase {
  type: 'UDP_CHECK';
  connection: ConnectionOptions;
  /** Bytes to send, from the hex string. */
  payload?: number[];
  /** A reply is needed for success: default off (no ICMP error is enough). */
  requireReply: boolean;
  /** Expected reply bytes (wildcard nibbles are 0 here and set in replyMask). */
  replyData?: number[];
  /** Per byte, the bits that are wildcards (x in the hex string); absent when none. */
  replyMask?: number[];
  /** Default 0. */
  minReplyLength: number;
  /** Default 255. */
  maxReplyLength: number;
}

export interface FileCheck extends CheckerBase {
  type: 'FILE_CHECK';
  /** Name of a top-level track_file. */
  trackFile?: string;
  /** Multiplier of the file's value; undefined means the track_file's own weight. */
  weight?: number;
  reverse: boolean;
}

export interface BfdCheck extends CheckerBase {
  type: 'BFD_CHECK';
  /** Name of a bfd_instance. */
  name?: string;
}

export type Checker = TcpCheck | PingCheck | HttpCheck | SmtpCheck | MiscCheck | DnsCheck | UdpCheck | FileCheck | BfdCheck;

// ---------------------------------------------------------------------------
// SSL

export interface SslSettings extends Located {
  password?: string;
  /** CA file. */
  ca?: string;
  certificate?: string;
  key?: string;
}
