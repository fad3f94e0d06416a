// keepalived's command line -> the running daemon: logging, detaching from
// the terminal (unless -n), pid file names, and the watchdog parent.
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { readConfig } from '../config/index.js';
import { nodeHostInfo } from '../config/host-node.js';
import { DEFAULT_PID_FILES } from '../daemon/pid-file.js';
import { notifySystemd } from '../daemon/sd-notify.js';
import { Watchdog } from '../daemon/watchdog.js';
import { createLog } from '../log.js';
import type { CliOptions } from './args.js';
import { defaultConfigId } from './config-test.js';

/** Set in the detached copy of the daemon. */
const DETACHED_ENV = 'KEEPALIVED_TS_DETACHED';

const FACILITIES: Record<string, number> = { user: 1, daemon: 3 };

function facilityNumber(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (/^[0-7]$/.test(v)) return 16 + Number(v);
  const local = /^local([0-7])$/.exec(v);
  if (local) return 16 + Number(local[1]);
  return FACILITIES[v];
}

/** Start a detached copy of ourselves (keepalived forks into the background); logs go to -g FILE or nowhere. */
function detach(argv: readonly string[], logFile: string | undefined): number {
  const out = logFile ? openSync(logFile, 'a') : 'ignore';
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...argv], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, [DETACHED_ENV]: '1' },
  });
  child.unref();
  return 0;
}

export async function runDaemon(options: CliOptions, argv: readonly string[]): Promise<number> {
  if (options.namespace !== undefined) {
    process.stderr.write(`keepalived-ts: -s/--namespace is not supported; run it as 'ip netns exec ${options.namespace} keepalived-ts ...'\n`);
    return 1;
  }
  if (!options.dontFork && process.env[DETACHED_ENV] !== '1') return detach(argv, options.logFile);
  if (options.umask !== undefined) process.umask(options.umask);

  const logSettings = {
    console: options.logConsole,
    detail: options.logDetail,
    ...(facilityNumber(options.logFacility) !== undefined ? { facility: facilityNumber(options.logFacility)! } : {}),
  };
  const log = createLog({ ...logSettings, process: 'parent' });
  const host = nodeHostInfo();
  const configId = options.configId ?? defaultConfigId();
  const watchdog = new Watchdog({
    log,
    loadConfig: () => readConfig(options.configFile, { configId, allConfig: options.allConfig, host }),
    pidFiles: {
      parent: options.pidFile ?? DEFAULT_PID_FILES.parent,
      vrrp: options.vrrpPidFile ?? DEFAULT_PID_FILES.vrrp,
      checker: options.checkersPidFile ?? DEFAULT_PID_FILES.checker,
    },
    roles: { vrrp: options.vrrpOnly, checker: options.checkOnly, all: options.all },
    dontRespawn: options.dontRespawn,
    ...(options.respawnDelayMax !== undefined ? { respawnDelayMaxMs: options.respawnDelayMax * 1000 } : {}),
    child: {
      log: logSettings,
      dontReleaseVrrp: options.dontReleaseVrrp,
      dontReleaseIpvs: options.dontReleaseIpvs,
      noVipLease: options.noVipLease,
      ...(options.ipvsadm !== undefined ? { ipvsadm: options.ipvsadm } : {}),
    },
  });
  if (!watchdog.start()) return 1;
  void notifySystemd('READY=1', log);
  watchdog.onReload = (phase) => void notifySystemd(phase === 'start' ? `RELOADING=1\nMONOTONIC_USEC=${monotonicUsec()}` : 'READY=1', log);
  watchdog.onStopping = () => void notifySystemd('STOPPING=1', log);
  // Stopped: exit even if an adapter still holds a handle open.
  process.exit(await watchdog.done);
}

function monotonicUsec(): string {
  return String(process.hrtime.bigint() / 1000n);
}
