// What keepalived 2.2.7 does with a keyword written without its value
// (`priority` alone on a line), measured by running it on each keyword of each
// block: most such keywords make it stop reading at once with exit 2 ("missing
// a parameter"), some are silently accepted; the rest are reported by their
// own handler (exit 5), as for any other bad value.

export type MissingValueBehaviour = 'abort' | 'silent' | 'report';

const ABORT: Readonly<Record<string, readonly string[]>> = {
  DNS_CHECK: [
    'bind_if', 'bind_port', 'bindto', 'connect_ip', 'connect_port', 'connect_timeout', 'delay_before_retry',
    'delay_loop', 'fwmark', 'name', 'retry', 'type', 'warmup',
  ],
  FILE_CHECK: [
    'track_file',
  ],
  HTTP_GET: [
    'bind_if', 'bind_port', 'bindto', 'connect_ip', 'connect_port', 'connect_timeout', 'delay_before_retry',
    'delay_loop', 'fwmark', 'nb_get_retry', 'retry', 'warmup',
  ],
  MISC_CHECK: [
    'delay_before_retry', 'delay_loop', 'misc_timeout', 'retry', 'warmup',
  ],
  PING_CHECK: [
    'bind_if', 'bind_port', 'bindto', 'connect_ip', 'connect_port', 'connect_timeout', 'delay_before_retry',
    'delay_loop', 'fwmark', 'retry', 'warmup',
  ],
  SMTP_CHECK: [
    'bind_if', 'bind_port', 'bindto', 'connect_ip', 'connect_port', 'connect_timeout', 'delay_before_retry',
    'delay_loop', 'fwmark', 'retry', 'warmup',
  ],
  SSL_GET: [
    'bind_if', 'bind_port', 'bindto', 'connect_ip', 'connect_port', 'connect_timeout', 'delay_before_retry',
    'delay_loop', 'fwmark', 'nb_get_retry', 'retry', 'warmup',
  ],
  TCP_CHECK: [
    'bind_if', 'bind_port', 'bindto', 'connect_ip', 'connect_port', 'connect_timeout', 'delay_before_retry',
    'delay_loop', 'fwmark', 'retry', 'warmup',
  ],
  UDP_CHECK: [
    'bind_if', 'bind_port', 'bindto', 'connect_ip', 'connect_port', 'connect_timeout', 'delay_before_retry',
    'delay_loop', 'fwmark', 'max_reply_length', 'min_reply_length', 'retry', 'warmup',
  ],
  authentication: [
    'auth_pass', 'auth_type',
  ],
  bfd_instance: [
    'hoplimit', 'idle_tx', 'max_hops', 'min_rx', 'min_tx', 'multiplier', 'source_ip', 'ttl', 'weight',
  ],
  garp_group: [
    'garp_interval', 'gna_interval', 'interface',
  ],
  global_defs: [
    'bfd_process_name', 'bfd_rlimit_rtime', 'bfd_rlimit_rttime', 'checker_process_name',
    'checker_rlimit_rtime', 'checker_rlimit_rttime', 'config_save_dir', 'lvs_process_name',
    'nftables_ipvs_priority', 'nftables_ipvs_start_fwmark', 'nftables_priority', 'process_name',
    'random_seed', 'smtp_connect_timeout', 'smtp_server', 'umask', 'vmac_addr_prefix', 'vmac_prefix',
    'vrrp_down_timer_adverts', 'vrrp_garp_interval', 'vrrp_garp_lower_prio_delay',
    'vrrp_garp_lower_prio_repeat', 'vrrp_garp_master_delay', 'vrrp_garp_master_refresh',
    'vrrp_garp_master_refresh_repeat', 'vrrp_garp_master_repeat', 'vrrp_gna_interval', 'vrrp_mcast_group4',
    'vrrp_mcast_group6', 'vrrp_process_name', 'vrrp_rlimit_rtime', 'vrrp_rlimit_rttime', 'vrrp_startup_delay',
    'vrrp_version',
  ],
  host: [
    'bind_if', 'bind_port', 'bindto', 'connect_ip', 'connect_port', 'connect_timeout', 'delay_before_retry',
    'delay_loop', 'fwmark', 'retry', 'warmup',
  ],
  real_server: [
    'connect_timeout', 'delay_before_retry', 'delay_loop', 'lthreshold', 'lvs_method', 'notify_down',
    'notify_up', 'retry', 'uthreshold', 'warmup', 'weight',
  ],
  url: [
    'digest', 'path',
  ],
  virtual_server: [
    'connect_timeout', 'delay_before_retry', 'delay_loop', 'hysteresis', 'ip_family', 'lb_algo', 'lb_kind',
    'lvs_method', 'lvs_sched', 'persistence_engine', 'persistence_granularity', 'protocol', 'quorum',
    'quorum_down', 'quorum_up', 'retry', 'sorry_server', 'warmup', 'weight',
  ],
  vrrp_instance: [
    'advert_int', 'debug', 'down_timer_adverts', 'garp_lower_prio_delay', 'garp_lower_prio_repeat',
    'garp_master_delay', 'garp_master_refresh', 'garp_master_refresh_repeat', 'garp_master_repeat',
    'interface', 'lvs_sync_daemon_interface', 'mcast_dst_ip', 'mcast_src_ip', 'notify', 'notify_backup',
    'notify_fault', 'notify_master', 'notify_master_rx_lower_pri', 'notify_stop', 'preempt_delay', 'priority',
    'state', 'unicast_src_ip', 'unicast_ttl', 'version', 'virtual_router_id', 'vrf',
  ],
  vrrp_script: [
    'fall', 'interval', 'rise', 'timeout', 'user', 'weight',
  ],
  vrrp_sync_group: [
    'notify', 'notify_backup', 'notify_fault', 'notify_master', 'notify_stop',
  ],
  vrrp_track_process: [
    'delay', 'fork_delay', 'process', 'quorum', 'quorum_max', 'terminate_delay',
  ],
};

const SILENT: Readonly<Record<string, readonly string[]>> = {
  DNS_CHECK: [
    'alpha', 'log_all_failures',
  ],
  PING_CHECK: [
    'alpha', 'log_all_failures',
  ],
  SMTP_CHECK: [
    'alpha', 'log_all_failures',
  ],
  TCP_CHECK: [
    'alpha', 'log_all_failures',
  ],
  UDP_CHECK: [
    'alpha', 'log_all_failures', 'require_reply',
  ],
  bfd_instance: [
    'checker', 'passive', 'vrrp',
  ],
  global_defs: [
    'bfd_no_swap', 'checker_log_all_failures', 'checker_no_swap', 'data_use_instance', 'disable_local_igmp',
    'dynamic_interfaces', 'enable_dbus', 'enable_script_security', 'enable_snmp_checker',
    'enable_snmp_keepalived', 'enable_snmp_rfc', 'enable_snmp_rfcv2', 'enable_snmp_rfcv3', 'enable_snmp_vrrp',
    'enable_traps', 'fifo_write_vrrp_states_on_reload', 'include_check', 'log_unknown_vrids', 'lvs_flush',
    'lvs_flush_on_stop', 'lvs_flush_onstop', 'lvs_netlink_cmd_rcv_bufs_force',
    'lvs_netlink_monitor_rcv_bufs_force', 'max_auto_priority', 'nftables', 'nftables_counters',
    'nftables_ifindex', 'nftables_ipvs', 'no_checker_emails', 'no_email_faults',
    'process_monitor_rcv_bufs_force', 'process_names', 'reload_check_config', 'reload_file', 'reload_repeat',
    'rs_init_notifies', 'smtp_alert', 'smtp_alert_checker', 'smtp_alert_vrrp', 'smtp_helo_name',
    'vrrp_check_unicast_src', 'vrrp_higher_prio_send_advert', 'vrrp_lower_prio_no_advert', 'vrrp_min_garp',
    'vrrp_netlink_cmd_rcv_bufs_force', 'vrrp_netlink_monitor_rcv_bufs_force', 'vrrp_no_swap',
    'vrrp_notify_priority_changes', 'vrrp_skip_check_adv_addr', 'vrrp_strict',
  ],
  host: [
    'alpha', 'log_all_failures',
  ],
  real_server: [
    'alpha', 'inhibit_on_failure', 'smtp_alert',
  ],
  track_file: [
    'init_file',
  ],
  url: [
    'regex', 'regex_max_offset', 'regex_min_offset', 'regex_no_match', 'regex_options', 'regex_stack',
    'status_code',
  ],
  virtual_server: [
    'alpha', 'flag-1', 'flag-2', 'flag-3', 'ha_suspend', 'inhibit_on_failure', 'omega', 'persistence_timeout',
    'smtp_alert',
  ],
  vrrp_instance: [
    'accept', 'dont_track_primary', 'higher_prio_send_advert', 'lower_prio_no_advert', 'no_accept',
    'nopreempt', 'notify_deleted', 'notify_priority_changes', 'preempt', 'promote_secondaries',
    'skip_check_adv_addr', 'smtp_alert', 'strict_mode', 'track_src_ip', 'unicast_fault_no_peer', 'use_vmac',
    'use_vmac_addr',
  ],
  vrrp_script: [
    'init_fail', 'script',
  ],
  vrrp_track_process: [
    'full_command', 'param_match',
  ],
};

const index = (table: Readonly<Record<string, readonly string[]>>): Map<string, Set<string>> =>
  new Map(Object.entries(table).map(([block, keywords]) => [block, new Set(keywords)]));

const aborts = index(ABORT);
const silents = index(SILENT);

/** `block` is the name of the block spec (the innermost block: 'vrrp_instance', 'url', 'TCP_CHECK', ...). */
export function missingValueBehaviour(block: string, keyword: string): MissingValueBehaviour {
  if (aborts.get(block)?.has(keyword)) return 'abort';
  if (silents.get(block)?.has(keyword)) return 'silent';
  return 'report';
}
