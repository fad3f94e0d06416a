// Which trackers act on which instance, from a real config text.
import { describe, expect, it } from 'vitest';
import { configBindings } from '../../../src/vrrp/trackers/bindings.js';
import { fakeHost, readText } from '../../helpers/config.js';

const host = fakeHost({ files: { '/bin/true': {}, '/bin/false': {} } });

const SCRIPTS = `
global_defs {
  script_user root
}
vrrp_script up {
  script "/bin/true"
  weight 10
}
vrrp_script must {
  script "/bin/false"
}
track_file f1 {
  file /tmp/none
  weight 2
}
vrrp_track_process p1 {
  process sleeper
  weight -5
}
`;

function bindingsOf(text: string) {
  const { config } = readText(SCRIPTS + text, host);
  return configBindings(config.vrrp);
}

const brief = (b: ReturnType<typeof bindingsOf>[number]) => b.trackers.map((t) => `${t.kind}:${t.name}:${t.weight}${t.reverse ? 'r' : ''}:${t.origin}`);

describe('tracker bindings', () => {
  it('tracks the own interface (FAULT), the track_* lines with their weights, block weights by default', () => {
    const [b] = bindingsOf(`
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  track_interface {
    eth1 weight -20
    eth2
  }
  track_script {
    up
    must weight 5 reverse
  }
  track_file {
    f1 weight 3
  }
  track_process {
    p1
  }
  virtual_ipaddress { 198.51.100.1 }
}`);
    expect(brief(b)).toEqual([
      'interface:eth1:-20:instance',
      'interface:eth2:0:instance',
      'script:up:10:instance',
      'script:must:5r:instance',
      'file:f1:3:instance',
      'process:p1:-5:instance',
      'interface:eth0:0:primary',
    ]);
  });

  it('dont_track_primary leaves the own interface out; a track_interface line for it keeps its weight', () => {
    const [a, b] = bindingsOf(`
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  dont_track_primary
  virtual_ipaddress { 198.51.100.1 }
}
vrrp_instance B {
  interface eth1
  virtual_router_id 2
  track_interface {
    eth1 weight 10
  }
  virtual_ipaddress { 198.51.100.2 }
}`);
    expect(brief(a)).toEqual([]);
    expect(brief(b)).toEqual(['interface:eth1:10:instance']);
  });

  it('in a sync group without sync_group_tracking_weight: interface weights dropped, weighted scripts ignored; group trackers act on every member', () => {
    const bs = bindingsOf(`
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  track_interface {
    eth1 weight 10
  }
  track_script {
    up
    must
  }
  virtual_ipaddress { 198.51.100.1 }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 2
  virtual_ipaddress { 198.51.100.2 }
}
vrrp_sync_group G {
  group {
    A
    B
  }
  track_interface {
    eth3
  }
}`);
    expect(brief(bs[0])).toEqual(['interface:eth1:0:instance', 'script:must:0:instance', 'interface:eth0:0:primary', 'interface:eth3:0:group']);
    expect(bs[0].ignored.some((w) => w.includes('track_script up'))).toBe(true);
    expect(brief(bs[1])).toEqual(['interface:eth0:0:primary', 'interface:eth3:0:group']);
    expect(bs[1].group).toBe('G');
  });

  it('sync_group_tracking_weight keeps the weights', () => {
    const [a] = bindingsOf(`
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  track_script {
    up
  }
  virtual_ipaddress { 198.51.100.1 }
}
vrrp_sync_group G {
  group {
    A
  }
  sync_group_tracking_weight
}`);
    expect(brief(a)).toContain('script:up:10:instance');
  });

  it('ignores references to trackers defined later, as keepalived does', () => {
    const { config } = readText(
      `
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  track_script {
    later
  }
  virtual_ipaddress { 198.51.100.1 }
}
vrrp_script later {
  script "/bin/true"
}`,
      host,
    );
    const [a] = configBindings(config.vrrp);
    expect(brief(a)).toEqual(['interface:eth0:0:primary']);
    expect(a.ignored.join()).toContain('later');
  });
});
