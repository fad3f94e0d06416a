// Validation passes of the check part, in the order they run. (Filled in by the check part.)
import type { Pass } from './types.js';

export const checkPasses: Pass[] = [];
