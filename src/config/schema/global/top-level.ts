// The top-level one-line keywords of the global part (namespaces, instance
// name, pid directory, child wait time, link polling) and global_defs itself.
import type { KeepalivedConfig } from '../../model/index.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { readBlock } from '../reader.js';
import type { GlobalDefs } from '../../model/global.js';
import { flag, hasValue, unsigned } from './builders.js';

type Handlers = Record<string, KeywordHandler<KeepalivedConfig>>;

const UINT_MAX = 4294967295;

function duplicate(stmt: Stmt, ctx: ReadContext, earlier: string): void {
  ctx.problems.error('duplicate-keyword', stmtLoc(stmt), `'${keywordOf(stmt)}' is given twice (already '${earlier}'); keepalived ignores this one`, {
    hint: `keep one '${keywordOf(stmt)}' line`,
  });
}

/** A name keyword keepalived accepts once: net_namespace, instance. */
function onceName(get: (c: KeepalivedConfig) => string | undefined, set: (c: KeepalivedConfig, name: string, stmt: Stmt) => void, what: string): KeywordHandler<KeepalivedConfig> {
  return (stmt, config, ctx) => {
    if (!hasValue(stmt, ctx, 1, 'error', what)) return;
    const earlier = get(config);
    if (earlier !== undefined) {
      duplicate(stmt, ctx, earlier);
      return;
    }
    set(config, stmt.words[1].v, stmt);
  };
}

/** global_defs { ... }: keepalived accepts it without a block or with words after it, silently. */
export function globalDefsHandler(spec: BlockSpec<GlobalDefs>): KeywordHandler<KeepalivedConfig> {
  const seen = new WeakSet<KeepalivedConfig>();
  return (stmt, config, ctx) => {
    if (!seen.has(config)) {
      seen.add(config);
      config.global.loc = stmtLoc(stmt);
    }
    readBlock(spec, stmt.block, config.global, ctx);
  };
}

export const topLevelHandlers: Handlers = {
  net_namespace: onceName(
    (c) => c.top.netNamespace,
    (c, name, stmt) => {
      c.top.netNamespace = name;
      c.top.netNamespaceLoc = stmtLoc(stmt, 1);
    },
    'a namespace name',
  ),
  net_namespace_ipvs: (stmt, config, ctx) => {
    if (config.top.netNamespaceIpvs !== undefined) {
      duplicate(stmt, ctx, config.top.netNamespaceIpvs || '(default namespace)');
      return;
    }
    // Without a name: the default namespace.
    config.top.netNamespaceIpvs = stmt.words[1]?.v ?? '';
  },
  namespace_with_ipsets: flag((c) => {
    c.top.namespaceWithIpsets = true;
  }),
  use_pid_dir: flag((c) => {
    c.top.usePidDir = true;
  }),
  instance: onceName(
    (c) => c.top.instance,
    (c, name) => {
      c.top.instance = name;
    },
    'an instance name',
  ),
  child_wait_time: unsigned({ min: 0, max: UINT_MAX, missing: 'abort', what: 'a number of seconds' }, (c, seconds) => {
    c.top.childWaitTime = seconds;
  }),
  linkbeat_use_polling: flag((c) => {
    c.top.linkbeatUsePolling = true;
  }),
};
