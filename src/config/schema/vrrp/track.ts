// The tracker data blocks of vrrp_instance and vrrp_sync_group:
//   track_interface { IF [weight N [reverse]] }
//   track_script / track_file / track_process / track_bfd { NAME [weight N [reverse]] }
// Interfaces are checked against the host by a pass. Tracker names must be
// defined earlier in the file (keepalived looks them up while reading); the
// lookup result is recorded here and reported by a pass, because a defined
// vrrp_script can still be dropped later (no user to run it as).
import { stmtLoc, type Stmt } from '../../tree.js';
import type { TrackerRef, Trackers, TrackWeight } from '../../model/vrrp.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { readTrackWeight, valueBlock, vrrpBeingRead, type WeightLimits } from './common.js';

/** Something that tracks: an instance or a sync group. */
export interface TrackOwner {
  name: string;
  track: Trackers;
}

export type TrackerKind = 'script' | 'file' | 'process' | 'bfd';

interface KindInfo {
  keyword: string;
  list: (t: Trackers) => TrackerRef[];
  /** Largest weight magnitude; track_script also takes ±254 (lowered to ±253). */
  max: number;
  clamp254: boolean;
  /** Names defined so far in the config being read. */
  defined: (ctx: ReadContext) => readonly { name: string }[];
}

const KINDS: Record<TrackerKind, KindInfo> = {
  script: { keyword: 'track_script', list: (t) => t.scripts, max: 253, clamp254: true, defined: (ctx) => vrrpBeingRead(ctx)?.scripts ?? [] },
  file: { keyword: 'track_file', list: (t) => t.files, max: 254, clamp254: false, defined: (ctx) => vrrpBeingRead(ctx)?.trackFiles ?? [] },
  process: { keyword: 'track_process', list: (t) => t.processes, max: 254, clamp254: false, defined: (ctx) => vrrpBeingRead(ctx)?.trackProcesses ?? [] },
  bfd: { keyword: 'track_bfd', list: (t) => t.bfds, max: 253, clamp254: false, defined: (ctx) => vrrpBeingRead(ctx)?.bfdInstances ?? [] },
};

/**
 * `NAME [weight N [reverse]]`: what follows the name. Unknown words are
 * reported; keepalived ignores them (and the rest of the line).
 */
function readLineWeight(stmt: Stmt, ctx: ReadContext, keyword: string, limits: WeightLimits): TrackWeight | undefined {
  const name = stmt.words[0].v;
  const option = stmt.words[1];
  if (!option) return undefined;
  if (option.v !== 'weight') {
    ctx.problems.warning('vrrp-track-option', stmtLoc(stmt, 1), `'${option.v}' is not an option of a ${keyword} line; it is ignored`, {
      hint: `write '${name} weight N' or '${name} weight N reverse'`,
    });
    return undefined;
  }
  const { weight, next } = readTrackWeight(stmt, ctx, 1, limits);
  const after = stmt.words[next];
  if (weight && after && next === 3) {
    ctx.problems.warning('vrrp-track-option', stmtLoc(stmt, next), `'${after.v}' after the weight of ${keyword} ${name} is not understood; it is ignored`, {
      hint: "only 'reverse' may follow the weight",
    });
  }
  return weight;
}

function trackerLine(kind: TrackerKind): BlockSpec<TrackOwner> {
  const info = KINDS[kind];
  return {
    name: info.keyword,
    keywords: {},
    dataLine: (stmt, owner, ctx) => {
      const name = stmt.words[0].v;
      const limits: WeightLimits = { max: info.max, clamp254: info.clamp254, what: `${info.keyword} ${name}` };
      const definedEarlier = info.defined(ctx).some((t) => t.name === name);
      const ref: TrackerRef = { name, loc: stmtLoc(stmt), definedEarlier };
      const weight = readLineWeight(stmt, ctx, info.keyword, limits);
      if (weight) ref.weight = weight;
      info.list(owner.track).push(ref);
    },
  };
}

const trackInterfaceLine: BlockSpec<TrackOwner> = {
  name: 'track_interface',
  keywords: {},
  dataLine: (stmt, owner, ctx) => {
    const name = stmt.words[0].v;
    if (owner.track.interfaces.some((t) => t.name === name)) {
      ctx.problems.warning('vrrp-track-duplicate', stmtLoc(stmt), `interface ${name} is already tracked by ${owner.name}; this line is ignored`);
      return;
    }
    const weight = readLineWeight(stmt, ctx, 'track_interface', { max: 253, clamp254: true, what: `tracked interface ${name}` });
    owner.track.interfaces.push(weight ? { name, loc: stmtLoc(stmt), weight } : { name, loc: stmtLoc(stmt) });
  },
};

/** The track_* keywords, for vrrp_instance and vrrp_sync_group alike. */
export const trackKeywords: Record<string, KeywordHandler<TrackOwner>> = {
  track_interface: valueBlock(trackInterfaceLine),
  track_script: valueBlock(trackerLine('script')),
  track_file: valueBlock(trackerLine('file')),
  track_process: valueBlock(trackerLine('process')),
  track_bfd: valueBlock(trackerLine('bfd')),
};

/** The keyword a tracker kind is used with, for messages. */
export function trackKeyword(kind: TrackerKind): string {
  return KINDS[kind].keyword;
}

export function trackerRefs(track: Trackers, kind: TrackerKind): TrackerRef[] {
  return KINDS[kind].list(track);
}
