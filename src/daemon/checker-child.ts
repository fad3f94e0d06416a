// The checker child: CheckerService (health checks driving the IPVS table)
// behind the common child plumbing, and keepalived's checker data dump.
//
// The parent forks it with V8 heap settings of its own (watchdog.ts,
// CHECKER_NODE_FLAGS): --max-semi-space-size=4 --heap-growing-percent=50.
// At 10,000 real servers (TCP_CHECK, delay_loop 1 s) it allocates a socket
// and its state per check, ~40 MB/s over ~60 MB live, and V8's default
// policy lets the old generation grow to several times the live size before
// a full collection. bench/checks.mjs, same build, 30 s windows, load
// average 1-2 on 2 cores:
//                                      steady RSS / peak   after failure + reload   CPU per 1,000 checks/s
//   V8 defaults                        202 / 205, 184 / 213   346-356 MB               4.6-5.2 %
//   --heap-growing-percent=50          183 / 198, 195 / 195   249-254 MB               4.9-5.2 %
//   both flags                         169 / 177, 178 / 178   224-230 MB               5.4-5.9 %
// Later (10 s windows, load average 3-4): the config sent as JSON without
// the locs maps, a reload without fingerprint strings, a full GC after it
// (--expose-gc): 171 / 171, after 200 / 204; plus glibc's fixed mmap
// threshold (watchdog.ts, CHECKER_ENV): 161 / 161, after 178 / 183.
// HTTP_GET at 10,000 (20 s window, load average 2.4-2.7, the machine 100 %
// busy): steady 168 / 179, after failure + reload 189 / 208, with HTTP_GET on
// undici's dispatch() and a reload that takes unchanged checkers over; the
// reload's collections around the config text (child.ts) came after that run.
// With those and a smaller config message (child-config.ts), quiet machine
// (load average 0.8-1.7), 20 s windows, semi-space 8 MB / 4 MB:
//   TCP 10,000   steady 144 / 146 -> 132 / 141, after 153 / 164 -> 149 / 158,
//                9,851 -> 9,903 checks/s, 6.7 -> 6.5 % of a core per 1,000/s
//   HTTP 10,000  steady 178 / 180 -> 167 / 169, after 180 / 201 -> 180 / 191,
//                5,807 -> 6,175 checks/s, 18.9 -> 17.8 % per 1,000/s
// (a smaller young generation is collected more often, but each collection
// has less to scan, and the garbage of a check's socket dies young anyway).
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
