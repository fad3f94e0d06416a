// -l console lines: one line per event, subject fields first; a log reader
// that stops reading neither blocks the process nor goes unreported.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLog, humanLine } from '../src/log.js';

describe('log', () => {
  it('JSON lines carry the process role and the subject fields', () => {
    const lines: string[] = [];
    const log = createLog({ process: 'vrrp', destination: { write: (l: string) => void lines.push(l) } });
    log.child({ instance: 'VI_1' }).info({ from: 'backup', to: 'master' }, 'Entering MASTER STATE');
    const rec = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 30, process: 'vrrp', instance: 'VI_1', from: 'backup', to: 'master', msg: 'Entering MASTER STATE' });
    expect(typeof rec.time).toBe('number');
  });

  it('-D adds debug events', () => {
    const lines: string[] = [];
    const destination = { write: (l: string) => void lines.push(l) };
    createLog({ destination }).debug('hidden');
    createLog({ destination, detail: true }).debug('shown');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['shown']);
  });

  it('human-readable line: time, level, process[pid], (subject), message, other fields', () => {
    const line = humanLine(JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12, 0, 0, 5), pid: 7, process: 'checker', vs: 'tcp 198.51.100.180:80', rs: '198.51.100.21:80', msg: 'real server down', reason: 'connection refused' }));
    expect(line).toBe('12:00:00.005 WARN  checker[7] (vs="tcp 198.51.100.180:80" rs=198.51.100.21:80) real server down reason="connection refused"');
  });

  it('a line that is not JSON is passed through', () => {
    expect(humanLine('plain text\n')).toBe('plain text');
  });

  it('a reader that stops reading: lines beyond the buffer are dropped, the process is never blocked, and the loss is reported once the reader is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-log-'));
    const out = join(dir, 'out');
    // The pipe's reader starts reading only after 1.5 s: until then the pipe (64 KiB) is full.
    const reader = spawn('sh', ['-c', `sleep 1.5; exec cat > ${out}`], { stdio: ['pipe', 'ignore', 'inherit'] });
    try {
      const fd = (reader.stdin as unknown as Socket & { _handle: { fd: number } })._handle.fd;
      const log = createLog({ fd, maxBufferedBytes: 256 * 1024 });
      const filler = 'x'.repeat(200);
      const started = performance.now();
      for (let i = 0; i < 5000; i++) log.info({ i, filler }, 'line');
      const writingMs = performance.now() - started;
      // ~1.3 MB of lines into a full pipe: the loop goes on at once.
      const timerLateMs = await new Promise<number>((resolve) => {
        const at = performance.now();
        setTimeout(() => resolve(performance.now() - at - 10), 10);
      });
      expect(writingMs).toBeLessThan(1500);
      expect(timerLateMs).toBeLessThan(500);

      await new Promise((r) => setTimeout(r, 3000));
      reader.stdin!.end();
      await new Promise((r) => reader.once('exit', r));
      const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { msg: string; i?: number; dropped?: number });
      const kept = lines.filter((l) => l.msg === 'line');
      const report = lines.find((l) => l.msg.startsWith('log lines dropped'));
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(5000);
      // Kept lines are whole and in order: the first ones, up to the buffer's size.
      expect(kept.map((l) => l.i)).toEqual([...Array(kept.length).keys()]);
      expect(report?.dropped).toBe(5000 - kept.length);
    } finally {
      reader.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
