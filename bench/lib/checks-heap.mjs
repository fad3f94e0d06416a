// What a V8 heap snapshot holds, by kind of object: the total self size and
// count per constructor (objects), per node type otherwise (strings,
// arrays, closures, code, ...). Shallow sizes: enough to see which objects
// there are tens of thousands of.
import { readFileSync } from 'node:fs';

/** { totalMb, top: [[kind, mb, count]] } */
export function heapSummary(path, topN = 20) {
  const snap = JSON.parse(readFileSync(path, 'utf8'));
  const meta = snap.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const width = fields.length;
  const { nodes, strings } = snap;
  const byKind = new Map();
  let total = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + iType]];
    const size = nodes[i + iSize];
    const kind = type === 'object' ? strings[nodes[i + iName]] : `(${type})`;
    const k = byKind.get(kind) ?? [0, 0];
    k[0] += size;
    k[1]++;
    byKind.set(kind, k);
    total += size;
  }
  const top = [...byKind].sort((a, b) => b[1][0] - a[1][0]).slice(0, topN).map(([kind, [size, count]]) => [kind, size / 2 ** 20, count]);
  return { totalMb: total / 2 ** 20, top };
}
