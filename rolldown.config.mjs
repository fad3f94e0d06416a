// The CLI and the daemon's child entry as a few bundled files (dist/bundle/),
// built after tsc: loading ~115 modules one by one cost ~70 ms of every
// start (`keepalived-ts -t` on a small config: 0.22 -> 0.15 s; the daemon
// and each child start faster too). npm packages stay outside the bundle.
//
// child-main.js must sit next to the code that forks it (daemon/watchdog.ts
// finds it beside itself), and version.ts reads ../../package.json: both
// hold for files in dist/bundle/ as for dist/<dir>/.
//
// KTS_BUNDLE_FROM / KTS_BUNDLE_TO: the compiled source and the output (the
// tests bundle their own transpiled copy of src/, see test/helpers/transpile.ts).
import { defineConfig } from 'rolldown';

const from = process.env.KTS_BUNDLE_FROM ?? 'dist';
const to = process.env.KTS_BUNDLE_TO ?? 'dist/bundle';

export default defineConfig({
  input: { main: `${from}/cli/main.js`, 'child-main': `${from}/daemon/child-main.js` },
  platform: 'node',
  external: (id) => !id.startsWith('.') && !id.startsWith('/'),
  output: { dir: to, cleanDir: true, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
});
