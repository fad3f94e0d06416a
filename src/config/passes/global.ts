// Validation passes of the global part, in the order they run: checks of
// global settings against the host, then script security.
import type { HostInfo } from '../host.js';
import type { KeepalivedConfig } from '../model/index.js';
import { checkScriptSecurity } from './script-security.js';
import type { Pass } from './types.js';

/** Where `ip netns add` puts named network namespaces. */
const NETNS_DIR = '/run/netns';

/**
 * True when keepalived -t cannot enter the configured net_namespace: it then
 * stops after reading global_defs and exits 0, whatever else is wrong
 * (observed with 2.2.7). The caller that computes the verdict uses this.
 */
export function namespaceStopsConfigTest(config: KeepalivedConfig, host: HostInfo): boolean {
  const ns = config.top.netNamespace;
  return ns !== undefined && host.fileInfo(`${NETNS_DIR}/${ns}`) === undefined;
}

const namespacePass: Pass = (config, ctx) => {
  if (!namespaceStopsConfigTest(config, ctx.host)) return;
  ctx.problems.note('namespace-missing', config.top.netNamespaceLoc, `network namespace '${config.top.netNamespace}' does not exist (no ${NETNS_DIR}/${config.top.netNamespace})`, {
    hint: 'keepalived -t cannot enter it, so it checks only global_defs and reports success; create the namespace (ip netns add) to test the whole configuration',
  });
};

/** config_save_dir: keepalived creates the directory (one level) and needs it to be a directory. */
const configSaveDirPass: Pass = (config, ctx) => {
  const dir = config.global.configSaveDir;
  const loc = config.global.locs['config_save_dir'];
  if (dir === undefined) return;
  const info = ctx.host.fileInfo(dir);
  if (info) {
    if (!info.isDirectory) {
      ctx.problems.error('not-a-directory', loc, `config_save_dir '${dir}' exists and is not a directory`, { hint: 'name a directory' });
    }
    return;
  }
  const parent = dir.replace(/\/+[^/]*\/*$/, '') || '/';
  const parentInfo = ctx.host.fileInfo(parent);
  if (!parentInfo?.isDirectory) {
    ctx.problems.error('directory-missing', loc, `config_save_dir '${dir}' cannot be created: '${parent}' is not an existing directory`, {
      hint: 'keepalived creates only the last directory of the path; create the parent first',
    });
  }
};

/** disable_local_igmp needs a kernel setting that older kernels lack. */
const localIgmpPass: Pass = (config, ctx) => {
  if (!config.global.vrrp.disableLocalIgmp) return;
  const setting = '/proc/sys/net/ipv4/igmp_link_local_mcast_reports';
  if (ctx.host.fileInfo(setting) === undefined) {
    ctx.problems.error('unsupported', config.global.locs['disable_local_igmp'], `disable_local_igmp: this kernel has no ${setting}`, {
      hint: 'remove disable_local_igmp; keepalived ignores it here',
    });
  }
};

/** Script security (see script-security.ts); keepalived checks no script when it cannot enter its namespace. */
const scriptSecurityPass: Pass = (config, ctx) => {
  checkScriptSecurity(config, ctx, { globalDefsOnly: namespaceStopsConfigTest(config, ctx.host) });
};

export const globalPasses: Pass[] = [namespacePass, configSaveDirPass, localIgmpPass, scriptSecurityPass];
