// TCP_CHECK: a TCP connect to the real server (or connect_ip / connect_port).
import type { RealServer, TcpCheck } from '../../model/check.js';
import type { BlockSpec, KeywordHandler } from '../types.js';
import { checkerBase, connectedCheckerBlock, connectedCheckerKeywords } from './checkers.js';

export const tcpCheckSpec: BlockSpec<TcpCheck> = {
  name: 'TCP_CHECK',
  keywords: connectedCheckerKeywords<TcpCheck>(),
};

export const tcpCheckKeywords: Record<string, KeywordHandler<RealServer>> = {
  TCP_CHECK: connectedCheckerBlock(tcpCheckSpec, (stmt) => ({ type: 'TCP_CHECK', ...checkerBase(stmt), connection: {} })),
};
