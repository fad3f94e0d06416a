// The configs the namespace tests run: one vrrp_instance VI_1 on eth0, VRID 51,
// the lab's VIP, in the variants the tests need (version, interval, PASS,
// unicast, extra lines, extra top-level blocks such as a virtual_server).
import { LAB } from './director-pair.js';

export interface LabConfigOptions {
  state: 'MASTER' | 'BACKUP';
  priority: number;
  routerId?: string;
  /** Written as `version N` when given. */
  version?: 2 | 3;
  advertInt?: number;
  /** PASS password; null for no authentication block. Default 'lab51pw'. */
  password?: string | null;
  unicast?: { self: string; peer: string };
  vips?: readonly string[];
  /** Lines added to global_defs / to the vrrp_instance (each starting with a newline). */
  globalExtra?: string;
  instanceExtra?: string;
  /** Top-level text after the instance (virtual_server blocks...). */
  after?: string;
}

export function labConfig(o: LabConfigOptions): string {
  const password = o.password === undefined ? 'lab51pw' : o.password;
  const lines = [
    'global_defs {',
    `  router_id ${o.routerId ?? o.state.toLowerCase()}${o.globalExtra ?? ''}`,
    '}',
    'vrrp_instance VI_1 {',
    `  state ${o.state}`,
    '  interface eth0',
    '  virtual_router_id 51',
    ...(o.version !== undefined ? [`  version ${o.version}`] : []),
    `  priority ${o.priority}`,
    `  advert_int ${o.advertInt ?? 1}`,
    ...(password !== null ? ['  authentication {', '    auth_type PASS', `    auth_pass ${password}`, '  }'] : []),
    ...(o.unicast ? [`  unicast_src_ip ${o.unicast.self}`, '  unicast_peer {', `    ${o.unicast.peer}`, '  }'] : []),
    '  virtual_ipaddress {',
    ...(o.vips ?? [LAB.vip]).map((v) => `    ${v}/32 dev eth0`),
    `  }${o.instanceExtra ?? ''}`,
    '}',
  ];
  return `${lines.join('\n')}\n${o.after ?? ''}`;
}
