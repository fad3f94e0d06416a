// Interfaces the VRRP part names must exist on this host. keepalived
// reports each missing one on its line, then says once "Non-existent
// interface specified in configuration" and its VRRP process stops: the
// checks it makes after reading (instances, VRIDs, sync groups, VRRP script
// security) are not made. Exit code 5 then, even where scripts would
// otherwise give 6.
//
// Some interface lists only get a warning and do not stop anything
// (linkbeat_interfaces, interface_up_down_delays, use_vmac names).
import type { HostInfo } from '../host.js';
import type { KeepalivedConfig } from '../model/index.js';
import type { NamedRef, VirtualIp, VirtualRoute, VirtualRule } from '../model/vrrp.js';
import type { Loc } from '../problems.js';
import type { Pass } from './types.js';

/** Code of the problem that says keepalived's VRRP checks stop here; script security looks for it. */
export const VRRP_STOPPED_CODE = 'vrrp-nonexistent-interface-stop';

export interface InterfaceUse {
  name: string;
  loc: Loc;
  /** What names it, for the message: "vrrp_instance VI_1", "virtual address 192.0.2.1/24", ... */
  what: string;
}

function addressUses(ips: readonly VirtualIp[], what: string): InterfaceUse[] {
  return ips.filter((ip) => ip.dev !== undefined).map((ip) => ({ name: ip.dev!, loc: ip.devLoc ?? ip.loc, what: `${what} ${ip.address.address}` }));
}

function routeUses(routes: readonly VirtualRoute[], what: string): InterfaceUse[] {
  return routes.flatMap((r) => r.interfaceRefs.map((ref) => ({ name: ref.name, loc: ref.loc, what })));
}

function ruleUses(rules: readonly VirtualRule[], what: string): InterfaceUse[] {
  const uses: InterfaceUse[] = [];
  for (const r of rules) {
    if (r.iif !== undefined) uses.push({ name: r.iif, loc: r.loc, what });
    if (r.oif !== undefined) uses.push({ name: r.oif, loc: r.loc, what });
  }
  return uses;
}

function refs(list: readonly NamedRef[], what: string): InterfaceUse[] {
  return list.map((r) => ({ name: r.name, loc: r.loc, what }));
}

/** Every interface whose absence stops keepalived's VRRP process, in file order per kind. */
export function vrrpInterfaceUses(config: KeepalivedConfig): InterfaceUse[] {
  const vrrp = config.vrrp;
  const uses: InterfaceUse[] = [];
  for (const inst of vrrp.instances) {
    // Earlier `interface` lines that a later one replaced (keepalived checks each one as it reads it).
    for (const line of (inst.interfaceLines ?? []).slice(0, -1)) uses.push({ name: line.name, loc: line.loc, what: `vrrp_instance ${inst.name}` });
    if (inst.interface !== undefined) uses.push({ name: inst.interface, loc: inst.locs.interface ?? inst.loc, what: `vrrp_instance ${inst.name}` });
    uses.push(...refs(inst.track.interfaces, `track_interface of ${inst.name}`));
    uses.push(...addressUses(inst.virtualIps, 'virtual address'));
    uses.push(...addressUses(inst.excludedIps, 'excluded virtual address'));
    uses.push(...routeUses(inst.virtualRoutes, `a virtual route of ${inst.name}`));
    uses.push(...ruleUses(inst.virtualRules, `a virtual rule of ${inst.name}`));
  }
  for (const sg of vrrp.syncGroups) uses.push(...refs(sg.track.interfaces, `track_interface of sync group ${sg.name}`));
  for (const gg of [...vrrp.garpGroups, ...vrrp.droppedGarpGroups]) uses.push(...gg.interfaces.map((gi) => ({ name: gi.name, loc: gi.reportLoc, what: 'garp_group' })));
  uses.push(...addressUses(vrrp.staticAddresses, 'static address'));
  uses.push(...routeUses(vrrp.staticRoutes, 'a static route'));
  uses.push(...ruleUses(vrrp.staticRules, 'a static rule'));
  return uses;
}

/** The uses whose interface the host lacks; empty when the host's interfaces are not known. */
export function missingVrrpInterfaces(config: KeepalivedConfig, host: HostInfo): InterfaceUse[] {
  const known = host.interfaces;
  if (!known) return [];
  return vrrpInterfaceUses(config).filter((u) => !known.has(u.name));
}

export const checkVrrpInterfaces: Pass = (config, ctx) => {
  const missing = missingVrrpInterfaces(config, ctx.host);
  for (const use of missing) {
    ctx.problems.warning('vrrp-interface-missing', use.loc, `interface ${use.name} (${use.what}) does not exist on this host`, {
      hint: 'check the name with `ip link`; keepalived stops checking the VRRP configuration when an interface is missing',
    });
  }
  if (missing.length > 0) {
    config.vrrp.stoppedAtMissingInterface = true;
    ctx.problems.warning(VRRP_STOPPED_CODE, undefined, 'an interface named in the VRRP configuration does not exist; keepalived checks no further VRRP settings', {
      hint: 'fix the interface names first: the remaining VRRP checks (and the VRRP script security check) run only then',
    });
  }
  const known = ctx.host.interfaces;
  if (!known) return;
  for (const lb of config.vrrp.linkbeatInterfaces) {
    if (!known.has(lb.name)) ctx.problems.warning('vrrp-linkbeat-interface', lb.loc, `linkbeat interface ${lb.name} does not exist on this host; it is ignored`);
  }
  for (const d of config.vrrp.interfaceDelays) {
    if (!known.has(d.name)) ctx.problems.warning('vrrp-delay-interface', d.loc, `interface ${d.name} in interface_up_down_delays does not exist on this host; it is ignored`);
  }
  for (const inst of config.vrrp.instances) {
    const name = inst.useVmac?.name;
    if (name !== undefined && known.has(name)) {
      ctx.problems.warning('vrrp-vmac-name-taken', inst.locs.use_vmac_name ?? inst.locs.use_vmac ?? inst.loc, `use_vmac name ${name} is an existing interface; keepalived picks its own name instead`, {
        hint: 'choose a name that is not in use, or leave it out (keepalived then uses vrrp.VRID)',
      });
    }
  }
};
