// Keyword tables of the VRRP part: the top-level blocks keepalived's VRRP
// process reads. Each block lives in its own module under ./vrrp/.
import type { KeepalivedConfig } from '../model/index.js';
import type { BlockSpec, KeywordHandler } from './types.js';
import { bfdSpec, readBfdInstance } from './vrrp/bfd.js';
import { garpGroupSpec, readGarpGroup } from './vrrp/garp-group.js';
import { instanceBlocks, readInstance } from './vrrp/instance.js';
import { readVrrpScript, scriptSpec } from './vrrp/script.js';
import { staticBlocks, staticTopLevel } from './vrrp/static.js';
import { readSyncGroup, syncGroupSpec } from './vrrp/sync-group.js';
import { readTrackFile, trackFileSpec } from './vrrp/track-file.js';
import { readTrackProcess, trackProcessSpec } from './vrrp/track-process.js';

/** Top-level keywords this part reads, into the whole config. */
export const vrrpTopLevel: Record<string, KeywordHandler<KeepalivedConfig>> = {
  vrrp_instance: readInstance,
  vrrp_sync_group: readSyncGroup,
  vrrp_script: readVrrpScript,
  track_file: readTrackFile,
  vrrp_track_file: readTrackFile,
  vrrp_track_process: readTrackProcess,
  garp_group: readGarpGroup,
  bfd_instance: readBfdInstance,
  ...staticTopLevel,
};

/** Every block spec of this part, so that misplaced keywords can be pointed home. */
export const vrrpBlocks: BlockSpec<any>[] = [...instanceBlocks, syncGroupSpec, scriptSpec, trackFileSpec, trackProcessSpec, garpGroupSpec, bfdSpec, ...staticBlocks];
