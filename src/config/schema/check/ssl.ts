// The top-level SSL { } block: the client context for SSL_GET checkers.
import type { KeepalivedConfig } from '../../model/index.js';
import type { SslSettings } from '../../model/check.js';
import { keywordOf, stmtLoc } from '../../tree.js';
import { subBlock } from '../reader.js';
import type { BlockSpec, KeywordHandler } from '../types.js';
import { hasArg, missingValue } from './common.js';

type SslField = 'password' | 'ca' | 'certificate' | 'key';

function sslValue(field: SslField, what: string, placeholder = 'FILE'): KeywordHandler<SslSettings> {
  return (stmt, ssl, ctx) => {
    if (!hasArg(stmt)) return missingValue(stmt, ctx, what, placeholder);
    if (ssl[field] !== undefined) {
      ctx.problems.warning('duplicate-setting', stmtLoc(stmt), `SSL ${keywordOf(stmt)} is already set; this one replaces it`, { hint: 'keep one line' });
    }
    ssl[field] = stmt.words[1].v;
  };
}

export const sslSpec: BlockSpec<SslSettings> = {
  name: 'SSL',
  keywords: {
    password: sslValue('password', 'the key password', 'PASSWORD'),
    ca: sslValue('ca', 'a CA file'),
    certificate: sslValue('certificate', 'a certificate file'),
    key: sslValue('key', 'a key file'),
  },
};

export const sslKeyword: KeywordHandler<KeepalivedConfig> = (stmt, config, ctx) => {
  if (config.check.ssl) {
    ctx.problems.warning('duplicate-block', stmtLoc(stmt), `a second SSL block replaces the one at line ${config.check.ssl.loc.line}`, { hint: 'merge them into one SSL block' });
  }
  const read = subBlock<KeepalivedConfig, SslSettings>(sslSpec, (s) => ({ loc: stmtLoc(s), locs: {} }), (cfg, ssl) => {
    cfg.check.ssl = ssl;
  });
  read(stmt, config, ctx);
};
