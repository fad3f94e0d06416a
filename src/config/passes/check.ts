// Validation passes of the checker part, in keepalived's order: what it
// checks for each virtual server after reading, then our own advice (notes).
import { checkDuplicateRealServers } from './check-duplicate-real-servers.js';
import { checkDuplicateServices } from './check-duplicate-services.js';
import { resolveCheckSettings } from './check-effective.js';
import { checkForwardingDefault } from './check-forwarding.js';
import { checkGroupReferences } from './check-groups.js';
import { checkHaSuspend } from './check-ha-suspend.js';
import { checkMiscUser } from './check-misc-user.js';
import { checkPorts } from './check-ports.js';
import { checkProtocol } from './check-protocol.js';
import { checkQuorum } from './check-quorum.js';
import { checkRealServersPresent } from './check-real-servers-present.js';
import { checkScheduler } from './check-scheduler.js';
import { checkSorryServer } from './check-sorry-server.js';
import { checkZeroPort } from './check-zero-port.js';
import type { Pass } from './types.js';

export const checkPasses: Pass[] = [
  checkMiscUser,
  checkGroupReferences,
  checkRealServersPresent,
  checkHaSuspend,
  checkProtocol,
  checkZeroPort,
  checkScheduler,
  checkDuplicateRealServers,
  checkForwardingDefault,
  checkSorryServer,
  checkQuorum,
  checkPorts,
  checkDuplicateServices,
  resolveCheckSettings,
];
