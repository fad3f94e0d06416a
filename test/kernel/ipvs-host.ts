// Where the kernel tier's IPVS lives: a QEMU guest with a stock Debian kernel
// (vm.ts), or, when this machine's kernel has IPVS, a network namespace of it
// (namespace-host.ts), which is much faster and the same test otherwise. The
// tests talk to an IpvsHost and never ask which one they got, except to log it.
//
// The choice: KTS_KERNEL_TIER=qemu or native forces one; otherwise native when
// the host kernel has IPVS loaded (/proc/net/ip_vs) or `modprobe -n` says it
// could load it (a dry run: nothing changes on a host without IPVS).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { netnsUnavailableReason, type Netns } from '../helpers/netns.js';
import { NamespaceHost } from './namespace-host.js';
import { vmUnavailableReason, Vm, type BootOptions, type GuestResult, type GuestRunOptions, type GuestStatus } from './vm.js';

export type KernelTier = 'qemu' | 'native';

/** The surface the kernel-tier tests use; Vm and NamespaceHost both have it. */
export interface IpvsHost {
  readonly kind: KernelTier;
  /** What it is, for logs: the kernel and how it runs. */
  readonly description: string;
  /** `uname -r` inside. */
  readonly kernelRelease: string;
  /** A host directory the IPVS host reads and writes at the same path. */
  readonly exchangeDir: string;
  /** With `withProject`: the current src/ as JavaScript, at the same path inside. */
  readonly projectDir: string;
  run(argv: readonly string[], options?: GuestRunOptions): Promise<GuestResult>;
  runOk(argv: readonly string[], options?: GuestRunOptions): Promise<GuestResult>;
  spawn(argv: readonly string[], options?: Omit<GuestRunOptions, 'input' | 'timeoutMs'>): Promise<number>;
  status(pid: number): Promise<GuestStatus>;
  kill(pid: number, signal?: NodeJS.Signals): Promise<void>;
  waitExit(pid: number, timeoutMs?: number): Promise<GuestStatus>;
  stop(): Promise<void>;
}

/** An L2 segment to join: the host gets an interface (default eth0) on `bridge` in `ns`. */
export interface SegmentAttachment {
  ns: Netns;
  bridge: string;
  /** The interface's name inside the IPVS host. Default eth0 (the QEMU guest's NIC is always eth0). */
  ifname?: string;
}

/** What this machine's kernel says about IPVS. */
export interface IpvsProbe {
  /** /proc/net/ip_vs exists: IPVS is loaded or built in. */
  loaded: boolean;
  /** `modprobe -n ip_vs` succeeded: the module is there to load. */
  loadable: boolean;
}

export interface TierChoice {
  tier: KernelTier;
  why: string;
}

export const TIER_OVERRIDE_VARIABLE = 'KTS_KERNEL_TIER';

/** The tier for an override value (unset, '' or 'auto': none) and what the host kernel has. Throws on a value it does not know. */
export function chooseKernelTier(override: string | undefined, probe: IpvsProbe): TierChoice {
  if (override === 'qemu' || override === 'native') return { tier: override, why: `${TIER_OVERRIDE_VARIABLE}=${override}` };
  if (override !== undefined && override !== '' && override !== 'auto') {
    throw new Error(`${TIER_OVERRIDE_VARIABLE}=${override}: expected qemu, native or auto`);
  }
  if (probe.loaded) return { tier: 'native', why: 'the host kernel has IPVS (/proc/net/ip_vs)' };
  if (probe.loadable) return { tier: 'native', why: 'the host kernel can load ip_vs (modprobe -n)' };
  return { tier: 'qemu', why: 'the host kernel has no IPVS' };
}

/** Looks without changing anything: a file, and modprobe's dry run. */
export function probeHostIpvs(): IpvsProbe {
  const loaded = existsSync('/proc/net/ip_vs');
  const loadable = !loaded && spawnSync('modprobe', ['-n', '-q', 'ip_vs'], { stdio: 'ignore' }).status === 0;
  return { loaded, loadable };
}

/** This machine's tier (KTS_KERNEL_TIER, else what the kernel has). */
export function selectKernelTier(): TierChoice {
  return chooseKernelTier(process.env[TIER_OVERRIDE_VARIABLE], probeHostIpvs());
}

/** Why `tier` cannot run here, or undefined. */
export function ipvsHostUnavailableReason(tier: KernelTier): string | undefined {
  if (tier === 'qemu') return vmUnavailableReason();
  const netns = netnsUnavailableReason();
  if (netns) return `the native kernel tier needs network namespaces: ${netns}`;
  if (spawnSync('sh', ['-c', 'command -v ipvsadm']).status !== 0) return 'the native kernel tier needs ipvsadm';
  return undefined;
}

export interface IpvsHostOptions extends Omit<BootOptions, 'network'> {
  /** Join this segment as `eth0`. */
  network?: SegmentAttachment;
  /** The namespace's label on the native tier. */
  label?: string;
}

/** A booted guest or a new namespace, ready for commands. */
export async function openIpvsHost(tier: KernelTier, options: IpvsHostOptions = {}): Promise<IpvsHost> {
  const { network, label, ...boot } = options;
  if (tier === 'native') return NamespaceHost.create({ label, withProject: boot.withProject, network });
  return Vm.boot({ ...boot, ...(network ? { network: { ns: network.ns, bridge: network.bridge } } : {}) });
}
