// Names that checkers refer to and other parts define: track_file (for
// FILE_CHECK) and bfd_instance (for BFD_CHECK). keepalived resolves them
// while reading, so only blocks read before the checker count. The config is
// remembered per read so the checker handlers can look.
import type { KeepalivedConfig } from '../../model/index.js';
import type { ReadContext } from '../types.js';

const configs = new WeakMap<ReadContext, KeepalivedConfig>();

export function rememberCheckConfig(ctx: ReadContext, config: KeepalivedConfig): void {
  configs.set(ctx, config);
}

/** Is a track_file (or vrrp_track_file) of this name defined so far? Undefined when unknown. */
export function trackFileDefined(ctx: ReadContext, name: string): boolean | undefined {
  const files = configs.get(ctx)?.vrrp.trackFiles;
  return files ? files.some((f) => f.name === name) : undefined;
}

/** Which bfd_instance of this name the checker process would see. */
export function bfdInstanceState(ctx: ReadContext, name: string): 'checker' | 'vrrp-only' | 'missing' | undefined {
  const bfds = configs.get(ctx)?.vrrp.bfdInstances;
  if (!bfds) return undefined;
  const bfd = bfds.find((b) => b.name === name);
  if (!bfd) return 'missing';
  return bfd.checker ? 'checker' : 'vrrp-only';
}
