// lb_kind / lvs_method / sorry_server_lvs_method:
//   NAT | DR | TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]
// keepalived sets the method as soon as the first word is valid, then reads
// the tunnel options; a bad option is reported and the tunnel settings are
// left as they were.
import type { ForwardingKind, ForwardingMethod, TunnelChecksum, TunnelType } from '../../model/check.js';
import { didYouMean } from '../../suggest.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import type { ReadContext } from '../types.js';
import { checkUnsigned, requireArg } from './common.js';

const KINDS: readonly ForwardingKind[] = ['NAT', 'DR', 'TUN'];
const TUNNEL_TYPES: readonly TunnelType[] = ['ipip', 'gue', 'gre'];
const CHECKSUMS: readonly TunnelChecksum[] = ['nocsum', 'csum', 'remcsum'];

/**
 * Reads the statement into a forwarding method. `previous` is the current
 * setting, whose tunnel options stay when the new options are bad.
 */
export function readForwarding(stmt: Stmt, ctx: ReadContext, previous?: ForwardingMethod): ForwardingMethod | undefined {
  const kw = keywordOf(stmt);
  const text = requireArg(stmt, ctx, 1, 'a forwarding method');
  if (text === undefined) return undefined;
  const kind = KINDS.find((k) => k === text);
  if (!kind) {
    const hint = didYouMean(text, KINDS) ?? (KINDS.includes(text.toUpperCase() as ForwardingKind) ? `write it in upper case: '${text.toUpperCase()}'` : 'use NAT, DR or TUN');
    ctx.problems.error('invalid-value', stmtLoc(stmt, 1), `'${kw}' does not accept '${text}'`, { hint });
    return undefined;
  }
  const base: ForwardingMethod = {
    kind,
    tunnelType: previous?.tunnelType ?? 'ipip',
    tunnelChecksum: previous?.tunnelChecksum ?? 'nocsum',
    loc: stmtLoc(stmt),
  };
  if (previous?.tunnelPort !== undefined) base.tunnelPort = previous.tunnelPort;

  let type: TunnelType = 'ipip';
  let port = 0;
  let checksum: TunnelChecksum = 'nocsum';
  const bad = (index: number, message: string, hint: string): ForwardingMethod => {
    ctx.problems.error('invalid-tunnel-option', stmtLoc(stmt, index), message, { hint });
    return base;
  };
  for (let i = 2; i < stmt.words.length; i++) {
    const word = stmt.words[i].v;
    if (word === 'type') {
      const value = stmt.words[i + 1]?.v;
      if (value === undefined) return bad(i, `'${kw}': 'type' needs a tunnel type`, 'write type ipip, type gue or type gre');
      const t = TUNNEL_TYPES.find((x) => x === value);
      if (!t) return bad(i + 1, `'${kw}': unknown tunnel type '${value}'`, didYouMean(value, TUNNEL_TYPES) ?? 'use ipip, gue or gre');
      type = t;
      i++;
    } else if (word === 'port') {
      const value = stmt.words[i + 1]?.v;
      if (value === undefined) return bad(i, `'${kw}': 'port' needs the gue tunnel's UDP port`, 'write port N with N from 1 to 65535');
      const n = checkUnsigned(stmt, ctx, i + 1, value, { min: 1, max: 65535 }, `'${kw}' tunnel port`);
      if (n === undefined) return base;
      port = n;
      i++;
    } else if ((CHECKSUMS as readonly string[]).includes(word)) {
      checksum = word as TunnelChecksum;
    } else {
      return bad(i, `'${kw}': unknown tunnel option '${word}'`, didYouMean(word, ['type', 'port', ...CHECKSUMS]) ?? 'options are: type ipip|gue|gre, port N, nocsum|csum|remcsum');
    }
  }
  const at = stmtLoc(stmt, 1);
  if ((type === 'gue') !== (port !== 0)) {
    ctx.problems.error('invalid-tunnel-option', at, type === 'gue' ? `'${kw}': a gue tunnel needs 'port N'` : `'${kw}': only gue tunnels take a port`, {
      hint: type === 'gue' ? 'add port N (the UDP port of the gue tunnel)' : 'remove the port, or use type gue',
    });
    return base;
  }
  if (type === 'ipip' && checksum !== 'nocsum') {
    ctx.problems.error('invalid-tunnel-option', at, `'${kw}': ipip tunnels have no checksum option ('${checksum}')`, { hint: 'remove it, or use type gue / gre' });
    return base;
  }
  if (type === 'gre' && checksum === 'remcsum') {
    ctx.problems.error('invalid-tunnel-option', at, `'${kw}': gre tunnels do not support remcsum`, { hint: 'use nocsum or csum' });
    return base;
  }
  const method: ForwardingMethod = { kind, tunnelType: type, tunnelChecksum: checksum, loc: stmtLoc(stmt) };
  if (port) method.tunnelPort = port;
  return method;
}
