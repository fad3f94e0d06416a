// The line source of keepalived 2.2.7's parser (read_line in lib/parser.c),
// rebuilt as a state machine: files on an include stack, ~SEQ/~LST loops,
// multi-line $NAME expansions and the rest of a line after a brace, each
// feeding lines through the same steps (@ID, $NAME=, ~SEQ, $NAME, include).
//
// Which copy of the config we reproduce: keepalived's parent process reads
// the files and writes a consolidated copy (every line with its comments
// removed, include lines blanked, the included lines inline); the VRRP and
// checker processes, which judge most of the config, read that copy. So:
// - every line is stripped of comments twice ('\#' survives the first pass
//   as '#' and then starts a comment: `a\#b` is read as `a`);
// - an include the parent only recognised after @ID / $NAME processing or
//   after a brace is done again by the child, so the file is read twice
//   (measured: `@id include f` with a vrrp_instance in f gives "already
//   defined"). Frames in 'own' mode are the child's second reading.
import path from 'node:path';
import type { Loc, Problems, ProblemOptions, Severity } from '../problems.js';
import type { SourceLine } from '../source.js';
import { adviseBadDefinition, adviseUnexpanded } from './advice.js';
import { splitAtBrace } from './braces.js';
import { decomment, protectCommentChars } from './decomment.js';
import { glob, hasBrace, type GlobFs } from './glob.js';
import { CHECK_BRACE, CHECK_MATCH, CHECK_READ, CHECK_WILDCARD, applyIncludeCheck, parseInclude, type IncludeDirective } from './include.js';
import { Definitions, parseDefinition, replaceReferences, type Definition, type MultilineState, type Where } from './params.js';
import { MAXBUF } from './physical-lines.js';
import { parseLst, parseSeq, remainingCount, type Sequence } from './sequence.js';
import { SourceFile } from './source-file.js';

/** What the engine needs from the file system (see ConfigFs). */
export interface EngineFs extends GlobFs {
  readFile(path: string): string | undefined;
  /** Regular and not executable? keepalived skips other files. Undefined when unknown. */
  isRegularNonExecutable(path: string): boolean | undefined;
}

export interface EngineOptions {
  configId: string;
  /** Initial include strictness (CHECK_* bits): all of them with keepalived -e. */
  includeCheck: number;
  random(): number;
}

type Mode = 'copy' | 'own';

interface Buf extends Where {
  text: string;
  expanded: boolean;
  /** Came straight from a file line that was an include before any processing. */
  rawInclude: boolean;
}

type ActiveSequence = Sequence & { origin: Buf };

interface Frame {
  mode: Mode;
  matches: string[];
  next: number;
  current: SourceFile | null;
  /** CHECK_* bits of the include directive. */
  level: number;
  /** include_check when the include was read; restored as each file ends. */
  savedCheck: number;
  loc: Loc | undefined;
}

/** Generated lines (~SEQ, multi-line values) before we call it runaway. */
const MAX_GENERATED = 250_000;
/** Files opened in total; include graphs can blow up exponentially. */
const MAX_FILE_OPENS = 10_000;
const MAX_INCLUDE_DEPTH = 64;

export class Engine {
  private readonly defs: Definitions;
  private readonly seqs: ActiveSequence[] = [];
  private readonly ml: MultilineState = { next: null, stack: [], seqDepth: 0 };
  private residue: Buf | null = null;
  private readonly frames: Frame[] = [];
  private includeCheck: number;
  private readonly ownCheck: number;
  /** The definition whose continuation lines are being read. */
  private defInProgress: Definition | null = null;
  private generated = 0;
  private fileOpens = 0;
  private readonly reported = new Set<string>();
  /** Lines found and not yet handed out from outIndex on. */
  private readonly out: SourceLine[] = [];
  private outIndex = 0;
  private ended = false;

  constructor(
    private readonly fs: EngineFs,
    private readonly options: EngineOptions,
    private readonly problems: Problems,
  ) {
    this.includeCheck = options.includeCheck;
    this.ownCheck = options.includeCheck;
    this.defs = new Definitions({
      cwd: () => path.resolve(path.dirname(this.currentFile()?.path ?? '.')),
      configId: options.configId,
      random: options.random,
    });
  }

  /** Starts reading the main config file(s), already checked to exist. */
  start(mainFiles: string[]): this {
    this.frames.push({ mode: 'copy', matches: mainFiles, next: 0, current: null, level: CHECK_READ | CHECK_MATCH | CHECK_WILDCARD, savedCheck: this.includeCheck, loc: undefined });
    return this;
  }

  /**
   * The next line, undefined at the end. Lines are handed out as soon as
   * they are known, so that the reader takes them while they are young (a
   * 10,000 virtual server config held as lines first was 50 MB that
   * outlived every young-generation collection).
   */
  nextLine(): SourceLine | undefined {
    const out = this.out as Array<SourceLine | undefined>;
    for (;;) {
      if (this.outIndex < out.length) {
        const line = out[this.outIndex];
        out[this.outIndex++] = undefined;
        return line;
      }
      if (this.ended) return undefined;
      out.length = 0;
      this.outIndex = 0;
      const buf = this.readLine();
      if (buf === null) this.ended = true;
      else this.emit(buf);
    }
  }

  // ---- problems ----

  /** Reports once; the child's second reading of a file (own) stays quiet. */
  private report(own: boolean, severity: Severity, code: string, loc: Loc | undefined, message: string, options: ProblemOptions = {}): void {
    if (own) return;
    const key = `${code}\0${loc?.file}\0${loc?.line}\0${loc?.col}\0${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.problems.add(severity, code, loc, message, options);
  }

  private static locOf(buf: Buf, offset = 0): Loc {
    return { file: buf.file, line: buf.line, col: buf.col + offset };
  }

  // ---- output ----

  private emit(buf: Buf): void {
    const own = buf.own;
    if (!own && buf.text.startsWith('include_check') && (buf.text.length === 13 || buf.text[13] === ' ' || buf.text[13] === '\t')) {
      const words = buf.text.slice(13).replace(/"/g, '').split(/[ \t]+/).filter(Boolean);
      this.includeCheck = applyIncludeCheck(this.includeCheck, words);
    }
    // The child reads its own files with one comment pass only: keep its '#'.
    const text = own ? protectCommentChars(buf.text) : buf.text;
    this.out.push({ text, file: buf.file, line: buf.line, col: buf.col, expanded: buf.expanded });
  }

  // ---- read_line ----

  /** The next line that needs emitting (plain file lines go to the output on the way). */
  private readLine(): Buf | null {
    for (;;) {
      let buf: Buf;
      if (this.residue) {
        buf = this.residue;
        this.residue = null;
      } else if (this.seqs.length > this.ml.seqDepth) {
        buf = this.nextSequenceLine();
      } else if (this.ml.next) {
        buf = this.nextMultilineLine();
      } else {
        const got = this.nextFileLine();
        if (got === null) return null;
        buf = got;
      }
      if (this.defInProgress) {
        this.continueDefinition(buf.text);
        continue;
      }
      if (buf.text === '') continue;
      this.process(buf);
      if (buf.text === '' || this.tryInclude(buf)) continue;
      this.splitAtBrace(buf);
      return buf;
    }
  }

  private currentFile(): SourceFile | null {
    for (let i = this.frames.length - 1; i >= 0; i--) if (this.frames[i].current) return this.frames[i].current;
    return null;
  }

  private nextFileLine(): Buf | null {
    for (;;) {
      const top = this.frames[this.frames.length - 1];
      if (!top) return null;
      if (!top.current && !this.openNext(top)) {
        this.frames.pop();
        continue;
      }
      const f = top.current!;
      if (!this.defInProgress) f.copyPlainLines(this.out);
      const piece = f.nextPiece((code, p, count) => {
        const loc = { file: f.path, line: p.line, col: code === 'nul-byte' ? p.col + p.text.length : p.col };
        if (code === 'line-too-long') {
          this.report(top.mode === 'own', 'note', code, loc, `line ${p.line} is longer than 1023 bytes: keepalived reads it as ${count} separate lines`, { hint: 'split it, e.g. with a multi-line $NAME definition' });
        } else {
          this.report(top.mode === 'own', 'note', code, loc, 'NUL byte in the file: keepalived ignores the rest of this line', { hint: 'is this a text file?' });
        }
      });
      if (!piece) {
        this.endFile(top);
        continue;
      }
      if (piece.text === '') {
        if (this.defInProgress) this.endDefinition();
        continue;
      }
      const first = decomment(piece.text);
      const rawInclude = parseInclude(first.text) !== undefined;
      if (top.mode === 'copy' && rawInclude && this.defInProgress) {
        // The copy has a blank line here, which ends the definition.
        this.endDefinition();
        continue;
      }
      let text = first.text;
      let lead = first.lead;
      if (top.mode === 'copy') {
        const second = decomment(text);
        text = second.text;
        lead += second.lead;
      }
      if (text === '') continue;
      return { text, file: f.path, line: piece.line, col: piece.col + lead, own: top.mode === 'own', expanded: false, rawInclude };
    }
  }

  private nextSequenceLine(): Buf {
    const seq = this.seqs[this.seqs.length - 1];
    const buf: Buf = { ...seq.origin, text: seq.text, expanded: true, rawInclude: false };
    if (++this.generated > MAX_GENERATED) {
      this.report(seq.origin.own, 'error', 'expansion-runaway', Engine.locOf(seq.origin), `~SEQ/~LST and multi-line definitions produced more than ${MAX_GENERATED} lines; stopped here`, { exit: 4 });
      this.seqs.length = 0;
      buf.text = '';
      return buf;
    }
    if (seq.kind === 'seq') {
      this.defs.assign(seq.name, seq.hex ? BigInt.asUintN(64, seq.next).toString(16) : seq.next.toString());
      seq.next += seq.step;
      if ((seq.step > 0n && seq.next > seq.last) || (seq.step < 0n && seq.next < seq.last)) this.seqs.pop();
    } else {
      const set = seq.sets[seq.index];
      seq.names.forEach((name, i) => this.defs.assign(name, set[i]));
      if (++seq.index >= seq.sets.length) this.seqs.pop();
    }
    return buf;
  }

  private nextMultilineLine(): Buf {
    const ptr = this.ml.next!;
    const nl = ptr.text.indexOf('\n', ptr.pos);
    let text: string;
    if (nl < 0) {
      text = ptr.text.slice(ptr.pos);
      const outer = this.ml.stack.pop();
      this.ml.next = outer ? outer.ptr : null;
      this.ml.seqDepth = outer ? outer.seqDepth : 0;
    } else {
      text = ptr.text.slice(ptr.pos, nl);
      this.ml.next = { ...ptr, pos: nl + 1 };
    }
    const buf: Buf = { text, file: ptr.file, line: ptr.line, col: ptr.col, own: ptr.own, expanded: true, rawInclude: false };
    if (++this.generated > MAX_GENERATED) {
      this.report(buf.own, 'error', 'expansion-runaway', Engine.locOf(buf), `multi-line definitions produced more than ${MAX_GENERATED} lines: a definition probably uses itself; keepalived would never finish`, { exit: 4 });
      this.ml.next = null;
      this.ml.stack.length = 0;
      this.ml.seqDepth = 0;
      buf.text = '';
    }
    return buf;
  }

  // ---- multi-line definitions ----

  private continueDefinition(line: string): void {
    const def = this.defInProgress!;
    let len = line.length;
    let text = line;
    if (len && line.endsWith('\\')) {
      len--;
      while (len >= 1 && (line[len - 1] === ' ' || line[len - 1] === '\t')) len--;
      text = `${line.slice(0, len)}\n`;
      len++;
    } else this.endDefinition();
    // Blank continuation lines are not added.
    if (len >= 2 || (len && !this.defInProgress)) def.value += text.slice(0, len);
  }

  private endDefinition(): void {
    const def = this.defInProgress!;
    this.defInProgress = null;
    if (!def.value.length) def.multiline = false;
  }

  // ---- the steps applied to each line ----

  private process(buf: Buf): void {
    let text = buf.text;
    let adviseLater = true;
    for (let round = 0; round < 100; round++) {
      let recheck = false;
      if (text[0] === '@') {
        const reverse = text[1] === '^';
        const idStart = reverse ? 2 : 1;
        let idEnd = idStart;
        while (idEnd < text.length && text[idEnd] !== ' ' && text[idEnd] !== '\t') idEnd++;
        if (idEnd >= text.length || (text.slice(idStart, idEnd) === this.options.configId) === reverse) {
          text = '';
          break;
        }
        let rest = idEnd;
        while (text[rest] === ' ' || text[rest] === '\t') rest++;
        buf.col += rest;
        text = text.slice(rest);
      }
      if (text[0] === '$') {
        const d = parseDefinition(text);
        if (d) {
          const def = this.defs.define(d.name, d.value, d.multiline);
          if (d.multiline) this.defInProgress = def;
          text = '';
          break;
        }
        const advice = adviseBadDefinition(text);
        if (advice) {
          this.report(buf.own, 'note', 'bad-definition', Engine.locOf(buf, advice.at), advice.message, advice.hint ? { hint: advice.hint } : {});
          adviseLater = false;
        }
      }
      if (text.startsWith('~SEQ') || text.startsWith('~LST')) {
        this.addSequence({ ...buf, text });
        text = '';
        break;
      }
      if (text[0] === '~' || !text.includes('$')) break;
      const r = replaceReferences(text, MAXBUF, this.ml.next, this.replaceContext(buf));
      if (r.runaway) {
        this.report(buf.own, 'error', 'definition-loop', Engine.locOf(buf), 'the $NAME definitions used on this line refer to each other without end: keepalived would hang here', { exit: 4, hint: 'a definition must not use itself, directly or through others' });
        text = r.text;
        break;
      }
      if (r.overflow) {
        this.report(buf.own, 'note', 'expansion-too-long', Engine.locOf(buf), 'expanding $NAME here would make the line longer than 1023 characters: keepalived stops expanding and keeps the line as it is', { hint: 'a definition that uses itself grows without end' });
      }
      if (!r.changed) {
        text = r.text;
        break;
      }
      if (r.mangled) {
        this.report(buf.own, 'note', 'random-mangled', Engine.locOf(buf), 'keepalived 2.2.7 garbles the text after ${_RANDOM MIN MAX} unless it is at the end of the line', { hint: 'move ${_RANDOM ...} to the end of the line' });
      }
      this.ml.next = r.next;
      buf.expanded = true;
      const again = decomment(r.text);
      buf.col += again.lead;
      text = again.text;
      if (text[0] === '@' || text.includes('$')) recheck = true;
      if (!recheck) break;
    }
    buf.text = text;
    if (adviseLater && !buf.expanded && text.includes('$')) this.adviseLeftovers(buf);
  }

  private replaceContext(buf: Buf) {
    return { defs: this.defs, multiline: this.ml, seqCount: () => this.seqs.length, where: { file: buf.file, line: buf.line, col: buf.col, own: buf.own } };
  }

  private adviseLeftovers(buf: Buf): void {
    for (const a of adviseUnexpanded(buf.text, this.defs)) {
      this.report(buf.own, 'note', 'unexpanded-name', Engine.locOf(buf, a.at), a.message, a.hint ? { hint: a.hint } : {});
    }
  }

  private addSequence(buf: Buf): void {
    const ctx = this.replaceContext(buf);
    const parsed = buf.text[1] === 'S'
      ? parseSeq(buf.text, (numbers) => replaceReferences(numbers, 64, null, { ...ctx, multiline: { next: null, stack: [], seqDepth: 0 } }).text)
      : parseLst(buf.text);
    if (!parsed.ok) {
      this.report(buf.own, 'error', buf.text[1] === 'S' ? 'bad-seq' : 'bad-lst', Engine.locOf(buf), parsed.problem, parsed.hint ? { hint: parsed.hint } : {});
      return;
    }
    const seq = parsed.seq;
    if (seq.kind === 'seq') {
      const count = remainingCount(seq);
      if (count === undefined || count > BigInt(MAX_GENERATED)) {
        const why = count === undefined ? 'its counter would overflow and keepalived would never finish' : `it would produce ${count} lines`;
        this.report(buf.own, 'error', 'seq-too-long', Engine.locOf(buf), `this ~SEQ is not expanded: ${why}`, { exit: 4 });
        return;
      }
    }
    // The text after ')' keeps its column only roughly: the loop rewrites it.
    const textAt = buf.text.length - seq.text.length;
    this.seqs.push(Object.assign(seq, { origin: { ...buf, col: buf.col + textAt } }));
  }

  // ---- include ----

  private tryInclude(buf: Buf): boolean {
    const inc = parseInclude(buf.text);
    if (!inc) return false;
    const mode: Mode = buf.own ? 'own' : 'copy';
    // The child re-does an include that was not a plain include line: the file is read twice.
    const twice = mode === 'copy' && !buf.rawInclude;
    if (twice) {
      this.report(buf.own, 'note', 'include-read-twice', Engine.locOf(buf), `keepalived 2.2.7 reads '${inc.pattern}' twice here (once in its parent process, once more in the VRRP and checker processes), because this include only became one after @/$ processing or a brace`, { hint: 'put the include on a line of its own: `include FILE` (vrrp_instance and virtual_server blocks in it are otherwise defined twice)' });
    }
    this.openInclude(inc, buf, mode, twice);
    return true;
  }

  private openInclude(inc: IncludeDirective, buf: Buf, mode: Mode, twice: boolean): void {
    const current = this.currentFile();
    const base = current ? path.dirname(current.path) : '';
    const loc = Engine.locOf(buf, inc.patternAt);
    const level = inc.level;
    const check = (mode === 'copy' ? this.includeCheck : this.ownCheck) | level;
    const fatal = (bit: number): ProblemOptions => ({ exit: check & bit ? 6 : 0 });
    const quoted = /^["']/.test(inc.pattern) ? { hint: 'keepalived takes the rest of the line as the pattern: quotes are part of the file name' } : {};
    const g = glob(inc.pattern, base, this.fs);
    if (g.truncated) this.report(mode === 'own', 'note', 'include-glob-truncated', loc, `'${inc.pattern}' names too many files or {a,b} alternatives: only the first ones are used`);
    if (g.matches.length === 0) {
      if (g.missingFiles || g.missingDirs) {
        const bit = hasBrace(inc.pattern) ? CHECK_BRACE : CHECK_MATCH;
        this.report(mode === 'own', 'warning', 'include-missing', loc, `no file to include: '${inc.pattern}' does not exist`, { ...fatal(bit), ...strictHint(check & bit), ...quoted });
      } else if (g.haveWildcards && check & CHECK_WILDCARD) {
        this.report(mode === 'own', 'warning', 'include-no-match', loc, `no file matches '${inc.pattern}'`, fatal(CHECK_WILDCARD));
      }
      return;
    }
    if (g.missingFiles || g.missingDirs) {
      this.report(mode === 'own', 'warning', 'include-partly-missing', loc, `some of the files named by '${inc.pattern}' do not exist${check & CHECK_BRACE ? ', so none of them is included' : ''}`, fatal(CHECK_BRACE));
      if (check & CHECK_BRACE) return;
    }
    const matches = g.matches.map((m) => (m.startsWith('/') || base === '' || base === '.' ? m : path.join(base, m)));
    const frame = (m: Mode): Frame => ({ mode: m, matches, next: 0, current: null, level, savedCheck: this.includeCheck, loc });
    if (twice) {
      this.frames.push(frame('copy'));
      this.frames.push(frame('own'));
    } else this.frames.push(frame(mode));
  }

  /** keepalived's open_conf_file: the next match that can be read. */
  private openNext(frame: Frame): boolean {
    const quiet = frame.mode === 'own';
    const check = (frame.mode === 'copy' ? this.includeCheck : this.ownCheck) | frame.level;
    const fatal: ProblemOptions = { exit: check & CHECK_READ ? 6 : 0 };
    while (frame.next < frame.matches.length) {
      const file = frame.matches[frame.next++];
      if (file.endsWith('/')) {
        this.report(quiet, 'warning', 'include-directory', frame.loc, `'${file}' is a directory: not included`, { ...fatal, hint: 'to include the files in it, write DIR/*.conf' });
        continue;
      }
      if (this.fs.isRegularNonExecutable(file) === false) {
        this.report(quiet, 'warning', 'include-not-regular', frame.loc, `'${file}' is not a regular, non-executable file: keepalived skips it`, { ...fatal, hint: 'config files must not be executable (chmod a-x)' });
        continue;
      }
      if (this.frames.length > MAX_INCLUDE_DEPTH) {
        this.report(quiet, 'error', 'include-too-deep', frame.loc, `includes nested more than ${MAX_INCLUDE_DEPTH} deep: '${file}' not included`, { exit: 4 });
        continue;
      }
      const key = path.resolve(file);
      if (this.frames.some((f) => f.current?.key === key)) {
        this.report(quiet, 'warning', 'include-loop', frame.loc, `'${file}' includes itself: keepalived 2.2.7 would re-read it until it runs out of file descriptors ("Too many open files"); read here only once`, { ...fatal, hint: 'remove the include that leads back to this file' });
        continue;
      }
      if (++this.fileOpens > MAX_FILE_OPENS) {
        this.report(quiet, 'error', 'include-too-many', frame.loc, `more than ${MAX_FILE_OPENS} files included: stopped`, { exit: 4 });
        frame.next = frame.matches.length;
        return false;
      }
      const content = this.fs.readFile(file);
      if (content === undefined) {
        this.report(quiet, 'warning', 'include-unreadable', frame.loc, `'${file}' cannot be read: not included`, fatal);
        continue;
      }
      frame.current = new SourceFile(file, key, content);
      return true;
    }
    return false;
  }

  private endFile(frame: Frame): void {
    frame.current = null;
    if (frame.mode === 'copy') this.includeCheck = frame.savedCheck;
  }

  // ---- the rest of a line after a brace ----

  private splitAtBrace(buf: Buf): void {
    const split = splitAtBrace(buf.text);
    if (split.rest !== undefined) this.residue = { ...buf, text: split.rest, col: buf.col + split.restAt, rawInclude: false };
    buf.text = split.head;
  }
}

function strictHint(strict: number): { hint?: string } {
  return strict ? {} : { hint: 'keepalived carries on without it (exit 0 unless -e or a strict include variant is used)' };
}
