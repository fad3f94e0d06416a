// keepalived 2.2.7 reads the config in two processes: the VRRP process reads
// the VRRP part and skips the checker part's blocks, the checker process the
// other way round. Skipping counts braces and nothing else, while reading
// treats a '{' inside a data block (virtual_ipaddress, track_script,
// virtual_server_group, ...) as a value. So a block whose braces do not
// balance is closed for the process that reads it, and runs to the end of the
// file for the process that skips it: that process reads nothing after it.
// Measured: a stray '{' in a vrrp_instance's virtual_ipaddress hides the
// virtual_servers up to the '}' that balances it from the checker (none of
// their problems is reported), or every later one when none does.
// global_defs is a third part: only the parent process reads it, both
// children skip it by counting braces (and the parent skips the other two
// parts' blocks). Measured: after `router_id {` in global_defs, neither child
// reads a vrrp_instance or virtual_server below; after an unbalanced
// vrrp_instance, the parent reports nothing in a global_defs below.
import type { KeepalivedConfig } from '../model/index.js';
import { stmtLoc, type Stmt } from '../tree.js';
import { checkTopLevel } from './check.js';
import { markUnreadByOwner, takenBy } from './reader.js';
import type { BlockSpec, KeywordHandler } from './types.js';
import { vrrpTopLevel } from './vrrp.js';

type Part = 'VRRP' | 'checker' | 'parent';

const PART_OF: ReadonlyMap<string, Part> = new Map<string, Part>([
  ...Object.keys(vrrpTopLevel).map((k): [string, Part] => [k, 'VRRP']),
  ...Object.keys(checkTopLevel).map((k): [string, Part] => [k, 'checker']),
  ['global_defs', 'parent'],
]);

/**
 * The top-level spec, where a block of one part whose reading ended before
 * its last '}' (the statements after the early end go on at the top level)
 * hides those statements of the other part from the other process.
 */
export function withProcessSkipping(spec: BlockSpec<KeepalivedConfig>): BlockSpec<KeepalivedConfig> {
  /** Statements the other part's process skipped as part of a block, and that block. */
  const skipped = new Map<Stmt, { part: Part; keyword: string; line: number; noted: boolean }>();
  const keywords: Record<string, KeywordHandler<KeepalivedConfig>> = { ...spec.keywords };
  for (const [keyword, part] of PART_OF) {
    const handler = keywords[keyword];
    if (!handler) continue;
    keywords[keyword] = (stmt, target, ctx) => {
      // Nested in a block its own process took whole inside a block whose '{' is missing (a second group { } it skipped).
      if (takenBy(stmt) === part) {
        markUnreadByOwner(stmt);
        return;
      }
      const inside = skipped.get(stmt);
      if (inside && inside.part !== part) {
        markUnreadByOwner(stmt);
        if (!inside.noted) {
          inside.noted = true;
          ctx.problems.note('unread-after-unbalanced-block', stmtLoc(stmt), `keepalived's ${part} process never reads this ${keyword}`, {
            hint: `it stands inside the ${inside.keyword} block of line ${inside.line} as far as braces go; the ${part} process skips that block by counting braces`,
          });
        }
        return;
      }
      handler(stmt, target, ctx);
      const after = ctx.pendingStatements;
      if (!after?.length) return;
      const block = inside ?? { part, keyword, line: stmtLoc(stmt).line, noted: false };
      // Nested ones too: a block whose '{' the top level ignores hands its lines to the top level.
      const skip = (stmts: readonly Stmt[]): void => {
        for (const s of stmts) {
          skipped.set(s, block);
          if (s.block) skip(s.block);
        }
      };
      skip(after.filter((item): item is Stmt => !('of' in item)));
    };
  }
  return { ...spec, keywords, processOf: (keyword) => PART_OF.get(keyword) };
}
