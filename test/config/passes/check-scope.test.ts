// firstOfSameServer remembers its last answer (the checks of one virtual
// server ask in turn): the answer must follow the list as it grows, and a
// different list must get its own.
import { describe, expect, it } from 'vitest';
import { distinctRealServers, firstOfSameServer } from '../../../src/config/passes/check-scope.js';
import type { RealServer, VirtualServer } from '../../../src/config/model/check.js';

const loc = { file: 'f', line: 1, col: 1 };
const server = (address: string, port?: number): RealServer => ({ loc, locs: {}, address: { family: 4, address }, port, timers: {}, checkers: [] });

describe('firstOfSameServer', () => {
  it('answers again for the same list, and anew once it has grown', () => {
    const servers = [server('198.51.100.1', 80), server('198.51.100.2', 80)];
    expect(firstOfSameServer(servers)).toBeUndefined();
    expect(firstOfSameServer(servers)).toBeUndefined();
    servers.push(server('198.51.100.1', 80));
    expect(firstOfSameServer(servers)).toEqual([0, 1, 0]);
    expect(firstOfSameServer(servers)).toEqual([0, 1, 0]);
  });

  it('answers for each list, whichever was asked last', () => {
    const repeated = [server('198.51.100.1'), server('198.51.100.1')];
    const distinct = [server('198.51.100.1'), server('198.51.100.1', 81)];
    expect(firstOfSameServer(repeated)).toEqual([0, 0]);
    expect(firstOfSameServer(distinct)).toBeUndefined();
    expect(firstOfSameServer(repeated)).toEqual([0, 0]);
    expect(distinctRealServers({ realServers: repeated } as VirtualServer)).toEqual([repeated[0]]);
  });
});
