// keepalived's pool rules, from the health of each real server to who is in
// a virtual server's IPVS pool and with what weight (keepalived 2.2.7,
// check/ipwrapper.c): a real server is in the pool while it is up (a server
// whose checkers use alpha starts down); inhibit_on_failure keeps a failed one
// with weight 0; when the live weight drops below the quorum and a sorry
// server is configured, the sorry server takes the pool and the live real
// servers leave it (weight 0 if inhibited); hysteresis widens the quorum
// threshold in the direction of the current state. Pure.
import type { RealServer, SorryServer, VirtualServer } from '../config/model/check.js';
import { realServerKey } from './server-id.js';

/** What the checkers say about one real server. */
export interface RealServerHealth {
  up: boolean;
  /** A weight set at run time (MISC_CHECK misc_dynamic); default the configured one. */
  weight?: number;
}

/** Health by realServerKey() (server-id.ts); a real server missing here has not been checked yet. */
export type HealthMap = ReadonlyMap<string, RealServerHealth>;

/** Whether a virtual server has its quorum, and the live weight that was decided on. */
export interface QuorumState {
  up: boolean;
  liveWeight: number;
}

/** The quorum state of each virtual server by virtualServerId(), carried from one evaluation to the next. */
export type QuorumStates = ReadonlyMap<string, QuorumState>;

/** IPVS weights are ints: keepalived clamps run-time weights into 0..2^31-1. */
const MAX_WEIGHT = 2147483647;

function clampWeight(w: number): number {
  return Math.min(Math.max(Math.trunc(w), 0), MAX_WEIGHT);
}

/**
 * The real servers keepalived runs (it ignores repeats), with their keys in
 * the health map: made once per virtual server (the model does not change
 * once read), since every pass looks at every real server.
 */
const activeByVs = new WeakMap<VirtualServer, { servers: readonly RealServer[]; keys: readonly string[] }>();

function active(vs: VirtualServer): { servers: readonly RealServer[]; keys: readonly string[] } {
  let a = activeByVs.get(vs);
  if (!a) {
    const servers = vs.realServers.filter((rs) => !rs.ignored && rs.effective);
    activeByVs.set(vs, (a = { servers, keys: servers.map((rs) => realServerKey(vs, rs)) }));
  }
  return a;
}

/** The real servers keepalived runs (it ignores repeats). */
export function activeRealServers(vs: VirtualServer): readonly RealServer[] {
  return active(vs).servers;
}

/**
 * Before any verdict: a checker in alpha mode starts failed, so its real
 * server starts down; one without checkers is always up.
 */
export function startsUp(rs: RealServer): boolean {
  return !rs.checkers.some((c) => !c.dropped && (c.alpha ?? rs.effective?.alpha ?? false));
}

/** Up unless the checkers say otherwise (`h`: its entry in the health map). */
function upFrom(rs: RealServer, h: RealServerHealth | undefined): boolean {
  return h?.up ?? startsUp(rs);
}

function weightFrom(rs: RealServer, h: RealServerHealth | undefined): number {
  return clampWeight(h?.weight ?? rs.effective?.weight ?? 0);
}

export function isUp(vs: VirtualServer, rs: RealServer, health: HealthMap): boolean {
  return upFrom(rs, health.get(realServerKey(vs, rs)));
}

export function weightOf(vs: VirtualServer, rs: RealServer, health: HealthMap): number {
  return weightFrom(rs, health.get(realServerKey(vs, rs)));
}

/** Sum of the weights of the live real servers (weigh_live_realservers). */
export function liveWeight(vs: VirtualServer, health: HealthMap): number {
  const { servers, keys } = active(vs);
  let live = 0;
  servers.forEach((rs, i) => {
    const h = health.get(keys[i]!);
    if (upFrom(rs, h)) live += weightFrom(rs, h);
  });
  return live;
}

/**
 * update_quorum_state: the quorum is gained at quorum + hysteresis and lost
 * below quorum - hysteresis (or at zero live weight). A virtual server starts
 * without quorum, so at start it needs quorum + hysteresis.
 */
export function nextQuorumState(wasUp: boolean, live: number, quorum: number, hysteresis: number): boolean {
  if (!wasUp) return live >= quorum + hysteresis;
  return !(live === 0 || live < quorum - hysteresis);
}

/**
 * keepalived weighs the quorum again only when something changed (a server
 * went up or down, a weight changed), so an unchanged live weight keeps the
 * state. That matters with a quorum of 0 (all weights 0), where weighing
 * again and again would flip the state each time.
 */
export function quorumAfter(previous: QuorumState | undefined, live: number, quorum: number, hysteresis: number): QuorumState {
  if (previous && previous.liveWeight === live) return previous;
  return { up: nextQuorumState(previous?.up ?? false, live, quorum, hysteresis), liveWeight: live };
}

/** One server in the pool, with the weight IPVS is given. */
export interface PoolMember {
  server: RealServer | SorryServer;
  sorry: boolean;
  weight: number;
}

export interface PoolView {
  quorum: QuorumState;
  /** Whether the sorry server has taken the pool. */
  sorryActive: boolean;
  members: PoolMember[];
}

/** Who is in the pool of a virtual server, given the checkers' verdicts and the previous quorum state. */
export function poolView(vs: VirtualServer, health: HealthMap, previous: QuorumState | undefined): PoolView {
  // Each real server's health is looked up once (a pass does this for every real server).
  const { servers, keys } = active(vs);
  const entries = keys.map((key) => health.get(key));
  let live = 0;
  servers.forEach((rs, i) => {
    if (upFrom(rs, entries[i])) live += weightFrom(rs, entries[i]);
  });
  const quorum = quorumAfter(previous, live, vs.effective?.quorum ?? 1, vs.effective?.hysteresis ?? 0);
  const sorry = vs.sorryServer?.effective ? vs.sorryServer : undefined;
  const sorryActive = !quorum.up && sorry !== undefined;
  const members: PoolMember[] = [];
  servers.forEach((rs, i) => {
    const up = upFrom(rs, entries[i]);
    const inhibit = rs.effective?.inhibitOnFailure ?? false;
    // While the sorry server serves, live real servers are taken out too (kept at weight 0 when inhibited).
    if (up && !sorryActive) members.push({ server: rs, sorry: false, weight: weightFrom(rs, entries[i]) });
    else if (inhibit) members.push({ server: rs, sorry: false, weight: 0 });
  });
  if (sorry) {
    if (sorryActive) members.push({ server: sorry, sorry: true, weight: sorry.effective?.weight ?? 1 });
    else if (sorry.inhibit) members.push({ server: sorry, sorry: true, weight: 0 });
  }
  return { quorum, sorryActive, members };
}
