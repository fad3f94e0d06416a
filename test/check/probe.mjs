// The checker side of the namespace tests, run inside the client namespace:
//   KTS_CHECK_BUILD=DIR node probe.mjs MODE '<json>'
// DIR holds src/check compiled to JavaScript (see lab.ts). Modes:
//   checks   json = [{ kind: 'tcp' | 'http', options, stallMs?, abortAfterMs? }]:
//            run each checker once, print [{ ok, reason, ms }]; stallMs: block
//            the event loop that long right after the check starts;
//            abortAfterMs: abort the check's signal after that long
//   bursts   json = { options, bursts, size }: HTTP_GET, `bursts` times
//            `size` checks at once; print { ok, idleClients: [after each
//            burst], resetStacks: [stack frames of each error undici closed
//            a connection with (code UND_ERR_INFO)], limit, frames }:
//            Error.stackTraceLimit and a new error's frames afterwards
//   runner   json = CheckConfig: run the checks with real timers; print one
//            JSON line per event with `wall` (epoch ms); stop on SIGTERM
//   genhash  json = argv: run the genhash command, exit with its code
const dir = process.env.KTS_CHECK_BUILD;
if (!dir) throw new Error('KTS_CHECK_BUILD is not set');
const load = (path) => import(`${dir}/src/check/${path}`);

const [mode, input] = process.argv.slice(2);
const arg = JSON.parse(input);
const wall = () => performance.timeOrigin + performance.now();

if (mode === 'checks') {
  const { TcpChecker } = await load('checkers/tcp.js');
  const { HttpChecker } = await load('checkers/http.js');
  const results = [];
  for (const c of arg) {
    const checker = c.kind === 'tcp' ? new TcpChecker(c.options) : new HttpChecker(c.options);
    const started = performance.now();
    const controller = new AbortController();
    if (c.abortAfterMs !== undefined) setTimeout(() => controller.abort(), c.abortAfterMs);
    const pending = checker.run(controller.signal);
    if (c.stallMs) while (performance.now() - started < c.stallMs);
    const result = await pending;
    results.push({ ...result, ms: Math.round(performance.now() - started) });
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
} else if (mode === 'bursts') {
  const { Socket } = await import('node:net');
  const { HttpChecker } = await load('checkers/http.js');
  const { idleClients } = await load('checkers/http-exchange.js');
  const frames = (err) => String(err.stack).split('\n').filter((l) => l.trimStart().startsWith('at ')).length;
  // Every socket destroy() ends in net.Socket's: see what undici closes connections with.
  const resetStacks = [];
  const destroy = Socket.prototype.destroy;
  Socket.prototype.destroy = function (err) {
    if (err?.code === 'UND_ERR_INFO') resetStacks.push(frames(err));
    return destroy.call(this, err);
  };
  const checker = new HttpChecker(arg.options);
  const signal = new AbortController().signal;
  let ok = 0;
  const idle = [];
  for (let b = 0; b < arg.bursts; b++) {
    const results = await Promise.all(Array.from({ length: arg.size }, () => checker.run(signal)));
    ok += results.filter((r) => r.ok).length;
    idle.push(idleClients());
  }
  process.stdout.write(`${JSON.stringify({ ok, idleClients: idle, resetStacks, limit: Error.stackTraceLimit, frames: frames(new Error('after')) })}\n`);
} else if (mode === 'runner') {
  const { planChecks } = await load('plan.js');
  const { CheckRunner } = await load('runner.js');
  const plan = planChecks(arg);
  const runner = new CheckRunner(plan.checks, {
    onEvent: (event) => process.stdout.write(`${JSON.stringify({ ...event, wall: wall() })}\n`),
  });
  runner.start();
  process.stdout.write(`${JSON.stringify({ kind: 'started', wall: wall(), servers: Object.fromEntries(runner.servers()) })}\n`);
  process.once('SIGTERM', () => {
    runner.stop().then(() => process.exit(0));
  });
} else if (mode === 'genhash') {
  const { runGenhash } = await load('genhash.js');
  process.exitCode = await runGenhash(arg, {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
} else {
  throw new Error(`unknown mode ${mode}`);
}
