// Walks statements with a BlockSpec: looks each keyword up, hands it to its
// handler, and reports unknown keywords (with "did you mean").
//
// Braces follow keepalived's rules, not the tree's: after an unknown keyword
// keepalived ignores the '{', reads the lines inside as keywords of the
// current block, and the matching '}' then closes the *current* block, so
// everything after it is read one level further out. Users meet this with a
// misspelt block name; matching it is what makes our line numbers agree with
// keepalived's. (A known keyword's block is its handler's to read or skip.)
// Well-formed configs never take the slow path here.
import { didYouMean } from '../suggest.js';
import { keywordOf, locOf, ownerOf, stmtLoc, type BraceRef, type Stmt } from '../tree.js';
import { opensBlock } from './block-keywords.js';
import { noteHiddenKeywords } from './hidden-keywords.js';
import { missingValueBehaviour } from './missing-value.js';
import type { Loc } from '../problems.js';
import type { BlockSpec, KeywordHandler, Located, ReadContext, UnopenedBlock } from './types.js';

const hasOwn = Object.prototype.hasOwnProperty;

/** A '}' in the statement stream; `of` is the statement whose block it closed in the tree. */
interface Close {
  of: Stmt;
}

type Item = Stmt | Close;

const isClose = (item: Item): item is Close => 'of' in item;

/**
 * Reads a block's statements into `target`. Handlers call it with
 * `stmt.block`; if a '}' inside closes this level early (see above), the
 * statements after it are handed to the enclosing level through ctx.
 */
export function readBlock<T>(spec: BlockSpec<T>, stmts: readonly Stmt[] | undefined, target: T, ctx: ReadContext): void {
  if (!stmts) {
    // The '{' is missing: keepalived's process that owns the block may read the lines after it into `target` (readTopLevel).
    ctx.unopenedBlock = { spec, target };
    return;
  }
  const owner = ownerOf(stmts);
  const result = readItems(spec, stmts, owner?.close ? { of: owner } : undefined, target, ctx);
  if (owner && result && result.closedBy.of !== owner && result.closedBy.of.close) effectiveClose.set(owner, result.closedBy.of.close);
  if (result && result.rest.length > 0) ctx.pendingStatements = result.rest;
}

/**
 * Handlers of value blocks (notification_email { ... }), which keepalived
 * reads without '{' too, and reads flat (see splitAtFirstClose); each with
 * whether it reads its block as values for that target (a sync group's second
 * group { } is skipped by counting braces instead).
 */
const valueBlocks = new WeakMap<object, (target: any) => boolean>();

export function markValueBlock<T>(handler: KeywordHandler<T>, readsValues: (target: T) => boolean = () => true): KeywordHandler<T> {
  valueBlocks.set(handler, readsValues);
  return handler;
}

function isValueBlock<T>(handler: KeywordHandler<T> | undefined, target: T): boolean {
  const readsValues = handler === undefined ? undefined : valueBlocks.get(handler);
  return readsValues !== undefined && readsValues(target);
}

/**
 * keepalived reads a value block's lines flat: a '{' inside it is one more
 * value and so are the lines after it, and the first '}' ends the value
 * block. Returns the lines up to that '}', the statement whose '}' it is, and
 * what follows it: the rest of the nested blocks' lines, each nested '}'
 * (which now closes one level further out) and the value block's own '}'.
 */
function splitAtFirstClose(stmts: readonly Stmt[], owner: Stmt): { body: Stmt[]; closedBy?: Stmt; rest: Item[] } {
  const body: Stmt[] = [];
  for (let k = 0; k < stmts.length; k++) {
    const s = stmts[k];
    if (!s.block) {
      body.push(s);
      continue;
    }
    body.push({ ...s, block: undefined, open: undefined, close: undefined });
    if (s.open) body.push(braceStatement(s.open));
    const inner = splitAtFirstClose(s.block, s);
    body.push(...inner.body);
    if (inner.closedBy) {
      const rest: Item[] = [...inner.rest, ...stmts.slice(k + 1)];
      if (owner.close) rest.push({ of: owner });
      return { body, closedBy: inner.closedBy, rest };
    }
  }
  return owner.close ? { body, closedBy: owner, rest: [] } : { body, rest: [] };
}

/**
 * Statements whose block keepalived skips from the handler of a keyword that
 * has no keyword level of its own (a second `group { }` in a sync group):
 * it counts braces up to the block's '}', and that '}' also ends the
 * enclosing block, whose remaining lines are then read one level further out.
 */
const skippedEndingEnclosing = new WeakSet<Stmt>();

/** For handlers: keepalived skips `stmt`'s block, and its '}' ends the enclosing block too (see above). */
export function skipBlockEndingEnclosing(stmt: Stmt): void {
  skippedEndingEnclosing.add(stmt);
}

/** readStatement; true when its handler skipped `stmt`'s block, whose '}' then ends the enclosing block too. */
function readEndingEnclosing<T>(spec: BlockSpec<T>, stmt: Stmt, target: T, ctx: ReadContext): boolean {
  // The mark is the handler's word for this reading only (another process may read the statement elsewhere).
  skippedEndingEnclosing.delete(stmt);
  readStatement(spec, stmt, target, ctx);
  return stmt.close !== undefined && skippedEndingEnclosing.delete(stmt);
}

/** Top-level statements that the process owning them never reads (see parts.ts). */
const unreadByOwner = new WeakSet<Stmt>();

/** For the top-level spec: `stmt` is never read by the keepalived process it belongs to. */
export function markUnreadByOwner(stmt: Stmt): void {
  unreadByOwner.add(stmt);
}

/** Blocks that keepalived ends at another '}' than their own (see above). */
const effectiveClose = new WeakMap<Stmt, BraceRef>();

/**
 * The '}' that ends `stmt`'s block the way keepalived reads it: its own, or
 * an earlier one when an ignored '{' made that '}' close this block. Known
 * once the block has been read.
 */
export function closeOf(stmt: Stmt): BraceRef | undefined {
  return effectiveClose.get(stmt) ?? stmt.close;
}

/** The top level: a '}' here closes nothing, and keepalived reports it as an unknown keyword. */
export function readTopLevel<T>(spec: BlockSpec<T>, stmts: Iterable<Stmt>, target: T, ctx: ReadContext): void {
  // A top-level block keyword without '{' (see Unopened and readUnopenedBlock).
  let unopened: Unopened | undefined;
  for (const stmt of stmts) {
    const keyword = keywordOf(stmt);
    let readWhole = false;
    // Blocks that the owner's reading of `stmt` left running past their '}' (not the top level's reading), inside `runningIn`.
    let ownerRunning: ReadContext['runningOn'];
    let runningIn: Unopened | undefined;
    while (unopened && !unopenedGoesOn(unopened.at, stmtLoc(stmt), ctx)) {
      if (unopened.values) readUnopenedValues(unopened.values, ctx);
      const close = unopened.outer && firstExtraClose(unopened.at, ctx);
      unopened = close && unopened.outer ? { ...unopened.outer, at: { ...close, line: close.line + 1, col: 1 } } : undefined;
    }
    if (unopened?.values && stmt.block) {
      const flat = readBlockAmongValues(spec, unopened, stmt, ctx);
      unopened = flat.next;
      if (flat.swallowed) continue;
    }
    else if (unopened?.values) unopened.values.body.push(stmt);
    else if (stmt.block && unopened?.reader?.spec.dataLine && unopened.reader.spec.name === unopened.block) {
      const flat = readBlockInDataBlock(spec, unopened, unopened.reader, stmt, ctx);
      unopened = flat.next;
      if (flat.swallowed) continue;
    }
    else if (unopened) {
      if (unopened.lacking) reportNestedMissingBrace(unopened.lacking, unopened.block, stmtLoc(stmt), ctx);
      unopened.lacking = undefined;
      const reader = unopened.reader?.spec.name === unopened.block ? unopened.reader : undefined;
      if (reader && swallowsTopLevelBlock(spec, unopened.block, reader, stmt, ctx)) {
        unopened = undefined;
        continue;
      }
      // A value block without '{': its values are the lines up to the next '}' (as readItems reads it).
      const valueBlock = reader && !stmt.block && isValueBlockIn(reader.spec, keyword, reader.target);
      // A keyword of the block: that process takes its value (global_defs' are the parent's, which every process gets).
      const endsBlock = !valueBlock && readInOpenBlock(unopened.block, reader, stmt, ctx);
      ownerRunning = ctx.runningOn;
      ctx.runningOn = undefined;
      if (ownerRunning) runningIn = unopened;
      // A '}' inside ended that block early: the owner reads what follows it in the unopened block (not the top level).
      const ownerRest = ctx.pendingStatements;
      ctx.pendingStatements = undefined;
      const ownerAfter = ownerRest && readUnopenedBlock(unopened.block, ownerRest, ctx, reader);
      // Read whole as a block it knows (real_server { TCP_CHECK { } }): its nested '}'s are its own to that process.
      readWhole = !endsBlock && !valueBlock && reader !== undefined && stmt.block !== undefined && hasOwn.call(reader.spec.keywords, keyword)
        && opensBlock(unopened.block, keyword) && !ownerRest && !ownerRunning;
      if (endsBlock || readWhole) markTaken(stmt, readingProcess(spec, unopened));
      if (ownerAfter) unopened = endUnopened(spec, unopened, ownerAfter, ctx);
      else if (ownerRest) readWhole = true;
      else if (endsBlock) {
        // Its block was skipped, and its '}' ended the unopened block too (skipBlockEndingEnclosing).
        unopened = undefined;
      }
      else if (valueBlock && reader) {
        unopened = { block: keyword, at: { ...stmtLoc(stmt) }, values: { stmt, body: [], reader }, outer: unopened };
      }
      else if (stmt.block && !opensBlockIn(unopened.block, keyword, ctx)) {
        // Its '{' is ignored: the lines inside belong to the unopened block, and a '}' ends that.
        const after = readUnopenedBlock(unopened.block, withClose(stmt), ctx);
        unopened = after ? endUnopened(spec, unopened, after, ctx) : undefined;
      }
      else if (stmt.block && reader && isValueBlockIn(reader.spec, keyword, reader.target) && stmt.block.some((s) => s.block)) {
        // A '{' inside a data block: its first '}' ends the data block, and the lines after it belong to the unopened block again.
        const after = readUnopenedBlock(unopened.block, splitAtFirstClose(stmt.block, stmt).rest, ctx);
        if (after) readAfterUnopenedBlock(spec, unopened.block, after, ctx);
        unopened = undefined;
      }
      else if (!stmt.block && opensBlock(unopened.block, keyword) && ctx.keywordHomes?.get(keyword) === unopened.block) {
        // Its '}' ends it, and the unopened block around it reads on (unless the handler skips it, ending that block too).
        unopened = { block: keyword, at: unopened.at, lacking: stmt, outer: skippedEndingEnclosing.has(stmt) ? undefined : unopened };
      }
    } else if (!stmt.block && hasOwn.call(spec.keywords, keyword) && opensBlock(spec.name, keyword)) {
      unopened = { block: keyword, at: stmtLoc(stmt) };
    }
    const opening = unopened?.at === stmtLoc(stmt) ? unopened : undefined;
    ctx.unopenedBlock = undefined;
    let items: readonly Item[] = [stmt];
    for (;;) {
      const result = readItems(spec, items, undefined, target, ctx);
      if (!result) break;
      // That '}' ends the unopened block too, unless it closes a block the unopened one knows (notification_email { }).
      if (result.closedBy.of !== stmt && !readWhole) unopened = undefined;
      const brace = result.closedBy.of.close!;
      ctx.problems.error('unknown-keyword', locOf(brace.src, brace.token), "'}' closes nothing here: an earlier '{' was not taken as a block", {
        hint: "an earlier '}' already ended the enclosing block: look above for an unknown keyword followed by '{' (keepalived reads its block's lines as keywords of the enclosing block, and its '}' ends that block), or for a block keepalived skipped",
      });
      items = result.rest;
    }
    // No process reads the lines after a block keyword its own process never reads as that block's.
    if (opening && unreadByOwner.has(stmt)) unopened = undefined;
    if (opening && opening === unopened && ctx.unopenedBlock) opening.reader = ctx.unopenedBlock;
    ctx.unopenedBlock = undefined;
    // The innermost block still open past the top-level block's '}' reads the lines after it.
    const running = ctx.runningOn ?? ownerRunning;
    if (ctx.runningOn) runningIn = undefined;
    ctx.runningOn = undefined;
    // Blocks left running at the top level: their end checks stay on their own '}'.
    for (const runner of running ?? []) for (const check of runner.onEnd?.splice(0) ?? []) check();
    const runsOn = running?.length ? { ...running[0], owner: running[running.length - 1].owner } : undefined;
    if (runsOn && stmt.close) {
      // A block keyword without '{' (a value block's too) took this block's '}' (or, for a block
      // inside this one's ignored '{', every '}' left in it): the process that owns the block
      // reads on, up to the next '}', as if its '{' were missing.
      unopened = { block: runsOn.spec.name, at: locOf(stmt.close.src, stmt.close.token), reader: runsOn, outer: runningIn };
    }
  }
  // No '}' came: a value block still collecting took every line left.
  for (let open = unopened; open; open = open.outer) if (open.values) readUnopenedValues(open.values, ctx);
}

/**
 * A top-level block keyword without '{' that its process reads on (readTopLevel).
 * `lacking`: a block keyword inside it, also without '{', whose "Missing '{'" falls on the next line.
 * `reader`: what the owner reads the block's keywords into.
 * `values`: a value block without '{' inside the block `reader` reads, collecting its lines (UnopenedValues);
 * `outer`: that block, which reads on after the value block's '}'.
 */
interface Unopened {
  block: string;
  at: Loc;
  lacking?: Stmt;
  reader?: UnopenedBlock;
  values?: UnopenedValues;
  outer?: Unopened;
}

/**
 * A top-level block among the lines of a value block without '{' (`group`
 * of a sync group without '{'): the value block reads it flat, so the first
 * '}' in it ends the value block, and the enclosing unopened block reads the
 * lines after that '}' (see splitAtFirstClose). The process reading the
 * value block never defines that block when it is one of its own; the other
 * processes read it where it stands. Returns the unopened block still
 * reading on after it, and whether the block was swallowed.
 */
function readBlockAmongValues<T>(spec: BlockSpec<T>, unopened: Unopened, stmt: Stmt, ctx: ReadContext): { next: Unopened | undefined; swallowed: boolean } {
  const values = unopened.values!;
  const swallowed = ownedByReadingProcess(spec, unopened, stmt);
  const split = splitAtFirstClose([stmt], { ...stmt, close: undefined });
  values.body.push(...split.body);
  // No '}' in it: the value block goes on (to the end of the file).
  if (!split.closedBy) return { next: unopened, swallowed };
  readUnopenedValues(values, ctx);
  const outer = unopened.outer;
  if (!outer) return { next: undefined, swallowed };
  const after = readUnopenedBlock(outer.block, split.rest, ctx, outer.reader);
  if (!after) return { next: outer, swallowed };
  readAfterUnopenedBlock(spec, outer.block, after, ctx);
  return { next: undefined, swallowed };
}

/**
 * A top-level block after a data block without '{' (static_routes), whose
 * lines the process reading the data block reads flat as data, up to the
 * first '}' in it; that process reads what follows that '}' at the top level
 * (see readBlockAmongValues).
 */
function readBlockInDataBlock<T>(spec: BlockSpec<T>, unopened: Unopened, reader: UnopenedBlock, stmt: Stmt, ctx: ReadContext): { next: Unopened | undefined; swallowed: boolean } {
  const swallowed = ownedByReadingProcess(spec, unopened, stmt);
  const split = splitAtFirstClose([stmt], { ...stmt, close: undefined });
  for (const line of split.body) readInOpenBlock(unopened.block, reader, line, ctx);
  if (!split.closedBy) return { next: unopened, swallowed };
  readAfterUnopenedBlock(spec, unopened.block, split.rest, ctx);
  return { next: undefined, swallowed };
}

/**
 * The unopened block ended at a '}' inside a top-level statement, and
 * `after` follows that '}': the block around it (when its '{' is missing
 * too) reads on there, else its process reads `after` at the top level.
 * Returns the unopened block still reading on.
 */
function endUnopened<T>(spec: BlockSpec<T>, unopened: Unopened, after: Item[], ctx: ReadContext): Unopened | undefined {
  const outer = unopened.outer;
  if (!outer) {
    readAfterUnopenedBlock(spec, unopened.block, after, ctx);
    return undefined;
  }
  const reader = outer.reader?.spec.name === outer.block ? outer.reader : undefined;
  const rest = readUnopenedBlock(outer.block, after, ctx, reader);
  return rest ? endUnopened(spec, outer, rest, ctx) : outer;
}

/** Whether top-level `stmt` is a block of the process that reads the unopened block (which then never defines it). */
function ownedByReadingProcess<T>(spec: BlockSpec<T>, unopened: Unopened, stmt: Stmt): boolean {
  const process = readingProcess(spec, unopened);
  return process !== undefined && spec.processOf?.(keywordOf(stmt)) === process;
}

/** The keepalived process that reads the unopened block (that of its top-level block). */
function readingProcess<T>(spec: BlockSpec<T>, unopened: Unopened): string | undefined {
  let root = unopened;
  while (root.outer) root = root.outer;
  return spec.processOf?.(root.block);
}

/** Statements nested in a block that a process took whole as part of an unopened block, and that process. */
const taken = new WeakMap<Stmt, string>();

function markTaken(stmt: Stmt, process: string | undefined): void {
  if (process === undefined || !stmt.block) return;
  for (const inner of stmt.block) {
    taken.set(inner, process);
    markTaken(inner, process);
  }
}

/**
 * The process that took `stmt` as a line of a block it read whole (or
 * skipped by counting braces) inside a block whose '{' is missing: it never
 * reads `stmt` at the top level, whatever the other processes do there.
 */
export function takenBy(stmt: Stmt): string | undefined {
  return taken.get(stmt);
}

/** A value block without '{' read on at the top level (readTopLevel): its keyword's statement and the lines it took. */
interface UnopenedValues {
  stmt: Stmt;
  body: Stmt[];
  reader: UnopenedBlock;
}

/** Hands the value block its lines, once the '}' that ends it (or the end of the file) is reached. */
function readUnopenedValues(values: UnopenedValues, ctx: ReadContext): void {
  readStatement(values.reader.spec, withBody(values.stmt, values.body, undefined), values.reader.target, ctx);
}

/**
 * A top-level block of the same keepalived process as the unopened `block`
 * that reads on (vrrp_instance VI_2 { } after `vrrp_instance VI_1` without
 * '{'): that process reads its line and its lines inside as `block`'s, up to
 * the first '}', and never defines it; the other processes skip it by
 * counting braces. (After a data block without '{', see readBlockInDataBlock.)
 * Returns whether `stmt` was such a block (read here, and `block` ended).
 */
function swallowsTopLevelBlock<T>(spec: BlockSpec<T>, block: string, reader: UnopenedBlock, stmt: Stmt, ctx: ReadContext): boolean {
  const process = spec.processOf?.(block);
  if (!stmt.block || process === undefined || spec.processOf?.(keywordOf(stmt)) !== process) return false;
  readInOpenBlock(block, reader, stmt, ctx);
  const after = readUnopenedBlock(block, withClose(stmt), ctx, reader);
  if (after) readAfterUnopenedBlock(spec, block, after, ctx);
  return true;
}

/** No extra '}' (which the tree keeps out of the statements) stands between `from` and `to`. */
function unopenedGoesOn(from: Loc, to: Loc, ctx: ReadContext): boolean {
  if (from.file !== to.file) return false;
  return !ctx.problems.list.some((p) => p.code === 'extra-close-brace' && p.loc?.file === from.file && p.loc.line >= from.line && p.loc.line <= to.line);
}

/** The first extra '}' from `from` on. */
function firstExtraClose(from: Loc, ctx: ReadContext): Loc | undefined {
  return ctx.problems.list.find((p) => p.code === 'extra-close-brace' && p.loc?.file === from.file && p.loc.line >= from.line)?.loc;
}

/**
 * The block `stmt` opens although its '{' is missing, as keepalived reads it:
 * the items from queue[i] up to the first '}' not matched yet (else this
 * level's own '}'), which closes it. When no '}' is left: undefined, or with
 * `toEnd` (a value block, whose values keepalived reads up to the end of the
 * file) everything left, unclosed.
 */
function openToFirstClose(stmt: Stmt, queue: readonly Item[], i: number, own: Close | undefined, toEnd = false): { opened: Stmt; close?: Close; after: Item[] } | undefined {
  const j = firstCloseFrom(queue, i);
  const close = j < queue.length ? (queue[j] as Close) : own;
  if (!close?.of.close && !(toEnd && !close)) return undefined;
  const opened = withBody(stmt, queue.slice(i, j) as Stmt[], close?.of.close);
  return { opened, close, after: j < queue.length ? queue.slice(j + 1) : [] };
}

/** The index of the first '}' in `queue` from `i` on (queue.length when there is none). */
function firstCloseFrom(queue: readonly Item[], i: number): number {
  let j = i;
  while (j < queue.length && !isClose(queue[j])) j++;
  return j;
}

/**
 * A value block without '{' followed, before this level's next '}', by a line
 * that opens a block: keepalived reads the values flat, so the first '}'
 * inside that block ends the value block (see splitAtFirstClose). undefined
 * when there is no such '}'.
 */
function openFlatToFirstClose(stmt: Stmt, queue: readonly Item[], i: number): { opened: Stmt; close: undefined; after: Item[] } | undefined {
  const j = firstCloseFrom(queue, i);
  const lines = queue.slice(i, j) as Stmt[];
  if (!lines.some((s) => s.block)) return undefined;
  const split = splitAtFirstClose(lines, { ...stmt, close: undefined });
  if (!split.closedBy) return undefined;
  return { opened: withBody(stmt, split.body, split.closedBy.close), close: undefined, after: [...split.rest, ...queue.slice(j)] };
}

/** `items`, after the statements a handler left to be read next (ctx.pendingStatements), which it takes. */
function withPendingStatements(items: Item[], ctx: ReadContext): Item[] {
  const pending = ctx.pendingStatements;
  if (!pending) return items;
  ctx.pendingStatements = undefined;
  return [...pending, ...items];
}

/** The items of `queue` from `i` on, then this level's own '}' while it still has one. */
function unreadFrom(queue: readonly Item[], i: number, own: Close | undefined): Item[] {
  return own ? [...queue.slice(i), own] : queue.slice(i);
}

interface Closed {
  closedBy: Close;
  rest: Item[];
}

/**
 * Reads `items` and then `end` (the block's own '}'). Returns the '}' that
 * closed this level early and what follows it, or undefined when the level
 * ran to its end; the queue is only rebuilt when an ignored '{' or an early
 * '}' changes the order (never for a clean config).
 */
function readItems<T>(spec: BlockSpec<T>, items: readonly Item[], end: Close | undefined, target: T, ctx: ReadContext): Closed | undefined {
  let queue = items;
  let i = 0;
  // This level's own '}', until a block inside takes it (the level then runs on past it: see readRunningOn).
  let own = end;
  while (i < queue.length) {
    const item = queue[i++];
    if (isClose(item)) return { closedBy: item, rest: unreadFrom(queue, i, own) };
    const stmt = item;
    // A '{' that followed no keyword (the tree reported it) is ignored like an unknown keyword's.
    const orphanBrace = stmt.words[0]?.k === 'w' && stmt.words[0].v === '{' && stmt.words.length === 1;
    const keyword = keywordOf(stmt);
    const known = !orphanBrace && (spec.dataLine !== undefined || hasOwn.call(spec.keywords, keyword));
    const takesBlock = known && spec.dataLine === undefined && opensBlock(spec.name, keyword);
    if (takesBlock && !stmt.block && isValueBlockIn(spec, keyword, target)) {
      // A value block without its '{' is no mistake to keepalived: the lines
      // up to the next '}' are its values, and that '}' ends it.
      const unopened = openFlatToFirstClose(stmt, queue, i) ?? openToFirstClose(stmt, queue, i, own, true);
      if (unopened) {
        readStatement(spec, unopened.opened, target, ctx);
        // It took this block's own '}': the block runs on past it.
        if (unopened.close && unopened.close === own) own = undefined;
        queue = withPendingStatements(unopened.after, ctx);
        i = 0;
        continue;
      }
    }
    if (takesBlock && stmt.block && isValueBlockIn(spec, keyword, target) && stmt.block.some((s) => s.block)) {
      // A '{' inside a value block: the handler gets the lines up to the first '}', and the rest is read here (see splitAtFirstClose).
      const split = splitAtFirstClose(stmt.block, stmt);
      readStatement(spec, withBody(stmt, split.body, split.closedBy?.close, stmt.open), target, ctx);
      queue = withPendingStatements([...split.rest, ...queue.slice(i)], ctx);
      i = 0;
      continue;
    }
    if (takesBlock && !stmt.block && (own || (i < queue.length && spec.name !== 'top level')) && !unreadByOwner.has(stmt)) {
      // keepalived opens the block anyway, after "Missing '{'": the lines up
      // to the first '}' it has not matched are the block's, so each later
      // '}' closes one level further out than the braces say. In a block
      // without '}', that '}' may be inside a later block whose '{' the opened
      // block ignores: it then gets every line left, and finds it itself.
      const unopened = openToFirstClose(stmt, queue, i, own, !own);
      if (unopened) {
        moveMissingBlockProblem(stmt, i < queue.length ? queue[i] : own, ctx, ctx.problems.list.length);
        if (unopened.close === own) own = undefined;
        queue = [unopened.opened, ...unopened.after];
        i = 0;
        continue;
      }
    }
    const problemsBefore = ctx.problems.list.length;
    const endsEnclosing = (!orphanBrace || spec.dataLine !== undefined) && readEndingEnclosing(spec, stmt, target, ctx);
    if (endsEnclosing) return { closedBy: { of: stmt }, rest: unreadFrom(queue, i, own) };
    if (stmt.block && ctx.runningOn) {
      const following = unreadFrom(queue, i, own);
      const running = readRunningOn(ctx.runningOn, following, ctx);
      if (!end && spec.processOf) readRunOnByOthers(spec, stmt, following, running.rest, ctx);
      if (running.open.length > 0 || (own && running.rest.at(-1) !== own)) {
        // This level's '}' closed a block inside it: it runs on too, in the enclosing level.
        ctx.runningOn = end ? [...running.open, { owner: end.of, spec, target }] : running.open;
        return undefined;
      }
      queue = own ? running.rest.slice(0, -1) : running.rest;
      i = 0;
      continue;
    }
    if (takesBlock && !stmt.block && !unreadByOwner.has(stmt)) {
      moveMissingBlockProblem(stmt, i < queue.length ? queue[i] : end, ctx, problemsBefore);
      readUnopenedBlock(keyword, unreadFrom(queue, i, end), ctx);
    }
    if (stmt.block && spec.dataLine !== undefined) {
      // keepalived reads a data block (virtual_ipaddress, track_script,
      // virtual_server_group, ...) as flat lines: a '{' inside it is a value
      // of its own, the lines after it are more values, and the first '}'
      // ends the data block; the '}'s after it close the enclosing blocks.
      const inner = withClose(stmt);
      if (!orphanBrace && stmt.open) inner.unshift(braceStatement(stmt.open));
      queue = [...inner, ...queue.slice(i)];
      i = 0;
    } else if (stmt.block && !takesBlock) {
      if (!orphanBrace) reportIgnoredBrace(stmt, known, ctx);
      queue = [...withClose(stmt), ...queue.slice(i)];
      i = 0;
    }
    if (ctx.pendingStatements) {
      queue = withPendingStatements(queue.slice(i), ctx);
      i = 0;
    }
  }
  if (end && !own) ctx.runningOn = [{ owner: end.of, spec, target }];
  return undefined;
}

type Runner = NonNullable<ReadContext['runningOn']>[number];

function takeRunningOn(ctx: ReadContext): Runner[] {
  const runners = ctx.runningOn ?? [];
  ctx.runningOn = undefined;
  return runners;
}

/**
 * Blocks still open past their own '}' (innermost first) read the items that
 * follow, each up to the next '}', which closes it. Returns the runners left
 * open when no '}' remains, and the items after the last '}' used.
 */
function readRunningOn(runners: readonly Runner[], items: readonly Item[], ctx: ReadContext): { open: Runner[]; rest: Item[] } {
  ctx.runningOn = undefined;
  const open = [...runners];
  let rest = [...items];
  while (open.length > 0 && rest.length > 0) {
    const k = rest.findIndex(isClose);
    const runner = open.shift()!;
    if (k < 0) {
      // No '}' at this level: the next one may stand inside a block whose '{' the runner ignores.
      const closed = readItems(runner.spec, rest, undefined, runner.target, ctx);
      open.unshift(...takeRunningOn(ctx), ...(closed ? [] : [runner]));
      if (closed) endRunner(runner, closed.closedBy);
      rest = closed ? closed.rest : [];
      continue;
    }
    const close = rest[k] as Close;
    const early = readItems(runner.spec, rest.slice(0, k), close, runner.target, ctx);
    const after = rest.slice(k + 1);
    // A block inside the runner took that '}': the runner (and those blocks) stay open.
    const inner = takeRunningOn(ctx);
    const goesOn = early ? undefined : inner.find((r) => r.owner === close.of && r.target === runner.target);
    if (goesOn) goesOn.onEnd = runner.onEnd;
    else endRunner(runner, early ? early.closedBy : close);
    open.unshift(...inner);
    rest = early ? [...early.rest, ...after] : after;
  }
  return { open, rest };
}

/** `runner`'s block ends at `close`: keepalived's end-of-block checks belong there (closeOf), and run now. */
function endRunner(runner: Runner, close: Close): void {
  if (close.of.close) effectiveClose.set(runner.owner, close.of.close);
  for (const check of runner.onEnd ?? []) check();
}

/**
 * For handlers: run `check` when `stmt`'s block ends as keepalived reads it.
 * That is now, unless a block keyword without '{' inside it took its '}' and
 * the block reads on (readRunningOn): then at the '}' that really ends it.
 */
export function whenBlockEnds(stmt: Stmt, ctx: ReadContext, check: () => void): void {
  const runner = ctx.runningOn?.find((r) => r.owner === stmt);
  if (runner) (runner.onEnd ??= []).push(check);
  else check();
}

/** A '{' standing as a value of its own (inside a data block). */
function braceStatement(open: BraceRef): Stmt {
  return { src: open.src, words: [{ k: 'w', v: '{', s: open.token.s, e: open.token.e }], block: undefined, open: undefined, close: undefined, keywordLoc: undefined };
}

/**
 * After "Missing '{'", the keepalived process that owns the keyword reads the
 * lines that follow as its block anyway, up to the first '}' (the other
 * processes read them where they stand, as we do). There, a word that is no
 * keyword of the block is unknown, a keyword without its value stops that
 * process with exit 2, and another block keyword without '{' gets its own
 * "Missing '{'": report those. Returns what follows the '}' that ended the
 * block (that process reads it one level further out), or undefined when no
 * '}' did.
 */
function readUnopenedBlock(block: string, following: readonly Item[], ctx: ReadContext, reader?: UnopenedBlock): Item[] | undefined {
  for (let k = 0; k < following.length; k++) {
    const item = following[k];
    if (isClose(item)) return following.slice(k + 1);
    const keyword = keywordOf(item);
    readInOpenBlock(block, reader, item, ctx);
    // A '}' inside a value block it read ended that early: what follows it comes next.
    if (ctx.pendingStatements) return readUnopenedBlock(block, withPendingStatements(following.slice(k + 1), ctx), ctx, reader);
    if (item.block && !opensBlockIn(block, keyword, ctx)) {
      // This '{' is ignored: the lines inside belong to `block`, and the first '}' ends it.
      return readUnopenedBlock(block, [...withClose(item), ...following.slice(k + 1)], ctx, reader);
    }
    if (!item.block && opensBlock(block, keyword) && ctx.keywordHomes?.get(keyword) === block) {
      const next = following[k + 1];
      const at = next === undefined ? undefined : isClose(next) ? (next.of.close ? locOf(next.of.close.src, next.of.close.token) : undefined) : stmtLoc(next);
      if (at) reportNestedMissingBrace(item, block, at, ctx);
      return readUnopenedBlock(keyword, following.slice(k + 1), ctx);
    }
  }
  return undefined;
}

/** A statement's block as the items keepalived reads: its lines, then its '}' when it has one. */
function withClose(stmt: Stmt): Item[] {
  return stmt.close ? [...stmt.block!, { of: stmt }] : [...stmt.block!];
}

/**
 * `stmt` as keepalived reads it: with `body` as its block, ended by `close`
 * (and opened by `open`, when its '{' still stands).
 */
function withBody(stmt: Stmt, body: Stmt[], close: BraceRef | undefined, open: BraceRef | undefined = undefined): Stmt {
  const block: Stmt[] & { owner?: Stmt } = body;
  const opened: Stmt = { ...stmt, block, open, close };
  block.owner = opened;
  return opened;
}

/** Whether `spec` knows `keyword` as a value block for `target` (markValueBlock). */
function isValueBlockIn<T>(spec: BlockSpec<T>, keyword: string, target: T): boolean {
  return hasOwn.call(spec.keywords, keyword) && isValueBlock(spec.keywords[keyword], target);
}

/**
 * What follows the '}' that ended a top-level block whose '{' is missing,
 * read at the top level by the process that owns that block (readUnopenedBlock).
 */
function readAfterUnopenedBlock<T>(spec: BlockSpec<T>, block: string, items: readonly Item[], ctx: ReadContext): void {
  const hint = `keepalived's process that reads ${block} ended the ${block} block, whose '{' is missing, at an earlier '}', and reads this line at the top level`;
  reportAtTopLevel(spec, items, `for the process that reads ${block}`, hint, ctx);
}

/** Lines a keepalived process reads at the top level: a word that is no top-level keyword is unknown there, and so is each '}'. */
function reportAtTopLevel<T>(spec: BlockSpec<T>, items: readonly Item[], forWhom: string, hint: string, ctx: ReadContext): void {
  for (const item of items) {
    if (isClose(item)) {
      const brace = item.of.close!;
      ctx.problems.error('unknown-keyword', locOf(brace.src, brace.token), `'}' closes nothing here ${forWhom}`, { hint });
      continue;
    }
    const keyword = keywordOf(item);
    // A top-level keyword's block is read or skipped whole.
    if (hasOwn.call(spec.keywords, keyword)) continue;
    if (!(item.words.length === 1 && keyword === '{')) ctx.problems.error('unknown-keyword', stmtLoc(item), `unknown keyword '${keyword}' at the top level ${forWhom}`, { hint });
    if (item.block) reportAtTopLevel(spec, withClose(item), forWhom, hint, ctx);
  }
}

/**
 * A top-level block that reads on past its '}' in a queue of this level (its
 * '{' is no mistake, but a '}' inside it was taken by a block keyword without
 * '{'): the lines its process read as its own, up to the '}' that ended it,
 * the other processes (which skipped the block by counting braces) read at
 * the top level.
 */
function readRunOnByOthers<T>(spec: BlockSpec<T>, owner: Stmt, items: readonly Item[], rest: readonly Item[], ctx: ReadContext): void {
  const left = new Set(rest);
  const block = keywordOf(owner);
  const hint = `a block keyword without '{' inside ${block} took its '}', so the process that reads ${block} reads on up to the next '}'; the other processes skipped ${block} by counting braces and read this line at the top level`;
  reportAtTopLevel(spec, items.filter((item) => !left.has(item)), `for the processes that skip ${block}`, hint, ctx);
}

/** `item` opens a block of its own inside `block`, whose '{' is missing too: keepalived says so on the next line (`at`). */
function reportNestedMissingBrace(item: Stmt, block: string, at: Loc, ctx: ReadContext): void {
  if (ctx.problems.list.some((p) => p.code === 'missing-block' && p.loc?.line === at.line && p.loc.file === at.file)) return;
  const line = stmtLoc(item).line;
  ctx.problems.error('missing-block', at, `'{' expected here, to open the ${keywordOf(item)} block of line ${line}`, {
    hint: `keepalived reads line ${line} inside the ${block} block whose '{' is missing too, and reports "Missing '{'" on this line`,
  });
}

/**
 * `stmt` read inside `block`: into the owner's target when `reader` (what it
 * reads `block` into) takes it, else only checked. True when its handler
 * skipped its block, whose '}' then ends `block` too (readEndingEnclosing).
 */
function readInOpenBlock(block: string, reader: UnopenedBlock | undefined, stmt: Stmt, ctx: ReadContext): boolean {
  const spec = reader?.spec.name === block ? reader.spec : undefined;
  if (spec && (spec.dataLine !== undefined || hasOwn.call(spec.keywords, keywordOf(stmt)))) return readEndingEnclosing(spec, stmt, reader!.target, ctx);
  readInUnopenedBlock(block, stmt, ctx);
  return false;
}

/** `stmt` read as a keyword of `block`, whose '{' is missing, by the process that owns `block` (see readUnopenedBlock). */
function readInUnopenedBlock(block: string, stmt: Stmt, ctx: ReadContext): void {
  fatalMissingValues(block, stmt, ctx);
  const spec = ctx.blockSpecs?.get(block);
  const keyword = keywordOf(stmt);
  const orphanBrace = stmt.words.length === 1 && keyword === '{';
  if (!spec || spec.dataLine !== undefined || orphanBrace || hasOwn.call(spec.keywords, keyword)) return;
  ctx.problems.error('unknown-keyword', stmtLoc(stmt), `unknown keyword '${keyword}' in ${block}`, {
    hint: `the '{' of the ${block} block above is missing, but the keepalived process that reads ${block} takes the lines up to the next '}' as its keywords`,
  });
}

function fatalMissingValues(block: string, stmt: Stmt, ctx: ReadContext): void {
  const keyword = keywordOf(stmt);
  if (lacksValue(stmt, keyword) && missingValueBehaviour(block, keyword) === 'abort') {
    const at = stmtLoc(stmt);
    const already = ctx.problems.list.some((p) => p.exit === 2 && p.loc?.line === at.line && p.loc.file === at.file);
    if (!already) {
      ctx.problems.error('missing-argument', at, `'${keyword}' needs a value`, {
        hint: `the '{' of the ${block} block above is missing, but keepalived still reads this line as part of that block, and stops reading the configuration here (exit 2)`,
        exit: 2,
      });
    }
  }
  if (stmt.block && opensBlockIn(block, keyword, ctx)) for (const inner of stmt.block) fatalMissingValues(keyword, inner, ctx);
}

/** Whether `keyword` opens a block of its own in `block`: a block keyword that `block` knows (a data block's lines are values). */
function opensBlockIn(block: string, keyword: string, ctx: ReadContext): boolean {
  const spec = ctx.blockSpecs?.get(block);
  return opensBlock(block, keyword) && (!spec || spec.dataLine !== undefined || hasOwn.call(spec.keywords, keyword));
}

function lacksValue(stmt: Stmt, keyword: string): boolean {
  return stmt.words.length === 1 || (stmt.words.length === 2 && stmt.words[1].k === 'u' && !isScriptKeyword(keyword));
}

export function readStatement<T>(spec: BlockSpec<T>, stmt: Stmt, target: T, ctx: ReadContext): void {
  const keyword = keywordOf(stmt);
  if (spec.dataLine) {
    spec.dataLine(stmt, target, ctx);
    return;
  }
  const handler: KeywordHandler<T> | undefined = hasOwn.call(spec.keywords, keyword) ? spec.keywords[keyword] : undefined;
  if (!handler) {
    reportUnknownKeyword(spec, stmt, ctx);
    return;
  }
  const missing = lacksValue(stmt, keyword) ? missingValueBehaviour(spec.name, keyword) : undefined;
  if (missing === 'abort') {
    // keepalived stops reading here: the value set earlier (and where) stays.
    ctx.problems.error('missing-argument', stmtLoc(stmt), `'${keyword}' needs a value`, {
      hint: `keepalived stops reading the configuration here (exit 2): write the value after '${keyword}'`,
      exit: 2,
    });
    return;
  }
  rememberWhere(target, keyword, stmt);
  if (missing === 'silent') {
    const before = ctx.problems.list.length;
    handler(stmt, target, ctx);
    // keepalived says nothing here: our complaint stays advice.
    for (const p of ctx.problems.list.slice(before)) {
      if (p.code === 'missing-argument') {
        p.severity = 'note';
        p.exit = 0;
      }
    }
    return;
  }
  handler(stmt, target, ctx);
  if (stmt.words.length > 2 && !opensBlock(spec.name, keyword) && !isScriptKeyword(keyword)) noteHiddenKeywords(stmt, spec.keywords, ctx);
}

/** Where `keyword` was last set in the node being read. */
function rememberWhere(target: unknown, keyword: string, stmt: Stmt): void {
  const located = target as Partial<Located>;
  if (located.locs) located.locs[keyword] = stmtLoc(stmt);
}

/**
 * Script keywords take the rest of the line as written; for the others
 * keepalived drops an unterminated quoted string, so the value is missing.
 */
function isScriptKeyword(keyword: string): boolean {
  return /^(notify|quorum_up$|quorum_down$|misc_path$|script$)|_script$/.test(keyword);
}

function reportIgnoredBrace(stmt: Stmt, known: boolean, ctx: ReadContext): void {
  const at = stmt.open ? locOf(stmt.open.src, stmt.open.token) : stmtLoc(stmt);
  const after = known ? `'${keywordOf(stmt)}' takes no block` : 'this follows an unknown keyword';
  ctx.problems.error('unexpected-block', at, `unexpected '{': ${after}, so keepalived ignores the '{' and reads the lines inside as keywords of the enclosing block`, {
    hint: known ? "and its '}' then closes the enclosing block: remove this '{' and its '}'" : "and its '}' then closes the enclosing block: fix the keyword above",
  });
}

/**
 * A block keyword without '{': keepalived notices on the next line ("Missing
 * '{'"), so that is where we report it, instead of the keyword's line.
 */
function moveMissingBlockProblem(stmt: Stmt, next: Item | undefined, ctx: ReadContext, from: number): void {
  if (!next || (isClose(next) && !next.of.close)) return;
  const at = isClose(next) ? locOf(next.of.close!.src, next.of.close!.token) : stmtLoc(next);
  const list = ctx.problems.list;
  for (let i = from; i < list.length; i++) {
    const p = list[i];
    if (p.code !== 'missing-block' || p.loc?.line !== stmtLoc(stmt).line || p.loc.file !== stmtLoc(stmt).file) continue;
    p.loc = at;
    p.message = `'{' expected here, to open the ${keywordOf(stmt)} block of line ${stmtLoc(stmt).line}`;
    p.hint = `put '{' at the end of line ${stmtLoc(stmt).line}: keepalived reports "Missing '{'" on this line`;
    return;
  }
  ctx.problems.error('missing-block', at, `'{' expected here, to open the ${keywordOf(stmt)} block of line ${stmtLoc(stmt).line}`, {
    hint: `put '{' at the end of line ${stmtLoc(stmt).line}`,
  });
}

function reportUnknownKeyword<T>(spec: BlockSpec<T>, stmt: Stmt, ctx: ReadContext): void {
  const keyword = keywordOf(stmt);
  const where = spec.name === 'top level' ? 'at the top level' : `in ${spec.name}`;
  const home = ctx.keywordHomes?.get(keyword);
  let hint = didYouMean(keyword, Object.keys(spec.keywords));
  if (!hint && home && home !== spec.name) hint = `'${keyword}' belongs in ${home}`;
  ctx.problems.error('unknown-keyword', stmtLoc(stmt), `unknown keyword '${keyword}' ${where}`, hint ? { hint } : {});
}

/** A handler for keywords whose block is read by another spec into a fresh node. */
export function subBlock<P, C>(spec: BlockSpec<C>, create: (stmt: Stmt, ctx: ReadContext) => C | undefined, attach: (parent: P, child: C, stmt: Stmt) => void): KeywordHandler<P> {
  return (stmt, parent, ctx) => {
    const child = create(stmt, ctx);
    if (child === undefined) return;
    if (!stmt.block) reportMissingBlock(stmt, ctx);
    readBlock(spec, stmt.block, child, ctx);
    attach(parent, child, stmt);
  };
}

/** A block keyword written without its block. */
export function reportMissingBlock(stmt: Stmt, ctx: ReadContext): void {
  ctx.problems.error('missing-block', stmtLoc(stmt), `'${keywordOf(stmt)}' needs a block: '${keywordOf(stmt)} ... { ... }'`, {
    hint: "add '{' after the keyword's arguments, and '}' after its contents",
  });
}
