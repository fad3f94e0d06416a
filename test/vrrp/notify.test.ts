// Notify scripts and FIFO lines: the plan for each event (pure), then real
// scripts in a temp dir run in order, one at a time, with a timeout, and the
// FIFO read back.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Notifier, fifoLine, notifyFifos, planNotification, type NotifyResult } from '../../src/vrrp/notify.js';
import { createGlobalDefs } from '../../src/config/model/global.js';
import type { Script } from '../../src/config/schema/types.js';
import { fakeHost, readText } from '../helpers/config.js';

const loc = { file: 't', line: 1, col: 1 };
const script = (keyword: string, command: string): Script => ({ command, argv: command.split(' '), loc, keyword });

describe('notify plan (keepalived vrrp_notify.c)', () => {
  const scripts = { master: script('notify_master', '/m.sh a'), generic: script('notify', '/n.sh'), masterRxLowerPri: script('notify_master_rx_lower_pri', '/rx.sh') };

  it('FIFO lines are TYPE "NAME" STATE PRIORITY', () => {
    expect(fifoLine('INSTANCE', 'VI_1', 'MASTER', 100)).toBe('INSTANCE "VI_1" MASTER 100\n');
    expect(fifoLine('GROUP', 'G 1', 'FAULT', 0)).toBe('GROUP "G 1" FAULT 0\n');
  });

  it('a state change: the state script as configured, then notify with TYPE NAME STATE PRIORITY, and the FIFO line', () => {
    const p = planNotification({ type: 'state', instance: 'VI_1', state: 'MASTER', priority: 150 }, scripts, { priority: 100 });
    expect(p.jobs.map((j) => j.argv)).toEqual([['/m.sh', 'a'], ['/n.sh', 'INSTANCE', 'VI_1', 'MASTER', '150']]);
    expect(p.fifo).toBe('INSTANCE "VI_1" MASTER 150\n');
  });

  it('a state without its own script runs only the generic one', () => {
    const p = planNotification({ type: 'state', instance: 'VI_1', state: 'STOP', priority: 100 }, scripts, { priority: 100 });
    expect(p.jobs.map((j) => j.keyword)).toEqual(['notify']);
    expect(p.fifo).toBe('INSTANCE "VI_1" STOP 100\n');
  });

  it('groups: priority 0 and TYPE GROUP', () => {
    const p = planNotification({ type: 'group-state', group: 'G', state: 'BACKUP' }, { generic: script('notify', '/n.sh') }, { priority: 0 });
    expect(p.jobs[0].argv).toEqual(['/n.sh', 'GROUP', 'G', 'BACKUP', '0']);
    expect(p.fifo).toBe('GROUP "G" BACKUP 0\n');
  });

  it('priority changes: MASTER_PRIORITY while master, BACKUP_PRIORITY otherwise; no script', () => {
    const ev = { type: 'priority' as const, instance: 'VI_1', priority: 90 };
    expect(planNotification(ev, scripts, { state: 'MASTER', priority: 100 })).toMatchObject({ jobs: [], fifo: 'INSTANCE "VI_1" MASTER_PRIORITY 90\n' });
    expect(planNotification(ev, scripts, { state: 'FAULT', priority: 100 }).fifo).toBe('INSTANCE "VI_1" BACKUP_PRIORITY 90\n');
  });

  it('a lower-priority master heard: notify_master_rx_lower_pri without arguments, our own priority on the FIFO', () => {
    const p = planNotification({ type: 'master-rx-lower-pri', instance: 'VI_1', source: '198.51.100.2', priority: 50 }, scripts, { state: 'MASTER', priority: 120 });
    expect(p.jobs.map((j) => j.argv)).toEqual([['/rx.sh']]);
    expect(p.fifo).toBe('INSTANCE "VI_1" MASTER_RX_LOWER_PRI 120\n');
  });

  it('notifyFifos takes notify_fifo and vrrp_notify_fifo from global_defs', () => {
    const g = createGlobalDefs(loc);
    g.notifyFifos.all = { path: '/run/all.fifo', script: script('notify_fifo_script', '/r.sh') };
    g.notifyFifos.vrrp = { path: '/run/vrrp.fifo' };
    expect(notifyFifos(g, { runSharedScript: false })).toEqual([{ path: '/run/all.fifo' }, { path: '/run/vrrp.fifo' }]);
    expect(notifyFifos(g)[0].script?.command).toBe('/r.sh');
  });
});

describe('Notifier with real scripts and a FIFO', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-notify-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const log = join(dir, 'calls.log');
  // Appends "start ARGS" and "end ARGS" around a short sleep: overlapping runs would interleave.
  const recorder = join(dir, 'record.sh');
  writeFileSync(recorder, `#!/bin/sh\necho "start $*" >> ${log}\nsleep 0.1\necho "end $*" >> ${log}\nexit 3\n`);
  chmodSync(recorder, 0o755);
  const hang = join(dir, 'hang.sh');
  writeFileSync(hang, '#!/bin/sh\nsleep 30\n');
  chmodSync(hang, 0o755);

  function vrrpOf() {
    const { config } = readText(
      `
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  notify_master "${recorder} master"
  notify_backup "${hang}"
  notify ${recorder}
  virtual_ipaddress { 198.51.100.1 }
}
vrrp_sync_group G {
  group {
    VI_1
  }
  notify_fault "${recorder} group-fault"
}`,
      fakeHost({ files: { [recorder]: {}, [hang]: {} } }),
    );
    return config.vrrp;
  }

  it('runs scripts in order, one at a time; a hung script is killed at the timeout; exit codes are reported; FIFO lines read back', async () => {
    const fifo = join(dir, 'notify.fifo');
    const results: NotifyResult[] = [];
    const n = new Notifier({ vrrp: vrrpOf(), fifos: [{ path: fifo }], timeoutMs: 500, onResult: (r) => results.push(r) });
    await n.open();
    expect(statSync(fifo).isFIFO()).toBe(true);
    // Read the FIFO back with a separate reader process.
    const cat = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    let read = '';
    cat.stdout.on('data', (b: Buffer) => (read += b.toString()));
    try {
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      void n.deliver({ type: 'state', instance: 'VI_1', state: 'BACKUP', priority: 100 });
      void n.deliver({ type: 'state', instance: 'VI_1', state: 'MASTER', priority: 100 });
      void n.deliver({ type: 'priority', instance: 'VI_1', priority: 90 });
      void n.deliver({ type: 'group-state', group: 'G', state: 'FAULT' });
      await n.idle();
      // The hung notify_backup held the queue until its timeout (500 ms), then the rest ran.
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
        'start INSTANCE VI_1 BACKUP 100',
        'end INSTANCE VI_1 BACKUP 100',
        'start master',
        'end master',
        'start INSTANCE VI_1 MASTER 100',
        'end INSTANCE VI_1 MASTER 100',
        'start group-fault',
        'end group-fault',
      ]);
      expect(results.map((r) => `${r.keyword}:${r.timedOut ? 'timeout' : r.exitCode}`)).toEqual([
        'notify_backup:timeout',
        'notify:3',
        'notify_master:3',
        'notify:3',
        'notify_fault:3',
      ]);
      const until = Date.now() + 3000;
      while (read.split('\n').length < 5 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(read).toBe('INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MASTER 100\nINSTANCE "VI_1" MASTER_PRIORITY 90\nGROUP "G" FAULT 0\n');
    } finally {
      cat.kill('SIGKILL');
      await n.close();
    }
    // We created the FIFO, so close() removed it.
    expect(existsSync(fifo)).toBe(false);
  }, 20_000);

  it('starts notify_fifo_script with the FIFO path and stops it on close; lines written without a reader are not fatal', async () => {
    const fifo = join(dir, 'reader.fifo');
    const out = join(dir, 'reader.out');
    const reader = join(dir, 'reader.sh');
    writeFileSync(reader, `#!/bin/sh\nwhile read -r line; do echo "got $line" >> ${out}; done < "$1"\n`);
    chmodSync(reader, 0o755);
    const n = new Notifier({ vrrp: { instances: [], syncGroups: [] }, fifos: [{ path: fifo, script: script('notify_fifo_script', reader) }] });
    await n.open();
    try {
      await n.deliver({ type: 'state', instance: 'X', state: 'FAULT', priority: 7 });
      const until = Date.now() + 3000;
      while (!(existsSync(out) && readFileSync(out, 'utf8').includes('FAULT')) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(readFileSync(out, 'utf8')).toBe('got INSTANCE "X" FAULT 7\n');
    } finally {
      await n.close();
    }
    expect(n.lostFifoLines).toBe(0);
  }, 20_000);
});
