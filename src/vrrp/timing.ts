// VRRP timer arithmetic: skew time, master-down interval and the start-up
// waits keepalived uses. Pure: numbers in, numbers out.
//
// Units: advertisement intervals are in centiseconds (the VRRPv3 wire unit;
// a VRRPv2 interval of N seconds is N * 100). Results are milliseconds and may
// be fractional: keepalived computes these timers in whole microseconds
// (truncating), and we return exactly those microseconds divided by 1000, so
// that a timer here and a timer in keepalived expire at the same instant.

export type VrrpVersion = 2 | 3;

/** Priority of the address owner (RFC 5798 5.2.4). */
export const OWNER_PRIORITY = 255;

/** RFC 5798 6.1: Master_Down_Interval counts three advertisement intervals. */
export const DEFAULT_DOWN_TIMER_ADVERTS = 3;

/** Centiseconds to milliseconds. */
export function advertIntervalMs(advertIntervalCs: number): number {
  return advertIntervalCs * 10;
}

/**
 * Skew in whole microseconds for a priority factor (256 - priority, or 1 for
 * the minimum skew). VRRPv2 (RFC 3768 6.1): factor / 256 seconds, whatever
 * the interval. VRRPv3 (RFC 5798 6.1): factor * Master_Adver_Interval / 256.
 * keepalived's VRRP_TIMER_SKEW truncates to microseconds in both cases.
 */
function skewMicros(version: VrrpVersion, factor: number, masterAdverIntCs: number): number {
  if (version === 3) return Math.floor((factor * masterAdverIntCs * 625) / 16);
  return Math.floor((factor * 1_000_000) / 256);
}

/**
 * Skew_Time in ms for a (effective) priority. The address owner uses 255:
 * pass the effective priority, which is 255 for an owner.
 */
export function skewTime(version: VrrpVersion, priority: number, masterAdverIntCs: number): number {
  return skewMicros(version, 256 - priority, masterAdverIntCs) / 1000;
}

/**
 * The smallest skew (priority factor 1): keepalived's VRRP_TIMER_SKEW_MIN.
 */
export function minSkewTime(version: VrrpVersion, masterAdverIntCs: number): number {
  return skewMicros(version, 1, masterAdverIntCs) / 1000;
}

/**
 * Master_Down_Interval in ms (RFC 5798 6.1, RFC 3768 6.1):
 * down_timer_adverts * Master_Adver_Interval + Skew_Time. keepalived makes
 * the 3 configurable (`down_timer_adverts`, default 3).
 */
export function masterDownInterval(
  version: VrrpVersion,
  priority: number,
  masterAdverIntCs: number,
  downTimerAdverts: number = DEFAULT_DOWN_TIMER_ADVERTS,
): number {
  return downTimerAdverts * advertIntervalMs(masterAdverIntCs) + skewTime(version, priority, masterAdverIntCs);
}

export interface StartupInput {
  version: VrrpVersion;
  /** Effective priority (255 for the address owner). */
  priority: number;
  advertIntervalCs: number;
  initialState: 'MASTER' | 'BACKUP';
  downTimerAdverts: number;
}

export type StartupKind =
  /** Priority 255 with state MASTER: master at once (RFC 5798 6.4.1). */
  | 'owner'
  /**
   * state MASTER below 255: the full master-down interval, like a backup.
   * Measured with keepalived 2.2.7 (priority 150, advert_int 4: first advert
   * 12.4 s after start); the shorter "one advert interval + minimum skew"
   * wait is not what 2.2.7 does.
   */
  | 'initial-master'
  /** state BACKUP: the full master-down interval. */
  | 'backup';

export interface StartupWait {
  kind: StartupKind;
  /** ms from start (after any global start-up delay) until the instance may become master. */
  wait: number;
}

/**
 * How long an instance waits in BACKUP after start before taking over, as
 * keepalived 2.2.7 does it: at once for the owner with `state MASTER`, the
 * master-down interval for everyone else (`state MASTER` below 255 too). An
 * owner configured with `state BACKUP` waits like any backup.
 */
export function startupWait(input: StartupInput): StartupWait {
  if (input.initialState === 'MASTER' && input.priority === OWNER_PRIORITY) return { kind: 'owner', wait: 0 };
  const wait = masterDownInterval(input.version, input.priority, input.advertIntervalCs, input.downTimerAdverts);
  return { kind: input.initialState === 'MASTER' ? 'initial-master' : 'backup', wait };
}
