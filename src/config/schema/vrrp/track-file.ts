// track_file NAME { file PATH; weight N [reverse]; init_file [VALUE] [overwrite] }
// (vrrp_track_file is the older name of the same block). A block without
// `file` is dropped when it ends; keepalived reports that on the '}' line.
import type { KeepalivedConfig } from '../../model/index.js';
import { createTrackFile, type TrackFile } from '../../model/vrrp.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import { readBlock } from '../reader.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { readInteger } from '../values.js';
import { blockName, endLocOf, rememberConfig } from './common.js';

type Handler = KeywordHandler<TrackFile>;

const file: Handler = (stmt, tf, ctx) => {
  const path = stmt.words[1]?.v;
  if (path === undefined) {
    // Unlike most keywords, keepalived only warns here (checked).
    ctx.problems.warning('vrrp-track-file-no-path', stmtLoc(stmt), `'file' of track_file ${tf.name} has no path; it is ignored`, { hint: "write 'file /path/to/file'" });
    return;
  }
  if (tf.file !== undefined) {
    ctx.problems.warning('vrrp-track-file-twice', stmtLoc(stmt, 1), `track_file ${tf.name} already watches ${tf.file}; '${path}' is ignored`);
    return;
  }
  tf.file = path;
};

/**
 * `weight N [reverse]` of a tracker block (track_file, vrrp_track_process):
 * -254..254. keepalived ignores a second weight once the weight differs from
 * the block's default (checked).
 */
export function blockWeight<T extends { name: string; weight: number; weightReverse: boolean }>(what: string, defaultWeight: number): KeywordHandler<T> {
  return (stmt, tracker, ctx) => {
    if (stmt.words.length < 2) {
      ctx.problems.warning('vrrp-weight-missing', stmtLoc(stmt), `'weight' of ${what} ${tracker.name} has no value; it is ignored`, { hint: 'write weight N, with N from -254 to 254' });
      return;
    }
    if (tracker.weight !== defaultWeight) {
      ctx.problems.warning('vrrp-weight-twice', stmtLoc(stmt, 1), `the weight of ${what} ${tracker.name} is already ${tracker.weight}; this one is ignored`, { hint: "keep one 'weight' line" });
      return;
    }
    const value = readInteger(stmt, ctx, 1, { min: -254, max: 254 });
    if (value === undefined) return;
    tracker.weight = value;
    const option = stmt.words[2]?.v;
    if (option === 'reverse') tracker.weightReverse = true;
    else if (option !== undefined) {
      ctx.problems.warning('vrrp-track-option', stmtLoc(stmt, 2), `'${option}' after the weight of ${what} ${tracker.name} is not understood; it is ignored`, {
        hint: "only 'reverse' may follow the weight",
      });
    }
  };
}

/** init_file [VALUE] [overwrite]: create (or with overwrite, rewrite) the file with VALUE at start-up. */
const initFile: Handler = (stmt, tf, ctx) => {
  const init = { value: 0, overwrite: false };
  for (let i = 1; i < stmt.words.length; i++) {
    const word = stmt.words[i].v;
    if (word === 'overwrite') init.overwrite = true;
    else if (/^[0-9]/.test(word) && /^(0x[0-9a-f]+|\d+)$/i.test(word)) init.value = Number(word);
    else if (/^[0-9]/.test(word)) {
      ctx.problems.warning('vrrp-track-file-init', stmtLoc(stmt, i), `init_file value '${word}' of track_file ${tf.name} is not a number; 0 is used`);
    } else {
      ctx.problems.warning('vrrp-track-file-init', stmtLoc(stmt, i), `'${word}' is not an option of init_file; it is ignored`, { hint: "write 'init_file [VALUE] [overwrite]'" });
    }
  }
  tf.init = init;
};

export const trackFileSpec: BlockSpec<TrackFile> = {
  name: 'track_file',
  keywords: { file, weight: blockWeight<TrackFile>('track_file', 1), init_file: initFile },
};

/** The top-level track_file and vrrp_track_file keywords. */
export function readTrackFile(stmt: Stmt, config: KeepalivedConfig, ctx: ReadContext): void {
  rememberConfig(ctx, config);
  const name = blockName(stmt, ctx, false);
  if (name === undefined) return;
  const keyword = keywordOf(stmt) === 'vrrp_track_file' ? 'vrrp_track_file' : 'track_file';
  const tf = createTrackFile(name, stmtLoc(stmt, 1), keyword);
  if (!stmt.block) ctx.problems.error('missing-block', stmtLoc(stmt), `'${keyword}' needs a block: '${keyword} NAME { file PATH }'`);
  readBlock(trackFileSpec, stmt.block, tf, ctx);
  tf.endLoc = endLocOf(stmt);
  if (tf.file === undefined) {
    ctx.problems.warning('vrrp-track-file-no-file', tf.endLoc, `track_file ${name} has no 'file'; it is dropped`, { hint: "add 'file /path/to/file' to the block" });
    return;
  }
  config.vrrp.trackFiles.push(tf);
}
