// vrrp_script users and tracker names (passes/vrrp-scripts.ts), checked
// against keepalived 2.2.7 -t. The fake host has only the user root (no
// keepalived_script), like the oracle machine.
import { describe, expect, it } from 'vitest';
import { fakeHost, readText } from '../../helpers/config.js';

const host = fakeHost({
  files: {
    '/': { isFile: false, isDirectory: true, mode: 0o40755 },
    '/bin': { isFile: false, isDirectory: true, mode: 0o40755 },
    '/bin/true': {},
  },
});

/** global_defs with `globals`, a vrrp_script chk with `script` lines, and an instance tracking it. */
function config(globals: string, script: string, trackLine = 'chk'): string {
  const g = globals ? `global_defs {\n${globals.split(';').map((l) => `  ${l}`).join('\n')}\n}\n` : '';
  return `${g}vrrp_script chk {
  script /bin/true
${script
  .split(';')
  .filter((l) => l)
  .map((l) => `  ${l}`)
  .join('\n')}${script ? '\n' : ''}}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  virtual_ipaddress {
    198.51.100.1/24
  }
  track_script {
    ${trackLine}
  }
}
`;
}

function located(text: string): string[] {
  return readText(text, host)
    .problems.filter((p) => p.code.startsWith('vrrp-'))
    .map((p) => `${p.loc?.line ?? '-'}:${p.code}`);
}

describe('vrrp_script users (keepalived 2.2.7)', () => {
  it('enable_script_security without keepalived_script: dropped at its }, then not found', () => {
    // global_defs is lines 1-3; the vrrp_script's } is line 6; the track line 14.
    expect(located(config('enable_script_security', ''))).toEqual(['6:vrrp-script-no-user', '14:vrrp-track-not-found']);
  });
  it('global_defs after the vrrp_script counts too', () => {
    const text = config('', '').replace('vrrp_instance VI_1 {', 'global_defs {\n  enable_script_security\n}\nvrrp_instance VI_1 {');
    expect(located(text)).toEqual(['3:vrrp-script-no-user', '14:vrrp-track-not-found']);
  });
  it('an unknown script_user drops it too, even without script security', () => {
    expect(located(config('script_user nosuch', ''))).toEqual(['6:vrrp-script-no-user', '14:vrrp-track-not-found']);
  });
  it('script_user root: kept', () => {
    expect(located(config('enable_script_security;script_user root', ''))).toEqual([]);
  });
  it('its own user that does not exist: reported on the user line', () => {
    expect(located(config('enable_script_security;script_user root', 'user nosuch'))).toEqual(['7:vrrp-script-user', '16:vrrp-track-not-found']);
  });
  it('its own group that does not exist', () => {
    expect(located(config('', 'user root nogroup_x'))).toEqual(['3:vrrp-script-user', '12:vrrp-track-not-found']);
  });
});

describe('tracker names (keepalived 2.2.7)', () => {
  it('a script listed twice', () => {
    expect(located(config('enable_script_security;script_user root', '', 'chk\n    chk weight 10'))).toEqual(['16:vrrp-track-duplicate']);
  });
  it('an undefined script, then the defined one', () => {
    expect(located(config('enable_script_security;script_user root', '', 'nosuch\n    chk'))).toEqual(['15:vrrp-track-not-found']);
  });
  it('the dropped script is not found on every line (no duplicate complaint)', () => {
    expect(located(config('enable_script_security', '', 'chk\n    chk'))).toEqual(['6:vrrp-script-no-user', '14:vrrp-track-not-found', '15:vrrp-track-not-found']);
  });
  it('the model says which references were defined earlier', () => {
    const { config: model } = readText(config('enable_script_security;script_user root', '', 'chk weight 10 reverse'), host);
    expect(model.vrrp.instances[0].track.scripts).toMatchObject([{ name: 'chk', definedEarlier: true, weight: { weight: 10, reverse: true } }]);
    expect(model.vrrp.scripts[0].dropped).toBe(false);
  });
});
