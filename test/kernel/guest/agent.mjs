// The control agent inside the kernel-tier guest (run by guest/init with the
// host's node, chrooted into the host root). It talks to test/kernel/vm.ts
// over the virtio-serial port named "kts.ctl", one JSON object per line:
//
//   host -> guest  { id, op: 'run', argv, cwd?, env?, input?, timeoutMs? }
//                  { id, op: 'spawn', argv, cwd?, env? }      a background process
//                  { id, op: 'status', pid }                  how it is doing, its output so far
//                  { id, op: 'kill', pid, signal? }
//                  { id, op: 'poweroff' }
//   guest -> host  { hello: { node, kernel, uptime } }        once, when ready
//                  { id, ...result }                         one answer per request
//
// Only processes the agent started are ever signalled (by pid).
import { closeSync, openSync, readdirSync, readFileSync, read, write } from 'node:fs';
import { release, uptime } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { processStatus, runProcess, startProcess } from './processes.mjs';

const PORT_NAME = 'kts.ctl';

function findPort() {
  for (const dev of readdirSync('/sys/class/virtio-ports')) {
    const name = readFileSync(`/sys/class/virtio-ports/${dev}/name`, 'utf8').trim();
    if (name === PORT_NAME) return `/dev/${dev}`;
  }
  throw new Error(`no virtio-serial port named ${PORT_NAME}`);
}

const fd = openSync(findPort(), 'r+');

// Writes go out one after another (a line must never interleave with another).
let writing = Promise.resolve();
function send(message) {
  const buf = Buffer.from(`${JSON.stringify(message)}\n`);
  writing = writing.then(
    () =>
      new Promise((resolve) => {
        const writeFrom = (offset) =>
          write(fd, buf, offset, buf.length - offset, null, (err, n) => {
            if (err) {
              process.stderr.write(`agent: write failed: ${err.message}\n`);
              resolve();
            } else if (offset + n < buf.length) writeFrom(offset + n);
            else resolve();
          });
        writeFrom(0);
      }),
  );
  return writing;
}

const background = new Map();

function statusOf(pid) {
  const proc = background.get(pid);
  if (!proc) return { error: `no process ${pid} started by the agent` };
  return processStatus(proc);
}

async function handle(req) {
  switch (req.op) {
    case 'run':
      return runProcess(req.argv, req);
    case 'spawn': {
      const proc = startProcess(req.argv, req);
      proc.child.stdin.end();
      if (proc.child.pid === undefined) {
        await proc.closed;
        return { error: proc.error ?? 'could not start' };
      }
      background.set(proc.child.pid, proc);
      return { pid: proc.child.pid };
    }
    case 'status':
      return statusOf(req.pid);
    case 'kill': {
      const proc = background.get(req.pid);
      if (!proc) return { error: `no process ${req.pid} started by the agent` };
      if (!proc.done) proc.child.kill(req.signal ?? 'SIGTERM');
      return { ok: true };
    }
    case 'poweroff':
      for (const proc of background.values()) if (!proc.done) proc.child.kill('SIGKILL');
      return { ok: true, poweroff: true };
    default:
      return { error: `unknown op ${String(req.op)}` };
  }
}

function onLine(line) {
  if (line.trim() === '') return;
  let req;
  try {
    req = JSON.parse(line);
  } catch (err) {
    send({ error: `bad request line: ${err.message}` });
    return;
  }
  handle(req).then(
    // process.exit() would wait for the threadpool read blocked on the port: the
    // agent ends by SIGKILL, and init powers the guest off.
    (result) => send({ id: req.id, ...result }).then(() => result.poweroff && process.kill(process.pid, 'SIGKILL')),
    (err) => send({ id: req.id, error: String(err?.stack ?? err) }),
  );
}

// The port reads 0 bytes until the host end is connected: poll, do not stop.
let pending = '';
let heardFromHost = false;
const decoder = new StringDecoder('utf8');
const chunk = Buffer.alloc(65536);
function readLoop() {
  read(fd, chunk, 0, chunk.length, null, (err, n) => {
    if (err) {
      process.stderr.write(`agent: read failed: ${err.message}\n`);
      closeSync(fd);
      process.exit(3);
    }
    if (n === 0) {
      // Nothing yet: the host has not connected. After a request: the host has
      // gone (its test process died), so power off rather than idle forever.
      if (heardFromHost) process.kill(process.pid, 'SIGKILL');
      setTimeout(readLoop, 50);
      return;
    }
    heardFromHost = true;
    pending += decoder.write(chunk.subarray(0, n));
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      onLine(line);
    }
    readLoop();
  });
}

send({ hello: { node: process.version, kernel: release(), uptime: uptime() } });
readLoop();
