// The VRRP side of the model: instances, sync groups, trackers (scripts,
// files, processes, BFD), static addresses/routes/rules, GARP groups.
// Values are what keepalived 2.2.7 would run with after reading the file:
// its defaults are filled in, bad values are left at the default (as
// keepalived keeps them), times are in seconds.
import type { Family, IpAddress, IpPrefix } from '../ip.js';
import type { Loc } from '../problems.js';
import type { Located, Script } from '../schema/types.js';

export type VrrpState = 'MASTER' | 'BACKUP';
export type VrrpVersion = 2 | 3;
export type AuthType = 'PASS' | 'AH';

/** An entry of a data block (track_interface line, sync group member, ...). */
export interface NamedRef {
  name: string;
  loc: Loc;
}

/** `weight N [reverse]` of a tracker line or tracker block. */
export interface TrackWeight {
  /** Added to (or, with `reverse`, subtracted from) the priority; 0 = the tracker puts the instance in FAULT. */
  weight: number;
  reverse: boolean;
}

/** A line of track_interface { }. */
export interface TrackedInterface extends NamedRef {
  /** Undefined: no weight written (failure means FAULT). */
  weight?: TrackWeight;
}

/**
 * A line of track_script / track_file / track_process / track_bfd { }: a
 * reference to a tracker defined by a top-level block.
 */
export interface TrackerRef extends NamedRef {
  /** Undefined: the tracker's own weight applies. */
  weight?: TrackWeight;
  /**
   * keepalived resolves these names while reading: the tracker must be
   * defined earlier in the file. False when it was not (yet) defined.
   */
  definedEarlier: boolean;
}

export interface Trackers {
  interfaces: TrackedInterface[];
  scripts: TrackerRef[];
  files: TrackerRef[];
  processes: TrackerRef[];
  bfds: TrackerRef[];
}

/** `brd` of an address: an address, or '+' / '-' (derive / none) as `ip addr` takes them. */
export type Broadcast = IpAddress | '+' | '-';

/** A line of virtual_ipaddress { }, virtual_ipaddress_excluded { } or static_ipaddress { }. */
export interface VirtualIp {
  address: IpPrefix;
  loc: Loc;
  broadcast?: Broadcast;
  /** Interface the address goes on; default: the instance's interface. */
  dev?: string;
  devLoc?: Loc;
  /** Scope name (host, link, site, global, nowhere) or number. Default global. */
  scope?: string;
  label?: string;
  peer?: IpAddress;
  /** Seconds, or 'forever'. */
  preferredLft?: number | 'forever';
  /** Flags of the line: home, -nodad, mngtmpaddr, noprefixroute, autojoin, no_track, use_vmac. */
  flags: string[];
  /** static_ipaddress only. */
  trackGroup?: string;
}

export type RouteType = 'unicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'nat';

export interface RouteNexthop {
  via?: IpAddress;
  dev?: string;
  weight?: number;
  onlink: boolean;
}

/** A line of virtual_routes { } or static_routes { }. */
export interface VirtualRoute {
  loc: Loc;
  type: RouteType;
  /** Undefined when the line has no destination (keepalived drops such a route). */
  destination?: IpPrefix;
  src?: IpAddress;
  via?: IpAddress;
  /** The deprecated `or ADDR` alternative gateway. */
  or?: IpAddress;
  dev?: string;
  devLoc?: Loc;
  /** Table name or number; default main. */
  table?: string;
  metric?: number;
  scope?: string;
  protocol?: string;
  noTrack: boolean;
  trackGroup?: string;
  nexthops: RouteNexthop[];
  /** Every interface the line names (dev, oif, nexthop dev; the last dev wins), each checked by keepalived. */
  interfaceRefs: NamedRef[];
  /** Further `name value` options (mtu, advmss, realms, ...) as written. */
  options: Record<string, string>;
}

/** A line of virtual_rules { } or static_rules { }. */
export interface VirtualRule {
  loc: Loc;
  /** Address/prefix, or undefined for `from all` / none. */
  from?: IpPrefix;
  to?: IpPrefix;
  /** keepalived assigns a descending preference from 16384 when none is given (and warns). */
  preference?: number;
  /** table / goto / nop / blackhole / prohibit / unreachable / l3mdev. */
  action?: { kind: string; value?: string };
  iif?: string;
  oif?: string;
  /** `inet` / `inet6` on the line: the rule's family even without addresses. */
  family?: 4 | 6;
  /** `not`: the selectors are inverted. */
  invert: boolean;
  noTrack: boolean;
  trackGroup?: string;
  options: Record<string, string>;
}

export interface UnicastPeer {
  address: IpAddress;
  loc: Loc;
  minTtl?: number;
  maxTtl?: number;
}

/** notify_* scripts of an instance or sync group. */
export interface NotifyScripts {
  master?: Script;
  backup?: Script;
  fault?: Script;
  stop?: Script;
  /** notify: called for every transition with TYPE NAME STATE PRIORITY. */
  generic?: Script;
  /** Instances only. */
  deleted?: Script;
  masterRxLowerPri?: Script;
}

export interface Authentication {
  type?: AuthType;
  /** At most 8 characters (keepalived truncates longer ones). */
  password?: string;
  loc: Loc;
}

export interface GarpSettings {
  /** garp_master_delay: seconds until the second GARP burst after becoming master; 0 = none. Default global vrrp_garp_master_delay (5). */
  masterDelay?: number;
  /** garp_master_repeat: GARPs per burst. Default global vrrp_garp_master_repeat (5). */
  masterRepeat?: number;
  /** garp_master_refresh: seconds between periodic GARPs as master; 0 = off. Default global (0). */
  masterRefresh?: number;
  /** garp_master_refresh_repeat. Default global (1). */
  masterRefreshRepeat?: number;
  /** garp_lower_prio_delay: seconds. Default global vrrp_garp_lower_prio_delay. */
  lowerPrioDelay?: number;
  /** garp_lower_prio_repeat. Default global vrrp_garp_lower_prio_repeat. */
  lowerPrioRepeat?: number;
  /** garp_extra_if: seconds between GARPs on other interfaces (0..86400), with `all`. */
  extraIf?: { interval: number; all: boolean };
}

export interface VrrpInstance extends Located {
  name: string;
  /** Where the instance's '}' stands (keepalived reports some end-of-block problems there). */
  endLoc: Loc;
  /** `state` as written; undefined means derived from the priority (255 => MASTER). */
  configuredState?: VrrpState;
  /** Initial state: configured, else MASTER for priority 255, else BACKUP. */
  state: VrrpState;
  interface?: string;
  /**
   * Every accepted `interface` line, the last one giving `interface`: keepalived
   * checks each as it reads it, so a missing one that a later line replaced
   * still counts.
   */
  interfaceLines?: { name: string; loc: Loc }[];
  /** 1..255; undefined when not set (keepalived refuses the instance). */
  vrid?: number;
  /** `priority` as written (1..255). */
  configuredPriority?: number;
  /** Base priority: configured, else 255 with state MASTER, else 100. */
  priority: number;
  /** `advert_int` as written, in seconds (0.01..255). */
  configuredAdvertInt?: number;
  /**
   * Seconds between adverts as keepalived runs it: default 1; whole seconds
   * for VRRPv2 (rounded, at least 1); 10 ms steps up to 40.95 s for VRRPv3.
   */
  advertInt: number;
  /** `version` as written. */
  configuredVersion?: VrrpVersion;
  /** Effective version: configured, else 3 for IPv6, else global vrrp_version (default 2). */
  version: VrrpVersion;
  /** Address family, deduced from the first address keepalived reads (VIP, src ip, peer) or native_ipv6. */
  family?: Family;
  authentication?: Authentication;
  virtualIps: VirtualIp[];
  excludedIps: VirtualIp[];
  virtualRoutes: VirtualRoute[];
  virtualRules: VirtualRule[];
  unicastPeers: UnicastPeer[];
  /** True when a unicast_peer { } block was given (even empty). */
  unicastPeerBlock: boolean;
  /** Unicast-only keywords given (unicast_src_ip, check_unicast_src, old_unicast_checksum), in order. */
  unicastKeywords: string[];
  /** mcast_src_ip / unicast_src_ip (one setting in keepalived). */
  srcIp?: IpAddress;
  mcastDstIp?: IpAddress;
  unicastTtl?: number;
  track: Trackers;
  notify: NotifyScripts;
  nopreempt: boolean;
  /** Seconds (0..1000); default 0. */
  preemptDelay: number;
  /** `strict_mode` as written; default global vrrp_strict. */
  configuredStrictMode?: boolean;
  strictMode: boolean;
  /** `accept` / `no_accept` as written. */
  configuredAccept?: boolean;
  garp: GarpSettings;
  /** 1..100; default 3. */
  downTimerAdverts: number;
  /** 0..4; default 0. */
  debug: number;
  smtpAlert?: boolean;
  /** use_vmac [NAME]: name undefined means keepalived picks vrrp.VRID. */
  useVmac?: { name?: string };
  vmacXmitBase: boolean;
  useVmacAddr: boolean;
  useIpvlan?: { name?: string; address?: string; mode?: string };
  vrf?: string;
  lvsSyncDaemonInterface?: string;
  kernelRxBufSize?: number;
  /** Plain on/off keywords that keepalived reads without arguments of interest. */
  flags: {
    dontTrackPrimary: boolean;
    trackSrcIp: boolean;
    promoteSecondaries: boolean;
    linkbeatUsePolling: boolean;
    unicastFaultNoPeer: boolean;
    checkUnicastSrc: boolean;
    oldUnicastChecksum: boolean;
    nativeIpv6: boolean;
    skipCheckAdvAddr: boolean;
    lowerPrioNoAdvert?: boolean;
    higherPrioSendAdvert?: boolean;
    notifyPriorityChanges?: boolean;
  };
}

export interface VrrpSyncGroup extends Located {
  name: string;
  endLoc: Loc;
  /** Names in group { }; undefined when there is no group block. */
  members?: NamedRef[];
  track: Trackers;
  notify: NotifyScripts;
  smtpAlert?: boolean;
  /** sync_group_tracking_weight (or the deprecated global_tracking): members keep their trackers' weights. */
  trackingWeight: boolean;
  notifyPriorityChanges?: boolean;
}

export interface VrrpScript extends Located {
  name: string;
  endLoc: Loc;
  script?: Script;
  /** Seconds between runs (1..4294); default 1. */
  interval: number;
  /** Seconds before the script is killed; undefined = the interval. */
  timeout?: number;
  /** Default 0 (failure means FAULT). */
  weight: number;
  weightReverse: boolean;
  /** Successes needed to become OK; default 1. */
  rise: number;
  /** Failures needed to become KO; default 1. */
  fall: number;
  user?: { user: string; group?: string; loc: Loc };
  /** init_fail: start in the failed state. */
  initFail: boolean;
  /**
   * Set by the script pass when keepalived drops the script because it has
   * no user to run it as; tracking it then finds nothing.
   */
  dropped: boolean;
}

export interface TrackFile extends Located {
  name: string;
  endLoc: Loc;
  /** Which keyword defined it: track_file, or the older vrrp_track_file. */
  keyword: 'track_file' | 'vrrp_track_file';
  file?: string;
  /** Default 1: the file's number is multiplied by it. */
  weight: number;
  weightReverse: boolean;
  /** init_file [VALUE] [overwrite]. */
  init?: { value: number; overwrite: boolean };
}

export interface TrackProcess extends Located {
  name: string;
  endLoc: Loc;
  process?: string;
  /** Match `param_match` against the command line parameters. */
  paramMatch?: 'initial' | 'partial';
  /** Default 0 (quorum loss means FAULT). */
  weight: number;
  weightReverse: boolean;
  /** Minimum number of processes; default 1. */
  quorum: number;
  quorumMax?: number;
  /** Seconds. */
  delay?: number;
  terminateDelay?: number;
  forkDelay?: number;
  fullCommand: boolean;
}

export interface BfdInstance extends Located {
  name: string;
  endLoc: Loc;
  neighbor?: IpAddress;
  source?: IpAddress;
  /** Milliseconds. Defaults 10 / 10 / 1000. */
  minRx: number;
  minTx: number;
  idleTx: number;
  /** Default 5. */
  multiplier: number;
  passive: boolean;
  ttl?: number;
  maxHops?: number;
  weight: number;
  weightReverse: boolean;
  /** Which processes are told about the session (default both). */
  vrrp: boolean;
  checker: boolean;
}

/** An interface of a garp_group. */
export interface GarpGroupInterface extends NamedRef {
  /** Where keepalived reports a problem with it: for names in interfaces { }, that block's '}'. */
  reportLoc: Loc;
}

export interface GarpGroup extends Located {
  endLoc: Loc;
  /** Seconds between gratuitous ARPs on these interfaces. */
  garpInterval?: number;
  /** Seconds between unsolicited NAs. */
  gnaInterval?: number;
  interfaces: GarpGroupInterface[];
}

export interface TrackGroup extends Located {
  name: string;
  members?: NamedRef[];
}

export interface InterfaceDelays extends NamedRef {
  /** Seconds to wait before believing the interface is up / down. */
  upDelay: number;
  downDelay: number;
}

export interface VrrpConfig {
  instances: VrrpInstance[];
  syncGroups: VrrpSyncGroup[];
  scripts: VrrpScript[];
  trackFiles: TrackFile[];
  trackProcesses: TrackProcess[];
  bfdInstances: BfdInstance[];
  garpGroups: GarpGroup[];
  /**
   * garp_groups keepalived removes at their '}' (no interval set). Kept for
   * their interfaces: keepalived has looked those up by then, and a missing
   * one stops its VRRP process all the same.
   */
  droppedGarpGroups: GarpGroup[];
  trackGroups: TrackGroup[];
  linkbeatInterfaces: NamedRef[];
  interfaceDelays: InterfaceDelays[];
  staticAddresses: VirtualIp[];
  staticRoutes: VirtualRoute[];
  staticRules: VirtualRule[];
  /**
   * Set by the interface pass: an interface the VRRP part names does not
   * exist on this host. keepalived's VRRP process then stops after reading,
   * so none of its later checks run (instance checks, sync groups, VRRP
   * script security).
   */
  stoppedAtMissingInterface: boolean;
}

export function createVrrpConfig(): VrrpConfig {
  return {
    instances: [],
    syncGroups: [],
    scripts: [],
    trackFiles: [],
    trackProcesses: [],
    bfdInstances: [],
    garpGroups: [],
    droppedGarpGroups: [],
    trackGroups: [],
    linkbeatInterfaces: [],
    interfaceDelays: [],
    staticAddresses: [],
    staticRoutes: [],
    staticRules: [],
    stoppedAtMissingInterface: false,
  };
}

export function createTrackers(): Trackers {
  return { interfaces: [], scripts: [], files: [], processes: [], bfds: [] };
}

export function createVrrpInstance(name: string, loc: Loc): VrrpInstance {
  return {
    name,
    loc,
    locs: {},
    endLoc: loc,
    state: 'BACKUP',
    priority: 100,
    advertInt: 1,
    version: 2,
    virtualIps: [],
    excludedIps: [],
    virtualRoutes: [],
    virtualRules: [],
    unicastPeers: [],
    unicastPeerBlock: false,
    unicastKeywords: [],
    track: createTrackers(),
    notify: {},
    nopreempt: false,
    preemptDelay: 0,
    strictMode: false,
    garp: {},
    downTimerAdverts: 3,
    debug: 0,
    vmacXmitBase: false,
    useVmacAddr: false,
    flags: {
      dontTrackPrimary: false,
      trackSrcIp: false,
      promoteSecondaries: false,
      linkbeatUsePolling: false,
      unicastFaultNoPeer: false,
      checkUnicastSrc: false,
      oldUnicastChecksum: false,
      nativeIpv6: false,
      skipCheckAdvAddr: false,
    },
  };
}

export function createSyncGroup(name: string, loc: Loc): VrrpSyncGroup {
  return { name, loc, locs: {}, endLoc: loc, track: createTrackers(), notify: {}, trackingWeight: false };
}

export function createVrrpScript(name: string, loc: Loc): VrrpScript {
  return { name, loc, locs: {}, endLoc: loc, interval: 1, weight: 0, weightReverse: false, rise: 1, fall: 1, initFail: false, dropped: false };
}

export function createTrackFile(name: string, loc: Loc, keyword: TrackFile['keyword']): TrackFile {
  return { name, loc, locs: {}, endLoc: loc, keyword, weight: 1, weightReverse: false };
}

export function createTrackProcess(name: string, loc: Loc): TrackProcess {
  return { name, loc, locs: {}, endLoc: loc, weight: 0, weightReverse: false, quorum: 1, fullCommand: false };
}

export function createBfdInstance(name: string, loc: Loc): BfdInstance {
  return {
    name,
    loc,
    locs: {},
    endLoc: loc,
    minRx: 10,
    minTx: 10,
    idleTx: 1000,
    multiplier: 5,
    passive: false,
    weight: 0,
    weightReverse: false,
    vrrp: true,
    checker: true,
  };
}

export function createGarpGroup(loc: Loc): GarpGroup {
  return { loc, locs: {}, endLoc: loc, interfaces: [] };
}
