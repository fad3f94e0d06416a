// TCP_CHECK: a TCP connect to the real server (or connect_ip / connect_port).
import type { RealServer, TcpCheck } from '../../model/check.js';
import type { BlockSpec, KeywordHandler } from '../types.js';
import { stmtLoc } from '../../tree.js';
import { connectedCheckerBlock, connectedCheckerKeywords, UNRESOLVED_TIMERS } from './checkers.js';

export const tcpCheckSpec: BlockSpec<TcpCheck> = {
  name: 'TCP_CHECK',
  keywords: connectedCheckerKeywords<TcpCheck>(),
};

export const tcpCheckKeywords: Record<string, KeywordHandler<RealServer>> = {
  // checkerBase's fields written out: a literal with a spread in it is built
  // property by property (about twice the cost), and a large config has a
  // TCP_CHECK in each of its 10^4-10^5 real servers.
  TCP_CHECK: connectedCheckerBlock(tcpCheckSpec, (stmt) => ({ type: 'TCP_CHECK', loc: stmtLoc(stmt), locs: {}, timers: {}, resolved: UNRESOLVED_TIMERS, connection: {} })),
};
