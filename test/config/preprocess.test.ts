// preprocess(): include, @ID, $NAME, ~SEQ/~LST and their problems, on an
// in-memory file system. "(2.2.7)" marks behaviour checked against the real
// keepalived 2.2.7 -t in a network namespace.
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/config/problems.js';
import { run, texts } from './preprocess-memfs.js';

const MAIN = '/etc/keepalived/keepalived.conf';

describe('plain lines', () => {
  it('passes lines through with their origin, dropping blank and comment-only lines', () => {
    const r = run({ [MAIN]: 'global_defs {\n\n  # comment\n  router_id r1 # trailing\n}\n' });
    expect(r.lines).toEqual([
      { text: 'global_defs {', file: MAIN, line: 1, col: 1, expanded: false },
      { text: '  router_id r1 # trailing', file: MAIN, line: 4, col: 1, expanded: false },
      { text: '}', file: MAIN, line: 5, col: 1, expanded: false },
    ]);
    expect(r.problems).toEqual([]);
  });

  it('strips trailing CRs and reads a last line without a newline', () => {
    expect(texts('a\r\nb\r\r\nc')).toEqual(['a', 'b', 'c']);
  });

  it('does not join a line ending in a backslash with the next one (2.2.7: keyword `cont\\`)', () => {
    const r = run({ [MAIN]: 'global_defs {\n cont \\\n next\n}\n' });
    expect(r.texts).toEqual(['global_defs {', 'cont\\', 'next', '}']);
    expect(r.lines[1]).toMatchObject({ line: 2, col: 2 });
  });

  it('reads \\# as a comment start on lines that need work (2.2.7: `esc\\#aped $A` gives `esc`)', () => {
    expect(texts('$A=x\nesc\\#aped $A\n')).toEqual(['esc']);
  });
});

describe('@ID conditional lines', () => {
  const conf = '@lb1 keep1\n@^lb1 drop1\n@lb2 drop2\n@^lb2 keep2\n@lb1\n@lb1x drop3\n@lb1   spaced\n@ no_id\n@^ no_id_rev\n';

  it('keeps lines for our id, drops the others (2.2.7)', () => {
    expect(texts(conf, { configId: 'lb1' })).toEqual(['keep1', 'keep2', 'spaced', 'no_id_rev']);
  });

  it('moves the column past the prefix', () => {
    const r = run({ [MAIN]: '  @lb1   priority 100\n' });
    expect(r.lines[0]).toMatchObject({ text: 'priority 100', line: 1, col: 10 });
  });

  it('can guard a definition', () => {
    expect(texts('@lb1 $P=150\n@lb2 $P=100\npriority $P\n', { configId: 'lb2' })).toEqual(['priority 100']);
  });
});

describe('$NAME definitions', () => {
  it('expands $NAME before a blank , ) or the end, and ${NAME} anywhere (2.2.7)', () => {
    const conf = '$A=alpha\n$B=${A}-beta\n"$A" ${A}x $A,z ($A) $Ax\n${B}\n';
    expect(texts(conf)).toEqual(['"$A" alphax alpha,z (alpha) $Ax', 'alpha-beta']);
  });

  it('marks expanded lines and keeps the origin of the use', () => {
    const r = run({ [MAIN]: '$IP=10.0.0.1\n  virtual_ipaddress { $IP }\n' });
    expect(r.lines.map((l) => [l.text, l.line, l.col, l.expanded])).toEqual([
      ['virtual_ipaddress', 2, 3, true],
      ['{', 2, 21, true],
      ['10.0.0.1', 2, 23, true],
      ['}', 2, 32, true],
    ]);
  });

  it('leaves unknown names as written', () => {
    expect(texts('$A=1\nnotify "/bin/x $HOME ${USER}"\n')).toEqual(['notify "/bin/x $HOME ${USER}"']);
  });

  it('strips comments from a value; blanks around the value go; the value may be empty (2.2.7)', () => {
    expect(texts('$E=x # comment\n$F=   \n[$E] [${F}] $E\n')).toEqual(['[$E] [] x']);
  });

  it('does not take `$NAME = value` (blank before =) as a definition (2.2.7: Unknown keyword \'$C\')', () => {
    const r = run({ [MAIN]: '$C = spaced\n' });
    expect(r.texts).toEqual(['$C = spaced']);
    expect(r.problems).toEqual([expect.objectContaining({ severity: 'note', code: 'bad-definition', hint: 'write $C=spaced', exit: 0 })]);
  });

  it('redefines, and lets users override predefined names', () => {
    expect(texts('$X=1\n$X=2\n$_HASH=h\n$X ${_HASH}\n')).toEqual(['2 h']);
  });

  it('expands nested definitions at use time', () => {
    expect(texts('$B=${A}!\n$A=1\nv ${B}\n$A=2\nv ${B}\n')).toEqual(['v 1', 'v 2']);
  });

  it('notes a $NAME that is not expanded because of the next character', () => {
    const r = run({ [MAIN]: '$VIP=10.0.0.1\nvirtual_ipaddress "$VIP"\n' });
    expect(r.problems).toEqual([
      expect.objectContaining({ code: 'unexpanded-name', severity: 'note', loc: { file: MAIN, line: 2, col: 20 }, hint: expect.stringContaining('${VIP}') }),
    ]);
  });

  it('suggests a close defined name for an undefined one', () => {
    const r = run({ [MAIN]: '$ROUTER=r1\nrouter_id ${ROUTRE}\n' });
    expect(r.problems[0]).toMatchObject({ code: 'unexpanded-name', hint: "did you mean '${ROUTER}'?" });
  });

  it('stops a definition that uses itself (keepalived 2.2.7 hangs on `$A=$A`)', () => {
    const r = run({ [MAIN]: '$A=$A\nrouter_id $A\n' });
    expect(r.problems).toEqual([expect.objectContaining({ code: 'definition-loop', severity: 'error', exit: 4 })]);
  });

  it('stops expanding at 1023 characters (2.2.7: `$A=x $A` gives a line of x)', () => {
    const r = run({ [MAIN]: '$A=x $A\n$A\n' });
    expect(r.lines[0].text.length).toBeLessThan(1024);
    expect(r.lines[0].text.startsWith('x x x')).toBe(true);
    expect(r.problems[0]).toMatchObject({ code: 'expansion-too-long', severity: 'note' });
  });
});

describe('multi-line definitions', () => {
  it('expands a value continued with \\ into several lines at the use site (2.2.7)', () => {
    const conf = '$ML=one \\\n  two  \\\n  three\n$ML\npre $ML\n${ML}\n"${ML}"\n';
    const r = run({ [MAIN]: conf });
    expect(r.texts).toEqual(['one', 'two', 'three', 'pre one', 'two', 'three', 'one', 'two', 'three', '"${ML}"']);
    expect(r.lines.slice(3, 6).map((l) => [l.line, l.col])).toEqual([[5, 1], [5, 5], [5, 5]]);
  });

  it('treats `$E= \\` followed by one line as a one-line value (2.2.7)', () => {
    expect(texts('$E= \\\n  first\nx $E\n')).toEqual(['x first']);
  });

  it('ends the value at an empty line and skips comment lines inside it', () => {
    expect(texts('$M=a \\\n# note\n  b \\\n\nc\n$M\n')).toEqual(['c', 'a', 'b']);
  });

  it('may hold blocks, @ lines and definitions, processed at use', () => {
    const conf = '$BLK=vrrp_script chk { \\\n @lb1 weight 10 \\\n @lb2 weight 20 \\\n $W=5 \\\n }\n$BLK\nw $W\n';
    expect(texts(conf, { configId: 'lb2' })).toEqual(['vrrp_script chk', '{', 'weight 20', '}', 'w 5']);
  });

  it('nests: a multi-line value may end in another one', () => {
    expect(texts('$IN=i1 \\\n i2\n$OUT=o1 \\\n o2 $IN\n$OUT\nend\n')).toEqual(['o1', 'o2 i1', 'i2', 'end']);
  });

  it('stops a multi-line value that uses itself at its end', () => {
    const r = run({ [MAIN]: '$L=a \\\n $L\n$L\n' });
    expect(r.problems.map((p) => p.code)).toContain('expansion-runaway');
    expect(exitCodeOf(r.problems)).toBe(4);
  });
});

describe('predefined names', () => {
  it('gives _INSTANCE, _HASH, _BANG and _PWD (2.2.7)', () => {
    const r = run({ '/etc/k/main.conf': 'a "${_INSTANCE}" "${_HASH}x" "${_BANG}y" ${_PWD}\n' }, '/etc/k/main.conf', { configId: 'myid' });
    expect(r.texts).toEqual(['a "myid" "#x" "!y" /etc/k']);
  });

  it('cuts the line at an unquoted ${_HASH} (2.2.7: it starts a comment)', () => {
    expect(texts('"a" ${_HASH} b\n')).toEqual(['"a"']);
  });

  it('gives _PWD of the included file', () => {
    const r = run({ '/etc/k/main.conf': 'include sub/x.conf\n', '/etc/k/sub/x.conf': 'dir ${_PWD}\n' }, '/etc/k/main.conf');
    expect(r.texts).toEqual(['dir /etc/k/sub']);
  });

  it('gives _RANDOM in 0..32767, or within MIN MAX', () => {
    for (let i = 0; i < 20; i++) {
      const [a, b] = texts('r ${_RANDOM}\nr ${_RANDOM 5 7}\n').map((t) => Number(t.split(' ')[1]));
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThanOrEqual(32767);
      expect([5, 6, 7]).toContain(b);
    }
  });

  it('reproduces the 2.2.7 bug with ${_RANDOM MIN MAX} before more text (`"${_RANDOM 5 7}"` -> `"5"_RANDOM 5 7}"`)', () => {
    const r = run({ [MAIN]: 'x "${_RANDOM 5 7}" y\n' });
    expect(r.texts[0]).toMatch(/^x "[5-7]"_RANDOM 5 7$/);
    expect(r.problems.map((p) => p.code)).toEqual(['random-mangled']);
  });
});

describe('~SEQ and ~LST', () => {
  it('repeats a line for each value (2.2.7)', () => {
    const conf = [
      '~SEQ(i,3) s1 ${i}',
      '~SEQ(i,5,7) s2 ${i}',
      '~SEQ(i,5,2,9) s3 ${i}',
      '~SEQ(i,-2) s4 ${i}',
      '~SEQ(i,3,1) s5 ${i}',
      '~SEQx(h,9,12) s6 ${h}',
      '~SEQ ( i , 0x10 , 0x11 ) s7 ${i}',
      '~SEQ(k,) s8 ${k}',
    ].join('\n');
    expect(texts(conf)).toEqual([
      's1 1', 's1 2', 's1 3', 's2 5', 's2 6', 's2 7', 's3 5', 's3 7', 's3 9', 's4 -1', 's4 -2',
      's5 3', 's5 2', 's5 1', 's6 9', 's6 a', 's6 b', 's6 c', 's7 16', 's7 17', 's8 1', 's8 0',
    ]);
  });

  it('nests and combines ~SEQ and ~LST (2.2.7)', () => {
    expect(texts('~SEQ(a,1,2) ~SEQ(b,1,2) p ${a} ${b}\n')).toEqual(['p 1 1', 'p 1 2', 'p 2 1', 'p 2 2']);
    expect(texts('~SEQ(i,1,2) ~LST(v,a,b) q ${i}${v}\n')).toEqual(['q 1a', 'q 1b', 'q 2a', 'q 2b']);
  });

  it('iterates ~LST over values and value sets, missing values empty (2.2.7)', () => {
    expect(texts('~LST(v,x,y) l1 ${v}\n~LST({p,q},{1,2},{3,4}) l2 ${p} ${q}\n~LST({p,q},{1},{3,4}) l3 ${p}:${q}\n~LST(v,) l4 [${v}]\n')).toEqual([
      'l1 x', 'l1 y', 'l2 1 2', 'l2 3 4', 'l3 1:', 'l3 3:4', 'l4 []',
    ]);
  });

  it('expands $NAME in ~SEQ numbers and keeps the variable defined afterwards (2.2.7)', () => {
    expect(texts('$N=2\n~SEQ(i,1,$N) n ${i}\nafter ${i}\n')).toEqual(['n 1', 'n 2', 'after 2']);
  });

  it('gives generated lines the ~SEQ line as origin', () => {
    const r = run({ [MAIN]: '\n  ~SEQ(i,1,2) real_server 10.0.0.${i} 80\n' });
    expect(r.lines.map((l) => [l.text, l.line, l.col, l.expanded])).toEqual([
      ['real_server 10.0.0.1 80', 2, 15, true],
      ['real_server 10.0.0.2 80', 2, 15, true],
    ]);
  });

  it('can come from a definition, and generate a multi-line definition per value', () => {
    expect(texts('$S=~SEQ(i,1,2) x${i}\n$S\n')).toEqual(['x1', 'x2']);
    expect(texts('$RS=rs ${i} \\\n w ${i}\n~SEQ(i,1,2) $RS\n')).toEqual(['rs 1', 'w 1', 'rs 2', 'w 2']);
  });

  it('reports invalid ~SEQ and ~LST lines as errors, exit 5 (2.2.7 messages and exit)', () => {
    const bad = ['~SEQ(i)', '~SEQ(i,1,0,5)', '~SEQ(i,5,1,1)', '~SEQx(i,-1,3)', '~SEQ(i,1,2 "x"', '~SEQ(i,1,2,3,4)', '~SEQ(i,a)', '~SEQ(i,08)', '~SEQ i,1,2', '~SEQ(,1,2)', '~LST(v)', '~LST({a},{1,2})', '~LST(v,a b) x'];
    const r = run({ [MAIN]: bad.join('\n') });
    expect(r.texts).toEqual([]);
    expect(r.problems.map((p) => [p.code, p.loc?.line, p.exit])).toEqual(bad.map((b, i) => [b[1] === 'S' ? 'bad-seq' : 'bad-lst', i + 1, 5]));
  });

  it('refuses a ~SEQ whose counter would overflow (keepalived 2.2.7 never finishes)', () => {
    const r = run({ [MAIN]: '~SEQ(w,0x7ffffffffffffffe,0x7fffffffffffffff) w\n' });
    expect(r.texts).toEqual([]);
    expect(r.problems).toEqual([expect.objectContaining({ code: 'seq-too-long', exit: 4 })]);
  });

  it('leaves other lines starting with ~ alone, unexpanded (2.2.7: Unknown keyword \'~foo\')', () => {
    expect(texts('$A=1\n~foo $A\n')).toEqual(['~foo $A']);
  });
});

describe('braces', () => {
  it('processes the rest of a line after a brace as a line of its own (2.2.7)', () => {
    const r = run({ [MAIN]: 'vrrp_instance VI { @lb2 priority 1\n  "a { b" } @lb1 state MASTER\n' });
    expect(r.texts).toEqual(['vrrp_instance VI', '{', '"a { b"', '}', 'state MASTER']);
    expect(r.lines.map((l) => l.col)).toEqual([1, 18, 3, 11, 18]);
  });
});

describe('include', () => {
  it('includes relative to the including file, in sorted order, with braces in brace order (2.2.7)', () => {
    const r = run({
      '/k/main.conf': 'include conf.d/{b,a}*.conf\ninclude sub/*.conf\n',
      '/k/conf.d/a1.conf': 'a1',
      '/k/conf.d/a2.conf': 'a2',
      '/k/conf.d/b0.conf': 'b0',
      '/k/conf.d/.hidden.conf': 'hidden',
      '/k/sub/s.conf': 'include ../conf.d/a1.conf\ns',
    }, '/k/main.conf');
    expect(r.texts).toEqual(['b0', 'a1', 'a2', 'a1', 's']);
    expect(r.lines.map((l) => l.file)).toEqual(['/k/conf.d/b0.conf', '/k/conf.d/a1.conf', '/k/conf.d/a2.conf', '/k/conf.d/a1.conf', '/k/sub/s.conf']);
    expect(r.problems).toEqual([]);
  });

  it('recognises include variants, but not bare `include` or `includex` (2.2.7)', () => {
    const r = run({ '/k/m.conf': 'includer x.conf\nincludex x.conf\ninclude\ninclude\tx.conf # c\n', '/k/x.conf': 'x' }, '/k/m.conf');
    expect(r.texts).toEqual(['x', 'includex x.conf', 'include', 'x']);
  });

  it('warns about a missing file but keeps exit 0 without -e (2.2.7: Config files missing, exit 0)', () => {
    const r = run({ '/k/m.conf': 'a\ninclude nothere.conf\nb\n' }, '/k/m.conf');
    expect(r.texts).toEqual(['a', 'b']);
    expect(r.problems).toEqual([expect.objectContaining({ code: 'include-missing', severity: 'warning', exit: 0, loc: { file: '/k/m.conf', line: 2, col: 9 } })]);
  });

  it('makes a missing file fatal with -e: exit 6 (2.2.7)', () => {
    const r = run({ '/k/m.conf': 'include nothere.conf\n' }, '/k/m.conf', { allConfig: true });
    expect(exitCodeOf(r.problems)).toBe(6);
  });

  it('applies the strictness of each variant (2.2.7)', () => {
    const exit = (line: string): number => exitCodeOf(run({ '/k/m.conf': `${line}\n`, '/k/ok.conf': 'ok', '/k/sub/x': 'x' }, '/k/m.conf').problems);
    expect(exit('includer nothere.conf')).toBe(0);
    expect(exit('includem nothere.conf')).toBe(6);
    expect(exit('includem sub/*.none')).toBe(0);
    expect(exit('includew sub/*.none')).toBe(6);
    expect(exit('includeb nothere.conf')).toBe(0);
    expect(exit('includeb {x,y}.conf')).toBe(6);
    expect(exit('includeb {ok,y}.conf')).toBe(6);
    expect(exit('include {ok,y}.conf')).toBe(0);
    expect(exit('includer sub')).toBe(6);
    expect(exit('includea nothere.conf')).toBe(6);
    expect(exit('include sub/*.none')).toBe(0);
  });

  it('includes nothing of a partly missing {a,b} pattern when brace checks are on (2.2.7)', () => {
    const files = { '/k/m.conf': 'include {ok,y}.conf\n', '/k/ok.conf': 'ok' };
    expect(run(files, '/k/m.conf').texts).toEqual(['ok']);
    expect(run(files, '/k/m.conf', { allConfig: true }).texts).toEqual([]);
  });

  it('follows include_check in the config, restored at the end of the file that set it (2.2.7)', () => {
    const r = run({ '/k/m.conf': 'global_defs {\n include_check match\n}\ninclude sub/*.none\ninclude nothere.conf\n', '/k/sub/x': '' }, '/k/m.conf');
    expect(r.problems.map((p) => [p.code, p.exit])).toEqual([['include-missing', 6]]);
    const r2 = run({ '/k/m.conf': 'include a.conf\ninclude nothere.conf\n', '/k/a.conf': 'include_check\n' }, '/k/m.conf');
    expect(r2.problems.map((p) => [p.code, p.exit])).toEqual([['include-missing', 0]]);
  });

  it('skips directories and executable files (2.2.7: "is a directory - skipping")', () => {
    const r = run({ '/k/m.conf': 'include d\ninclude x.conf\n', '/k/x.conf': 'x', '/k/d/f': 'f' }, '/k/m.conf', { fs: { executable: ['/k/x.conf'] } });
    expect(r.texts).toEqual([]);
    expect(r.problems.map((p) => [p.code, p.exit])).toEqual([['include-directory', 0], ['include-not-regular', 0]]);
  });

  it('takes quotes as part of the pattern (2.2.7: Config files missing \'"x.conf"\')', () => {
    const r = run({ '/k/m.conf': 'include "x.conf"\n', '/k/x.conf': 'x' }, '/k/m.conf');
    expect(r.texts).toEqual([]);
    expect(r.problems[0]).toMatchObject({ code: 'include-missing', hint: expect.stringContaining('quotes') });
  });

  it('reads an include loop once and reports it (2.2.7 recurses until "Too many open files", exit 0)', () => {
    const r = run({ '/k/a.conf': 'a\ninclude b.conf\n', '/k/b.conf': 'b\ninclude a.conf\n' }, '/k/a.conf');
    expect(r.texts).toEqual(['a', 'b']);
    expect(r.problems).toEqual([expect.objectContaining({ code: 'include-loop', exit: 0, loc: { file: '/k/b.conf', line: 2, col: 9 } })]);
  });

  it('reads an include that needed @ID or $NAME processing twice, as the VRRP process does (2.2.7)', () => {
    const r = run({ '/k/m.conf': '@lb1 include x.conf\n$F=x.conf\ninclude $F\n', '/k/x.conf': 'x' }, '/k/m.conf');
    expect(r.texts).toEqual(['x', 'x', 'x']);
    expect(r.problems.map((p) => p.code)).toEqual(['include-read-twice']);
  });

  it('accepts an include from the rest of a brace line, read twice too (2.2.7)', () => {
    const r = run({ '/k/m.conf': 'foo { include y.conf\n}\n', '/k/y.conf': 'y' }, '/k/m.conf');
    expect(r.texts).toEqual(['foo', '{', 'y', 'y', '}']);
  });

  it('runs includes generated by ~SEQ, the last one first, each read twice (2.2.7)', () => {
    const r = run({ '/k/m.conf': '~SEQ(i,1,2) include f${i}.conf\n', '/k/f1.conf': 'f1', '/k/f2.conf': 'f2' }, '/k/m.conf');
    // keepalived's VRRP process reads f2 f1 f2 f1; we keep the two readings of a file together.
    expect(r.texts).toEqual(['f2', 'f2', 'f1', 'f1']);
  });

  it('shares definitions between files, and a definition may continue past the end of a file', () => {
    const r = run({ '/k/m.conf': 'include d.conf\ny\nv $A $B\n', '/k/d.conf': '$A=1\n$B=x \\' }, '/k/m.conf');
    expect(r.texts).toEqual(['v 1 x', 'y']);
  });
});

describe('the main file', () => {
  it('reports a missing file, exit 0 (4 with -e), and reads nothing (2.2.7)', () => {
    const r = run({ '/k/other.conf': '' }, '/k/missing.conf');
    expect(r.lines).toEqual([]);
    expect(r.problems.map((p) => [p.code, p.exit, p.loc])).toEqual([['config-file-missing', 0, undefined]]);
    expect(exitCodeOf(run({ '/k/other.conf': '' }, '/k/missing.conf', { allConfig: true }).problems)).toBe(4);
  });

  it('reports an unreadable file, exit 4', () => {
    const r = run({}, '/k/m.conf', { fs: { unreadable: ['/k/m.conf'] } });
    expect(r.problems.map((p) => [p.code, p.exit])).toEqual([['config-file-unreadable', 4]]);
  });

  it('reports a directory, exit 0 (4 with -e) (2.2.7)', () => {
    const r = run({ '/k/d/x': '' }, '/k/d');
    expect(r.problems.map((p) => [p.code, p.exit])).toEqual([['config-file-directory', 0]]);
    expect(exitCodeOf(run({ '/k/d/x': '' }, '/k/d', { allConfig: true }).problems)).toBe(4);
  });

  it('reads all files matching a -f pattern, with a warning, exit 5 (2.2.7)', () => {
    const r = run({ '/k/m1.conf': 'one', '/k/m2.conf': 'two' }, '/k/m*.conf');
    expect(r.texts).toEqual(['one', 'two']);
    expect(r.problems.map((p) => [p.code, p.exit])).toEqual([['config-file-multiple', 5]]);
  });
});

describe('long lines and odd bytes', () => {
  it('splits a line of more than 1023 bytes as keepalived\'s fgets does, keeping true positions (2.2.7)', () => {
    const r = run({ [MAIN]: ` ${'a'.repeat(1100)} b\n ${'c'.repeat(1022)}\nz\n` });
        // keepalived reads ' aaa…' (1023 bytes), 'aaa… b', ' ccc…' and an empty line.
    expect(r.lines.map((l) => [l.text.length, l.line, l.col])).toEqual([[1022, 1, 2], [80, 1, 1024], [1022, 2, 2], [1, 3, 1]]);
    expect(r.problems.map((p) => p.code)).toEqual(['line-too-long', 'line-too-long']);
  });

  it('ignores the rest of a line after a NUL byte (2.2.7)', () => {
    const r = run({ [MAIN]: 'foo\0zz\nbar\n' });
    expect(r.texts).toEqual(['foo', 'bar']);
    expect(r.problems.map((p) => p.code)).toEqual(['nul-byte']);
  });
});
