// In place of a suite that cannot run on this machine (no root, no ip netns,
// no keepalived): one test that fails with the reason. Never a silent skip:
// the README's test command runs as root and installs what these tests need.
import { it } from 'vitest';

export function cannotRun(what: string, reason: string): void {
  console.warn(`CANNOT RUN ${what}: ${reason}`);
  it(`can run (${what})`, () => {
    throw new Error(`${what}: ${reason}`);
  });
}
