// vrrp_script rise/fall counting as keepalived 2.2.7 does it.
import { describe, expect, it } from 'vitest';
import { createScriptCounter, recordRun, type ScriptCounter } from '../../../src/vrrp/trackers/script-state.js';

function run(c: ScriptCounter, results: string): ScriptCounter[] {
  const out: ScriptCounter[] = [];
  for (const r of results) {
    c = recordRun(c, r === 'o');
    out.push(c);
  }
  return out;
}

const statuses = (cs: ScriptCounter[]): string => cs.map((c) => c.status[0]).join('');

describe('vrrp_script counter', () => {
  it('starts in init (no weight, no fault) and the first run decides, whatever rise and fall are', () => {
    const c = createScriptCounter(3, 2, false);
    expect(c.status).toBe('init');
    expect(recordRun(c, true).status).toBe('up');
    expect(recordRun(c, false).status).toBe('down');
  });

  it('init_fail starts down and needs `rise` successes', () => {
    const c = createScriptCounter(3, 2, true);
    expect(c.status).toBe('down');
    expect(statuses(run(c, 'ooo'))).toBe('ddu');
  });

  it('needs `fall` consecutive failures to go down, and a success in between resets the count', () => {
    const up = recordRun(createScriptCounter(2, 3, false), true);
    expect(statuses(run(up, 'xxox'))).toBe('uuuu');
    expect(statuses(run(up, 'xxx'))).toBe('uud');
  });

  it('needs `rise` consecutive successes to come back, and a failure resets the count', () => {
    const down = recordRun(createScriptCounter(3, 1, false), false);
    expect(statuses(run(down, 'ooxooo'))).toBe('dddddu');
  });

  it('rise 1 fall 1 follows every result', () => {
    const c = createScriptCounter(1, 1, false);
    expect(statuses(run(c, 'oxoxx'))).toBe('ududd');
  });

  it('keeps result within 0 .. rise+fall-1 as keepalived does', () => {
    let c = createScriptCounter(2, 3, false);
    for (const r of [true, true, true, false, false, true, false, false, false, false]) {
      c = recordRun(c, r);
      expect(c.result).toBeGreaterThanOrEqual(0);
      expect(c.result).toBeLessThanOrEqual(4);
      expect(c.status === 'up').toBe(c.result >= 2);
    }
  });
});
