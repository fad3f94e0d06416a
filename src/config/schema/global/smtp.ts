// global_defs keywords for email alerts: router_id (the name used in
// alerts), SMTP server, sender, recipients, and which events send mail.
import { parseIp } from '../../ip.js';
import { parseInetAton } from '../check/common.js';
import type { GlobalDefs } from '../../model/global.js';
import { keywordOf, locOf, stmtLoc, type Stmt } from '../../tree.js';
import type { Loc } from '../../problems.js';
import { markValueBlock } from '../reader.js';
import type { KeywordHandler } from '../types.js';
import { bool, flag, hasValue, unsigned, word } from './builders.js';
import { parseUnsigned } from './numbers.js';

type Handlers = Record<string, KeywordHandler<GlobalDefs>>;

/** Names keepalived -t resolves without DNS on any machine. */
const ALWAYS_RESOLVABLE = new Set(['localhost']);

/** smtp_server HOST [PORT]: an address, or a name keepalived resolves while reading. */
const smtpServer: KeywordHandler<GlobalDefs> = (stmt, g, ctx) => {
  if (!hasValue(stmt, ctx, 1, 'abort', 'a server address')) return;
  const host = stmt.words[1].v;
  let port = 25;
  if (stmt.words.length > 2) {
    const value = parseUnsigned(stmt, ctx, 2, { min: 1, max: 65535 }, { what: 'smtp_server port' });
    if (value === undefined) return;
    port = value;
  }
  // keepalived never treats text with '-' or '/' as an address, so 10.0.0.1/24 is looked up as a name.
  if (!/[-/]/.test(host) && parseIp(host)) {
    g.smtp.server = host;
    g.smtp.port = port;
    return;
  }
  // getaddrinfo takes inet_aton's numeric forms (192.168.200, 10, 0x7f.1) without DNS.
  if (!ALWAYS_RESOLVABLE.has(host) && parseInetAton(host) === undefined) {
    ctx.problems.warning('unresolved-host', stmtLoc(stmt, 1), `smtp_server '${host}' is not an IP address; keepalived resolves it while reading the configuration and reports an error when it cannot`, {
      hint: 'write the SMTP server as an IP address so the configuration does not depend on name resolution',
    });
  }
  g.smtp.server = host;
  g.smtp.port = port;
};

const smtpConnectTimeout = unsigned<GlobalDefs>({ min: 0, max: 4294, missing: 'abort', what: 'a timeout in seconds' }, (g, seconds, stmt, ctx) => {
  if (seconds === 0) {
    ctx.problems.error('out-of-range', stmtLoc(stmt, 1), "'smtp_connect_timeout' must be at least 1 second", { hint: 'keepalived uses 1 instead of 0' });
    seconds = 1;
  }
  g.smtp.connectTimeoutSec = seconds;
});

/**
 * Where a block's '}' is; for a block that is never closed, the line after
 * its last statement (or after the '{', when it is empty).
 */
export function blockCloseLoc(stmt: Stmt): Loc {
  if (stmt.close) return locOf(stmt.close.src, stmt.close.token);
  const open = stmt.open ? locOf(stmt.open.src, stmt.open.token) : stmtLoc(stmt);
  const block = stmt.block ?? [];
  if (block.length === 0) {
    const closesOnSameLine = stmt.open !== undefined && /}/.test(stmt.open.src.text.slice(stmt.open.token.e));
    return closesOnSameLine ? open : { file: open.file, line: open.line + 1, col: 1 };
  }
  const last = block[block.length - 1];
  const lastLoc = last.block ? blockCloseLoc(last) : stmtLoc(last);
  return { file: lastLoc.file, line: lastLoc.line + 1, col: 1 };
}

/** notification_email { ADDRESS... }: every word of every line is an address. */
const notificationEmail: KeywordHandler<GlobalDefs> = (stmt, g, ctx) => {
  if (stmt.words.length > 1) {
    ctx.problems.error('unexpected-argument', stmtLoc(stmt, 1), `'notification_email' takes its addresses in a block, not '${stmt.words[1].v}'`, {
      hint: "write 'notification_email {', one address per line, then '}'",
    });
  }
  if (!stmt.block) {
    ctx.problems.error('missing-block', stmtLoc(stmt), "'notification_email' needs a block of addresses", {
      hint: "write 'notification_email {', one address per line, then '}'; keepalived reads the following lines as addresses",
    });
    return;
  }
  const before = g.smtp.emails.length;
  for (const line of stmt.block) {
    for (const w of line.words) g.smtp.emails.push(w.v);
    if (line.block) {
      ctx.problems.error('unexpected-block', stmtLoc(line), `'${keywordOf(line)}' in notification_email cannot have a block`, { hint: 'list one address per line' });
    }
  }
  if (g.smtp.emails.length === before) {
    ctx.problems.error('empty-block', blockCloseLoc(stmt), "'notification_email' block is empty", {
      hint: 'list at least one address, or remove the block',
    });
  }
};

export const smtpHandlers: Handlers = {
  router_id: word('error', (g, id) => {
    g.routerId = id;
  }, 'a name'),
  notification_email_from: word('error', (g, from) => {
    g.smtp.from = from;
  }, 'an email address'),
  // Without '{' keepalived silently takes the lines up to the next '}' as addresses.
  notification_email: markValueBlock(notificationEmail),
  smtp_server: smtpServer,
  smtp_helo_name: (stmt, g) => {
    if (stmt.words[1]) g.smtp.heloName = stmt.words[1].v;
  },
  smtp_connect_timeout: smtpConnectTimeout,
  smtp_alert: bool((g, on) => {
    g.smtp.alert = on;
  }),
  smtp_alert_vrrp: bool((g, on) => {
    g.smtp.alertVrrp = on;
  }),
  smtp_alert_checker: bool((g, on) => {
    g.smtp.alertChecker = on;
  }),
  no_email_faults: flag((g) => {
    g.smtp.noEmailFaults = true;
  }),
  no_checker_emails: bool((g, on) => {
    g.smtp.noCheckerEmails = on;
  }),
};
