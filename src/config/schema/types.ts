// The keyword tables that drive reading: per block, keyword -> handler. A
// handler reads one statement into the model node being built and reports
// what is wrong with it; the engine in reader.ts does the walking, unknown
// keywords, and block / no-block mistakes.
import type { Loc, Problems } from '../problems.js';
import type { Stmt } from '../tree.js';

/** Every model node remembers where it was defined and where each keyword was set. */
export interface Located {
  loc: Loc;
  /** keyword -> where it was last set in this node's block. */
  locs: Record<string, Loc>;
}

/** A script the config would run (notify, vrrp_script, MISC_CHECK, ...). */
export interface Script {
  /** The command line as written (quotes resolved by the script splitter). */
  command: string;
  /** The command split into argv the way keepalived splits it. */
  argv: string[];
  loc: Loc;
  /** Which keyword configured it, e.g. "notify_master", "misc_path". */
  keyword: string;
  /** `user NAME [GROUP]` of the block, when given. */
  user?: string;
  group?: string;
  /**
   * Where the block holding the script closes, for scripts whose user is
   * settled when the block ends (vrrp_script's script, MISC_CHECK's
   * misc_path): keepalived reports their user problems on that line.
   */
  blockEnd?: Loc;
}

export interface ReadContext {
  problems: Problems;
  /** Every script the config names, in order; script security checks them all. */
  scripts: Script[];
  /** keyword -> the block it belongs in, to say where a misplaced keyword should go. */
  keywordHomes?: ReadonlyMap<string, string>;
  /** Block name -> its spec, for lines keepalived reads inside a block whose '{' is missing. */
  blockSpecs?: ReadonlyMap<string, BlockSpec<any>>;
  /**
   * Set by readBlock when a '}' closed its block early (keepalived's brace
   * rules, see reader.ts): statements the enclosing level must read next.
   */
  pendingStatements?: Array<import('../tree.js').Stmt | { of: import('../tree.js').Stmt }>;
  /** Set by readBlock for a block whose '{' is missing: what its keywords would be read into. */
  unopenedBlock?: UnopenedBlock;
  /**
   * Set when a block keyword written without '{' (a value block too) took
   * the '}' of the block being read: the blocks keepalived still reads past
   * their own '}' (`owner`'s), innermost first; each later '}' closes one.
   */
  runningOn?: Array<UnopenedBlock & { owner: import('../tree.js').Stmt; onEnd?: Array<() => void> }>;
}

export interface UnopenedBlock {
  spec: BlockSpec<any>;
  target: unknown;
}

export type KeywordHandler<T> = (stmt: Stmt, target: T, ctx: ReadContext) => void;

export interface BlockSpec<T> {
  /** Name used in messages, e.g. "vrrp_instance". */
  name: string;
  keywords: Readonly<Record<string, KeywordHandler<T>>>;
  /**
   * Data blocks (virtual_ipaddress, unicast_peer, ...) hold lines that are not
   * keywords; such a spec reads every line with this handler instead.
   */
  dataLine?: KeywordHandler<T>;
  /** At the top level: which keepalived process reads a top-level keyword's block (parts.ts). */
  processOf?: (keyword: string) => string | undefined;
}
