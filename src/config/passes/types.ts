// A validation pass looks at the whole model after reading and adds located
// problems. Passes are small, have one concern each, and never throw.
import type { HostInfo } from '../host.js';
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
