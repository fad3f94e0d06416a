// Which keywords open a block in keepalived 2.2.7 (its keyword table marks
// them; see the keyword inventory). keepalived decides from this, not from
// the braces, whether a '{' opens a block, so the reader needs it too.

const BLOCK_KEYWORDS: ReadonlySet<string> = new Set([
  'global_defs', 'notification_email',
  'vrrp_sync_group', 'group', 'track_group',
  'vrrp_instance', 'authentication', 'unicast_peer',
  'virtual_ipaddress', 'virtual_ipaddress_excluded', 'virtual_routes', 'virtual_rules',
  'track_interface', 'track_script', 'track_file', 'track_process', 'track_bfd',
  'vrrp_script', 'vrrp_track_process', 'vrrp_track_file',
  'static_ipaddress', 'static_routes', 'static_rules',
  'garp_group', 'interfaces', 'linkbeat_interfaces', 'interface_up_down_delays',
  'bfd_instance', 'SSL',
  'virtual_server_group', 'virtual_server', 'real_server',
  'TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'url', 'SMTP_CHECK', 'host', 'MISC_CHECK',
  'UDP_CHECK', 'DNS_CHECK', 'PING_CHECK', 'FILE_CHECK', 'BFD_CHECK',
]); // prettier-ignore

/** Keywords that open a block elsewhere but take a value in this block. */
const VALUE_IN_BLOCK: ReadonlyMap<string, ReadonlySet<string>> = new Map([['FILE_CHECK', new Set(['track_file'])]]);

/** Whether `keyword`, read in the block named `block`, opens a block of its own. */
export function opensBlock(block: string, keyword: string): boolean {
  return BLOCK_KEYWORDS.has(keyword) && !VALUE_IN_BLOCK.get(block)?.has(keyword);
}
