// The project's current source, as JavaScript a child process can run (the
// kernel tier's guest, the checker lab's processes in namespaces):
// every src/**/*.ts transpiled (types dropped, no type check: that is the
// typecheck's job) into DIR/src, the few .js files copied, DIR/bin/keepalived-ts.js
// to run the CLI from there, and DIR/node_modules pointing at the repository's,
// so package imports resolve in the guest too. projectWithBundle() also
// bundles it as the build does (rolldown.config.mjs), and DIR/bin then runs
// the bundle: under QEMU's emulation, loading ~115 modules over 9p one by one
// made every start of keepalived-ts in the guest tens of seconds long.
// Always from src/, never dist/, so a test never runs a stale build.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import ts from 'typescript';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** Transpiles src/ into `outDir` (which must exist); returns the number of modules written. */
export function transpileProject(outDir: string): number {
  const srcRoot = join(REPO_ROOT, 'src');
  let count = 0;
  for (const file of walk(srcRoot)) {
    const target = join(outDir, 'src', relative(srcRoot, file));
    if (file.endsWith('.d.ts')) continue;
    mkdirSync(dirname(target), { recursive: true });
    if (file.endsWith('.ts')) {
      const out = ts.transpileModule(readFileSync(file, 'utf8'), {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, verbatimModuleSyntax: false },
      });
      writeFileSync(target.replace(/\.ts$/, '.js'), out.outputText);
      count++;
    } else if (file.endsWith('.js') || file.endsWith('.json')) {
      copyFileSync(file, target);
    }
  }
  // The repository's package.json: "type": "module", and the version the CLI prints.
  copyFileSync(join(REPO_ROOT, 'package.json'), join(outDir, 'package.json'));
  // bin/keepalived-ts.js runs dist/; this one runs the transpiled source.
  mkdirSync(join(outDir, 'bin'));
  writeFileSync(
    join(outDir, 'bin', 'keepalived-ts.js'),
    "import { main } from '../src/cli/main.js';\nprocess.exitCode = await main(process.argv.slice(2));\n",
  );
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(outDir, 'node_modules'));
  return count;
}

/** transpileProject, then DIR/src/bundle/ as the build's dist/bundle/ (same depth: version.ts finds DIR/package.json), run by DIR/bin. */
export function projectWithBundle(outDir: string): number {
  const count = transpileProject(outDir);
  const rolldown = join(REPO_ROOT, 'node_modules', '.bin', 'rolldown');
  const env = { ...process.env, KTS_BUNDLE_FROM: join(outDir, 'src'), KTS_BUNDLE_TO: join(outDir, 'src', 'bundle') };
  const r = spawnSync(rolldown, ['-c', join(REPO_ROOT, 'rolldown.config.mjs'), '--logLevel', 'warn'], { cwd: REPO_ROOT, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bundling the transpiled project failed (exit ${r.status}): ${r.stderr}${r.stdout}`);
  writeFileSync(join(outDir, 'bin', 'keepalived-ts.js'), "import { main } from '../src/bundle/main.js';\nprocess.exitCode = await main(process.argv.slice(2));\n");
  return count;
}
