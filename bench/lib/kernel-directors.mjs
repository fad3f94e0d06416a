// The two directors bench/kernel-checks.mjs runs in the guest, one after the
// other on the same config: how each is started (the same flags: -n -l -D
// -C, private pid files) and how to read its console lines: which real
// server a line declares down or up. Real server ids are `address:vsPort`
// (bench/lib/checks-layout.mjs).
import { realServers } from './checks-layout.mjs';

/** Lines of keepalived 2.2.7's checker: '[address]:tcp:port' is how it names an endpoint. */
const KEEPALIVED = {
  checkFailed: /TCP connection to \[([\d.]+)\]:tcp:(\d+) failed/,
  removing: /Removing service \[([\d.]+)\]:tcp:(\d+) from VS/,
  adding: /Adding service \[([\d.]+)\]:tcp:(\d+) to VS/,
};

/** keepalived-ts -l: `HH:MM:SS.mmm LEVEL checker[pid] (vs=... rs=address:port) message key=value...` (UTC). */
const OURS = {
  time: /^(\d\d):(\d\d):(\d\d)\.(\d{3}) /,
  down: /\brs=([\d.]+:\d+)\) real server down\b/,
  up: /\brs=([\d.]+:\d+)\) real server up\b/,
  updated: /\bIPVS table updated\b.*\boperations=(\d+)/,
};

/**
 * @param {{ projectDir: string, node: string, ipvsadm: string, count: number, portBase: number }} where
 *   projectDir: the transpiled project in the guest (Vm.projectDir); ipvsadm: ours' counting wrapper
 */
export function directors({ projectDir, node, ipvsadm, count, portBase }) {
  // keepalived names a failed check by the checked endpoint (connect_port), not the real server.
  const rsOfCheck = new Map(realServers(count, portBase).map((rs) => [`${rs.address}:${rs.checkPort}`, rs.id]));
  const pidFlags = (run) => ['-p', `${run}/parent.pid`, '-r', `${run}/vrrp.pid`, '-c', `${run}/checker.pid`];
  return [
    {
      key: 'keepalived',
      label: 'keepalived 2.2.7',
      argv: (conf, run) => ['keepalived', '-n', '-l', '-D', '-C', '-f', conf, ...pidFlags(run)],
      /** The real server a line gives a down verdict on: the failed check, or the removal (whichever is logged first). */
      down: (line) => {
        const failed = KEEPALIVED.checkFailed.exec(line);
        if (failed) return rsOfCheck.get(`${failed[1]}:${failed[2]}`);
        const removing = KEEPALIVED.removing.exec(line);
        return removing ? `${removing[1]}:${removing[2]}` : undefined;
      },
      up: (line) => {
        const m = KEEPALIVED.adding.exec(line);
        return m ? `${m[1]}:${m[2]}` : undefined;
      },
      operations: () => undefined,
      // Its console lines carry whole seconds: the time the runner read them is the best there is.
      lineTime: (l) => l.t,
      countsIpvsadm: false,
    },
    {
      key: 'ours',
      label: 'keepalived-ts',
      argv: (conf, run) => [node, `${projectDir}/bin/keepalived-ts.js`, '-n', '-l', '-D', '-C', '-f', conf, ...pidFlags(run), '--ipvsadm', ipvsadm],
      down: (line) => OURS.down.exec(line)?.[1],
      up: (line) => OURS.up.exec(line)?.[1],
      /** The operations of one IPVS update, from its log line. */
      operations: (line) => {
        const m = OURS.updated.exec(line);
        return m ? Number(m[1]) : undefined;
      },
      // Its own millisecond time: the runner may read a burst of lines late when the vCPU is busy.
      lineTime: (l) => l.t - stampLag(l),
      countsIpvsadm: true,
    },
  ];
}

/**
 * How much later the guest runner stamped one of our lines ({ t, line })
 * than the line's own time of day (ms, UTC); NaN for a line without one.
 */
export function stampLag({ t, line }) {
  const m = OURS.time.exec(line);
  if (!m) return NaN;
  const own = ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]);
  const day = 86_400_000;
  return ((((t % day) - own) % day) + day + day / 2) % day - day / 2;
}

/** The first down verdict per real server among `logs` ({ t, line }), by `director.down`, at the line's time. */
export function firstVerdicts(director, logs) {
  const at = new Map();
  for (const l of logs) {
    const rs = director.down(l.line);
    if (rs !== undefined && !at.has(rs)) at.set(rs, director.lineTime(l));
  }
  return at;
}
