// vrrp_track_process NAME { process NAME [ARGS]; param_match initial|partial;
//   weight N [reverse]; quorum N; quorum_max N; delay S; terminate_delay S;
//   fork_delay S; full_command }
// A block without `process` is dropped when it ends ('}' line).
import type { KeepalivedConfig } from '../../model/index.js';
import { createTrackProcess, type TrackProcess } from '../../model/vrrp.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import { readBlock } from '../reader.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { argAt, readDecimal, readInteger, restOfLine } from '../values.js';
import { blockName, endLocOf, flag, rememberConfig } from './common.js';
import { blockWeight } from './track-file.js';

type Handler = KeywordHandler<TrackProcess>;

const DELAY = { min: 0.000001, max: 3600 };

function delay(set: (tp: TrackProcess, seconds: number) => void): Handler {
  return (stmt, tp, ctx) => {
    const value = readDecimal(stmt, ctx, 1, DELAY);
    if (value !== undefined) set(tp, value);
  };
}

const process: Handler = (stmt, tp, ctx) => {
  if (argAt(stmt, ctx, 1, 'a process name') === undefined) return;
  if (tp.process !== undefined) {
    ctx.problems.warning('vrrp-track-process-twice', stmtLoc(stmt, 1), `vrrp_track_process ${tp.name} already tracks '${tp.process}'; this one is ignored`);
    return;
  }
  tp.process = restOfLine(stmt);
};

const paramMatch: Handler = (stmt, tp, ctx) => {
  // keepalived ignores a param_match without a value (checked).
  const mode = stmt.words[1]?.v;
  if (mode === undefined) return;
  if (mode === 'initial' || mode === 'partial') tp.paramMatch = mode;
  else ctx.problems.warning('invalid-value', stmtLoc(stmt, 1), `'param_match' does not accept '${mode}'; it is ignored`, { hint: 'use initial or partial' });
};

const quorum: Handler = (stmt, tp, ctx) => {
  const isMax = keywordOf(stmt) === 'quorum_max';
  const value = readInteger(stmt, ctx, 1, { min: isMax ? 0 : 1, max: 65535 });
  if (value === undefined) return;
  if (isMax && value < tp.quorum) {
    ctx.problems.warning('vrrp-track-process-quorum', stmtLoc(stmt, 1), `quorum_max ${value} is below quorum ${tp.quorum}; it is ignored`);
    return;
  }
  if (!isMax && tp.quorumMax !== undefined && value > tp.quorumMax) {
    ctx.problems.warning('vrrp-track-process-quorum', stmtLoc(stmt, 1), `quorum ${value} is above quorum_max ${tp.quorumMax}; it is ignored`);
    return;
  }
  if (isMax) tp.quorumMax = value;
  else tp.quorum = value;
};

export const trackProcessSpec: BlockSpec<TrackProcess> = {
  name: 'vrrp_track_process',
  keywords: {
    process,
    param_match: paramMatch,
    weight: blockWeight<TrackProcess>('vrrp_track_process', 0),
    quorum,
    quorum_max: quorum,
    delay: delay((tp, s) => (tp.delay = s)),
    terminate_delay: delay((tp, s) => (tp.terminateDelay = s)),
    fork_delay: delay((tp, s) => (tp.forkDelay = s)),
    full_command: flag((tp) => (tp.fullCommand = true)),
  },
};

/** The top-level vrrp_track_process keyword. */
export function readTrackProcess(stmt: Stmt, config: KeepalivedConfig, ctx: ReadContext): void {
  rememberConfig(ctx, config);
  const name = blockName(stmt, ctx, false);
  if (name === undefined) return;
  const tp = createTrackProcess(name, stmtLoc(stmt, 1));
  if (!stmt.block) ctx.problems.error('missing-block', stmtLoc(stmt), "'vrrp_track_process' needs a block: 'vrrp_track_process NAME { process NAME }'");
  readBlock(trackProcessSpec, stmt.block, tp, ctx);
  tp.endLoc = endLocOf(stmt);
  if (tp.process === undefined) {
    ctx.problems.warning('vrrp-track-process-no-process', tp.endLoc, `vrrp_track_process ${name} has no 'process'; it is dropped`, { hint: "add 'process NAME' to the block" });
    return;
  }
  config.vrrp.trackProcesses.push(tp);
}
