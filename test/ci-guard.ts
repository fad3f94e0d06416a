// Under CI=true the namespace and oracle tests must run, never skip: fail the
// whole run at once if this machine cannot run them (not root, no ip netns,
// no keepalived), instead of letting them be skipped quietly.
import { spawnSync } from 'node:child_process';

export default function ciGuard(): void {
  if (process.env.CI !== 'true') return;
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  const ns = `kts-ciguard-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', ns]);
  if (add.status !== 0) missing.push(`ip netns (${String(add.stderr).trim() || add.error?.message})`);
  else spawnSync('ip', ['netns', 'del', ns]);
  if (spawnSync('keepalived', ['--version']).error) missing.push('keepalived (Debian package)');
  if (missing.length > 0) throw new Error(`CI=true but the namespace/oracle tests cannot run here: missing ${missing.join(', ')}`);
}
