// vrrp_script NAME { script CMD; interval S; timeout S; weight N [reverse];
//                    rise N; fall N; user USER [GROUP]; init_fail }
// A vrrp_script without `script` is dropped when its block ends (keepalived
// reports it on the '}' line), so tracking it later finds nothing.
import type { KeepalivedConfig } from '../../model/index.js';
import { createVrrpScript, type VrrpScript } from '../../model/vrrp.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import { readBlock } from '../reader.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { argAt, readInteger, readScript } from '../values.js';
import { blockName, endLocOf, flag, integer, INT32_POSITIVE, rememberConfig } from './common.js';

type Handler = KeywordHandler<VrrpScript>;

/** interval / timeout: whole seconds up to 4294; 0 is raised to 1 with a warning. */
function seconds(set: (s: VrrpScript, value: number) => void): Handler {
  return (stmt, script, ctx) => {
    const value = readInteger(stmt, ctx, 1, { min: 0, max: 4294 });
    if (value === undefined) return;
    if (value === 0) {
      ctx.problems.warning('vrrp-script-zero', stmtLoc(stmt, 1), `'${keywordOf(stmt)}' of vrrp_script ${script.name} must be at least 1 second; 1 is used`);
      set(script, 1);
      return;
    }
    set(script, value);
  };
}

const weight: Handler = (stmt, script, ctx) => {
  const value = readInteger(stmt, ctx, 1, { min: -253, max: 253 });
  if (value === undefined) return;
  script.weight = value;
  const option = stmt.words[2]?.v;
  if (option === 'reverse') script.weightReverse = true;
  else if (option !== undefined) {
    ctx.problems.warning('vrrp-track-option', stmtLoc(stmt, 2), `'${option}' after the weight of vrrp_script ${script.name} is not understood; it is ignored`, {
      hint: "only 'reverse' may follow the weight",
    });
  }
};

const user: Handler = (stmt, script, ctx) => {
  const name = argAt(stmt, ctx, 1, 'a user name');
  if (name === undefined) return;
  script.user = { user: name, loc: stmtLoc(stmt, 1) };
  if (stmt.words[2]) script.user.group = stmt.words[2].v;
};

export const scriptSpec: BlockSpec<VrrpScript> = {
  name: 'vrrp_script',
  keywords: {
    script: (stmt, s, ctx) => {
      const script = readScript(stmt, ctx);
      if (!script) return;
      // A later script replaces this one: keepalived never runs (nor checks) the earlier one.
      const replaced = s.script ? ctx.scripts.indexOf(s.script) : -1;
      if (replaced >= 0) ctx.scripts.splice(replaced, 1);
      s.script = script;
    },
    interval: seconds((s, v) => (s.interval = v)),
    timeout: seconds((s, v) => (s.timeout = v)),
    weight,
    rise: integer(INT32_POSITIVE, (s, v) => (s.rise = v)),
    fall: integer(INT32_POSITIVE, (s, v) => (s.fall = v)),
    user,
    init_fail: flag((s) => (s.initFail = true)),
  },
};

/** The top-level vrrp_script keyword. */
export function readVrrpScript(stmt: Stmt, config: KeepalivedConfig, ctx: ReadContext): void {
  rememberConfig(ctx, config);
  const name = blockName(stmt, ctx, false);
  if (name === undefined) return;
  const script = createVrrpScript(name, stmtLoc(stmt, 1));
  if (!stmt.block) ctx.problems.error('missing-block', stmtLoc(stmt), "'vrrp_script' needs a block: 'vrrp_script NAME { script ... }'");
  readBlock(scriptSpec, stmt.block, script, ctx);
  script.endLoc = endLocOf(stmt);
  if (!script.script || script.script.argv.length === 0) {
    ctx.problems.warning('vrrp-script-no-script', script.endLoc, `vrrp_script ${name} has no 'script'; it is dropped`, {
      hint: "add 'script \"/path/to/check args\"' to the block",
    });
    return;
  }
  // keepalived settles the script's user when the block ends (and reports user problems there).
  script.script.blockEnd = script.endLoc;
  if (script.user) {
    script.script.user = script.user.user;
    if (script.user.group !== undefined) script.script.group = script.user.group;
  }
  config.vrrp.scripts.push(script);
}
