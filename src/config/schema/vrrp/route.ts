// One line of virtual_routes { } or static_routes { }, in `ip route` syntax:
//   [TYPE] [src ADDR] DEST [via|gw ADDR] [or ADDR] [dev IF] [table T]
//   [metric N] [scope S] [protocol P] [onlink] [no_track] [nexthop ...] ...
// keepalived 2.2.7's complaints were checked against it; a keyword without its
// value is fatal there (as for any keyword).
import { parseIp, type IpAddress } from '../../ip.js';
import { stmtLoc, type Stmt } from '../../tree.js';
import type { RouteNexthop, RouteType, VirtualRoute } from '../../model/vrrp.js';
import type { ReadContext } from '../types.js';
import { readAddressWord } from './address.js';
import { missingParameter } from './common.js';
import { wholeCNumber } from '../c-number.js';

const TYPES = new Set<RouteType>(['unicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'local', 'broadcast', 'anycast', 'multicast', 'nat']);
/** Route types by their rtnetlink number (RTN_*), as `ip route` also takes them. */
const ROUTE_TYPE_NUMBERS: Partial<Record<number, RouteType>> = {
  1: 'unicast', 2: 'local', 3: 'broadcast', 4: 'anycast', 5: 'multicast', 6: 'blackhole', 7: 'unreachable', 8: 'prohibit', 9: 'throw', 10: 'nat',
}; // prettier-ignore
const SCOPES = new Set(['host', 'link', 'site', 'global', 'nowhere', 'universe']);
/** Route protocols iproute2 knows by name (/etc/iproute2/rt_protos). */
const PROTOCOLS = new Set(['unspec', 'redirect', 'kernel', 'boot', 'static', 'gated', 'ra', 'mrt', 'zebra', 'bird', 'dnrouted', 'xorp', 'ntk', 'dhcp', 'keepalived', 'babel', 'bgp', 'isis', 'ospf', 'rip', 'eigrp']);
/** Routing tables every host knows by name. */
export const TABLE_NAMES = new Set(['main', 'local', 'default', 'unspec']);
/** Options that take one value and that we only record. */
const VALUE_OPTIONS = new Set(['tos', 'dsfield', 'mtu', 'hoplimit', 'advmss', 'rtt', 'rttvar', 'reordering', 'window', 'cwnd', 'ssthresh', 'realms', 'rto_min', 'initcwnd', 'initrwnd', 'features', 'quickack', 'congctl', 'pref', 'fastopen_no_cookie', 'expires']);
/** Numeric ones among them (keepalived checks these are numbers). */
const NUMERIC_OPTIONS = new Set(['hoplimit', 'advmss', 'reordering', 'window', 'cwnd', 'ssthresh', 'initcwnd', 'initrwnd', 'quickack', 'fastopen_no_cookie', 'expires']);
/** keepalived's own route protocol number: the only one a tracked route may have. */
const RTPROT_KEEPALIVED = 18;

export function isTableName(value: string): boolean {
  return TABLE_NAMES.has(value) || /^\d+$/.test(value);
}

function isUint(value: string): boolean {
  return /^\+?\d+$/.test(value) && Number(value) <= 4294967295;
}

export interface RouteLineOptions {
  isStatic: boolean;
}

/** Reads one route line; undefined when keepalived would drop the route. */
export function readRouteLine(stmt: Stmt, ctx: ReadContext, options: RouteLineOptions): VirtualRoute | undefined {
  const words = stmt.words;
  const route: VirtualRoute = { loc: stmtLoc(stmt), type: 'unicast', noTrack: false, nexthops: [], interfaceRefs: [], options: {} };
  let bad = false;
  let declaredFamily: 4 | 6 | undefined;
  const fail = (index: number, code: string, message: string, hint?: string): void => {
    ctx.problems.error(code, stmtLoc(stmt, index), message, hint ? { hint } : {});
    bad = true;
  };
  const warn = (index: number, code: string, message: string, hint?: string): void => {
    ctx.problems.warning(code, stmtLoc(stmt, index), message, hint ? { hint } : {});
  };
  /** DEST or default; reports and returns false when keepalived drops the route. */
  const readDestination = (index: number): boolean => {
    const word = words[index].v;
    if (word === 'default' || word === 'default6') {
      if (route.destination !== undefined) {
        fail(index, 'vrrp-route-family', `'${word}' after the destination ${words.find((w) => parseIp(w.v.split('/')[0]))?.v ?? ''} mixes address families; the route is ignored`);
        return false;
      }
      route.destination = word === 'default6' ? { family: 6, address: '::', prefix: 0, explicitPrefix: true } : { family: 4, address: '0.0.0.0', prefix: 0, explicitPrefix: true };
      return true;
    }
    if (parseIp(word.split('/')[0]) === undefined) {
      fail(index, 'vrrp-route-keyword', `'${word}' is neither a route keyword nor a destination address`, 'see `ip route` syntax: DEST [via ADDR] [dev IF] [table T] [metric N] ...');
      return false;
    }
    const destination = readAddressWord(stmt, ctx, index, 'route destination');
    if (!destination) return false;
    // keepalived settles the route's family with its first address (or inet/inet6): a later destination of the other family drops the route.
    const family = route.destination?.family ?? declaredFamily ?? route.src?.family ?? route.via?.family;
    if (family !== undefined && destination.family !== family) {
      fail(index, 'vrrp-route-family', `destination '${word}' is IPv${destination.family} in an IPv${family} route: the route mixes IPv4 and IPv6 addresses; it is ignored`);
      return false;
    }
    route.destination = destination;
    return true;
  };
  const address = (index: number, what: string): IpAddress | undefined => {
    const ip = parseIp(words[index].v);
    if (!ip) fail(index, 'vrrp-route-address', `'${words[index].v}' is not a valid ${what} address for the route`);
    return ip;
  };

  /** Set after a route type: keepalived takes the next word as the destination, whatever it is. */
  let destinationNext = false;
  let i = 0;
  for (; i < words.length; i++) {
    const word = words[i].v;
    if (destinationNext) {
      destinationNext = false;
      if (!readDestination(i)) return undefined;
      continue;
    }
    const needValue = (): boolean => {
      if (i + 1 < words.length) return true;
      missingParameter(ctx, stmt, i + 1, word);
      bad = true;
      return false;
    };
    switch (word) {
      case 'inet':
      case 'inet6':
        declaredFamily = word === 'inet' ? 4 : 6;
        break;
      case 'src':
        if (!needValue()) return undefined;
        route.src = address(++i, 'source');
        if (!route.src) return undefined; // keepalived drops the route here, unread past the bad address
        break;
      case 'via':
      case 'gw':
        if (!needValue()) return undefined;
        if (word === 'gw') warn(i, 'vrrp-route-gw', "'gw' is deprecated in routes", "write 'via' instead");
        if (words[i + 1].v === 'inet' || words[i + 1].v === 'inet6') i++;
        route.via = address(++i, 'gateway');
        if (!route.via) return undefined;
        break;
      case 'or':
        if (!needValue()) return undefined;
        warn(i, 'vrrp-route-or', "'or' is deprecated in routes", "use 'nexthop via ADDR nexthop via ADDR' instead");
        route.or = address(++i, 'alternative gateway');
        if (!route.or) return undefined;
        break;
      case 'dev':
      case 'oif':
        if (!needValue()) return undefined;
        route.dev = words[++i].v;
        route.devLoc = stmtLoc(stmt, i);
        route.interfaceRefs.push({ name: route.dev, loc: route.devLoc });
        break;
      case 'table':
        if (!needValue()) return undefined;
        if (!isTableName(words[i + 1].v)) fail(i + 1, 'vrrp-route-table', `routing table '${words[i + 1].v}' is not known`, 'use a table number, or main / local / default');
        route.table = words[++i].v;
        break;
      case 'metric':
      case 'priority':
      case 'preference':
        if (!needValue()) return undefined;
        if (!isUint(words[i + 1].v)) fail(i + 1, 'vrrp-route-metric', `route metric '${words[i + 1].v}' is not a number from 0 to 4294967295`);
        else route.metric = Number(words[i + 1].v);
        i++;
        break;
      case 'scope':
        if (!needValue()) return undefined;
        if (!SCOPES.has(words[i + 1].v) && !(/^\d+$/.test(words[i + 1].v) && Number(words[i + 1].v) <= 255)) {
          fail(i + 1, 'vrrp-route-scope', `route scope '${words[i + 1].v}' is not known`, 'use host, link, site, global or nowhere');
        } else route.scope = words[i + 1].v;
        i++;
        break;
      case 'protocol':
        if (!needValue()) return undefined;
        if (!PROTOCOLS.has(words[i + 1].v) && !(/^\d+$/.test(words[i + 1].v) && Number(words[i + 1].v) <= 255)) {
          fail(i + 1, 'vrrp-route-protocol', `route protocol '${words[i + 1].v}' is not known`);
        } else route.protocol = words[i + 1].v;
        i++;
        break;
      case 'from': {
        // A source-specific route: keepalived drops the route at once when the
        // source is no address, or an IPv4 one (the kernel has such routes for IPv6 only).
        if (!needValue()) return undefined;
        const value = words[++i].v;
        const slash = value.indexOf('/');
        const from = parseIp(slash < 0 ? value : value.slice(0, slash));
        if (!from) {
          fail(i, 'vrrp-route-address', `'${value}' is not a valid route source prefix ('from'); the route is ignored`);
          return undefined;
        }
        if (from.family === 4) {
          fail(i, 'vrrp-route-from', `'from ${value}': keepalived supports source-specific routes for IPv6 only; the route is ignored`, "remove 'from', or use 'src' to choose the source address");
          return undefined;
        }
        const prefix = slash < 0 ? undefined : value.slice(slash + 1);
        if (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= 128)) {
          // keepalived complains and keeps the route, with the whole address as the prefix.
          ctx.problems.error('vrrp-route-address', stmtLoc(stmt, i), `'${value}': the prefix length of a route source must be 0 to 128; keepalived uses ${from.address}/128`);
          route.options.from = `${from.address}/128`;
        } else route.options.from = value;
        break;
      }
      case 'onlink':
        route.options.onlink = '';
        break;
      case 'no_track':
        route.noTrack = true;
        break;
      case 'track_group':
        if (!options.isStatic) {
          fail(i, 'vrrp-route-keyword', `'track_group' is only for static_routes`);
          break;
        }
        if (!needValue()) return undefined;
        route.trackGroup = words[++i].v;
        break;
      case 'nexthop':
        i = readNexthops(stmt, ctx, i, route, () => (bad = true));
        break;
      case 'encap':
        // encap TYPE ... : recorded as written; rarely used.
        route.options.encap = words.slice(i + 1).map((w) => w.v).join(' ');
        i = words.length;
        break;
      default:
        if (VALUE_OPTIONS.has(word)) {
          if (!needValue()) return undefined;
          let value = words[++i].v;
          let locked = false;
          if ((word === 'mtu' || word === 'congctl' || word === 'window' || word === 'cwnd' || word === 'ssthresh' || word === 'advmss' || word === 'hoplimit') && value === 'lock') {
            if (i + 1 >= words.length) {
              missingParameter(ctx, stmt, i + 1, 'lock');
              return undefined;
            }
            locked = true;
            value = words[++i].v;
          }
          if (NUMERIC_OPTIONS.has(word) && !isUint(value)) fail(i, 'vrrp-route-option', `route '${word}' value '${value}' is not a number`);
          else if (word === 'mtu' && !isUint(value)) fail(i, 'vrrp-route-option', `route mtu '${value}' is not a number`);
          // `lock` stays with its value: the route is installed as written.
          route.options[word] = locked ? `lock ${value}` : value;
          break;
        }
        // A route type (by name, or a number up to 255 in C's notations: 16, 0x10, 020) anywhere: the next word is the destination.
        const typeNumber = TYPES.has(word as RouteType) ? undefined : wholeCNumber(word);
        if (TYPES.has(word as RouteType) || (typeNumber !== undefined && typeNumber <= 255n)) {
          if (!needValue()) return undefined;
          if (TYPES.has(word as RouteType)) route.type = word as RouteType;
          else route.type = ROUTE_TYPE_NUMBERS[Number(typeNumber)] ?? route.type;
          destinationNext = true;
          break;
        }
        // Anything else is the destination; a later one replaces an earlier one.
        if (!readDestination(i)) return undefined;
    }
  }
  if (bad) return undefined;
  if (!route.destination || (declaredFamily !== undefined && route.destination.family !== declaredFamily)) {
    ctx.problems.error('vrrp-route-destination', stmtLoc(stmt), 'the route has no destination; it is ignored', { hint: 'write the destination prefix, e.g. 192.0.2.0/24, or default' });
    return undefined;
  }
  const family = route.destination.family;
  for (const ip of [route.src, route.via, route.or, ...route.nexthops.map((n) => n.via)]) {
    if (ip && ip.family !== family) {
      ctx.problems.error('vrrp-route-family', stmtLoc(stmt), 'the route mixes IPv4 and IPv6 addresses; it is ignored');
      return undefined;
    }
  }
  if (!route.noTrack) {
    if (route.protocol !== undefined && route.protocol !== 'keepalived' && route.protocol !== String(RTPROT_KEEPALIVED)) {
      ctx.problems.warning('vrrp-route-protocol-tracked', stmtLoc(stmt), `a tracked route must have protocol keepalived (${RTPROT_KEEPALIVED}); '${route.protocol}' is replaced`, {
        hint: "remove 'protocol', or add 'no_track'",
      });
    }
    if (route.dev === undefined) {
      ctx.problems.warning('vrrp-route-untracked', stmtLoc(stmt), `route ${route.destination.address}/${route.destination.prefix} has no 'dev', so keepalived cannot track it and does not`, {
        hint: "add 'dev IF' to the route, or 'no_track' to say it need not be tracked",
      });
    }
  }
  return route;
}

/** `nexthop [via ADDR] [dev IF] [weight N] [onlink]` repeated; returns the index of the last word read. */
function readNexthops(stmt: Stmt, ctx: ReadContext, start: number, route: VirtualRoute, onError: () => void): number {
  const words = stmt.words;
  let i = start;
  let current: RouteNexthop | undefined;
  for (; i < words.length; i++) {
    const word = words[i].v;
    if (word === 'nexthop') {
      current = { onlink: false };
      route.nexthops.push(current);
      continue;
    }
    if (!current) break;
    if (word === 'onlink') {
      current.onlink = true;
      continue;
    }
    if (word !== 'via' && word !== 'dev' && word !== 'weight') {
      ctx.problems.error('vrrp-route-nexthop', stmtLoc(stmt, i), `'${word}' is not a nexthop option`, { hint: 'a nexthop takes via, dev, weight and onlink' });
      onError();
      return words.length;
    }
    if (i + 1 >= words.length) {
      missingParameter(ctx, stmt, i + 1, word);
      onError();
      return words.length;
    }
    const value = words[++i].v;
    if (word === 'via') {
      const ip = parseIp(value);
      if (!ip) {
        ctx.problems.error('vrrp-route-address', stmtLoc(stmt, i), `'${value}' is not a valid nexthop address`);
        onError();
      } else current.via = ip;
    } else if (word === 'dev') {
      current.dev = value;
      route.interfaceRefs.push({ name: value, loc: stmtLoc(stmt, i) });
    } else {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 256) {
        ctx.problems.error('vrrp-route-nexthop', stmtLoc(stmt, i), `nexthop weight '${value}' is not a number from 1 to 256`);
        onError();
      } else current.weight = Number(value);
    }
  }
  return i - 1;
}
