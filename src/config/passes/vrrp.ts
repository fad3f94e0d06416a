// Validation passes of the VRRP part, in the order they run. The first
// three model what keepalived does while reading (reported even when it
// then stops); the rest model its checks after reading, which do not run
// when an interface is missing (see vrrp-interfaces.ts).
import type { Pass } from './types.js';
import { adviseVrrp } from './vrrp-advice.js';
import { resolveVrrpDefaults } from './vrrp-defaults.js';
import { checkVrrpInstances } from './vrrp-instances.js';
import { checkVrrpInterfaces } from './vrrp-interfaces.js';
import { checkVrrpScriptsAndTrackers } from './vrrp-scripts.js';
import { checkSyncGroups } from './vrrp-sync-groups.js';
import { checkDuplicateVrids } from './vrrp-vrids.js';

export const vrrpPasses: Pass[] = [
  resolveVrrpDefaults,
  checkVrrpScriptsAndTrackers,
  checkVrrpInterfaces,
  checkVrrpInstances,
  checkDuplicateVrids,
  checkSyncGroups,
  adviseVrrp,
];
