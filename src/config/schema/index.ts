// The whole keyword table: the top level, merged from the three parts.
import type { KeepalivedConfig } from '../model/index.js';
import { checkBlocks, checkTopLevel } from './check.js';
import { globalBlocks, globalTopLevel } from './global.js';
import type { BlockSpec } from './types.js';
import { vrrpBlocks, vrrpTopLevel } from './vrrp.js';

export const topLevel: BlockSpec<KeepalivedConfig> = {
  name: 'top level',
  keywords: { ...globalTopLevel, ...vrrpTopLevel, ...checkTopLevel },
};

/** keyword -> the block it is first defined in, for "'priority' belongs in vrrp_instance". */
export const keywordHomes: ReadonlyMap<string, string> = (() => {
  const homes = new Map<string, string>();
  for (const spec of [...globalBlocks, ...vrrpBlocks, ...checkBlocks]) {
    for (const k of Object.keys(spec.keywords)) if (!homes.has(k)) homes.set(k, spec.name);
  }
  return homes;
})();

/** Block name -> its spec (the names are unique). */
export const blockSpecs: ReadonlyMap<string, BlockSpec<any>> = new Map([...globalBlocks, ...vrrpBlocks, ...checkBlocks].map((spec) => [spec.name, spec]));
