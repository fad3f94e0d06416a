// process_options and restore_table of ipvsadm 1.31: checks that need the
// whole command (zero port, one-packet, address families, tunnel options),
// then one request to the kernel model, whose errno is printed the way
// ipvs_strerror words it for that request. -R runs every line of stdin as
// a command: a kernel error is printed and the next line runs (the exit
// status is the last line's), an argument error ends the whole batch.
import { Exit, fail, tryHelp } from './exit.mjs';
import { E } from './kernel.mjs';
import { listAll, listConnections, listService, listTimeouts } from './listing.mjs';
import { CMD, DEF_SCHED, FMT, FWD, OPT, PROTO, SVC_F, genericOptCheck, parseOptions, tunnelOptCheck } from './options.mjs';

const MESSAGES = {
  [CMD.ADD]: { [E.EEXIST]: 'Service already exists', [E.ENOENT]: 'Scheduler or persistence engine not found' },
  [CMD.EDIT]: { [E.ESRCH]: 'No such service', [E.ENOENT]: 'Scheduler or persistence engine not found' },
  [CMD.DEL]: { [E.ESRCH]: 'No such service' },
  [CMD.ZERO]: { [E.ESRCH]: 'No such service' },
  [CMD.ADDDEST]: { [E.ESRCH]: 'Service not defined', [E.EEXIST]: 'Destination already exists' },
  [CMD.EDITDEST]: { [E.ESRCH]: 'Service not defined', [E.ENOENT]: 'No such destination' },
  [CMD.DELDEST]: { [E.ESRCH]: 'Service not defined', [E.ENOENT]: 'No such destination' },
  [CMD.STOPDAEMON]: { [E.ESRCH]: 'No daemon is running' },
};
/** Messages for any request (ipvs_strerror's generic rows, then strerror). */
const GENERIC = {
  [E.EINVAL]: 'Invalid operation.  Possibly wrong module version, address not unicast, ...',
  [E.ERANGE]: 'Numerical result out of range',
  [E.ENODEV]: 'No such device',
  [E.ENOENT]: 'No such file or directory',
  [E.ESRCH]: 'No such process',
  [E.EEXIST]: 'File exists',
};

function strerror(cmd, errno) {
  return MESSAGES[cmd]?.[errno] ?? GENERIC[errno];
}

/**
 * Runs one ipvsadm command line against the kernel model.
 * @param {{ program: string, kernel: import('./kernel.mjs').Kernel, out: { stdout: string[], stderr: string[] }, readStdin: () => string }} io
 * @returns {number} the command's result (0, or -1 for a kernel error); exits throw Exit.
 */
export function processOptions(args, readingStdin, io) {
  const { kernel, out } = io;
  const parsed = parseOptions(io.program, args, out);
  if ('failed' in parsed) return -1;
  if ('exit' in parsed) throw new Exit(parsed.exit);
  const { ce, options, format: baseFormat } = parsed;
  let format = baseFormat;
  genericOptCheck(ce.cmd, options);

  if (ce.cmd === CMD.ADD || ce.cmd === CMD.EDIT) {
    if (!ce.svc.fwmark && !ce.svc.port && !(ce.svc.flags & SVC_F.PERSISTENT)) fail(2, 'Zero port specified for non-persistent service');
    if (ce.svc.flags & SVC_F.ONEPACKET && !ce.svc.fwmark && ce.svc.protocol !== PROTO.UDP) fail(2, 'One-Packet Scheduling is only for UDP virtual services');
    if (ce.svc.sched === '') ce.svc.sched = DEF_SCHED;
  }
  if (ce.cmd === CMD.ADDDEST || ce.cmd === CMD.EDITDEST) {
    // DR and TUN cannot change the port: the destination takes the service's.
    if (!ce.svc.fwmark && (ce.dest.fwd === FWD.TUNNEL || ce.dest.fwd === FWD.DROUTE)) ce.dest.port = ce.svc.port;
    if (ce.dest.af !== ce.svc.af && ce.dest.fwd !== FWD.TUNNEL) fail(2, 'Different address family is allowed only for tunneling servers');
    const tunnelOptions = ['tun-type', 'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'].some((n) => options.has(OPT[n]));
    if (tunnelOptions && ce.dest.fwd !== FWD.TUNNEL) fail(2, 'Tunnel options conflict with forward method');
    tunnelOptCheck(ce.dest.tunType, options);
  }

  let errno;
  switch (ce.cmd) {
    case CMD.LIST: {
      const has = (n) => options.has(OPT[n]);
      if (((has('connection') || has('timeout') || has('daemon')) && (has('stats') || has('rate') || has('thresholds'))) || ((has('timeout') || has('daemon')) && has('persistent-conn'))) {
        fail(2, 'options conflicts in the list command');
      }
      if (has('connection')) out.stdout.push(listConnections(format));
      else if (has('service-address')) {
        const service = kernel.findService(ce.svc);
        if (!service) throw new Exit(1, 'No such service\n');
        out.stdout.push(listService(service, format));
      } else if (has('timeout')) out.stdout.push(listTimeouts(kernel.table.timeouts));
      else if (has('daemon')) {
        // No sync daemon ever runs here: nothing to list.
      } else out.stdout.push(listAll(kernel.table, format));
      return 0;
    }
    case CMD.RESTORE:
      return restoreTable(readingStdin, io);
    case CMD.SAVE:
      format |= FMT.RULE;
      out.stdout.push(listAll(kernel.table, format));
      return 0;
    case CMD.FLUSH:
      errno = kernel.flush();
      break;
    case CMD.ADD:
      errno = kernel.addService(ce.svc);
      break;
    case CMD.EDIT:
      errno = kernel.editService(ce.svc);
      break;
    case CMD.DEL:
      errno = kernel.deleteService(ce.svc);
      break;
    case CMD.ZERO:
      errno = kernel.zeroService(ce.svc);
      break;
    case CMD.ADDDEST:
      errno = kernel.addDest(ce.svc, ce.dest);
      break;
    case CMD.EDITDEST:
      errno = kernel.editDest(ce.svc, ce.dest);
      break;
    case CMD.DELDEST:
      errno = kernel.deleteDest(ce.svc, ce.dest);
      break;
    case CMD.TIMEOUT:
      errno = kernel.setTimeouts(ce.timeout);
      break;
    case CMD.STARTDAEMON:
      errno = kernel.startDaemon(ce.daemon);
      break;
    case CMD.STOPDAEMON:
      errno = kernel.stopDaemon(ce.daemon);
      break;
  }
  if (errno === undefined) return 0;
  out.stderr.push(`${strerror(ce.cmd, errno)}\n`);
  return -1;
}

/** config_stream_read: words split on blanks; the word "ipvsadm" is dropped anywhere. */
function restoreLines(text) {
  return text
    .split('\n')
    .map((line) => line.split(/[ \t\r]+/).filter((w) => w !== '' && w !== 'ipvsadm'))
    .filter((words) => words.length > 0);
}

function restoreTable(readingStdin, io) {
  if (readingStdin) tryHelp(io.program);
  let result = 0;
  for (const words of restoreLines(io.readStdin())) result = processOptions(words, true, io);
  return result;
}
