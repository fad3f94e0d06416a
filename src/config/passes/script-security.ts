// Script security: what keepalived 2.2.7 -t says about the scripts a config
// would run. Measured with keepalived -t (see the part report and the tests):
//
// - Each script has a user: the one written after notify-type commands, the
//   block's `user` for vrrp_script / MISC_CHECK, else the default script
//   user. keepalived settles the default at the first global_defs keyword
//   that needs it (script_user, or a fifo / script without its own user),
//   later at the first checker, then VRRP script: script_user's user, else
//   keepalived_script if it exists, else root - but if enable_script_security
//   was read before that point and keepalived_script does not exist, it is an
//   error and every script without its own user is dropped.
// - Scripts are checked per process, and only when that process has work:
//   startup/shutdown scripts always; VRRP scripts (every vrrp_script, used or
//   not, and notify scripts) only when there is a vrrp_instance and no
//   interface the VRRP part names is missing (keepalived stops first); checker
//   scripts only when a virtual server has real servers; notify_fifo_script
//   with either.
// - A checked script that exists (a directory counts) makes keepalived -t
//   exit 6 unless enable_script_security is set. A missing one does not.
// - With enable_script_security, scripts that run as root and that non-root
//   users could change (writable file or directory on the path, not owned by
//   root) are dropped: silently, except vrrp_script's, which is an error.
// - A missing vrrp_script script is an error (with or without security).
import { posix } from 'node:path';
import type { FileInfo, HostInfo } from '../host.js';
import type { KeepalivedConfig } from '../model/index.js';
import { Problems, type Loc } from '../problems.js';
import { parseScriptLine } from '../schema/global/script-words.js';
import type { Script } from '../schema/types.js';
import type { PassContext } from './types.js';
import { missingVrrpInterfaces } from './vrrp-interfaces.js';

type Side = 'parent' | 'vrrp' | 'check' | 'any';

interface ScriptKind {
  /** Which keepalived process checks it. */
  side: Side;
  /** The words after the command name the user and group. */
  inlineUser: boolean;
  /** keepalived reports problems of this script (not only drops it): vrrp_script's script. */
  track?: boolean;
  /** keepalived reports that it drops the script when it has no user: startup/shutdown, vrrp_script, MISC_CHECK. */
  reportsNoUser?: boolean;
}

const NOTIFY: ScriptKind = { side: 'vrrp', inlineUser: true };
const CHECK_NOTIFY: ScriptKind = { side: 'check', inlineUser: true };

/** Script keywords by the keyword that configures them. */
export const SCRIPT_KINDS: Readonly<Record<string, ScriptKind>> = {
  startup_script: { side: 'parent', inlineUser: true, reportsNoUser: true },
  shutdown_script: { side: 'parent', inlineUser: true, reportsNoUser: true },
  notify_fifo_script: { side: 'any', inlineUser: true },
  vrrp_notify_fifo_script: { side: 'vrrp', inlineUser: true },
  lvs_notify_fifo_script: { side: 'check', inlineUser: true },
  notify: NOTIFY,
  notify_master: NOTIFY,
  notify_backup: NOTIFY,
  notify_fault: NOTIFY,
  notify_stop: NOTIFY,
  notify_deleted: NOTIFY,
  notify_master_rx_lower_pri: NOTIFY,
  script: { side: 'vrrp', inlineUser: false, track: true, reportsNoUser: true },
  misc_path: { side: 'check', inlineUser: false, reportsNoUser: true },
  notify_up: CHECK_NOTIFY,
  notify_down: CHECK_NOTIFY,
  quorum_up: CHECK_NOTIFY,
  quorum_down: CHECK_NOTIFY,
};

/** A keyword we do not know is checked like a parent script: always. */
function kindOf(script: Script): ScriptKind {
  return Object.prototype.hasOwnProperty.call(SCRIPT_KINDS, script.keyword) ? SCRIPT_KINDS[script.keyword] : { side: 'parent', inlineUser: true };
}

export interface RunAs {
  uid: number;
  gid: number;
  /** For messages: the user name. */
  name: string;
}

/** Why keepalived will not run a script, decided while it reads the config. */
export type Dropped = 'unparsable' | 'no-default-user' | 'bad-user';

export interface ScriptUse {
  script: Script;
  /** Program and arguments; empty when unparsable. */
  args: string[];
  runAs?: RunAs;
  dropped?: Dropped;
}

function lookUp(host: HostInfo, user: string, group: string | undefined): RunAs | undefined {
  const u = host.user(user);
  if (!u) return undefined;
  if (group === undefined) return { uid: u.uid, gid: u.gid, name: user };
  const gid = host.group(group);
  return gid === undefined ? undefined : { uid: u.uid, gid, name: `${user}:${group}` };
}

const ROOT: RunAs = { uid: 0, gid: 0, name: 'root' };

/**
 * keepalived's default script user as it evolves while reading: unsettled,
 * then a user, or failed for good.
 */
class DefaultUser {
  private settled = false;
  private failed = false;
  private user: RunAs = ROOT;

  constructor(
    private readonly host: HostInfo,
    private readonly ctx: PassContext,
  ) {}

  /** script_user USER [GROUP]. */
  set(user: string, group: string | undefined, loc: Loc): void {
    this.settled = true;
    const runAs = lookUp(this.host, user, group);
    if (!runAs) {
      this.failed = true;
      const what = this.host.user(user) ? `group '${group}'` : `user '${user}'`;
      this.ctx.problems.error('script-user-unknown', loc, `script_user: ${what} does not exist on this host`, {
        hint: 'keepalived then runs no script that lacks its own user; name an existing user (and group)',
      });
    } else if (this.failed) {
      this.ctx.problems.error('script-user-too-late', loc, `script_user '${runAs.name}' comes after keepalived already failed to find a default script user`, {
        hint: 'keepalived keeps that failure: put script_user at the top of global_defs, before any script or fifo',
      });
    } else {
      this.user = runAs;
    }
  }

  /** A script or fifo that takes the default user; undefined when there is none. */
  take(securityEnabled: boolean, loc: Loc): RunAs | undefined {
    if (!this.settled) {
      this.settled = true;
      const dedicated = this.host.user('keepalived_script');
      if (dedicated) this.user = { uid: dedicated.uid, gid: dedicated.gid, name: 'keepalived_script' };
      else if (securityEnabled) {
        this.failed = true;
        this.ctx.problems.error(
          'no-script-user',
          loc,
          'enable_script_security is set, but there is no script_user and the default script user keepalived_script does not exist',
          {
            hint: "add 'script_user USER' to global_defs (a dedicated unprivileged user, or root), or create the user keepalived_script; until then keepalived runs no script that lacks its own user",
          },
        );
      }
    }
    return this.failed ? undefined : this.user;
  }
}

function parseUse(script: Script): { args: string[]; user?: string; group?: string } | 'unterminated' | 'trailing-backslash' {
  const parsed = parseScriptLine(script.command, kindOf(script).inlineUser);
  if (!parsed.ok) return parsed.reason === 'unterminated-quote' ? 'unterminated' : 'trailing-backslash';
  return parsed.line;
}

/**
 * Decides, in keepalived's reading order, the user each script runs as, or
 * why keepalived drops it. With `ctx`, reports what keepalived reports about
 * users and unparsable script lines. Exported so that other passes can tell
 * whether keepalived drops a script (e.g. a vrrp_script removed for lack of
 * a user); they call it without `ctx`.
 */
export function resolveScriptUsers(config: KeepalivedConfig, scripts: readonly Script[], host: HostInfo, ctx?: PassContext): ScriptUse[] {
  const security = config.global.scriptSecurity;
  const uses = new Map<Script, ScriptUse>();
  const report = ctx ?? { problems: new Problems(), host, scripts };
  const defaults = new DefaultUser(host, report);

  // Scripts naming their own user, and unparsable ones, do not touch the default.
  const ownUser = new Map<Script, { user: string; group?: string }>();
  for (const script of scripts) {
    const line = parseUse(script);
    if (line === 'unterminated') {
      report.problems.error('unterminated-quote', script.loc, `the ${script.keyword} command line has an unterminated quote`, {
        hint: "close the quote; keepalived drops this script (quotes inside double quotes need to be balanced too, e.g. \"/bin/cmd 'arg'\")",
      });
      uses.set(script, { script, args: [], dropped: 'unparsable' });
      continue;
    }
    if (line === 'trailing-backslash') {
      // keepalived only says so for startup/shutdown scripts ("Invalid startup script").
      const severity = kindOf(script).side === 'parent' ? 'error' : 'note';
      report.problems.add(severity, 'script-dropped', script.loc, `the ${script.keyword} command line ends with a backslash; keepalived drops this script`, {
        hint: 'remove the trailing backslash',
      });
      uses.set(script, { script, args: [], dropped: 'unparsable' });
      continue;
    }
    uses.set(script, { script, args: line.args });
    const blockUser = script.user !== undefined ? { user: script.user, group: script.group } : undefined;
    const user = line.user ?? blockUser?.user;
    const group = line.user !== undefined ? line.group : blockUser?.group;
    if (user !== undefined) ownUser.set(script, { user, ...(group !== undefined ? { group } : {}) });
  }

  const assignDefault = (script: Script, securityEnabled: boolean): void => {
    const use = uses.get(script);
    if (!use || use.dropped) return;
    const runAs = defaults.take(securityEnabled, script.blockEnd ?? script.loc);
    if (runAs) use.runAs = runAs;
    else {
      use.dropped = 'no-default-user';
      reportDropped(use, report, script.blockEnd ?? script.loc);
    }
  };

  // 1. The parent reads global_defs, in order.
  for (const step of security.defaultUserSteps) {
    if (step.keyword === 'script_user' && step.user !== undefined) defaults.set(step.user, step.group, step.loc);
    else if (step.script) assignDefault(step.script, step.securityEnabledBefore);
    else defaults.take(step.securityEnabledBefore, step.loc);
  }
  const parentScripts = new Set(security.defaultUserSteps.map((s) => s.script).filter((s): s is Script => s !== undefined));

  // 2. The checker process reads its scripts, 3. then the VRRP process.
  for (const side of ['check', 'vrrp'] as const) {
    for (const script of scripts) {
      if (kindOf(script).side !== side || parentScripts.has(script) || ownUser.has(script)) continue;
      assignDefault(script, security.enabled);
    }
  }

  // Scripts that name their user.
  for (const [script, own] of ownUser) {
    const use = uses.get(script)!;
    const runAs = lookUp(host, own.user, own.group);
    if (runAs) use.runAs = runAs;
    else {
      use.dropped = 'bad-user';
      reportBadUser(use, own, report, host);
    }
  }
  // Anything still without a user (unknown keywords read elsewhere) runs as the default.
  for (const use of uses.values()) if (!use.runAs && !use.dropped) use.runAs = defaults.take(security.enabled, use.script.loc) ?? ROOT;
  return scripts.map((s) => uses.get(s)!);
}

function reportDropped(use: ScriptUse, ctx: PassContext, at: Loc): void {
  const { script } = use;
  const what = `${script.keyword} '${use.args[0] ?? script.command}'`;
  // The VRRP part reports dropped vrrp_scripts itself.
  if (kindOf(script).track) return;
  if (kindOf(script).reportsNoUser) {
    ctx.problems.error('script-dropped', at, `${what} is dropped: it has no user to run as`, {
      hint: "give global_defs a script_user (or create the user keepalived_script)",
    });
  } else {
    ctx.problems.note('script-dropped', script.loc, `${what} will not run: it has no user to run as`, {
      hint: "give global_defs a script_user (or create the user keepalived_script)",
    });
  }
}

function reportBadUser(use: ScriptUse, own: { user: string; group?: string }, ctx: PassContext, host: HostInfo): void {
  const { script } = use;
  const missing = host.user(own.user) ? `group '${own.group}'` : `user '${own.user}'`;
  const kind = kindOf(script);
  if (kind.side === 'parent') {
    ctx.problems.error('script-user-unknown', script.loc, `${script.keyword} names ${missing}, which does not exist; keepalived drops the script`, {
      hint: 'name an existing user after the command, or none to use the default script user',
    });
  } else if (kind.inlineUser) {
    ctx.problems.note('script-user-unknown', script.loc, `${script.keyword} names ${missing}, which does not exist; keepalived silently drops the script`, {
      hint: 'the words after the command are USER [GROUP]; quote the command if they are meant as arguments, e.g. "/path/script arg"',
    });
  }
  // vrrp_script / MISC_CHECK `user` lines are reported by their own parts.
}

// ---------------------------------------------------------------------------
// Checking one script the way keepalived's check_script_secure does.

type Finding =
  | { kind: 'system' }
  | { kind: 'not-found'; path: string }
  | { kind: 'found'; path: string; executable: boolean; unsafe?: string; wrongType?: string };

function isExecutable(info: FileInfo, runAs: RunAs): boolean {
  const mode = info.mode;
  if (runAs.uid === 0) return (mode & 0o111) !== 0;
  if (runAs.uid === info.uid) return (mode & 0o100) !== 0;
  return runAs.gid === info.gid ? (mode & 0o010) !== 0 : (mode & 0o001) !== 0;
}

/** Why a path component lets non-root users change the script, or undefined. */
function unsafeBecause(path: string, info: FileInfo): string | undefined {
  if (info.uid !== 0) return `${path} is owned by uid ${info.uid}, not root`;
  const checked = (info.isDirectory && (info.mode & 0o1000) === 0) || info.isFile;
  if (!checked) return undefined;
  if (info.mode & 0o002) return `${path} is writable by everyone`;
  if (info.gid !== 0 && info.mode & 0o020) return `${path} is writable by group ${info.gid}`;
  return undefined;
}

/** Every path from the root (or the first component) to the file. */
function prefixes(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  if (path.startsWith('/')) out.push('/');
  let current = path.startsWith('/') ? '' : undefined;
  for (const part of parts) {
    if (part === '') continue;
    current = current === undefined ? part : `${current}/${part}`;
    out.push(current.startsWith('/') || !path.startsWith('/') ? current : `/${current}`);
  }
  return out;
}

function findOnPath(name: string, runAs: RunAs, host: HostInfo): string | undefined {
  for (const dir of host.path) {
    const candidate = `${dir.replace(/\/$/, '')}/${name}`;
    const info = host.fileInfo(candidate);
    if (info && info.isFile && isExecutable(info, runAs)) return candidate;
  }
  return undefined;
}

export function inspectScript(args: readonly string[], runAs: RunAs, host: HostInfo): Finding {
  const program = args[0] ?? '';
  // "</path" only tests that a file can be opened: nothing is executed.
  if (/^<[ \t]*\//.test(program)) return { kind: 'system' };
  let path = program;
  if (!program.includes('/')) {
    const found = program === '' ? undefined : findOnPath(program, runAs, host);
    if (!found) return { kind: 'not-found', path: program };
    path = found;
  }
  path = posix.normalize(path);
  const info = host.fileInfo(path);
  if (!info) return { kind: 'not-found', path };
  const executable = isExecutable(info, runAs);
  const setIdRoot = (info.uid === 0 && (info.mode & 0o4100) === 0o4100) || (info.gid === 0 && (info.mode & 0o2010) === 0o2010);
  const finding: Finding = { kind: 'found', path, executable };
  // keepalived only checks who can change scripts that run with root rights.
  if (!executable || !(runAs.uid === 0 || runAs.gid === 0 || setIdRoot)) return finding;
  const steps = prefixes(path);
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const stepInfo = host.fileInfo(step);
    if (!stepInfo) return { kind: 'not-found', path };
    const last = i === steps.length - 1;
    if (last ? !stepInfo.isFile : !stepInfo.isDirectory) {
      finding.wrongType = last ? `${step} is not a regular file` : `${step} is not a directory`;
      return finding;
    }
    const why = unsafeBecause(step, stepInfo);
    if (why) {
      finding.unsafe = why;
      return finding;
    }
  }
  return finding;
}

// ---------------------------------------------------------------------------
// Which scripts keepalived checks.

/** Real servers of a virtual server, as the check part models them; undefined when unknown. */
function realServerCount(vs: unknown): number | undefined {
  const rs = (vs as { realServers?: unknown } | null)?.realServers;
  return Array.isArray(rs) ? rs.length : undefined;
}

/** Script objects held anywhere inside a model node (the check part keeps the Script objects it read). */
function scriptsInside(node: unknown, known: ReadonlySet<Script>, out: Set<Script>, depth = 0): void {
  if (node === null || typeof node !== 'object' || depth > 6) return;
  if (known.has(node as Script)) {
    out.add(node as Script);
    return;
  }
  for (const value of Object.values(node as Record<string, unknown>)) scriptsInside(value, known, out, depth + 1);
}

interface Sides {
  vrrp: boolean;
  check: boolean;
  /** Scripts of virtual servers keepalived discards (no real servers). */
  discarded: Set<Script>;
}

function activeSides(config: KeepalivedConfig, scripts: readonly Script[], host: HostInfo): Sides {
  const instances = (config.vrrp as { instances?: unknown[] }).instances ?? [];
  // The VRRP process stops before its script checks when an interface is missing.
  const vrrpStops = instances.length > 0 && missingVrrpInterfaces(config, host).length > 0;
  const servers = (config.check as { virtualServers?: unknown[] }).virtualServers ?? [];
  const known = new Set(scripts);
  const discarded = new Set<Script>();
  let check = false;
  for (const vs of servers) {
    const count = realServerCount(vs);
    if (count === 0) scriptsInside(vs, known, discarded);
    else check = true;
  }
  return { vrrp: instances.length > 0 && !vrrpStops, check, discarded };
}

function isChecked(kind: ScriptKind, sides: Sides): boolean {
  switch (kind.side) {
    case 'parent':
      return true;
    case 'vrrp':
      return sides.vrrp;
    case 'check':
      return sides.check;
    case 'any':
      return sides.vrrp || sides.check;
  }
}

const SECURITY_HINT =
  "add 'enable_script_security' to global_defs and run scripts as a dedicated unprivileged user with 'script_user USER' (keepalived_script is the default when it exists)";

function describe(script: Script, path: string): string {
  return `${script.keyword} '${path}'`;
}

export interface ScriptSecurityOptions {
  /**
   * keepalived -t read only global_defs (it could not enter the network
   * namespace): only what it says about global_defs scripts while reading.
   */
  globalDefsOnly?: boolean;
}

/** Scripts that keepalived's parent process reads (in global_defs). */
function readByParent(script: Script): boolean {
  const side = kindOf(script).side;
  return side === 'parent' || side === 'any' || script.keyword.endsWith('notify_fifo_script');
}

export function checkScriptSecurity(config: KeepalivedConfig, ctx: PassContext, options: ScriptSecurityOptions = {}): void {
  if (options.globalDefsOnly) {
    resolveScriptUsers(config, ctx.scripts.filter(readByParent), ctx.host, ctx);
    return;
  }
  const enabled = config.global.scriptSecurity.enabled;
  const uses = resolveScriptUsers(config, ctx.scripts, ctx.host, ctx);
  const sides = activeSides(config, ctx.scripts, ctx.host);
  let killedNoted = false;

  for (const use of uses) {
    const { script } = use;
    const kind = kindOf(script);
    if (use.dropped || !use.runAs || !isChecked(kind, sides) || sides.discarded.has(script)) continue;
    const runAs = use.runAs;
    if (!killedNoted && (runAs.uid !== 0 || runAs.gid !== 0)) {
      killedNoted = true;
      ctx.problems.note('config-test-killed', script.loc, `keepalived 2.2.7 -t stops itself (killed by SIGTERM, exit 143) when it checks a script that runs as ${runAs.name}`, {
        hint: 'a keepalived bug in config-test mode only; the daemon runs such scripts normally',
      });
    }
    const finding = inspectScript(use.args, runAs, ctx.host);
    if (finding.kind === 'system') continue;

    if (finding.kind === 'not-found') {
      if (kind.track) {
        ctx.problems.error('script-not-found', script.loc, `vrrp_script's script '${finding.path}' does not exist (or is not executable on $PATH)`, {
          hint: 'keepalived disables this vrrp_script; give the full path of an existing executable',
        });
      } else {
        ctx.problems.note('script-not-found', script.loc, `${describe(script, finding.path)} does not exist; keepalived will not run it`, {
          hint: 'give the full path of an existing executable',
        });
      }
      continue;
    }

    const problem = finding.wrongType ?? finding.unsafe;
    if (!enabled) {
      const user = runAs.uid === 0 ? 'as root' : `as ${runAs.name}`;
      const risk = problem ? `, and non-root users could change what runs: ${problem}` : '';
      ctx.problems.error('script-security', script.loc, `${describe(script, finding.path)} would run ${user} without enable_script_security${risk}`, {
        hint: SECURITY_HINT + (problem ? `; then make every directory on the path and the script owned by root and writable only by root` : ''),
        exit: 6,
      });
    }
    // keepalived refuses a wrong file type even without script security.
    if (kind.track && (finding.wrongType || (enabled && finding.unsafe))) {
      ctx.problems.error('script-insecure', script.loc, `keepalived disables this vrrp_script: ${problem}`, {
        hint: 'make the script a regular file owned by root in directories only root can write to',
      });
    } else if (enabled && problem) {
      ctx.problems.note('script-insecure', script.loc, `${describe(script, finding.path)} will not run: ${problem}`, {
        hint: 'enable_script_security refuses scripts non-root users could change; make the script and its directories owned and writable by root only',
      });
    } else if (enabled && !finding.executable) {
      ctx.problems.note('script-not-executable', script.loc, `${describe(script, finding.path)} is not executable by ${runAs.name}; keepalived will not run it`, {
        hint: 'chmod +x the script',
      });
    }
  }
};
