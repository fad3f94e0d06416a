// Helpers shared by the VRRP passes: the gate that keepalived's VRRP
// process applies after reading, and small predicates.
import type { KeepalivedConfig } from '../model/index.js';
import type { VrrpInstance } from '../model/vrrp.js';

/**
 * keepalived's VRRP process stops after reading when a configured interface
 * does not exist; the checks it makes after reading are then never made.
 * Passes that model those checks call this first.
 */
export function vrrpChecksRun(config: KeepalivedConfig): boolean {
  return !config.vrrp.stoppedAtMissingInterface;
}

/**
 * Instances keepalived keeps after its first post-read check: one without a
 * virtual_router_id is dropped with only that complaint.
 */
export function checkedInstances(config: KeepalivedConfig): VrrpInstance[] {
  return config.vrrp.instances.filter((i) => i.vrid !== undefined);
}

/** An address owner (priority 255) always starts as MASTER and ignores weights. */
export function isAddressOwner(inst: VrrpInstance): boolean {
  return inst.priority === 255;
}
