// Validation passes of the checker part, in keepalived's order: what it
// checks for each virtual server after reading, then our own advice (notes).
// The checks of one virtual server share one walk over the virtual servers
// (10^4 of them in a large config); each check keeps its problems apart until
// the walk ends, so that the list comes out as if each had walked them in
// turn (the list's order decides the order problems are shown in).
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
import { Problems } from '../problems.js';
import { validated } from './check-scope.js';
import type { Pass, VirtualServerCheck } from './types.js';

const virtualServerChecks: readonly VirtualServerCheck[] = [
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
  // Reports nothing, so running it before checkDuplicateServices changes no problem's place.
  resolveCheckSettings,
];

const checkVirtualServers: Pass = (config, ctx) => {
  const runs = virtualServerChecks.map((check) => ({ check, ctx: { ...ctx, problems: new Problems() } }));
  for (const vs of config.check.virtualServers) {
    const isValidated = validated(config, vs);
    for (const run of runs) if (isValidated || !run.check.validatedOnly) run.check.check(vs, config, run.ctx);
  }
  for (const run of runs) for (const problem of run.ctx.problems.list) ctx.problems.list.push(problem);
};

export const checkPasses: Pass[] = [checkVirtualServers, checkDuplicateServices];
