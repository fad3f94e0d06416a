// The DR lab's real-server web server (one node process per real server, in
// its namespace), and the self-signed certificate its HTTPS side uses.
//
//   /        "this is webN from CLIENT" (whom it saw: DR keeps the client's address)
//   /health  "ok"
//   /page    WEB_PAGE, the same on every server (one HTTP_GET digest for all)
//   else     404
//
// Port 80 (HTTP) and, with a certificate, 443 (HTTPS), both dual stack.
// Prints "ready" once every port listens.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Netns } from '../helpers/netns.js';

export const WEB_HEALTH_PATH = '/health';
export const WEB_PAGE_PATH = '/page';
export const WEB_PAGE = 'the same page on every real server\n';

const WEB_SERVER = `
const [name, cert, key] = process.argv.slice(1);
const handler = (req, res) => {
  const from = req.socket.remoteAddress.replace(/^::ffff:/, '');
  if (req.url === '/') return res.end(name + ' from ' + from + '\\n');
  if (req.url === ${JSON.stringify(WEB_HEALTH_PATH)}) return res.end('ok\\n');
  if (req.url === ${JSON.stringify(WEB_PAGE_PATH)}) return res.end(${JSON.stringify(WEB_PAGE)});
  res.statusCode = 404;
  res.end('not found\\n');
};
let listening = 0;
const ready = () => ++listening === (cert ? 2 : 1) && console.log('ready');
require('node:http').createServer(handler).listen(80, '::', ready);
if (cert) {
  const { readFileSync } = require('node:fs');
  require('node:https').createServer({ cert: readFileSync(cert), key: readFileSync(key) }, handler).listen(443, '::', ready);
}
`;

/** A self-signed certificate (EC P-256: cheap handshakes on an emulated CPU) made with openssl, or why there is none. */
export class LabTls {
  private constructor(
    readonly dir: string | undefined,
    /** Why there is no certificate (openssl missing or failing). */
    readonly unavailable: string | undefined,
  ) {}

  get cert(): string | undefined {
    return this.dir && join(this.dir, 'cert.pem');
  }

  get key(): string | undefined {
    return this.dir && join(this.dir, 'key.pem');
  }

  static make(): LabTls {
    const dir = mkdtempSync('/var/tmp/kts-tls-');
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=kts-lab-web', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (r.status === 0) {
      // Gone with the test process even when it dies before DrLab.stop().
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      return new LabTls(dir, undefined);
    }
    rmSync(dir, { recursive: true, force: true });
    return new LabTls(undefined, `openssl could not make a certificate: ${r.error?.message ?? r.stderr.trim()}`);
  }

  remove(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts the web server in `ns` (killed by netns.ts's cleanup if the test dies). */
export function startWebServer(ns: Netns, name: string, tls: LabTls): ChildProcess {
  return ns.spawn([process.execPath, '-e', WEB_SERVER, name, ...(tls.cert && tls.key ? [tls.cert, tls.key] : [])]);
}
