// CheckerService in a process of its own, so that a test can run it inside a
// network namespace (checker-service-lab.test.ts):
//   node checker-service-harness.js CONFIG.json [keep]
// CONFIG.json is a KeepalivedConfig (plain data); `keep` is -I. ipvsadm is
// found through PATH (the test puts the emulator first). Logs go to stdout as
// pino JSON lines; commands come on stdin as JSON lines:
//   { "cmd": "reload", "config": ... }  -> { "type": "reloaded", "summary": ... }
//   { "cmd": "snapshot" }               -> { "type": "snapshot", "snapshot": ... }
//   { "cmd": "stop" }                   -> { "type": "stopped" }, then exit 0
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { KeepalivedConfig } from '../../src/config/model/index.js';
import { CheckerService } from '../../src/daemon/checker-service.js';
import { createLog } from '../../src/log.js';

const [configFile, keep] = process.argv.slice(2);
const started = performance.now();
const reply = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ t: performance.now() - started, ...o })}\n`);

const service = new CheckerService({ log: createLog({ detail: true }), keepOnStop: keep === 'keep' });
await service.start(JSON.parse(readFileSync(configFile, 'utf8')) as KeepalivedConfig);
reply({ type: 'started' });

async function stop(): Promise<void> {
  await service.stop();
  reply({ type: 'stopped' });
  process.exit(0);
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line) as { cmd: string; config?: KeepalivedConfig };
  if (cmd.cmd === 'reload') void service.reload(cmd.config!).then((summary) => reply({ type: 'reloaded', summary }));
  else if (cmd.cmd === 'snapshot') reply({ type: 'snapshot', snapshot: service.snapshot() });
  else if (cmd.cmd === 'stop') void stop();
});
process.once('SIGTERM', () => void stop());
