// What the parent and its children say to each other over the fork IPC
// channel ('advanced' serialization). The parent owns the config: it
// validates it and hands the model to every child it starts or restarts (the
// child's part of it, see child-config.ts), so a child never runs a file the
// parent has not accepted.
import type { RouteSpec, RuleSpec } from '../net/routes.js';
import type { VipDefinition } from '../vrrp/params.js';

export type ChildRole = 'vrrp' | 'checker';

/** What the VRRP child has put on the host as master: the parent removes it if the child dies. */
export interface HeldEntries {
  vips: VipDefinition[];
  routes: RouteSpec[];
  rules: RuleSpec[];
}

/** What a child needs from the command line, fixed for its lifetime. */
export interface ChildSettings {
  role: ChildRole;
  log: { console: boolean; detail: boolean; facility?: number; file?: string };
  /** -V: on stop, leave VIPs and send no priority-0 advert. */
  dontReleaseVrrp: boolean;
  /** -I: on stop, leave the IPVS entries. */
  dontReleaseIpvs: boolean;
  /** --no-vip-lease. */
  noVipLease: boolean;
  /** --ipvsadm PATH. */
  ipvsadm?: string;
}

export type DumpKind = 'data' | 'stats' | 'stats-clear' | 'json';

export type ParentMessage =
  /** config: childConfigText() of the model for the receiving child. */
  | { type: 'config'; config: string; reload: boolean }
  | { type: 'dump'; kind: DumpKind };

export interface ReloadSummary {
  added: string[];
  changed: string[];
  removed: string[];
}

export type ChildMessage =
  /** The child listens: the parent sends it the config now. */
  | { type: 'listening' }
  /** The config is running. */
  | { type: 'ready' }
  | { type: 'reloaded'; summary: ReloadSummary }
  /** VRRP child: the VIPs, virtual routes and rules it has put on the host, after every change. */
  | { type: 'held'; held: HeldEntries }
  /** A HUP sent to the child itself: the parent reloads for everyone. */
  | { type: 'reload-request' };

/** Send to the parent if the channel is up; a parent that is gone is handled by 'disconnect'. */
export function toParent(message: ChildMessage): void {
  if (process.connected && process.send) process.send(message);
}
