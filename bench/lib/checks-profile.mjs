// Where a node --cpu-prof profile spends its time inside a window: self
// time by file (node's own modules, undici, pino, the daemon's dist/ files)
// and by function. The window is given as milliseconds before the end of
// the profile, since the profile's clock is the process's own.
import { readFileSync } from 'node:fs';

function fileOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return nm[1];
  const dist = /\/dist\/(.*)$/.exec(url);
  if (dist) return dist[1];
  return url.replace(/^file:\/\//, '');
}

/** { totalMs, byFile: [[file, ms]], byFunction: [[`name file:line`, ms]] } for samples in [startAgoMs, endAgoMs] before the end. */
export function profileWindow(path, startAgoMs, endAgoMs) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const from = profile.endTime - startAgoMs * 1000;
  const to = profile.endTime - endAgoMs * 1000;
  const byFile = new Map();
  const byFunction = new Map();
  let t = profile.startTime;
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    // A sample stands for the time until the next one.
    const dt = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 0;
    if (t < from || t > to) continue;
    const { callFrame } = nodes.get(profile.samples[i]);
    if (callFrame.functionName === '(idle)') continue;
    const file = fileOf(callFrame.url, callFrame.functionName);
    const fn = `${callFrame.functionName || '(anonymous)'} ${file}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
    byFile.set(file, (byFile.get(file) ?? 0) + dt);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + dt);
    totalUs += dt;
  }
  const top = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([k, us]) => [k, us / 1000]);
  return { totalMs: totalUs / 1000, byFile: top(byFile), byFunction: top(byFunction) };
}
