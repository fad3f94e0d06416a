// DNS_CHECK: send a query (type, name) and expect an answer with rcode 0.
import { DNS_QUERY_TYPES, type DnsCheck, type DnsQueryType, type RealServer } from '../../model/check.js';
import { didYouMean } from '../../suggest.js';
import { stmtLoc } from '../../tree.js';
import type { BlockSpec, KeywordHandler } from '../types.js';
import { requireArg } from './common.js';
import { checkerBase, connectedCheckerBlock, connectedCheckerKeywords } from './checkers.js';

/** keepalived 2.2.7's defaults: query the root's SOA record. */
export const DNS_DEFAULT_TYPE: DnsQueryType = 'SOA';
export const DNS_DEFAULT_NAME = '.';

/**
 * A name keepalived 2.2.7 takes for one with an empty label: 'a..b', a
 * leading '.' other than the root '.', and also a first label of one
 * character ('a.example.com'): its check looks one character past the
 * start of the name as it does past each dot.
 */
function hasEmptyLabel(name: string): boolean {
  return (name.startsWith('.') && name !== '.') || name.includes('..') || name[1] === '.';
}

const namesSet = new WeakSet<DnsCheck>();

const dnsKeywords: Record<string, KeywordHandler<DnsCheck>> = {
  ...connectedCheckerKeywords<DnsCheck>(),
  type: (stmt, checker, ctx) => {
    const text = requireArg(stmt, ctx, 1, 'a record type');
    if (text === undefined) return;
    const type = DNS_QUERY_TYPES.find((t) => t === text.toUpperCase());
    if (!type) {
      ctx.problems.error('invalid-value', stmtLoc(stmt, 1), `DNS_CHECK does not know record type '${text}'`, {
        hint: didYouMean(text.toUpperCase(), DNS_QUERY_TYPES) ?? `use one of: ${DNS_QUERY_TYPES.join(', ')}`,
      });
      return;
    }
    checker.queryType = type;
  },
  name: (stmt, checker, ctx) => {
    const name = requireArg(stmt, ctx, 1, 'a domain name');
    if (name === undefined) return;
    if (namesSet.has(checker)) {
      ctx.problems.error('duplicate-setting', stmtLoc(stmt), 'DNS_CHECK already has a name', { hint: 'keepalived keeps the first name and ignores this one' });
      return;
    }
    if (hasEmptyLabel(name)) {
      const oneCharacter = name[1] === '.' && !name.startsWith('.');
      ctx.problems.error('invalid-value', stmtLoc(stmt, 1), oneCharacter ? `DNS name '${name}': keepalived 2.2.7 takes a one-character first label for an empty one` : `DNS name '${name}' has an empty label`, {
        hint: oneCharacter ? "keepalived ignores the name and queries '.'; query a name whose first label is longer" : "remove the extra '.'; keepalived ignores the name",
      });
      return;
    }
    namesSet.add(checker);
    checker.name = name;
  },
};

export const dnsCheckSpec: BlockSpec<DnsCheck> = { name: 'DNS_CHECK', keywords: dnsKeywords };

export const dnsCheckKeywords: Record<string, KeywordHandler<RealServer>> = {
  DNS_CHECK: connectedCheckerBlock<DnsCheck>(dnsCheckSpec, (stmt) => ({
    type: 'DNS_CHECK',
    ...checkerBase(stmt),
    connection: {},
    queryType: DNS_DEFAULT_TYPE,
    name: DNS_DEFAULT_NAME,
  })),
};
