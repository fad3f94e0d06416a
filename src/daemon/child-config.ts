// What a child is sent of the config: only its own part (the checker child
// does not run VRRP instances, the VRRP child has no virtual servers), as
// JSON text without the `locs` maps (where each keyword was written: only
// the reader's passes and -t read them; a child names a block by its `loc`).
//
// Why not the structured clone of the whole model over the 'advanced' IPC
// channel: at 10,000 virtual servers x 4 real servers the checker child's
// copy was 75 MB of heap and decoding it blocked the child's loop for
// 0.9-1.7 s at every reload, while the previous config was still alive.
// Without the maps the copy is 53 MB, and JSON.parse decodes it faster than
// v8.deserialize decodes the model.
import type { KeepalivedConfig } from '../config/model/index.js';
import { createCheckConfig } from '../config/model/check.js';
import { createVrrpConfig } from '../config/model/vrrp.js';
import type { ChildRole } from './ipc.js';

/** The part of `config` a child of `role` runs. */
export function configForRole(config: KeepalivedConfig, role: ChildRole): KeepalivedConfig {
  if (role === 'checker') return { ...config, vrrp: { ...createVrrpConfig(), trackFiles: config.vrrp.trackFiles } };
  return { ...config, check: createCheckConfig() };
}

const withoutLocs = (key: string, value: unknown): unknown => (key === 'locs' ? undefined : value);

/**
 * The checker child runs the settings keepalived settled on after reading
 * (each server's `effective`, each checker's `resolved` timers), so it is
 * not sent what they were settled from: a server's inheritedForwarding
 * (its effective forwarding says the same) and where each resolved timer
 * came from. At 10,000 HTTP_GET real servers the message is 9.5 MB instead
 * of 12.5, and every reload holds it beside two configs.
 */
function checkerPart(this: unknown, key: string, value: unknown): unknown {
  if (key === 'locs' || key === 'inheritedForwarding') return undefined;
  if (key === 'source' && isResolvedTimers(this)) return undefined;
  return value;
}

function isResolvedTimers(holder: unknown): boolean {
  return typeof holder === 'object' && holder !== null && 'delayBeforeRetry' in holder && 'warmup' in holder && 'source' in holder;
}

/** `configForRole` as text for the IPC message. */
export function childConfigText(config: KeepalivedConfig, role: ChildRole): string {
  return JSON.stringify(configForRole(config, role), role === 'checker' ? checkerPart : withoutLocs);
}

/** The child's side of childConfigText. Its nodes have no `locs` (and the checker child's none of what checkerPart leaves out). */
export function parseChildConfig(text: string): KeepalivedConfig {
  return JSON.parse(text) as KeepalivedConfig;
}
