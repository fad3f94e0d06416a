// A validation pass looks at the whole model after reading and adds located
// problems. Passes are small, have one concern each, and never throw.
import type { HostInfo } from '../host.js';
import type { VirtualServer } from '../model/check.js';
import type { KeepalivedConfig } from '../model/index.js';
import type { Problems } from '../problems.js';
import type { Script } from '../schema/types.js';

export interface PassContext {
  problems: Problems;
  host: HostInfo;
  /** Every script the config names (from reading). */
  scripts: readonly Script[];
}

export type Pass = (config: KeepalivedConfig, ctx: PassContext) => void;

/**
 * A checker-part check of one virtual server. The checks share one walk
 * over the virtual servers (passes/check.ts) instead of each walking them all.
 */
export interface VirtualServerCheck {
  /** Only the virtual servers keepalived validates (see validated() in check-scope.ts), or all of them. */
  validatedOnly: boolean;
  check(vs: VirtualServer, config: KeepalivedConfig, ctx: PassContext): void;
}
