// keepalived's respawn policy for dead children (calc_restart_delay, report_child_status).
import { describe, expect, it } from 'vitest';
import { decideRespawn, MAX_DELAY_MS, type RespawnState } from '../../src/daemon/respawn.js';

const fresh: RespawnState = { lastDelayMs: 0 };

describe('respawn policy', () => {
  it('a child that ran over a minute is restarted at once, and the back-off starts again', () => {
    expect(decideRespawn({ code: null, signal: 'SIGKILL', ranMs: 61_000 }, { lastDelayMs: 8000 }, false)).toEqual({ action: 'restart', delayMs: 0, state: fresh });
  });

  it('quick deaths wait 1, 2, 4 ... s, capped at 60 s', () => {
    let state = fresh;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const d = decideRespawn({ code: 70, signal: null, ranMs: 500 }, state, false);
      if (d.action !== 'restart') throw new Error('expected a restart');
      delays.push(d.delayMs);
      state = d.state;
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, MAX_DELAY_MS, MAX_DELAY_MS]);
  });

  it('--respawn-delay-max caps the back-off', () => {
    const first = decideRespawn({ code: 70, signal: null, ranMs: 10 }, { lastDelayMs: 0 }, false, 500);
    expect(first).toMatchObject({ action: 'restart', delayMs: 500 });
  });

  it('FATAL, CONFIG and missing-permission exits are permanent', () => {
    for (const [code, name] of [
      [1, 'FATAL'],
      [2, 'CONFIG'],
      [4, 'MISSING_PERMISSION'],
    ] as const) {
      expect(decideRespawn({ code, signal: null, ranMs: 100_000 }, fresh, false)).toEqual({ action: 'exit', reason: `exited with permanent error ${name}` });
    }
  });

  it('-R: any death stops the daemon', () => {
    expect(decideRespawn({ code: null, signal: 'SIGKILL', ranMs: 100_000 }, fresh, true).action).toBe('exit');
  });
});
