// The namespace helper itself: create, veths (also across namespaces), run
// with timeout, spawn, delete. Needs root; under CI=true it must run.

import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from './netns.js';
import { NETNS_PREFIX, Netns, cleanupNetns, createOracleNamespace, netnsUnavailableReason } from './netns.js';
import { cannotRun } from './gate.js';

const reason = netnsUnavailableReason();

function nsExists(name: string): boolean {
  return runCommand(['ip', 'netns', 'list']).stdout.split('\n').some((l) => l.split(' ')[0] === name);
}

describe('netns helper', () => {
  if (reason !== undefined) {
    cannotRun('netns helper tests', reason);
    return;
  }

  afterAll(() => cleanupNetns());

  it('names namespaces with a per-process prefix', () => {
    expect(NETNS_PREFIX).toMatch(new RegExp(`^kts-${process.pid}-[0-9a-f]{6}-$`));
  });

  it('creates the oracle namespace with veth interfaces, including eth0.1', () => {
    const ns = createOracleNamespace('t-oracle');
    try {
      expect(nsExists(ns.name)).toBe(true);
      const links = ns.links();
      for (const n of ['lo', 'eth0', 'eth1', 'eth2', 'eth3', 'eth0.1']) expect(links).toContain(n);
      expect(ns.ip('-d', 'link', 'show', 'eth0.1').stdout).toContain('veth');
      // Commands run inside: they see the namespace's interfaces, not the host's.
      const r = ns.run(['ip', '-o', 'link', 'show', 'eth0.1']);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('eth0.1');
    } finally {
      ns.delete();
    }
    expect(nsExists(ns.name)).toBe(false);
  });

  it('connects two namespaces with a veth pair and passes traffic', async () => {
    const a = Netns.create('t-a');
    const b = Netns.create('t-b');
    a.addVeth('eth0', { peer: 'eth0', peerNs: b });
    a.addAddress('eth0', '198.51.100.1/24');
    b.addAddress('eth0', '198.51.100.2/24');
    const server = b.spawn([
      process.execPath,
      '-e',
      "require('net').createServer((s) => s.end('hello')).listen(8080, '198.51.100.2', () => console.log('ready'))",
    ]);
    await new Promise<void>((ok, fail) => {
      server.stdout!.once('data', () => ok());
      server.once('exit', (code) => fail(new Error(`server exited ${code}`)));
    });
    const client = a.run(
      [process.execPath, '-e', "require('net').connect(8080, '198.51.100.2').pipe(process.stdout)"],
      { timeoutMs: 10_000 },
    );
    expect(client.exitCode, client.stderr).toBe(0);
    expect(client.stdout).toBe('hello');
    // Not reachable from the host: the addresses only exist in the namespaces.
    expect(runCommand(['ip', '-o', 'addr', 'show']).stdout).not.toContain('198.51.100.2/24');
    a.delete();
    b.delete();
    expect(nsExists(a.name) || nsExists(b.name)).toBe(false);
  });

  it('captures stdout, stderr and exit code, and enforces the timeout', () => {
    const ns = Netns.create('t-run');
    const r = ns.run(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    const slow = ns.run(['sleep', '5'], { timeoutMs: 200 });
    expect(slow.timedOut).toBe(true);
    expect(slow.exitCode).toBeNull();
    const missing = ns.run(['/nonexistent/command']);
    expect(missing.exitCode).not.toBe(0);
    ns.delete();
  });

  it('kills processes started inside a namespace when deleting it', async () => {
    const ns = Netns.create('t-spawn');
    const child = ns.spawn(['sleep', '60']);
    await new Promise((r) => setTimeout(r, 200));
    expect(ns.pids()).toContain(child.pid);
    const exited = new Promise((r) => child.once('exit', r));
    ns.delete();
    await exited;
    expect(nsExists(ns.name)).toBe(false);
  });

  it('cleanupNetns deletes every namespace this process still has', () => {
    const a = Netns.create('t-c1');
    const b = Netns.create('t-c2');
    a.addVeth('x0');
    cleanupNetns();
    expect(a.isDeleted && b.isDeleted).toBe(true);
    expect(nsExists(a.name) || nsExists(b.name)).toBe(false);
  });
});
