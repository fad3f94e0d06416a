// The typed model of a keepalived.conf that the rest of the program reads.
// Plain data: no methods, no references to runtime objects.
import type { Loc } from '../problems.js';
import { createCheckConfig, type CheckConfig } from './check.js';
import { createGlobalDefs, createTopLevelSettings, type GlobalDefs, type TopLevelSettings } from './global.js';
import { createVrrpConfig, type VrrpConfig } from './vrrp.js';

export type { CheckConfig } from './check.js';
export type { GlobalDefs, TopLevelSettings } from './global.js';
export type { VrrpConfig } from './vrrp.js';

export interface KeepalivedConfig {
  /** The main config file. */
  file: string;
  top: TopLevelSettings;
  global: GlobalDefs;
  vrrp: VrrpConfig;
  check: CheckConfig;
}

export function createConfig(file: string): KeepalivedConfig {
  const start: Loc = { file, line: 1, col: 1 };
  return {
    file,
    top: createTopLevelSettings(),
    global: createGlobalDefs(start),
    vrrp: createVrrpConfig(),
    check: createCheckConfig(),
  };
}
