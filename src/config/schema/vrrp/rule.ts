// One line of virtual_rules { } or static_rules { }, in `ip rule` syntax:
//   [from ADDR|all] [to ADDR|all] [priority N] [fwmark M[/MASK]] [iif IF]
//   [oif IF] ... ACTION   (table T | goto N | nop | blackhole | prohibit |
//                         unreachable | l3mdev)
// keepalived 2.2.7 reads the words in order and drops the rule at the first
// mistake, such as a family (inet / inet6, or an address) that contradicts
// an earlier one: an option without its value later on the line is then
// never reached. It warns when a rule has no preference (it then numbers the
// rules down from 16384, which is rarely what was meant).
import { stmtLoc, type Stmt } from '../../tree.js';
import type { VirtualRule } from '../../model/vrrp.js';
import type { ReadContext } from '../types.js';
import { readAddressWord } from './address.js';
import { missingParameter } from './common.js';
import { isTableName } from './route.js';
import { strtoulBase0 } from '../c-number.js';

const ACTIONS_WITH_VALUE = new Set(['table', 'lookup', 'goto']);
const ACTIONS = new Set(['nop', 'blackhole', 'prohibit', 'unreachable', 'l3mdev']);
const PREFERENCE = new Set(['priority', 'preference', 'order']);
/** Options that take one value and that we record as written. */
const VALUE_OPTIONS = new Set(['tos', 'dsfield', 'realms', 'suppress_prefixlength', 'sup_pl', 'suppress_ifgroup', 'sup_group', 'tunnel-id', 'uidrange', 'protocol', 'ipproto', 'sport', 'dport', 'type']);

function isUint(value: string): boolean {
  return /^\+?\d+$/.test(value) && Number(value) <= 4294967295;
}

export interface RuleLineOptions {
  isStatic: boolean;
}

/** Reads one rule line; undefined when keepalived would drop the rule. */
/** A rule's `fwmark M[/MASK]` as keepalived 2.2.7 reads it: each part no sign, at most 32 bits, nothing after. */
function isFwmark(value: string): boolean {
  const UINT32_MAX = 4294967295n;
  if (value.startsWith('-')) return false;
  const mark = strtoulBase0(value, 0);
  if (mark.value > UINT32_MAX) return false;
  let end = mark.end;
  if (value[end] === '/') {
    if (value[end + 1] === '-') return false;
    const mask = strtoulBase0(value, end + 1);
    if (mask.value > UINT32_MAX) return false;
    end = mask.end;
  }
  return end === value.length;
}

export function readRuleLine(stmt: Stmt, ctx: ReadContext, options: RuleLineOptions): VirtualRule | undefined {
  const words = stmt.words;
  const rule: VirtualRule = { loc: stmtLoc(stmt), invert: false, noTrack: false, options: {} };
  const fail = (index: number, code: string, message: string, hint?: string): undefined => {
    ctx.problems.error(code, stmtLoc(stmt, index), message, hint ? { hint } : {});
    return undefined;
  };
  // The family so far: from inet / inet6 or the addresses read.
  let family: 4 | 6 | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i].v;
    if (word === 'not') {
      rule.invert = true;
      continue;
    }
    if (word === 'inet' || word === 'inet6') {
      rule.family = word === 'inet' ? 4 : 6;
      if (family !== undefined && family !== rule.family) return fail(i, 'vrrp-rule-family', `'${word}' given for an IPv${family} rule; the rule is ignored`);
      family = rule.family;
      // keepalived 2.2.7 also takes the word after inet/inet6 as read (measured:
      // `inet6 from ADDR` reports ADDR as an unknown option).
      i++;
      continue;
    }
    if (word === 'no_track') {
      rule.noTrack = true;
      continue;
    }
    if (ACTIONS.has(word)) {
      if (rule.action) return fail(i, 'vrrp-rule-action', 'a rule takes only one action (table, goto, nop, blackhole, prohibit, unreachable, l3mdev)');
      rule.action = { kind: word };
      continue;
    }
    const known = word === 'from' || word === 'to' || word === 'fwmark' || word === 'iif' || word === 'oif' || PREFERENCE.has(word) || ACTIONS_WITH_VALUE.has(word) || VALUE_OPTIONS.has(word) || (options.isStatic && word === 'track_group');
    if (!known) {
      const afterFamily = i >= 2 && (words[i - 2].v === 'inet' || words[i - 2].v === 'inet6');
      const hint = afterFamily
        ? `keepalived 2.2.7 skips the word after '${words[i - 2].v}' ('${words[i - 1].v}'), so this one is read out of place: put '${words[i - 2].v}' at the end of the line`
        : word === 'pref'
          ? "keepalived spells it 'preference' or 'priority'"
          : undefined;
      return fail(i, 'vrrp-rule-option', `'${word}' is not a rule option; the rule is ignored`, hint);
    }
    if (i + 1 >= words.length) {
      missingParameter(ctx, stmt, i + 1, word);
      return undefined;
    }
    const value = words[++i].v;
    switch (word) {
      case 'from':
      case 'to': {
        if (value === 'all') break;
        const ip = readAddressWord(stmt, ctx, i, `rule '${word}'`);
        if (!ip) return undefined;
        if (family !== undefined && family !== ip.family) return fail(i, 'vrrp-rule-family', 'the rule mixes IPv4 and IPv6 addresses; it is ignored');
        family = ip.family;
        rule[word] = ip;
        break;
      }
      case 'table':
      case 'lookup':
      case 'goto':
        if (rule.action) return fail(i - 1, 'vrrp-rule-action', 'a rule takes only one action (table, goto, nop, blackhole, prohibit, unreachable, l3mdev)');
        if (word === 'goto' ? !isUint(value) : !isTableName(value)) return fail(i, 'vrrp-rule-table', `${word === 'goto' ? 'goto target' : 'routing table'} '${value}' is not known`);
        if (word !== 'goto' && Number(value) === 0) return fail(i, 'vrrp-rule-table', 'table 0 is not a valid table for a rule');
        rule.action = { kind: word === 'lookup' ? 'table' : word, value };
        break;
      case 'fwmark':
        if (!isFwmark(value)) return fail(i, 'vrrp-rule-fwmark', `rule fwmark '${value}' is not a mark[/mask] of 0 to 4294967295 (decimal, 0x hex or 0 octal)`);
        rule.options.fwmark = value;
        break;
      case 'iif':
        rule.iif = value;
        break;
      case 'oif':
        rule.oif = value;
        break;
      case 'track_group':
        rule.trackGroup = value;
        break;
      default:
        if (PREFERENCE.has(word)) {
          if (!isUint(value)) return fail(i, 'vrrp-rule-preference', `rule preference '${value}' is not a number`);
          rule.preference = Number(value);
        } else rule.options[word] = value;
    }
  }
  if (!rule.action) return fail(0, 'vrrp-rule-no-action', 'the rule has no action (table, goto, ...); it is ignored');
  if (rule.preference === undefined) {
    ctx.problems.warning('vrrp-rule-no-preference', stmtLoc(stmt), 'the rule has no preference; keepalived picks one (counting down from 16384), which is probably not what you want', {
      hint: "add 'preference N' (or 'priority N') to place the rule",
    });
  }
  return rule;
}
