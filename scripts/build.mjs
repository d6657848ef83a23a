// Builds dist/: declarations with tsc, JavaScript with esbuild.
//
// Start-up decides the layout (see README, Benchmarks). Every ES module file costs a resolve, a read and a link
// of its own: ~35 small files cost ~20 ms more than one bundle, and even three small shared chunks beside the main
// bundle cost ~1.5 ms. So:
// - `@ratecreator/db` (dist/index.js) is one self-contained file;
// - the other library entries (the original import paths, `./testing`) import everything with an identity (classes,
//   the default container) from that file, through '../index.js' in the sources, exactly as an outside package
//   would. A plugin fails the build if one of them reaches a core module directly, since that would bundle a second
//   copy of its classes and state. They share chunks among themselves;
// - the CLI is a process of its own and bundles what it uses.
// Dependencies stay external (client libraries are required lazily, on first use), except envalid.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve as resolvePath, sep } from 'node:path';
import { build } from 'esbuild';

// Dependencies stay external, except envalid: it has no shared state, and inlining it saves a few milliseconds of
// start-up in every process.
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

const MAIN_ENTRY = resolvePath('src/index.ts');
/** Source a secondary entry may bundle a copy of: its own directory, and tokens (Symbol.for, so copies are equal). */
const OWN_SOURCE = [resolvePath('src/compat') + sep, resolvePath('src/testing') + sep, resolvePath('src/tokens.ts')];
const NOT_OWN = [resolvePath('src/compat/default-container.ts')];

// Secondary entries: '../index.js' stays an import of dist/index.js (every secondary output file sits one directory
// below dist/); any other core module is an error.
const viaMainEntry = {
  name: 'via-main-entry',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const result = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'resolving' });
      if (result.errors.length > 0) return { errors: result.errors };
      if (result.path === MAIN_ENTRY) return { path: '../index.js', external: true };
      const own = OWN_SOURCE.some((prefix) => result.path.startsWith(prefix)) && !NOT_OWN.includes(result.path);
      if (result.path.startsWith(resolvePath('src') + sep) && !own) {
        return {
          errors: [{
            text: `${relative('.', args.importer)} imports ${relative('.', result.path)} directly: import it from '../index.js' ` +
              '(a second copy of a core module would duplicate its classes and state)',
          }],
        };
      }
      return result;
    });
  },
};

const POLYFILL = "import 'reflect-metadata';";
const common = {
  outbase: 'src',
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  tsconfig: 'tsconfig.build.json',
  logLevel: 'warning',
  // tsyringe throws at import without the Reflect polyfill, and a chunk may import tsyringe before the module that
  // imports reflect-metadata: an output file that imports tsyringe loads the polyfill first (see write()).
  banner: { js: POLYFILL },
  write: false,
};

// The banner stays only where tsyringe is imported: each extra import of the polyfill is one more package
// resolution at start-up. It becomes an empty line, so source maps keep their line numbers.
function write(result) {
  for (const file of result.outputFiles) {
    let text = file.text;
    if (file.path.endsWith('.js') && !text.includes('from "tsyringe"')) text = text.replace(POLYFILL, '');
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, text);
  }
}

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--emitDeclarationOnly'], { stdio: 'inherit' });

const compat = readdirSync('src/compat')
  .filter((file) => file.endsWith('.ts') && !['default-container.ts', 'lazy-client.ts'].includes(file))
  .map((file) => `src/compat/${file}`);

const builds = [
  build({ ...common, entryPoints: ['src/index.ts'], plugins: [envalidFromSource] }),
  build({ ...common, entryPoints: ['src/testing/index.ts', ...compat], splitting: true, plugins: [viaMainEntry, envalidFromSource] }),
];
if (readdirSync('src').includes('cli')) {
  // Its own chunk directory: the CLI's chunks hold copies of core modules that no library entry may load.
  builds.push(build({ ...common, entryPoints: ['src/cli/main.ts'], splitting: true, chunkNames: 'cli/chunks/[name]-[hash]', plugins: [envalidFromSource] }));
}
for (const result of await Promise.all(builds)) write(result);
