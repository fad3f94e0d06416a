// The names virtual and real servers go by everywhere at run time: the health
// map, the checkers, logs and dumps. They are the identities keepalived
// matches across reloads (a virtual server by its protocol and address:port,
// firewall mark or group; a real server by its address and port), written
// as ipvsadm prints them, so a reload that rewrites an address differently
// (`2001:db8:0::1` for `2001:db8::1`) names the same server. Both check/ and
// ipvs/ use them; they read only the config model. Pure.
//
// A name is made once per model object and remembered (the model is not
// changed once read; a reload brings new objects): a reconcile pass looks up
// every real server's name several times, and making them afresh took most of
// a pass at 10,000 real servers.
import type { RealServer, SorryServer, VirtualServer } from '../config/model/check.js';
import { canonicalAddress, hostPort } from './address.js';

/** `f(object)`, made once per object. */
function remembered<K extends object>(f: (k: K) => string): (k: K) => string {
  const made = new WeakMap<K, string>();
  return (k) => {
    let v = made.get(k);
    if (v === undefined) made.set(k, (v = f(k)));
    return v;
  };
}

/** `tcp 198.51.100.180:80`, `fwmark 7`, `group WEB tcp`. */
export const virtualServerId: (vs: VirtualServer) => string = remembered((vs) => {
  const protocol = (vs.effective?.protocol ?? vs.protocol ?? 'UDP').toLowerCase();
  switch (vs.key.kind) {
    case 'fwmark':
      return `fwmark ${vs.key.fwmark}${vs.family === 6 ? ' ipv6' : ''}`;
    case 'group':
      return `group ${vs.key.group} ${protocol}`;
    default:
      return `${protocol} ${hostPort(vs.key.address.family, canonicalAddress(vs.key.address), vs.key.port)}`;
  }
});

/** A real (or sorry) server within its virtual server: address and the port IPVS is given. */
export const serverId: (server: RealServer | SorryServer) => string = remembered((server) =>
  hostPort(server.address.family, canonicalAddress(server.address), server.effective?.port ?? server.port ?? 0),
);

const keysByVs = new WeakMap<VirtualServer, WeakMap<RealServer, string>>();

/** `tcp 198.51.100.180:80 -> 198.51.100.21:80`: the key of a real server in the health map. */
export function realServerKey(vs: VirtualServer, rs: RealServer): string {
  let keys = keysByVs.get(vs);
  if (!keys) keysByVs.set(vs, (keys = new WeakMap()));
  let key = keys.get(rs);
  if (key === undefined) keys.set(rs, (key = `${virtualServerId(vs)} -> ${serverId(rs)}`));
  return key;
}
