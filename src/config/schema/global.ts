// Keyword tables of the global part. (Filled in by the global part.)
import type { KeepalivedConfig } from '../model/index.js';
import type { BlockSpec, KeywordHandler } from './types.js';

/** Top-level keywords this part reads, into the whole config. */
export const globalTopLevel: Record<string, KeywordHandler<KeepalivedConfig>> = {};

/** Every block spec of this part, so that misplaced keywords can be pointed home. */
export const globalBlocks: BlockSpec<any>[] = [];
