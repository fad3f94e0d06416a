// Validation passes of the global part, in the order they run. (Filled in by the global part.)
import type { Pass } from './types.js';

export const globalPasses: Pass[] = [];
