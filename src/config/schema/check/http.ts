// HTTP_GET and SSL_GET: fetch one or more urls and compare status code,
// MD5 digest and/or a regex. keepalived 2.2.7 drops a url without a path and
// a checker without urls (and, measured, then crashes with SIGSEGV: exit 139).
// Its regex keywords only log to syslog when wrong, so ours are notes.
import type { HttpCheck, HttpProtocol, HttpUrl, RealServer } from '../../model/check.js';
import { keywordOf, stmtLoc, type Stmt } from '../../tree.js';
import type { BlockSpec, KeywordHandler, ReadContext } from '../types.js';
import { blockEndLoc, hasArg, missingValue, nestedBlock, readFlag, requireArg } from './common.js';
import { checkerBase, connectedCheckerBlock, connectedCheckerKeywords } from './checkers.js';

const STATUS_MIN = 100;
const STATUS_MAX = 599;
const DEFAULT_STATUS: [number, number] = [200, 299];

// ---------------------------------------------------------------------------
// url { }

const REGEX_OPTIONS = [
  'allow_empty_class', 'alt_bsux', 'auto_callout', 'caseless', 'dollar_endonly', 'dotall', 'dupnames', 'extended',
  'firstline', 'match_unset_backref', 'multiline', 'never_ucp', 'never_utf', 'no_auto_capture', 'no_auto_possess',
  'no_dotstar_anchor', 'no_start_optimize', 'ucp', 'ungreedy', 'utf', 'never_backslash_c', 'alt_circumflex',
  'alt_verbnames', 'use_offset_limit',
];

/** keepalived only logs these, so they are our advice, not errors. */
function regexNote(stmt: Stmt, ctx: ReadContext, message: string, hint: string): void {
  ctx.problems.note('regex-setting-ignored', stmtLoc(stmt), message, { hint });
}

function readOffset(stmt: Stmt, ctx: ReadContext): number | undefined {
  if (stmt.words.length !== 2 || !/^\d+$/.test(stmt.words[1].v)) {
    regexNote(stmt, ctx, `'${keywordOf(stmt)}' takes one whole number`, 'keepalived ignores the value (uses 0)');
    return undefined;
  }
  return Number(stmt.words[1].v);
}

/** One status_code word: N or N-M within 100..599. */
function parseStatusRange(text: string): [number, number] | undefined {
  const m = /^\+?(\d+)(?:-\+?(\d+))?$/.exec(text);
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (min < STATUS_MIN || max > STATUS_MAX || min > max) return undefined;
  return [min, max];
}

const urlKeywords: Record<string, KeywordHandler<HttpUrl>> = {
  path: (stmt, url, ctx) => {
    const path = requireArg(stmt, ctx, 1, 'a path');
    if (path !== undefined) url.path = path;
  },
  digest: (stmt, url, ctx) => {
    const text = requireArg(stmt, ctx, 1, 'an MD5 digest');
    if (text === undefined) return;
    const at = stmtLoc(stmt, 1);
    if (url.digest !== undefined) {
      ctx.problems.error('duplicate-digest', at, `this url already has a digest`, { hint: 'a url has one digest; keepalived ignores this one' });
    } else if (text.length !== 32) {
      ctx.problems.error('invalid-digest', at, `digest '${text}' has ${text.length} characters, not 32`, {
        hint: 'an MD5 digest is 32 hex digits; compute it with genhash or md5sum',
      });
    } else if (!/^[0-9a-fA-F]{32}$/.test(text)) {
      const bad = text.search(/[^0-9a-fA-F]/);
      ctx.problems.error('invalid-digest', at, `digest '${text}' has a non-hex character '${text[bad]}' at position ${bad + 1}`, {
        hint: 'use only 0-9 and a-f',
      });
    } else {
      url.digest = text.toLowerCase();
    }
  },
  status_code: (stmt, url, ctx) => {
    for (let i = 1; i < stmt.words.length; i++) {
      const text = stmt.words[i].v;
      const range = parseStatusRange(text);
      if (!range) {
        ctx.problems.error('invalid-status-code', stmtLoc(stmt, i), `'${text}' is not a status code or range from ${STATUS_MIN} to ${STATUS_MAX}`, {
          hint: 'write codes like 200 or ranges like 200-299 (low end first); keepalived skips this one',
        });
        continue;
      }
      if (!url.statusCodesSet) url.statusCodes = [];
      url.statusCodesSet = true;
      url.statusCodes.push(range);
    }
  },
  virtualhost: (stmt, url, ctx) => {
    if (!hasArg(stmt)) return missingValue(stmt, ctx, 'a host name', 'NAME');
    url.virtualhost = stmt.words[1].v;
  },
  regex: (stmt, url, ctx) => {
    if (stmt.words.length !== 2) return regexNote(stmt, ctx, `'regex' takes exactly one pattern`, 'quote a pattern with spaces: regex "a b"; keepalived ignores this line');
    url.regex = stmt.words[1].v;
  },
  regex_no_match: (_stmt, url) => {
    url.regexNoMatch = true;
  },
  regex_options: (stmt, url, ctx) => {
    for (let i = 1; i < stmt.words.length; i++) {
      const option = stmt.words[i].v;
      if (REGEX_OPTIONS.includes(option)) url.regexOptions.push(option);
      else ctx.problems.note('regex-setting-ignored', stmtLoc(stmt, i), `unknown regex option '${option}'`, { hint: `keepalived ignores it; options are: ${REGEX_OPTIONS.join(', ')}` });
    }
  },
  regex_min_offset: (stmt, url, ctx) => {
    const n = readOffset(stmt, ctx);
    if (n !== undefined) url.regexMinOffset = n;
  },
  regex_max_offset: (stmt, url, ctx) => {
    const n = readOffset(stmt, ctx);
    if (n !== undefined) url.regexMaxOffset = n;
  },
  regex_stack: (stmt, url, ctx) => {
    const [start, max] = [stmt.words[1]?.v, stmt.words[2]?.v];
    if (stmt.words.length !== 3 || !/^\d+$/.test(start) || !/^\d+$/.test(max) || Number(start) > Number(max)) {
      return regexNote(stmt, ctx, `'regex_stack' takes a start and a maximum size, start not above maximum`, 'keepalived ignores this line');
    }
    url.regexStack = { start: Number(start), max: Number(max) };
  },
};

export const urlSpec: BlockSpec<HttpUrl> = { name: 'url', keywords: urlKeywords };

function newUrl(stmt: Stmt): HttpUrl {
  return { loc: stmtLoc(stmt), locs: {}, statusCodes: [DEFAULT_STATUS], statusCodesSet: false, regexNoMatch: false, regexOptions: [] };
}

/** keepalived's end-of-url checks; false when it drops the url. */
function finishUrl(url: HttpUrl, stmt: Stmt, ctx: ReadContext): boolean {
  if (url.path === undefined) {
    ctx.problems.error('url-without-path', blockEndLoc(stmt), 'this url has no path', { hint: "add 'path /...'; keepalived ignores the url" });
    return false;
  }
  const regexOnly = ['regex_no_match', 'regex_options', 'regex_min_offset', 'regex_max_offset', 'regex_stack'].filter((k) => url.locs[k]);
  if (url.regex === undefined && regexOnly.length > 0) {
    ctx.problems.note('regex-setting-ignored', url.locs[regexOnly[0]], `'${regexOnly[0]}' without 'regex' has no effect`, { hint: 'add a regex to this url, or remove the regex settings' });
  }
  if (url.regexMaxOffset !== undefined && (url.regexMinOffset ?? 0) > url.regexMaxOffset) {
    ctx.problems.note('regex-setting-ignored', url.locs.regex_min_offset ?? url.locs.regex_max_offset, `regex_min_offset ${url.regexMinOffset} is above regex_max_offset ${url.regexMaxOffset}`, {
      hint: 'keepalived ignores both offsets',
    });
  }
  if (url.regex !== undefined) {
    try {
      new RegExp(url.regex);
    } catch {
      ctx.problems.note('regex-setting-ignored', url.locs.regex, `regex '${url.regex}' does not look valid`, { hint: 'keepalived (PCRE2) logs an error and does not use it' });
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// HTTP_GET / SSL_GET { }

const HTTP_PROTOCOLS: Record<string, HttpProtocol> = { '1.0': '1.0', '1.1': '1.1', '1.0C': '1.0C', '1.0c': '1.0C' };

const httpKeywords: Record<string, KeywordHandler<HttpCheck>> = {
  ...connectedCheckerKeywords<HttpCheck>(),
  virtualhost: (stmt, checker, ctx) => {
    if (!hasArg(stmt)) return missingValue(stmt, ctx, 'a host name', 'NAME');
    checker.virtualhost = stmt.words[1].v;
  },
  http_protocol: (stmt, checker, ctx) => {
    if (!hasArg(stmt)) return missingValue(stmt, ctx, 'a version', '1.0|1.0C|1.1');
    const version = HTTP_PROTOCOLS[stmt.words[1].v];
    if (!version) {
      ctx.problems.error('invalid-value', stmtLoc(stmt, 1), `'http_protocol' does not accept '${stmt.words[1].v}'`, { hint: 'use 1.0, 1.0C or 1.1' });
      return;
    }
    checker.httpProtocol = version;
  },
  enable_sni: (stmt, checker, ctx) => {
    const value = readFlag(stmt, ctx);
    if (value !== undefined) checker.enableSni = value;
  },
  fast_recovery: (stmt, checker, ctx) => {
    const value = readFlag(stmt, ctx);
    if (value !== undefined) checker.fastRecovery = value;
  },
  url: nestedBlock<HttpCheck, HttpUrl>(urlSpec, newUrl, (checker, url, stmt, ctx) => {
    if (finishUrl(url, stmt, ctx)) checker.urls.push(url);
  }),
};

export const httpCheckSpec: BlockSpec<HttpCheck> = { name: 'HTTP_GET', keywords: httpKeywords };
export const sslCheckSpec: BlockSpec<HttpCheck> = { name: 'SSL_GET', keywords: httpKeywords };

/** keepalived drops an HTTP_GET / SSL_GET without any usable url (2.2.7 then crashes: exit 139). */
function requireUrl(checker: HttpCheck, stmt: Stmt, _rs: RealServer, ctx: ReadContext): void {
  if (checker.urls.length > 0) return;
  ctx.problems.error('checker-without-url', blockEndLoc(stmt), `${checker.type} has no url with a path`, {
    hint: 'add url { path / }; keepalived drops the checker (and 2.2.7 then crashes)',
  });
  checker.dropped = 'no url';
}

function httpChecker(spec: BlockSpec<HttpCheck>, type: HttpCheck['type']): KeywordHandler<RealServer> {
  return connectedCheckerBlock<HttpCheck>(
    spec,
    (stmt) => ({ type, ...checkerBase(stmt), connection: {}, urls: [], httpProtocol: '1.0', enableSni: false, fastRecovery: false }),
    { before: requireUrl },
  );
}

export const httpCheckKeywords: Record<string, KeywordHandler<RealServer>> = {
  HTTP_GET: httpChecker(httpCheckSpec, 'HTTP_GET'),
  SSL_GET: httpChecker(sslCheckSpec, 'SSL_GET'),
};
