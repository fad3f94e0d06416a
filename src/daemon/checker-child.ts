// The checker child: CheckerService (health checks driving the IPVS table)
// behind the common child plumbing, and keepalived's checker data dump.
import { writeFile } from 'node:fs/promises';
import type { Log } from '../log.js';
import { CheckerService } from './checker-service.js';
import type { ChildService } from './child.js';
import { dumpFiles, formatTree } from './dumps.js';
import type { ChildSettings } from './ipc.js';

export function checkerChild(settings: ChildSettings, log: Log): ChildService {
  const service = new CheckerService({
    log,
    keepOnStop: settings.dontReleaseIpvs,
    ...(settings.ipvsadm !== undefined ? { ipvsadm: settings.ipvsadm } : {}),
  });
  return {
    start: (config) => service.start(config),
    async reload(config) {
      const { added, changed, removed } = await service.reload(config);
      return { added, changed, removed };
    },
    stop: () => service.stop(),
    async dump(kind) {
      if (kind === 'data') await writeFile(dumpFiles().checkData, formatTree('Checkers', service.snapshot()), { mode: 0o600 });
    },
  };
}
