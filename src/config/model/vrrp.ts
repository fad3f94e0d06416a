// The VRRP side of the model: instances, sync groups, trackers, static
// addresses. (Filled in by the VRRP part.)

export interface VrrpConfig {
  instances: unknown[];
}

export function createVrrpConfig(): VrrpConfig {
  return { instances: [] };
}
