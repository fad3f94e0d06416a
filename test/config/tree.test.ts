import { describe, expect, it } from 'vitest';
import { Problems } from '../../src/config/problems.js';
import { buildTree, type Stmt } from '../../src/config/tree.js';
import { linesOf } from '../helpers/config.js';

function shape(stmts: readonly Stmt[] | undefined): unknown[] {
  return (stmts ?? []).map((s) => (s.block ? { [s.words.map((w) => w.v).join(' ')]: shape(s.block) } : s.words.map((w) => w.v).join(' ')));
}

function tree(text: string) {
  const problems = new Problems();
  const stmts = buildTree(linesOf(text), problems);
  return { shape: shape(stmts), problems: problems.list.map((p) => `${p.loc?.line}:${p.loc?.col}:${p.code}`) };
}

describe('buildTree', () => {
  it('reads a one-line block and a brace on the next line alike', () => {
    expect(tree('global_defs { router_id x }').shape).toEqual([{ global_defs: ['router_id x'] }]);
    expect(tree('global_defs\n{\n  router_id x\n}').shape).toEqual([{ global_defs: ['router_id x'] }]);
  });

  it('splits a line at braces and keeps going', () => {
    expect(tree('vrrp_instance VI_1 { state MASTER\n virtual_ipaddress { 198.51.100.1 } }').shape).toEqual([
      { 'vrrp_instance VI_1': ['state MASTER', { virtual_ipaddress: ['198.51.100.1'] }] },
    ]);
  });

  it('drops comments and keeps quoted strings whole', () => {
    expect(tree('notify_master "/bin/x a b" # comment\nrouter_id a!b').shape).toEqual(['notify_master /bin/x a b', 'router_id a']);
  });

  it('reports an extra closing brace where it stands', () => {
    expect(tree('global_defs {\n}\n}\n').problems).toEqual(['3:1:extra-close-brace']);
  });

  it('reports an unclosed block at its opening brace', () => {
    const t = tree('vrrp_instance VI_1 {\n  state MASTER\n');
    expect(t.problems).toEqual(['1:20:unclosed-block']);
    expect(t.shape).toEqual([{ 'vrrp_instance VI_1': ['state MASTER'] }]);
  });

  it('reports an unterminated quote', () => {
    expect(tree('router_id "abc').problems).toEqual(['1:11:unterminated-quote']);
  });

  it('reports a brace that follows no keyword', () => {
    expect(tree('global_defs {\n}\n{\n}').problems).toEqual(['3:1:stray-open-brace']);
  });
});
