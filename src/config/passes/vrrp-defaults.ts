// Fills in the instance settings whose defaults come from global_defs
// (keepalived applies them after reading, so global_defs may come after the
// instances): VRRP version, strict mode, down_timer_adverts.
import type { VrrpVersion } from '../model/vrrp.js';
import type { Pass } from './types.js';

/** Largest VRRPv3 advert interval in seconds: 4095 centiseconds. */
export const V3_MAX_ADVERT_INT = 40.95;

/** VRRPv2 carries whole seconds; VRRPv3 centiseconds (RFC 3768 / RFC 5798). */
export function effectiveAdvertInt(seconds: number, version: VrrpVersion): number {
  if (version === 2) return Math.max(1, Math.round(seconds));
  return Math.min(V3_MAX_ADVERT_INT, Math.max(0.01, Math.round(seconds * 100) / 100));
}

export const resolveVrrpDefaults: Pass = (config) => {
  const globals = config.global.vrrp;
  for (const inst of config.vrrp.instances) {
    inst.strictMode = inst.configuredStrictMode ?? globals.strict;
    // IPv6 instances default to VRRPv3 (v2 is IPv4 only); an explicit version wins,
    // except that strict mode moves IPv6 to version 3 (reported by the instance checks).
    inst.version = inst.configuredVersion ?? (inst.family === 6 ? 3 : globals.version);
    if (inst.strictMode && inst.family === 6) inst.version = 3;
    if (inst.locs.down_timer_adverts === undefined) inst.downTimerAdverts = globals.downTimerAdverts;
    inst.advertInt = effectiveAdvertInt(inst.configuredAdvertInt ?? 1, inst.version);
  }
};
