// The emulated kernel table lives in a JSON file (IPVSADM_EMULATOR_STATE),
// so that separate ipvsadm processes see one table. A lock file (holding the
// owner's pid, so the lock of a killed run can be taken over) makes each
// invocation one transaction; the file is replaced atomically.
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { emptyTable } from './kernel.mjs';

const LOCK_WAIT_MS = 10_000;

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function holderIsGone(lockPath) {
  const pid = Number(readFileSync(lockPath, 'utf8'));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err.code === 'ESRCH';
  }
}

export function lock(path) {
  const lockPath = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => unlinkSync(lockPath);
    } catch (err) {
      if (err.code !== 'EEXIST' || Date.now() > deadline) throw err;
      try {
        if (holderIsGone(lockPath)) unlinkSync(lockPath);
      } catch {
        // The holder finished meanwhile; try again.
      }
      sleep(5);
    }
  }
}

export function loadTable(path) {
  if (!existsSync(path)) return emptyTable();
  const text = readFileSync(path, 'utf8');
  return text.trim() === '' ? emptyTable() : JSON.parse(text);
}

export function saveTable(path, table) {
  saveTableText(path, JSON.stringify(table));
}

/** saveTable with the table's JSON already made. */
export function saveTableText(path, json) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, json + '\n');
  renameSync(tmp, path);
}
