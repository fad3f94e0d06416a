// Which processes a vrrp_track_process counts, and whether their number makes
// a quorum, as keepalived 2.2.7 decides it (track_process.c: read_procs,
// check_params; vrrp_parser.c: the process / param_match handlers). Pure: the
// process list comes in as data (see proc-scan.ts for reading /proc).
//
// - Without parameters, full_command or param_match, the name is compared
//   with the process's comm (the 15-character name in /proc/PID/stat).
// - Otherwise it is compared with argv[0] of /proc/PID/cmdline, and the
//   parameters, if any, with the process's: `exact` (the default when
//   parameters are given) wants the same list; keepalived's `partial` wants
//   the configured parameters as the first whole parameters; `initial` lets the
//   last configured one be a prefix of the process's parameter. (keepalived
//   compares the NUL-separated strings; so do we.)
// - Zombies are not counted.
// - Quorum: quorum <= count <= quorum_max (no maximum by default).
import type { TrackProcess } from '../../config/model/vrrp.js';

export interface ProcessEntry {
  pid: number;
  /** The name in /proc/PID/stat (at most 15 characters). */
  comm: string;
  /** /proc/PID/cmdline split at NULs (empty for kernel threads and zombies). */
  argv: readonly string[];
  zombie: boolean;
}

export type ParamMatch = 'none' | 'exact' | 'initial' | 'partial';

export interface ProcessMatcher {
  name: string;
  /** What comm or argv[0] must equal. */
  path: string;
  /** Configured parameters; empty when none. */
  params: readonly string[];
  mode: ParamMatch;
  /** Compare argv[0] (not comm). */
  fullCommand: boolean;
  quorum: number;
  /** Infinity when not set. */
  quorumMax: number;
}

export function processMatcher(tp: TrackProcess): ProcessMatcher {
  const words = (tp.process ?? '').trim().split(/\s+/).filter(Boolean);
  const params = words.slice(1);
  const mode: ParamMatch = tp.paramMatch ?? (params.length > 0 ? 'exact' : 'none');
  return {
    name: tp.name,
    path: words[0] ?? '',
    params,
    mode,
    fullCommand: tp.fullCommand || mode !== 'none',
    quorum: tp.quorum,
    quorumMax: tp.quorumMax ?? Infinity,
  };
}

/** NUL-terminated parameters, as keepalived stores and reads them. */
function joined(params: readonly string[]): string {
  return params.map((p) => `${p}\0`).join('');
}

function paramsMatch(m: ProcessMatcher, actual: readonly string[]): boolean {
  const want = joined(m.params);
  const have = joined(actual);
  if (m.mode === 'exact' && want === '' && have === '') return true;
  if (have.length < want.length) return false;
  if (m.mode === 'exact') return have === want;
  if (want === '') return true;
  if (m.mode === 'partial') return have.startsWith(want);
  // initial: the last configured parameter may be a prefix.
  return want.length === 1 || have.startsWith(want.slice(0, -1));
}

export function processMatches(m: ProcessMatcher, p: ProcessEntry): boolean {
  if (p.zombie || m.path === '') return false;
  if (!m.fullCommand) return p.comm === m.path;
  if (p.argv.length === 0 || p.argv[0] !== m.path) return false;
  return m.mode === 'none' || paramsMatch(m, p.argv.slice(1));
}

export function countProcesses(m: ProcessMatcher, processes: readonly ProcessEntry[]): number {
  let n = 0;
  for (const p of processes) if (processMatches(m, p)) n++;
  return n;
}

export function hasQuorum(m: Pick<ProcessMatcher, 'quorum' | 'quorumMax'>, count: number): boolean {
  return count >= m.quorum && count <= m.quorumMax;
}
