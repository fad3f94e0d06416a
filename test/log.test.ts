// -l console lines: one line per event, subject fields first.
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
});
