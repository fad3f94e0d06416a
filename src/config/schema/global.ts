// Keyword tables of the global part: global_defs (every keyword keepalived
// 2.2.7 accepts there, grouped by subject in ./global/) and the top-level
// one-line keywords. Keywords that 2.2.7 does not know (newer ones such as
// json_version or vrrp_owner_ignore_adverts, or vrrp_ipsets, which the
// Debian build lacks) are absent, so they are reported as unknown.
import type { KeepalivedConfig } from '../model/index.js';
import type { GlobalDefs } from '../model/global.js';
import { lvsHandlers } from './global/lvs.js';
import { miscHandlers } from './global/misc.js';
import { processHandlers } from './global/processes.js';
import { scriptHandlers } from './global/scripts.js';
import { smtpHandlers } from './global/smtp.js';
import { globalDefsHandler, topLevelHandlers } from './global/top-level.js';
import { vrrpHandlers } from './global/vrrp.js';
import type { BlockSpec, KeywordHandler } from './types.js';

export const globalDefsSpec: BlockSpec<GlobalDefs> = {
  name: 'global_defs',
  keywords: {
    ...processHandlers,
    ...smtpHandlers,
    ...scriptHandlers,
    ...vrrpHandlers,
    ...lvsHandlers,
    ...miscHandlers,
  },
};

/** Top-level keywords this part reads, into the whole config. */
export const globalTopLevel: Record<string, KeywordHandler<KeepalivedConfig>> = {
  ...topLevelHandlers,
  global_defs: globalDefsHandler(globalDefsSpec),
};

/** Every block spec of this part, so that misplaced keywords can be pointed home. */
export const globalBlocks: BlockSpec<any>[] = [globalDefsSpec];
