// Side tables that reading keeps about model nodes (what a real server's
// checker connects to so far, which real servers a virtual server has seen),
// held for one read of a config. A WeakMap keyed by node does the same job,
// but with 10^4 to 10^5 nodes its inserts cost more than the reading itself.
import type { ReadContext } from './types.js';

/** A Map per read: call the result with the read's context to get that read's Map. */
export function perReadMap<K, V>(): (ctx: ReadContext) => Map<K, V> {
  const byRead = new WeakMap<ReadContext, Map<K, V>>();
  return (ctx) => {
    let map = byRead.get(ctx);
    if (!map) {
      map = new Map();
      byRead.set(ctx, map);
    }
    return map;
  };
}
