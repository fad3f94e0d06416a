// keepalived 2.2.7 reads the config in two processes: the VRRP process reads
// the VRRP part and skips the checker part's blocks, the checker process the
// other way round. Skipping counts braces and nothing else, while reading
// treats a '{' inside a data block (virtual_ipaddress, track_script,
// virtual_server_group, ...) as a value. So a block whose braces do not
// balance is closed for the process that reads it, and runs to the end of the
// file for the process that skips it: that process reads nothing after it.
// Measured: a stray '{' in a vrrp_instance's virtual_ipaddress hides every
// later virtual_server from the checker (none of their problems is reported).
import type { KeepalivedConfig } from '../model/index.js';
import { stmtLoc } from '../tree.js';
import { checkTopLevel } from './check.js';
import type { BlockSpec, KeywordHandler } from './types.js';
import { vrrpTopLevel } from './vrrp.js';

type Part = 'VRRP' | 'checker';

const PART_OF: ReadonlyMap<string, Part> = new Map<string, Part>([
  ...Object.keys(vrrpTopLevel).map((k): [string, Part] => [k, 'VRRP']),
  ...Object.keys(checkTopLevel).map((k): [string, Part] => [k, 'checker']),
]);

/**
 * The top-level spec, with each part's blocks left unread once a block of the
 * other part has run to the end of the file for this part's process.
 */
export function withProcessSkipping(spec: BlockSpec<KeepalivedConfig>): BlockSpec<KeepalivedConfig> {
  let unbalanced: { part: Part; line: number; keyword: string } | undefined;
  let noted = false;
  const keywords: Record<string, KeywordHandler<KeepalivedConfig>> = { ...spec.keywords };
  for (const [keyword, part] of PART_OF) {
    const handler = keywords[keyword];
    if (!handler) continue;
    keywords[keyword] = (stmt, target, ctx) => {
      if (unbalanced && unbalanced.part !== part) {
        if (!noted) {
          noted = true;
          ctx.problems.note('unread-after-unbalanced-block', stmtLoc(stmt), `keepalived's ${part} process never reads this ${keyword} (nor anything of its part after it)`, {
            hint: `the ${unbalanced.keyword} block of line ${unbalanced.line} has more '{' than '}'; the ${part} process skips that block by counting braces, to the end of the file`,
          });
        }
        return;
      }
      handler(stmt, target, ctx);
      if (!unbalanced && stmt.block && !stmt.close) unbalanced = { part, line: stmtLoc(stmt).line, keyword };
    };
  }
  return { ...spec, keywords };
}
