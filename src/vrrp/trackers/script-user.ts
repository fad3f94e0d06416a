// Who a script runs as: its own `user [group]`, else script_user (the
// default), else this process's user. Shared by vrrp_script and notify scripts.
import type { RunScriptOptions } from '../../exec/run-script.js';

export interface ScriptUser {
  user: string;
  group?: string;
}

/** runScript options for a script with `own` user (if any) and the default user. */
export function runAs(own: { user?: string; group?: string } | undefined, fallback: ScriptUser | undefined, options: RunScriptOptions): RunScriptOptions {
  const who = own?.user !== undefined ? { user: own.user, group: own.group } : fallback;
  if (!who) return options;
  return who.group !== undefined ? { ...options, user: who.user, group: who.group } : { ...options, user: who.user };
}
