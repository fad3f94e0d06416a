// What every child process does the same way, whatever it runs: take the
// config from the parent, apply reloads one at a time, write dumps on
// request, and stop cleanly on SIGTERM/SIGINT or when the parent goes away
// (the IPC channel closes even when the parent is killed with -9, which is
// how a child notices at once).
import type { KeepalivedConfig } from '../config/model/index.js';
import type { Log } from '../log.js';
import { parseChildConfig } from './child-config.js';
import { toParent, type DumpKind, type ParentMessage, type ReloadSummary } from './ipc.js';

/** The part of a child that knows its job (VRRP, checkers). */
export interface ChildService {
  start(config: KeepalivedConfig): Promise<void>;
  reload(config: KeepalivedConfig): Promise<ReloadSummary>;
  /** parentGone: the parent died; release everything whatever the flags say. */
  stop(parentGone: boolean): Promise<void>;
  dump(kind: DumpKind): Promise<void>;
}

/**
 * A full collection right after a config is in place, where the parent
 * starts the child with --expose-gc (the checker child): the reader's and
 * the previous config's garbage goes now, in one pause at a moment that has
 * just paused anyway, instead of holding two configs' worth of RSS until
 * V8's next major collection. A reload collects twice more before its
 * work: before the new config is parsed (the garbage the checks left in the
 * old generation, and the IPC buffers of the message, go first, so that the
 * new config fills the space they leave instead of growing the heap), and
 * after (the config text goes too). A reload of 10,000 HTTP_GET real
 * servers in-process, with 40 MB of old-generation garbage made before it:
 * RSS peak 226 -> 211-215 MB, RSS after the reload 200 -> 181 MB; each
 * collection is tens of milliseconds before a reload that blocks for a
 * second anyway.
 */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function runChild(log: Log, service: ChildService): void {
  // Everything the parent asks is done in order: a reload never overlaps the start or a stop.
  let work: Promise<void> = Promise.resolve();
  let started = false;
  let stopping = false;
  const serially = (what: string, task: () => Promise<void>): void => {
    work = work.then(task).catch((e: unknown) => log.error({ err: e, during: what }, `${what} failed`));
  };

  const stop = (why: string, parentGone: boolean): void => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, 'stopping');
    serially('stop', async () => {
      if (started) await service.stop(parentGone);
      log.info('stopped');
      process.exit(0);
    });
  };

  /**
   * Start or reload with a config sent as text. The text (12 MB at 10,000
   * HTTP_GET real servers) is let go as soon as it is parsed: held until
   * the start or reload was done, it sat in the heap beside two configs.
   * (Here, not in the message handler: a closure made there would hold the
   * whole message.)
   */
  const takeConfig = (text: string, task: 'start' | 'reload'): void => {
    let unparsed: string | undefined = text;
    const parsed = (): KeepalivedConfig => {
      const config = parseChildConfig(unparsed!);
      unparsed = undefined;
      return config;
    };
    if (task === 'start') {
      serially('start', async () => {
        await service.start(parsed());
        started = true;
        toParent({ type: 'ready' });
        collectGarbage();
      });
    } else {
      serially('reload', async () => {
        collectGarbage();
        const config = parsed();
        collectGarbage();
        const summary = await service.reload(config);
        log.info(summary, 'config reloaded');
        toParent({ type: 'reloaded', summary });
        collectGarbage();
      });
    }
  };

  process.on('message', (m: ParentMessage) => {
    if (stopping) return;
    if (m.type === 'config') {
      takeConfig(m.config, !m.reload && !started ? 'start' : 'reload');
    } else if (m.type === 'dump') {
      // Not queued behind a reload: a dump must not wait, nor make VRRP wait.
      service.dump(m.kind).catch((e: unknown) => log.error({ err: e, kind: m.kind }, 'dump failed'));
    }
  });
  process.on('disconnect', () => stop('parent gone', true));
  process.on('SIGTERM', () => stop('SIGTERM', false));
  process.on('SIGINT', () => stop('SIGINT', false));
  // Signals sent to the child itself, as to a keepalived child.
  process.on('SIGHUP', () => toParent({ type: 'reload-request' }));
  process.on('SIGUSR1', () => void service.dump('data'));
  process.on('SIGUSR2', () => void service.dump('stats'));
  toParent({ type: 'listening' });
}
