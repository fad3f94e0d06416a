// global_defs keywords about the keepalived processes: names, nice and
// realtime priorities, CPU affinity, memory locking, RLIMIT_RTTIME.
import type { GlobalDefs, ProcessSettings } from '../../model/global.js';
import { keywordOf, stmtLoc } from '../../tree.js';
import type { KeywordHandler } from '../types.js';
import { flag, hasValue, integer, noteRenamed, unsigned } from './builders.js';
import { parseInt32 } from './numbers.js';

type Handlers = Record<string, KeywordHandler<GlobalDefs>>;
type ProcessKind = 'vrrp' | 'checker' | 'bfd';

/** Linux keeps 15 characters of a process name (TASK_COMM_LEN - 1). */
const MAX_NAME = 15;
/** SCHED_RR priorities on Linux. */
const RT_MIN = 1;
const RT_MAX = 99;
/** CPUs keepalived can name (CPU_SETSIZE); keepalived checks the host's count, which we do not know here. */
const MAX_CPU = 1023;
const UINT_MAX = 4294967295;

/** The default names process_names gives the children (keepalived 2.2.7). */
const DEFAULT_CHILD_NAMES: Record<ProcessKind, string> = { vrrp: 'keepalived_vrrp', checker: 'keepalived_lvs', bfd: 'keepalived_bfd' };

function processName(set: (g: GlobalDefs, name: string) => void): KeywordHandler<GlobalDefs> {
  return (stmt, g, ctx) => {
    if (!hasValue(stmt, ctx, 1, 'abort', 'a process name')) return;
    const name = stmt.words[1].v;
    if (name.length > MAX_NAME) {
      ctx.problems.error('name-too-long', stmtLoc(stmt, 1), `process name '${name}' is longer than ${MAX_NAME} characters`, {
        hint: `keepalived truncates it to '${name.slice(0, MAX_NAME)}'; use at most ${MAX_NAME} characters`,
      });
    }
    set(g, name.slice(0, MAX_NAME));
  };
}

/** *_rt_priority: keepalived clamps an out-of-range priority into [1, 99], with an error. */
function realtimePriority(pick: (g: GlobalDefs) => ProcessSettings): KeywordHandler<GlobalDefs> {
  return (stmt, g, ctx) => {
    if (!hasValue(stmt, ctx, 1, 'error', 'a realtime priority')) return;
    const value = parseInt32(stmt, ctx, 1, { min: -2147483648, max: 2147483647 });
    if (value === undefined) return;
    const clamped = Math.min(RT_MAX, Math.max(RT_MIN, value));
    if (clamped !== value) {
      ctx.problems.error('out-of-range', stmtLoc(stmt, 1), `'${keywordOf(stmt)}' ${value} is outside the realtime range ${RT_MIN} to ${RT_MAX}`, {
        hint: `keepalived uses ${clamped} instead`,
      });
    }
    pick(g).realtimePriority = clamped;
  };
}

/** *_cpu_affinity CPU...: one bad CPU number discards the whole list. */
function cpuAffinity(pick: (g: GlobalDefs) => ProcessSettings): KeywordHandler<GlobalDefs> {
  return (stmt, g, ctx) => {
    if (!hasValue(stmt, ctx, 1, 'error', 'one or more CPU numbers')) return;
    const cpus: number[] = [];
    for (let i = 1; i < stmt.words.length; i++) {
      const cpu = parseInt32(stmt, ctx, i, { min: 0, max: MAX_CPU }, { what: `${keywordOf(stmt)} CPU` });
      if (cpu === undefined) return;
      cpus.push(cpu);
    }
    pick(g).cpuAffinity = cpus;
  };
}

function rlimitRttime(pick: (g: GlobalDefs) => ProcessSettings, deprecated: boolean): KeywordHandler<GlobalDefs> {
  const read = unsigned<GlobalDefs>({ min: 1, max: UINT_MAX, missing: 'abort', what: 'a time in microseconds' }, (target, usec) => {
    // keepalived halves the limit for the soft limit, so 1 becomes 2.
    pick(target).rlimitRttimeUsec = usec === 1 ? 2 : usec;
  });
  return (stmt, g, ctx) => {
    if (deprecated) noteRenamed(stmt, ctx, keywordOf(stmt).replace(/_rtime$/, '_rttime'));
    read(stmt, g, ctx);
  };
}

/** The keywords each child process has, prefixed with its name. */
function processKeywords(kind: ProcessKind): Handlers {
  const pick = (g: GlobalDefs): ProcessSettings => g.processes[kind];
  return {
    [`${kind}_priority`]: integer({ min: -20, max: 19, missing: 'error', what: 'a nice value from -20 to 19' }, (g, v) => {
      pick(g).nice = v;
    }),
    [`${kind}_no_swap`]: flag((g) => {
      pick(g).noSwap = true;
    }),
    [`${kind}_rt_priority`]: realtimePriority(pick),
    [`${kind}_cpu_affinity`]: cpuAffinity(pick),
    [`${kind}_rlimit_rttime`]: rlimitRttime(pick, false),
    [`${kind}_rlimit_rtime`]: rlimitRttime(pick, true),
  };
}

const lvsProcessName = processName((g, name) => {
  g.processes.checker.name = name;
});

export const processHandlers: Handlers = {
  process_names: flag((g) => {
    for (const kind of ['vrrp', 'checker', 'bfd'] as const) g.processes[kind].name = DEFAULT_CHILD_NAMES[kind];
  }),
  process_name: processName((g, name) => {
    g.processes.parentName = name;
  }),
  vrrp_process_name: processName((g, name) => {
    g.processes.vrrp.name = name;
  }),
  checker_process_name: lvsProcessName,
  lvs_process_name: (stmt, g, ctx) => {
    noteRenamed(stmt, ctx, 'checker_process_name');
    lvsProcessName(stmt, g, ctx);
  },
  bfd_process_name: processName((g, name) => {
    g.processes.bfd.name = name;
  }),
  ...processKeywords('vrrp'),
  ...processKeywords('checker'),
  ...processKeywords('bfd'),
  max_auto_priority: (stmt, g, ctx) => {
    // Alone, it means the highest realtime priority.
    if (stmt.words.length < 2) {
      g.processes.maxAutoPriority = RT_MAX;
      return;
    }
    const value = parseInt32(stmt, ctx, 1, { min: -1, max: RT_MAX });
    if (value !== undefined) g.processes.maxAutoPriority = value;
  },
  min_auto_priority_delay: integer({ min: 1, max: 10000000, missing: 'error', what: 'a delay in microseconds' }, (g, v) => {
    g.processes.minAutoPriorityDelayUsec = v;
  }),
};
