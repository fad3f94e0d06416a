// The VRRP child: VrrpService behind the common child plumbing, the dumps
// keepalived's VRRP process writes, and the list of VIPs it holds sent to
// the parent after every change.
import { writeFile } from 'node:fs/promises';
import type { Log } from '../log.js';
import type { ChildService } from './child.js';
import { dumpFiles, formatJson, formatStats, formatVrrpData } from './dumps.js';
import { toParent, type ChildSettings } from './ipc.js';
import { VrrpService } from './vrrp-service.js';

export function vrrpChild(settings: ChildSettings, log: Log): ChildService {
  const service = new VrrpService({
    log,
    noVipLease: settings.noVipLease,
    onHeldVips: (vips) => toParent({ type: 'held-vips', vips }),
  });
  let routerId: string | undefined;
  return {
    async start(config) {
      routerId = config.global.routerId;
      await service.start(config);
    },
    async reload(config) {
      routerId = config.global.routerId;
      const { added, changed, removed } = await service.reload(config);
      return { added, changed, removed };
    },
    stop: (parentGone) => service.stop(parentGone || !settings.dontReleaseVrrp),
    async dump(kind) {
      const instances = service.snapshot();
      switch (kind) {
        case 'data':
          return writeFile(dumpFiles().vrrpData, formatVrrpData(instances, { ...(routerId !== undefined ? { routerId } : {}), now: Date.now() / 1000 }), { mode: 0o600 });
        case 'stats':
          return writeFile(dumpFiles().stats, formatStats(instances), { mode: 0o600 });
        case 'stats-clear':
          await writeFile(dumpFiles().stats, formatStats(instances), { mode: 0o600 });
          return service.clearStats();
        case 'json':
          return writeFile(dumpFiles().json, formatJson(instances), { mode: 0o600 });
      }
    },
  };
}
