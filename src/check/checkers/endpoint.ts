// Where a checker connects and from where: keepalived's conn_opts, settled
// from the checker's connect_ip / connect_port / bindto / bind_port with the
// real server's address and port as defaults.
import { isIPv6 } from 'node:net';

export interface Endpoint {
  /** Destination address (numeric). */
  host: string;
  port: number;
  /** Source address (bindto). */
  bindTo?: string;
  /** Source port (bind_port). */
  bindPort?: number;
}

/** `198.51.100.21:80` or `[2001:db8::21]:80`. */
export function formatHostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export function formatEndpoint(e: Endpoint): string {
  return formatHostPort(e.host, e.port);
}

/** Where a socket connects to and from, as net.connect / tls.connect take it. */
export function connectOptions(e: Endpoint): { host: string; port: number; localAddress?: string; localPort?: number } {
  return {
    host: e.host,
    port: e.port,
    ...(e.bindTo !== undefined ? { localAddress: e.bindTo } : {}),
    ...(e.bindPort !== undefined ? { localPort: e.bindPort } : {}),
  };
}
