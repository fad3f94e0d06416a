// conf/keepalived-ts.service passes `systemd-analyze verify` (with ExecStart
// pointed at this checkout's binary, since the test does not install it), and
// says what keepalived's unit says where a drop-in must match.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cannotRun } from '../helpers/gate.js';

const REPO = resolve(import.meta.dirname, '..', '..');
const UNIT = readFileSync(join(REPO, 'conf', 'keepalived-ts.service'), 'utf8');

function verify(text: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kts-unit-'));
  try {
    const file = join(dir, 'keepalived-ts.service');
    writeFileSync(file, text);
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const local = (text: string): string => text.replaceAll('/usr/local/bin/keepalived-ts', join(REPO, 'bin', 'keepalived-ts.js'));

describe('systemd unit', () => {
  if (spawnSync('systemd-analyze', ['--version']).error) {
    cannotRun('systemd unit verification', 'systemd-analyze is not installed');
    return;
  }

  it('passes systemd-analyze verify without a warning', () => {
    const r = verify(local(UNIT));
    expect(r, r.output).toEqual({ status: 0, output: '' });
  });

  it('verify does catch mistakes (so the check above means something)', () => {
    expect(verify(local(UNIT).replace('KillMode=', 'KilMode=')).output).toMatch(/Unknown key 'KilMode'/);
    expect(verify(UNIT.replaceAll('/usr/local/bin/keepalived-ts', '/nonexistent/keepalived-ts')).status).not.toBe(0);
  });

  it('runs in the foreground with the same args file and reload as keepalived.service', () => {
    expect(UNIT).toMatch(/^Type=notify$/m);
    expect(UNIT).toMatch(/^ExecStart=\S+ --dont-fork \$DAEMON_ARGS$/m);
    expect(UNIT).toMatch(/^EnvironmentFile=-\/etc\/default\/keepalived$/m);
    expect(UNIT).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(UNIT).toMatch(/^CapabilityBoundingSet=.*CAP_NET_ADMIN.*CAP_NET_RAW/m);
  });
});
