// protocol: address-based services need one (keepalived warns and uses UDP,
// which is rarely what was meant); ops needs UDP; fwmark services ignore it.
import type { VirtualServerCheck } from './types.js';
import { describeVirtualServer, serviceShape } from './check-scope.js';

export const checkProtocol: VirtualServerCheck = {
  validatedOnly: true,
  check(vs, config, { problems }) {
    if (serviceShape(config, vs) === 'address') {
      if (!vs.protocol) {
        problems.warning('no-protocol', vs.loc, `${describeVirtualServer(vs)} sets no protocol; keepalived uses UDP`, { hint: 'add protocol TCP (or UDP / SCTP)' });
      }
      if (vs.flags.ops && (vs.protocol ?? 'UDP') !== 'UDP') {
        problems.error('ops-needs-udp', vs.locs.ops ?? vs.loc, `one-packet scheduling (ops) needs protocol UDP, but ${describeVirtualServer(vs)} is ${vs.protocol}`, {
          hint: 'remove ops, or use protocol UDP; keepalived turns ops off',
        });
      }
    } else if (vs.protocol) {
      problems.warning('protocol-for-fwmark', vs.locs.protocol ?? vs.loc, `protocol ${vs.protocol} has no effect on ${describeVirtualServer(vs)}: a firewall mark selects the packets`, {
        hint: 'remove the protocol line (the mark rule decides the protocol)',
      });
    }
  },
};
