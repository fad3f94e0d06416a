// quorum above the total weight, hysteresis not below quorum: keepalived
// 2.2.7 warns (without a line) and lowers them.
import { describe, expect, it } from 'vitest';
import { problemLines, readText } from '../../helpers/config.js';

const vs = (...lines: string[]) => ['virtual_server 198.51.100.1 80 {', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', ...lines, '}'].join('\n');
const rs = (address: string, weight?: number) => [`  real_server ${address} 80 {`, ...(weight === undefined ? [] : [`    weight ${weight}`]), '  }'];

describe('checkQuorum', () => {
  it.each([
    ['quorum within the weights', vs('  quorum 2', '  hysteresis 1', ...rs('203.0.113.1', 1), ...rs('203.0.113.2', 1)), []],
    // The second real server takes the virtual server's weight 2: total 3.
    ['quorum above the weights', vs('  quorum 5', '  weight 2', ...rs('203.0.113.1', 1), ...rs('203.0.113.2')), ['5:quorum-too-high']],
    ['hysteresis after lowering quorum', vs('  quorum 5', '  hysteresis 10', ...rs('203.0.113.1', 1)), ['5:quorum-too-high', '6:hysteresis-too-high']],
    ['hysteresis equal to quorum', vs('  hysteresis 1', ...rs('203.0.113.1')), ['5:hysteresis-too-high']],
    ['all weights 0', vs(...rs('203.0.113.1', 0)), ['1:quorum-too-high', '1:hysteresis-too-high']],
    // A dropped duplicate does not count.
    ['duplicates do not add weight', vs('  quorum 3', ...rs('203.0.113.1', 2), ...rs('203.0.113.1', 5)), ['5:quorum-too-high', '9:duplicate-real-server']],
  ])('%s', (_name, text, expected) => {
    expect(problemLines(readText(text).problems).sort()).toEqual([...expected].sort());
  });
});
