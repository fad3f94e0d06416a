// track_process matching (keepalived's read_procs / check_params) and the /proc reader.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createTrackProcess } from '../../../src/config/model/vrrp.js';
import { parseCmdline, parseStat, scanProcesses } from '../../../src/vrrp/trackers/proc-scan.js';
import { countProcesses, hasQuorum, processMatcher, processMatches, type ProcessEntry } from '../../../src/vrrp/trackers/process-match.js';

const loc = { file: 't', line: 1, col: 1 };

function tp(process: string, extra: Partial<ReturnType<typeof createTrackProcess>> = {}) {
  return { ...createTrackProcess('p', loc), process, ...extra };
}

function proc(comm: string, argv: string[], zombie = false): ProcessEntry {
  return { pid: 1, comm, argv, zombie };
}

describe('process matching', () => {
  it('a bare name is compared with comm, not argv[0]', () => {
    const m = processMatcher(tp('nginx'));
    expect(m.fullCommand).toBe(false);
    expect(processMatches(m, proc('nginx', ['/usr/sbin/nginx', '-g', 'daemon off;']))).toBe(true);
    expect(processMatches(m, proc('nginx: worker', ['nginx']))).toBe(false);
    expect(processMatches(m, proc('nginx', [], true))).toBe(false);
  });

  it('full_command compares argv[0] exactly', () => {
    const m = processMatcher(tp('/usr/sbin/nginx', { fullCommand: true }));
    expect(processMatches(m, proc('nginx', ['/usr/sbin/nginx', '-x']))).toBe(true);
    expect(processMatches(m, proc('nginx', ['nginx']))).toBe(false);
  });

  it('parameters given: an exact match of all of them by default', () => {
    const m = processMatcher(tp('/bin/sleep 100'));
    expect(m.mode).toBe('exact');
    expect(processMatches(m, proc('sleep', ['/bin/sleep', '100']))).toBe(true);
    expect(processMatches(m, proc('sleep', ['/bin/sleep', '1000']))).toBe(false);
    expect(processMatches(m, proc('sleep', ['/bin/sleep', '100', 'x']))).toBe(false);
    expect(processMatches(m, proc('sleep', ['/bin/sleep']))).toBe(false);
  });

  it('param_match partial: the configured parameters are the first whole parameters', () => {
    const m = processMatcher(tp('/bin/app -c conf', { paramMatch: 'partial' }));
    expect(processMatches(m, proc('app', ['/bin/app', '-c', 'conf', '-v']))).toBe(true);
    expect(processMatches(m, proc('app', ['/bin/app', '-c', 'conf']))).toBe(true);
    expect(processMatches(m, proc('app', ['/bin/app', '-c', 'config']))).toBe(false);
  });

  it('param_match initial: the last configured parameter may be a prefix', () => {
    const m = processMatcher(tp('/bin/app -c conf', { paramMatch: 'initial' }));
    expect(processMatches(m, proc('app', ['/bin/app', '-c', 'config']))).toBe(true);
    expect(processMatches(m, proc('app', ['/bin/app', '-c', 'conf', '-v']))).toBe(true);
    expect(processMatches(m, proc('app', ['/bin/app', '-x', 'conf']))).toBe(false);
  });

  it('exact with no parameters wants a process with none', () => {
    const m = { ...processMatcher(tp('/bin/app', { fullCommand: true })), mode: 'exact' as const };
    expect(processMatches(m, proc('app', ['/bin/app']))).toBe(true);
    expect(processMatches(m, proc('app', ['/bin/app', '-v']))).toBe(false);
  });

  it('quorum and quorum_max bound the count', () => {
    const m = processMatcher(tp('w', { quorum: 2, quorumMax: 3 }));
    const table = [proc('w', []), proc('w', []), proc('x', [])];
    expect(countProcesses(m, table)).toBe(2);
    expect([1, 2, 3, 4].map((n) => hasQuorum(m, n))).toEqual([false, true, true, false]);
    expect(hasQuorum(processMatcher(tp('w')), 1000)).toBe(true);
  });
});

describe('/proc reading', () => {
  it('parses stat with spaces and parentheses in the name, and cmdline', () => {
    expect(parseStat('42 (my (odd) name) Z 1 2 3')).toEqual({ comm: 'my (odd) name', state: 'Z' });
    expect(parseCmdline(Buffer.from('/bin/sleep\u000030\u0000'))).toEqual(['/bin/sleep', '30']);
    expect(parseCmdline(Buffer.alloc(0))).toEqual([]);
  });

  it('finds a process we started, by comm and by its full command line', async () => {
    const marker = `${process.pid}${Date.now() % 100000}`;
    const child = spawn('sleep', [`${marker}`], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      const table = await scanProcesses({ cmdline: true });
      const mine = table.find((p) => p.pid === child.pid);
      expect(mine).toBeDefined();
      expect(mine!.comm).toBe('sleep');
      expect(mine!.argv).toEqual(['sleep', marker]);
      const m = processMatcher(tp(`sleep ${marker}`));
      expect(countProcesses(m, table)).toBe(1);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
