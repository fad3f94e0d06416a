// PING_CHECK: an ICMP / ICMPv6 echo to the real server (or connect_ip).
import type { PingCheck, RealServer } from '../../model/check.js';
import type { BlockSpec, KeywordHandler } from '../types.js';
import { checkerBase, connectedCheckerBlock, connectedCheckerKeywords } from './checkers.js';

export const pingCheckSpec: BlockSpec<PingCheck> = {
  name: 'PING_CHECK',
  keywords: connectedCheckerKeywords<PingCheck>(),
};

export const pingCheckKeywords: Record<string, KeywordHandler<RealServer>> = {
  PING_CHECK: connectedCheckerBlock(pingCheckSpec, (stmt) => ({ type: 'PING_CHECK', ...checkerBase(stmt), connection: {} })),
};
