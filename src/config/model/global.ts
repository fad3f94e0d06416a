// global_defs and the top-level one-line keywords. (Filled in by the global part.)
import type { Loc } from '../problems.js';
import type { Located } from '../schema/types.js';

export interface GlobalDefs extends Located {
  routerId?: string;
  enableScriptSecurity: boolean;
  scriptUser?: { user: string; group?: string; loc: Loc };
}

export interface TopLevelSettings {
  netNamespace?: string;
  instance?: string;
  childWaitTime: number;
  usePidDir: boolean;
}

export function createGlobalDefs(loc: Loc): GlobalDefs {
  return { loc, locs: {}, enableScriptSecurity: false };
}

export function createTopLevelSettings(): TopLevelSettings {
  return { childWaitTime: 5, usePidDir: false };
}
