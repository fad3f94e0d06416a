// The VRRP child: VrrpService behind the common child plumbing, the dumps
// keepalived's VRRP process writes, and the list of VIPs, virtual routes and
// rules it holds sent to the parent after every change.
import { writeFile } from 'node:fs/promises';
import type { HostInfo } from '../config/host.js';
import { nodeHostInfo } from '../config/host-node.js';
import type { KeepalivedConfig } from '../config/model/index.js';
import type { Log } from '../log.js';
import { LinkMonitor } from '../net/link-monitor.js';
import type { ScriptUser } from '../vrrp/trackers/script-user.js';
import type { ChildService } from './child.js';
import { LoopLagMonitor } from './loop-lag.js';
import { dumpFiles, formatJson, formatStats, formatTree, formatVrrpData } from './dumps.js';
import { toParent, type ChildSettings } from './ipc.js';
import { VrrpService } from './vrrp-service.js';

/**
 * keepalived's default script user: script_user, else keepalived_script if
 * that user exists, else root (undefined: this process's own user).
 */
export function defaultScriptUser(config: KeepalivedConfig, host: Pick<HostInfo, 'user'>): ScriptUser | undefined {
  const u = config.global.scriptUser;
  if (u) return u.group !== undefined ? { user: u.user, group: u.group } : { user: u.user };
  return host.user('keepalived_script') ? { user: 'keepalived_script' } : undefined;
}

export function vrrpChild(settings: ChildSettings, log: Log): ChildService {
  const links = new LinkMonitor({ log });
  const lag = new LoopLagMonitor(log, () => (service ? service.shortestMasterDownMs() / 4 : 0));
  let service: VrrpService | undefined;
  let routerId: string | undefined;
  return {
    async start(config) {
      routerId = config.global.routerId;
      await links.start();
      const user = defaultScriptUser(config, nodeHostInfo());
      service = new VrrpService({
        log,
        links,
        noVipLease: settings.noVipLease,
        onHeld: (held) => toParent({ type: 'held', held }),
        timers: lag.timers,
        ...(user ? { defaultScriptUser: user } : {}),
      });
      await service.start(config);
      lag.start();
    },
    async reload(config) {
      routerId = config.global.routerId;
      const { added, changed, removed } = await service!.reload(config);
      return { added, changed, removed };
    },
    async stop(parentGone) {
      lag.stop();
      await service?.stop(parentGone || !settings.dontReleaseVrrp);
      await links.stop();
    },
    async dump(kind) {
      if (!service) return;
      const instances = service.snapshot();
      switch (kind) {
        case 'data':
          return writeFile(
            dumpFiles().vrrpData,
            formatVrrpData(instances, { ...(routerId !== undefined ? { routerId } : {}), now: Date.now() / 1000 }) + formatTree('VRRP Trackers', service.trackerSnapshot() ?? {}) +
              formatTree('Event loop lag (ms)', lag.report),
            { mode: 0o600 },
          );
        case 'stats':
          return writeFile(dumpFiles().stats, formatStats(instances), { mode: 0o600 });
        case 'stats-clear':
          await writeFile(dumpFiles().stats, formatStats(instances), { mode: 0o600 });
          return service!.clearStats();
        case 'json':
          return writeFile(dumpFiles().json, formatJson(instances), { mode: 0o600 });
      }
    },
  };
}
