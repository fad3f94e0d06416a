// Keyword tables of the checker part: virtual_server, virtual_server_group
// and SSL at the top level; the blocks below them live in ./check/.
import type { KeepalivedConfig } from '../model/index.js';
import { bfdCheckSpec } from './check/bfd.js';
import { dnsCheckSpec } from './check/dns.js';
import { fileCheckSpec } from './check/file.js';
import { httpCheckSpec, sslCheckSpec, urlSpec } from './check/http.js';
import { miscCheckSpec } from './check/misc.js';
import { pingCheckSpec } from './check/ping.js';
import { realServerSpec } from './check/real-server.js';
import { smtpCheckSpec, smtpHostSpec } from './check/smtp.js';
import { sslKeyword, sslSpec } from './check/ssl.js';
import { tcpCheckSpec } from './check/tcp.js';
import { udpCheckSpec } from './check/udp.js';
import { virtualServerGroupKeyword, virtualServerGroupSpec } from './check/virtual-server-group.js';
import { virtualServerKeyword, virtualServerSpec } from './check/virtual-server.js';
import type { BlockSpec, KeywordHandler } from './types.js';

/** Top-level keywords this part reads, into the whole config. */
export const checkTopLevel: Record<string, KeywordHandler<KeepalivedConfig>> = {
  SSL: sslKeyword,
  virtual_server_group: virtualServerGroupKeyword,
  virtual_server: virtualServerKeyword,
};

/** Every block spec of this part, so that misplaced keywords can be pointed home. */
export const checkBlocks: BlockSpec<any>[] = [
  virtualServerSpec,
  realServerSpec,
  tcpCheckSpec,
  httpCheckSpec,
  sslCheckSpec,
  urlSpec,
  smtpCheckSpec,
  smtpHostSpec,
  miscCheckSpec,
  dnsCheckSpec,
  udpCheckSpec,
  pingCheckSpec,
  fileCheckSpec,
  bfdCheckSpec,
  sslSpec,
  virtualServerGroupSpec,
];
