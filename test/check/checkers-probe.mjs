// Runs checkers once inside the client namespace and prints their results:
//   KTS_CHECK_BUILD=DIR node checkers-probe.mjs '<json>'
// json = [{ kind: 'dns' | 'smtp' | 'udp' | 'ping', options, abortAfterMs? }];
// prints one JSON line [{ ok, reason, weight?, ms }]. Binary options
// (payload, replyData, replyMask) are given as hex strings.
const dir = process.env.KTS_CHECK_BUILD;
if (!dir) throw new Error('KTS_CHECK_BUILD is not set');
const load = (path) => import(`${dir}/src/check/checkers/${path}`);
const { DnsChecker } = await load('dns.js');
const { SmtpChecker } = await load('smtp.js');
const { UdpChecker } = await load('udp.js');
const { PingChecker } = await load('ping.js');

const make = {
  dns: (o) => new DnsChecker(o),
  smtp: (o) => new SmtpChecker(o),
  udp: (o) => {
    const bytes = (k) => (o[k] !== undefined ? { [k]: Buffer.from(o[k], 'hex') } : {});
    return new UdpChecker({ ...o, ...bytes('payload'), ...bytes('replyData'), ...bytes('replyMask') });
  },
  ping: (o) => new PingChecker(o),
};

const probes = JSON.parse(process.argv[2]);
const results = await Promise.all(
  probes.map(async (p) => {
    const checker = make[p.kind](p.options);
    const controller = new AbortController();
    if (p.abortAfterMs !== undefined) setTimeout(() => controller.abort(), p.abortAfterMs);
    const started = performance.now();
    const result = await checker.run(controller.signal);
    return { ...result, ms: Math.round(performance.now() - started) };
  }),
);
process.stdout.write(`${JSON.stringify(results)}\n`);
