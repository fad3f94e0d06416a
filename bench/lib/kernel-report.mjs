// The table bench/kernel-checks.mjs prints: per size, keepalived 2.2.7 and
// keepalived-ts side by side, and ours as a multiple of keepalived's where
// a figure compares.

const REMOVAL_TARGET_MS = 100;

const f0 = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const ms = (s) => (s?.n ? `${f0(s.median)} / ${f0(s.p95)} / ${f0(s.max)}` : '-');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '-');
const list = (a) => (a?.length ? (a.length <= 6 ? a.join('+') : `${a.length} updates: ${a.slice(0, 4).join('+')}+...`) : '-');

/** Rows of [label, value(result) for display, number(result) for the ratio]. */
const ROWS = [
  ['start: spawn -> all in table (ms)', (r) => f0(r.startMs), (r) => r.startMs],
  ['checks/s (accepted by the listeners)', (r) => f0(r.steady?.checksPerS), (r) => r.steady?.checksPerS],
  ['checker CPU (% of a vCPU)', (r) => f1(r.steady?.checkerCpuPct), (r) => r.steady?.checkerCpuPct],
  ['  per 1,000 checks/s', (r) => f1(r.steady?.cpuPerThousand), (r) => r.steady?.cpuPerThousand],
  ["  its ipvsadm children's CPU (%)", (r) => f1(r.steady?.checkerChildrenCpuPct), () => NaN],
  ['parent CPU (%)', (r) => f1(r.steady?.parentCpuPct), (r) => r.steady?.parentCpuPct],
  ['checker RSS once all in table (MB)', (r) => f0(r.startMemory?.rss), (r) => r.startMemory?.rss],
  ['checker RSS / peak in the window (MB)', (r) => `${f0(r.steady?.rss)} / ${f0(r.steady?.peak)}`, (r) => r.steady?.peak],
  ['parent RSS (MB)', (r) => f0(r.steady?.parentRss), (r) => r.steady?.parentRss],
  ['false downs in the window', (r) => f0(r.steady?.falseDowns), () => NaN],
  ['host load average (window start / end)', (r) => (r.steady ? r.steady.load.map((x) => x.toFixed(2)).join(' / ') : '-'), () => NaN],
  ['failed at once (listeners closed)', (r) => f0(r.failure?.servers), () => NaN],
  ['  removed / with a verdict line', (r) => (r.failure ? `${r.failure.removed} / ${r.failure.verdicts}` : '-'), () => NaN],
  ["  lines read late by the runner (ours' own ms time)", (r) => ms(r.failure?.stampLag), () => NaN],
  ['failure -> verdict ms (med/p95/max)', (r) => ms(r.failure?.failToVerdict), (r) => r.failure?.failToVerdict?.median],
  [`verdict -> gone ms (med/p95/max), target ${REMOVAL_TARGET_MS}`, (r) => ms(r.failure?.verdictToGone), (r) => r.failure?.verdictToGone?.median],
  ['  verdict -> its -R run gets the batch', (r) => ms(r.failure?.ipvsadm?.path.toBatch), () => NaN],
  ['    waiting for an ipvsadm run going', (r) => ms(r.failure?.ipvsadm?.path.queued), () => NaN],
  ['    daemon: pass (+ spawn if no -R waits)', (r) => ms(r.failure?.ipvsadm?.path.daemon), () => NaN],
  ['  batch -> gone (the -R run: ipvsadm, kernel)', (r) => ms(r.failure?.ipvsadm?.path.batch), () => NaN],
  ['failure -> gone ms (med/p95/max)', (r) => ms(r.failure?.failToGone), (r) => r.failure?.failToGone?.median],
  ['  ipvsadm processes: -Sn / -R / all', (r) => (r.failure?.ipvsadm ? `${r.failure.ipvsadm.reads} / ${r.failure.ipvsadm.batches} / ${r.failure.ipvsadm.processes}` : '-'), () => NaN],
  ['  ipvsadm run ms (med/p95/max)', (r) => ms(r.failure?.ipvsadm?.runMs), () => NaN],
  ['  operations per update', (r) => list(r.failure?.ipvsadm?.operations), () => NaN],
  ['  other servers declared down', (r) => f0(r.failure?.otherDowns), () => NaN],
  ['listeners back -> in table ms (med/max)', (r) => (r.back?.openToBack?.n ? `${f0(r.back.openToBack.median)} / ${f0(r.back.openToBack.max)}` : '-'), (r) => r.back?.openToBack?.median],
  ['reload: weights changed', (r) => (r.reload ? `${r.reload.changed} of ${r.reload.entries}` : '-'), () => NaN],
  ['  HUP -> first / last in table (ms)', (r) => (r.reload ? `${f0(r.reload.hupToFirstMs)} / ${f0(r.reload.hupToTableMs)}` : '-'), (r) => r.reload?.hupToTableMs],
  ['  ipvsadm processes: -Sn / -R / all', (r) => (r.reload?.ipvsadm ? `${r.reload.ipvsadm.reads} / ${r.reload.ipvsadm.batches} / ${r.reload.ipvsadm.processes}` : '-'), () => NaN],
  ['  operations per update', (r) => list(r.reload?.ipvsadm?.operations), () => NaN],
  ['  real servers declared down meanwhile', (r) => f0(r.reload?.falseDowns), () => NaN],
  ['checker RSS / peak at the end (MB)', (r) => (r.endMemory ? `${f0(r.endMemory.rss)} / ${f0(r.endMemory.peak)}` : '-'), (r) => r.endMemory?.peak],
  ['stop: SIGTERM -> table empty / exit (ms)', (r) => (r.stop ? `${f0(r.stop.emptyMs)} / ${f0(r.stop.exitMs)}` : '-'), (r) => r.stop?.emptyMs],
  ['  entries left / ipvsadm processes', (r) => (r.stop ? `${r.stop.entriesLeft} / ${r.stop.ipvsadmProcesses ?? '-'}` : '-'), () => NaN],
  ['guest table read ms (med/p95/max)', (r) => ms(r.tableReadMs), () => NaN],
];

/** One table per size, from bench/kernel-checks.mjs's results. */
export function printTable(results, sizes) {
  for (const count of sizes) {
    const theirs = results.find((r) => r.director === 'keepalived' && r.count === count);
    const ours = results.find((r) => r.director === 'ours' && r.count === count);
    const header = [`${f0(count)} real servers, TCP_CHECK`, 'keepalived 2.2.7', 'keepalived-ts', 'ours / keepalived'];
    const rows = ROWS.map(([label, show, num]) => [label, theirs ? show(theirs) : '-', ours ? show(ours) : '-', theirs && ours ? ratio(num(ours), num(theirs)) : '']);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
    const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
    console.log(`\n${line(header)}`);
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const r of rows) console.log(line(r));
  }
}

