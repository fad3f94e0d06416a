// global_defs and the top-level one-line keywords: the settings every
// keepalived process shares. Units are in the names or the comments; unset
// optional fields mean "keepalived's default", which is noted on each field.
import type { IpAddress } from '../ip.js';
import type { Loc } from '../problems.js';
import type { Located, Script } from '../schema/types.js';

/** `user NAME [GROUP]` as written; resolved against the host by the passes. */
export interface UserSpec {
  user: string;
  group?: string;
  loc: Loc;
}

export interface SmtpSettings {
  /** smtp_server: host name or address, as written. Default: none (no emails are sent). */
  server?: string;
  /** smtp_server's port. Default 25. */
  port: number;
  /** smtp_helo_name. Default: the local host name. */
  heloName?: string;
  /** smtp_connect_timeout in seconds. Default 30; keepalived turns 0 into 1. */
  connectTimeoutSec: number;
  /** notification_email_from. Default: keepalived@<local host name>. */
  from?: string;
  /** notification_email { ... } addresses, in order. */
  emails: string[];
  /** smtp_alert / smtp_alert_vrrp / smtp_alert_checker. Unset: alerts are sent when smtp_server is set. */
  alert?: boolean;
  alertVrrp?: boolean;
  alertChecker?: boolean;
  /** no_email_faults: no emails for VRRP FAULT transitions. */
  noEmailFaults: boolean;
  /** no_checker_emails: no emails for checker state changes. */
  noCheckerEmails: boolean;
}

/** Scheduling of one keepalived process (vrrp_*, checker_*, bfd_* keywords). */
export interface ProcessSettings {
  /** *_process_name (at most 15 characters; longer names are truncated). */
  name?: string;
  /** *_priority: nice value in [-20, 19]. Default 0. */
  nice: number;
  /** *_no_swap: lock the process in memory. */
  noSwap: boolean;
  /** *_rt_priority: SCHED_RR priority in [1, 99]. Default: not realtime. */
  realtimePriority?: number;
  /** *_cpu_affinity: CPU numbers. Default: any CPU. */
  cpuAffinity?: number[];
  /** *_rlimit_rttime: RLIMIT_RTTIME in microseconds. */
  rlimitRttimeUsec?: number;
}

export interface ProcessesSettings {
  /** process_name: name of the parent process. */
  parentName?: string;
  vrrp: ProcessSettings;
  checker: ProcessSettings;
  bfd: ProcessSettings;
  /** max_auto_priority: realtime priority cap in [-1, 99] (-1 disables). Default: unset (no automatic priority). */
  maxAutoPriority?: number;
  /** min_auto_priority_delay in microseconds, [1, 10000000]. */
  minAutoPriorityDelayUsec?: number;
}

/** Gratuitous ARP / unsolicited NA timing used by every VRRP instance unless it overrides it. */
export interface GarpSettings {
  /** vrrp_garp_master_delay: seconds before the second burst after becoming MASTER (0 = none). Default 5. */
  masterDelaySec: number;
  /** vrrp_garp_master_repeat: messages per burst. Default 5. */
  masterRepeat: number;
  /** vrrp_garp_master_refresh: seconds between refresh bursts while MASTER (0 = none). Default 0. */
  masterRefreshSec: number;
  /** vrrp_garp_master_refresh_repeat: messages per refresh burst. Default 1. */
  masterRefreshRepeat: number;
  /** vrrp_garp_lower_prio_delay in seconds. Default: masterDelaySec. */
  lowerPrioDelaySec?: number;
  /** vrrp_garp_lower_prio_repeat. Default: masterRepeat. */
  lowerPrioRepeat?: number;
  /** vrrp_garp_interval: seconds between gratuitous ARPs (microsecond resolution). Default 0. */
  intervalSec: number;
  /** vrrp_gna_interval: seconds between unsolicited NAs (microsecond resolution). Default 0. */
  naIntervalSec: number;
  /** vrrp_min_garp: one message per burst, no second burst, no refresh (unless set explicitly). */
  minimal: boolean;
  /** vrrp_garp_extra_if: seconds between extra GARPs on other interfaces, [1, 86400]. */
  extraIfIntervalSec?: number;
  /** vrrp_garp_extra_if all: send them on every interface, not only on VMACs. */
  extraIfAll: boolean;
}

export interface VrrpDefaults {
  /** vrrp_version: 2 or 3. Default 2 (IPv6 instances always use 3). */
  version: 2 | 3;
  /** vrrp_strict: RFC-strict mode. */
  strict: boolean;
  /** vrrp_mcast_group4. Default 224.0.0.18. */
  mcastGroup4: IpAddress;
  /** vrrp_mcast_group6. Default ff02::12. */
  mcastGroup6: IpAddress;
  garp: GarpSettings;
  /** vrrp_down_timer_adverts in [1, 100]. Default 3. */
  downTimerAdverts: number;
  /** vrrp_lower_prio_no_advert. Default false (true under vrrp_strict). */
  lowerPrioNoAdvert?: boolean;
  /** vrrp_higher_prio_send_advert. Default false. */
  higherPrioSendAdvert?: boolean;
  /** vrrp_check_unicast_src. */
  checkUnicastSrc: boolean;
  /** vrrp_skip_check_adv_addr. */
  skipCheckAdvAddr: boolean;
  /** vrrp_startup_delay in seconds (millisecond resolution). Default 0. */
  startupDelaySec: number;
  /** default_interface: interface for static addresses without dev. Default eth0. */
  defaultInterface?: string;
  /** dynamic_interfaces: allow instances on interfaces that do not exist yet. */
  dynamicInterfaces: boolean;
  /** dynamic_interfaces allow_if_changes. */
  allowIfChanges: boolean;
  /** disable_local_igmp. */
  disableLocalIgmp: boolean;
  /** log_unknown_vrids. */
  logUnknownVrids: boolean;
  /** vrrp_notify_priority_changes. */
  notifyPriorityChanges: boolean;
  /** fifo_write_vrrp_states_on_reload. */
  fifoWriteStatesOnReload: boolean;
  /** vmac_prefix: prefix of VMAC interface names. Default "vrrp". */
  vmacPrefix?: string;
  /** vmac_addr_prefix: prefix of VMAC ipvlan names. Default "vrrp". */
  vmacAddrPrefix?: string;
  /** vrrp_rx_bufs_policy: MTU, ADVERT or an explicit size in bytes. */
  rxBufsPolicy?: { kind: 'mtu' | 'advert' } | { kind: 'size'; bytes: number };
  /** vrrp_rx_bufs_multiplier, >= 1. Default 3. */
  rxBufsMultiplier?: number;
}

export interface NftablesSettings {
  /** nftables [TABLE]: use nftables for VRRP; table default "keepalived". */
  vrrpTable?: string;
  /** nftables_priority. Default -1. */
  vrrpPriority?: number;
  /** nftables_ifindex. */
  ifindex: boolean;
  /** nftables_ipvs [TABLE]: table default "keepalived_ipvs". */
  ipvsTable?: string;
  /** nftables_ipvs_priority. Default -1. */
  ipvsPriority?: number;
  /** nftables_ipvs_start_fwmark, >= 1. Default 1000. */
  ipvsStartFwmark?: number;
  /** nftables_counters. */
  counters: boolean;
}

export interface LvsSyncDaemon {
  /** Interface the sync daemon sends on. */
  interface: string;
  /** VRRP instance whose state drives master/backup. Default: both daemons run. */
  vrrpInstance?: string;
  /** Sync id in [0, 255]. Default: the instance's VRID. */
  syncId?: number;
  /** Maximum packet length in [1, 65507]. */
  maxLen?: number;
  /** UDP port. Default 8848. */
  port?: number;
  /** Multicast TTL in [1, 255]. Default 1. */
  ttl?: number;
  /** Multicast group. Default 224.0.0.81. */
  group?: IpAddress;
  loc: Loc;
}

export interface LvsSettings {
  /** lvs_timeouts tcp / tcpfin / udp in seconds, [0, 2678400]. Unset: the kernel's. */
  timeouts: { tcpSec?: number; tcpFinSec?: number; udpSec?: number };
  /** lvs_flush: clear the IPVS table at startup. */
  flush: boolean;
  /** lvs_flush_on_stop [VS]: clear all of IPVS, or only keepalived's virtual servers, at stop. */
  flushOnStop?: 'all' | 'vs';
  syncDaemon?: LvsSyncDaemon;
  /** checker_log_all_failures. */
  logAllFailures: boolean;
  /** rs_init_notifies: run notify scripts for real servers' initial state. */
  rsInitNotifies: boolean;
}

/** A FIFO keepalived writes state changes to, and the script it starts to read it. */
export interface NotifyFifo {
  /** The FIFO's path; unset when only a script was given. */
  path?: string;
  /** Owner of the FIFO, when given after the path. Default: the default script user. */
  owner?: { user: string; group?: string };
  /** The script keepalived starts to read the FIFO. */
  script?: Script;
}

export interface NotifyFifos {
  /** notify_fifo / notify_fifo_script: VRRP and checker events. */
  all: NotifyFifo;
  /** vrrp_notify_fifo / vrrp_notify_fifo_script. */
  vrrp: NotifyFifo;
  /** lvs_notify_fifo / lvs_notify_fifo_script. */
  lvs: NotifyFifo;
}

export interface NetlinkBuffer {
  /** Receive buffer size in bytes. Unset (or 0): the kernel default. */
  bytes?: number;
  /** *_force: use SO_RCVBUFFORCE. */
  force: boolean;
}

export interface NetlinkSettings {
  vrrpCmd: NetlinkBuffer;
  vrrpMonitor: NetlinkBuffer;
  processMonitor: NetlinkBuffer;
  lvsCmd: NetlinkBuffer;
  lvsMonitor: NetlinkBuffer;
}

export interface SnmpSettings {
  /** snmp_socket: AgentX socket. */
  socket?: string;
  /** enable_traps. */
  traps: boolean;
  /** enable_snmp_vrrp (enable_snmp_keepalived is its old name). */
  vrrp: boolean;
  /** enable_snmp_rfcv2 (and enable_snmp_rfc). */
  rfcV2: boolean;
  /** enable_snmp_rfcv3 (and enable_snmp_rfc). */
  rfcV3: boolean;
  /** enable_snmp_checker. */
  checker: boolean;
}

/** One step of the order in which keepalived settles the default script user while reading global_defs. */
export interface DefaultUserStep {
  /** The keyword: script_user, or a fifo / script keyword given without its own user. */
  keyword: string;
  loc: Loc;
  /** For script_user: the user and group named. */
  user?: string;
  group?: string;
  /** Was enable_script_security read before this step? */
  securityEnabledBefore: boolean;
  /** The script this step reads, for script keywords. */
  script?: Script;
}

export interface ScriptSecuritySettings {
  /** enable_script_security: refuse scripts that non-root users could change. */
  enabled: boolean;
  /**
   * global_defs keywords that make keepalived fix the default script user,
   * in reading order. The first one decides: script_user names it; any other
   * takes keepalived_script if that user exists, else root - unless
   * enable_script_security was already read, which makes a missing
   * keepalived_script an error that disables every script without a user.
   */
  defaultUserSteps: DefaultUserStep[];
}

export interface StartStopScripts {
  /** startup_script: run before the children start. */
  startup?: Script;
  /** startup_script_timeout in seconds, [1, 1000]. Default 10. */
  startupTimeoutSec: number;
  /** shutdown_script: run after the children stopped. */
  shutdown?: Script;
  /** shutdown_script_timeout in seconds, [1, 1000]. Default 10. */
  shutdownTimeoutSec: number;
}

/** Which missing include files are errors: include_check [read|match|wildcard_match|brace_match]. */
export interface IncludeCheck {
  read: boolean;
  match: boolean;
  wildcardMatch: boolean;
  braceMatch: boolean;
  loc: Loc;
}

export interface ReloadSettings {
  /** reload_check_config [FILE]: test a new config before reloading; log to FILE (default /dev/null). */
  checkConfigLog?: string;
  /** reload_time_file FILE: reload when the time in FILE is reached. */
  timeFile?: string;
  /** reload_repeat. */
  repeat: boolean;
  /** reload_file [FILE]: file present while reloading. Default /run/keepalived.reload when given without FILE. */
  file?: string;
}

export interface GlobalDefs extends Located {
  /** router_id. Default: the local host name. */
  routerId?: string;
  smtp: SmtpSettings;
  processes: ProcessesSettings;
  vrrp: VrrpDefaults;
  nftables: NftablesSettings;
  lvs: LvsSettings;
  notifyFifos: NotifyFifos;
  netlink: NetlinkSettings;
  snmp: SnmpSettings;
  /** enable_dbus. */
  enableDbus: boolean;
  /** dbus_service_name. Default org.keepalived.Vrrp1. */
  dbusServiceName?: string;
  scripts: StartStopScripts;
  /** enable_script_security (also in scriptSecurity.enabled). */
  enableScriptSecurity: boolean;
  /** script_user: default user (and group) for scripts. Default keepalived_script if it exists, else root. */
  scriptUser?: UserSpec;
  scriptSecurity: ScriptSecuritySettings;
  /** umask: file creation mask as permission bits. Default 022 (0o22). */
  umask?: number;
  /** random_seed. */
  randomSeed?: number;
  reload: ReloadSettings;
  includeCheck?: IncludeCheck;
  /** config_save_dir: where a copy of the config read is kept. */
  configSaveDir?: string;
  /** tmp_config_directory: directory for the config copy instead of a memfd. */
  tmpConfigDirectory?: string;
  /** data_use_instance: put the instance name into dump file names. */
  dataUseInstance: boolean;
}

export interface TopLevelSettings {
  /** net_namespace: run in this network namespace. */
  netNamespace?: string;
  netNamespaceLoc?: Loc;
  /** net_namespace_ipvs: namespace for IPVS; "" means the default namespace. */
  netNamespaceIpvs?: string;
  /** namespace_with_ipsets. */
  namespaceWithIpsets: boolean;
  /** instance: name of this keepalived instance (pid and dump files). */
  instance?: string;
  /** child_wait_time: seconds to wait for children at stop. Default 5. */
  childWaitTime: number;
  /** use_pid_dir: pid files in /run/keepalived/ (also implied by instance and net_namespace). */
  usePidDir: boolean;
  /** linkbeat_use_polling: poll link state instead of netlink. */
  linkbeatUsePolling: boolean;
}

function processSettings(): ProcessSettings {
  return { nice: 0, noSwap: false };
}

function netlinkBuffer(): NetlinkBuffer {
  return { force: false };
}

export function createGlobalDefs(loc: Loc): GlobalDefs {
  return {
    loc,
    locs: {},
    smtp: { port: 25, connectTimeoutSec: 30, emails: [], noEmailFaults: false, noCheckerEmails: false },
    processes: { vrrp: processSettings(), checker: processSettings(), bfd: processSettings() },
    vrrp: {
      version: 2,
      strict: false,
      mcastGroup4: { family: 4, address: '224.0.0.18' },
      mcastGroup6: { family: 6, address: 'ff02::12' },
      garp: {
        masterDelaySec: 5,
        masterRepeat: 5,
        masterRefreshSec: 0,
        masterRefreshRepeat: 1,
        intervalSec: 0,
        naIntervalSec: 0,
        minimal: false,
        extraIfAll: false,
      },
      downTimerAdverts: 3,
      checkUnicastSrc: false,
      skipCheckAdvAddr: false,
      startupDelaySec: 0,
      dynamicInterfaces: false,
      allowIfChanges: false,
      disableLocalIgmp: false,
      logUnknownVrids: false,
      notifyPriorityChanges: false,
      fifoWriteStatesOnReload: false,
    },
    nftables: { ifindex: false, counters: false },
    lvs: { timeouts: {}, flush: false, logAllFailures: false, rsInitNotifies: false },
    notifyFifos: { all: {}, vrrp: {}, lvs: {} },
    netlink: {
      vrrpCmd: netlinkBuffer(),
      vrrpMonitor: netlinkBuffer(),
      processMonitor: netlinkBuffer(),
      lvsCmd: netlinkBuffer(),
      lvsMonitor: netlinkBuffer(),
    },
    snmp: { traps: false, vrrp: false, rfcV2: false, rfcV3: false, checker: false },
    enableDbus: false,
    scripts: { startupTimeoutSec: 10, shutdownTimeoutSec: 10 },
    enableScriptSecurity: false,
    scriptSecurity: { enabled: false, defaultUserSteps: [] },
    reload: { repeat: false },
    dataUseInstance: false,
  };
}

export function createTopLevelSettings(): TopLevelSettings {
  return { childWaitTime: 5, usePidDir: false, namespaceWithIpsets: false, linkbeatUsePolling: false };
}
