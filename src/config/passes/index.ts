import { checkPasses } from './check.js';
import { globalPasses } from './global.js';
import type { Pass } from './types.js';
import { vrrpPasses } from './vrrp.js';

/** All validation passes, in order. */
export const allPasses: readonly Pass[] = [...globalPasses, ...vrrpPasses, ...checkPasses];
