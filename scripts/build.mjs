// Builds dist/: declarations with tsc, JavaScript with esbuild as one bundle per entry point with shared chunks.
// Bundling cuts start-up: ~35 small ESM files cost ~20 ms more to load than one bundle (see README, Benchmarks).
// Shared chunks keep one copy of every module across entries, so the original import paths and the main entry
// share the same default container. Dependencies stay external (and client libraries stay lazily required).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';

// Dependencies stay external, except envalid: it has no shared state, and inlining its seven small CommonJS
// files saves a few milliseconds of start-up in every process (see README, Benchmarks).
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const INLINED = new Set(['envalid']);
const external = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies), ...Object.keys(pkg.peerDependencies ?? {})]
  .filter((name) => !INLINED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

// envalid ships its TypeScript sources: compiled here for Node 20 they need neither tslib (~19 KB of helpers) nor
// CommonJS wrappers, and unused parts drop out.
const envalidFromSource = {
  name: 'envalid-from-source',
  setup(b) {
    b.onResolve({ filter: /^envalid$/ }, () => ({ path: resolvePath('node_modules/envalid/src/index.ts') }));
  },
};

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--emitDeclarationOnly'], { stdio: 'inherit' });

const compat = readdirSync('src/compat')
  .filter((file) => file.endsWith('.ts') && !['default-container.ts', 'lazy-client.ts'].includes(file))
  .map((file) => `src/compat/${file}`);
const cli = readdirSync('src').includes('cli') ? ['src/cli/main.ts'] : [];

const POLYFILL = "import 'reflect-metadata';";
const result = await build({
  entryPoints: ['src/index.ts', 'src/testing/index.ts', ...compat, ...cli],
  outbase: 'src',
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  tsconfig: 'tsconfig.build.json',
  logLevel: 'warning',
  // tsyringe throws at import without the Reflect polyfill, and a chunk may import tsyringe before the module that
  // imports reflect-metadata: an output file that imports tsyringe loads the polyfill first (see below).
  banner: { js: POLYFILL },
  plugins: [envalidFromSource],
  write: false,
});

// The banner stays only where tsyringe is imported: each extra import of the polyfill is one more package
// resolution at start-up. It becomes an empty line, so source maps keep their line numbers.
for (const file of result.outputFiles) {
  let text = file.text;
  if (file.path.endsWith('.js') && !text.includes('from "tsyringe"')) text = text.replace(POLYFILL, '');
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, text);
}
