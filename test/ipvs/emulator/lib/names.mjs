// Host and service names the way ipvsadm resolves them through glibc, limited
// to the files (/etc/hosts, /etc/services): the emulator never asks DNS, so a
// name only DNS knows is "not found", as on a host without a resolver.
import { readFileSync } from 'node:fs';

function readLines(path) {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim().split(/\s+/))
      .filter((f) => f.length >= 2 && f[0] !== '');
  } catch {
    return [];
  }
}

let files = { hosts: process.env.IPVSADM_EMULATOR_HOSTS ?? '/etc/hosts', services: process.env.IPVSADM_EMULATOR_SERVICES ?? '/etc/services' };
let services;
let hosts;

/** Read names from other files than /etc/hosts and /etc/services (tests pin them). */
export function useNameFiles(paths) {
  files = { ...files, ...paths };
  services = undefined;
  hosts = undefined;
}

function serviceTable() {
  services ??= readLines(files.services).flatMap(([name, portProto, ...aliases]) => {
    const m = /^(\d+)\/(\w+)$/.exec(portProto);
    return m ? [{ names: [name, ...aliases], port: Number(m[1]), proto: m[2] }] : [];
  });
  return services;
}

function hostTable() {
  hosts ??= readLines(files.hosts).map(([address, ...names]) => ({ address, names }));
  return hosts;
}

/** getservbyname(name, proto): the port, or undefined. */
export function serviceToPort(name, proto) {
  return serviceTable().find((s) => s.proto === proto && s.names.includes(name))?.port;
}

/** getservbyport(port, proto): the service's name, or undefined. */
export function portToService(port, proto) {
  return serviceTable().find((s) => s.proto === proto && s.port === port)?.names[0];
}

/** gethostbyname for IPv4: the first IPv4 address of that name, as text. */
export function hostToIpv4(name) {
  return hostTable().find((h) => /^\d+\.\d+\.\d+\.\d+$/.test(h.address) && h.names.includes(name))?.address;
}

/** gethostbyaddr: the canonical name of an address written in /etc/hosts. */
export function addressToHost(address, sameAddress) {
  return hostTable().find((h) => sameAddress(h.address))?.names[0];
}
