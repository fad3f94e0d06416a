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
 * V8's next major collection.
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

  process.on('message', (m: ParentMessage) => {
    if (stopping) return;
    if (m.type === 'config') {
      if (!m.reload && !started) {
        serially('start', async () => {
          await service.start(parseChildConfig(m.config));
          started = true;
          toParent({ type: 'ready' });
          collectGarbage();
        });
      } else {
        serially('reload', async () => {
          const summary = await service.reload(parseChildConfig(m.config));
          log.info(summary, 'config reloaded');
          toParent({ type: 'reloaded', summary });
          collectGarbage();
        });
      }
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
