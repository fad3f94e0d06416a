// Validation passes of the vrrp part, in the order they run. (Filled in by the vrrp part.)
import type { Pass } from './types.js';

export const vrrpPasses: Pass[] = [];
