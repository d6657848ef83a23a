// Builds dist/: declarations with tsc, JavaScript with esbuild.
//
// The package is CommonJS (dist/*.cjs; dist/package.json says so for the .d.ts files). Why: client libraries are
// loaded on first use by literal `require('ioredis')` calls inside the functions that build clients. Node runs them
// lazily, and every bundler (esbuild, webpack in Next.js) and file tracer (Next.js' standalone output) can see and
// follow them. An ES module can only load synchronously and lazily through a computed `createRequire(import.meta.url)`,
// which no tool can follow (and `import.meta` is empty in a CommonJS bundle). Node's ES modules import the CommonJS
// files with their named exports (esbuild writes the annotation Node's export detection reads); each entry with a
// default export also gets a tiny .mjs wrapper so that `import x from` gives the default export, not module.exports.
// There is one copy of the code either way: the wrappers only re-export.
//
// Layout (start-up decides it, see README, Benchmarks): each extra file costs a resolve, a read and a compile.
// - `@ratecreator/db` (dist/index.cjs) is one self-contained file;
// - the other library entries (the original import paths, `./testing`) require everything with an identity (classes,
//   the default container) from that file, through '../index.js' in the sources, exactly as an outside package
//   would. A plugin fails the build if one of them reaches a core module directly, since that would bundle a second
//   copy of its classes and state;
// - the CLI is a process of its own and bundles what it uses;
// - `./utils` (browser helpers and IndexedDB caches) is self-contained and imports nothing, as CommonJS and as a real
//   ES module; its Node-only `.env` loader is `./utils/load-env` (see buildUtils at the end).
// Dependencies stay external (client libraries are required on first use), except envalid.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve as resolvePath, sep } from 'node:path';
import { build } from 'esbuild';

// Dependencies and peers stay external, except envalid: it has no shared state, and inlining it saves a few
// milliseconds of start-up in every process. A devDependency is not installed with the package: importing one from
// src/ fails the build (it would otherwise be bundled, or required and missing in apps).
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const INLINED = new Set(['envalid']);
const shipped = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies ?? {})];
const external = shipped.filter((name) => !INLINED.has(name)).flatMap((name) => [name, `${name}/*`]);
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const noDevDependencies = {
  name: 'no-dev-dependencies',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = packageOf(args.path);
      if (name in (pkg.devDependencies ?? {}) && !shipped.includes(name)) {
        return { errors: [{ text: `${relative('.', args.importer)} imports ${args.path}, a devDependency: apps do not install it` }] };
      }
      return undefined;
    });
  },
};

// envalid ships its TypeScript sources: compiled here for Node 20 they need neither tslib (~19 KB of helpers) nor
// CommonJS wrappers, and unused parts drop out.
const envalidFromSource = {
  name: 'envalid-from-source',
  setup(b) {
    b.onResolve({ filter: /^envalid$/ }, () => ({ path: resolvePath('node_modules/envalid/src/index.ts') }));
  },
};

// The generated Prisma client stays a file of its own beside dist/ (generated/prisma, shipped in the package). The
// source requires it by a path relative to src/prisma/; every output file requires it as '#generated-prisma' instead,
// a subpath import of dist/package.json (still a literal that bundlers and file tracers follow) with two targets:
// - `webpack` (Next.js): dist/prisma/generated.webpack.cjs, which takes the client through @prisma/client when that
//   resolves to this package's client (the install script points node_modules/.prisma/client at it). Next leaves
//   @prisma/client external and traces it, so the client and the query engine beside it reach the standalone output;
//   a bundled client could not carry the engine there (Next traces no file next to bundled node_modules code).
// - anything else (Node, esbuild): dist/prisma/generated.cjs, the client itself.
const GENERATED_PRISMA = resolvePath('generated/prisma/index.js');
const GENERATED_IMPORT = '#generated-prisma';
const generatedPrisma = {
  name: 'generated-prisma',
  setup(b) {
    b.onResolve({ filter: /generated\/prisma\/index\.js$/ }, (args) => {
      if (resolvePath(args.resolveDir, args.path) !== GENERATED_PRISMA) return undefined;
      return { path: GENERATED_IMPORT, external: true };
    });
  },
};

/** The two targets of '#generated-prisma' (dist/prisma/), and dist/package.json's import map naming them. */
function writeGeneratedClientLoaders() {
  const text = readFileSync(GENERATED_PRISMA, 'utf8');
  const hash = /"inlineSchemaHash":\s*"([0-9a-f]{64})"/.exec(text)?.[1];
  if (!hash || !text.includes('"ratecreatorDbSchemaHash"')) throw new Error('generated/prisma/index.js was not generated by scripts/prisma-generate.mjs');
  mkdirSync('dist/prisma', { recursive: true });
  writeFileSync('dist/prisma/generated.cjs', '"use strict";\nmodule.exports = require("../../generated/prisma/index.js");\n');
  writeFileSync(
    'dist/prisma/generated.webpack.cjs',
    [
      '"use strict";',
      '// Under webpack: the generated client through @prisma/client when it is this package\'s (see scripts/build.mjs),',
      '// otherwise the client itself. @prisma/client is required first: when it does not resolve (no install script ran)',
      '// or holds another schema, the bundled copy below is used.',
      `const SCHEMA_HASH = "${hash}";`,
      'function throughPrismaClient() {',
      '  try {',
      '    const client = require("@prisma/client");',
      '    return client && client.Prisma && client.Prisma.ratecreatorDbSchemaHash === SCHEMA_HASH ? client : undefined;',
      '  } catch {',
      '    return undefined;',
      '  }',
      '}',
      'module.exports = throughPrismaClient() || require("../../generated/prisma/index.js");',
      '',
    ].join('\n'),
  );
  return { [GENERATED_IMPORT]: { webpack: './prisma/generated.webpack.cjs', default: './prisma/generated.cjs' } };
}

const MAIN_ENTRY = resolvePath('src/index.ts');
/** Source a secondary entry may bundle a copy of: its own directory, and tokens (Symbol.for, so copies are equal). */
const OWN_SOURCE = [resolvePath('src/compat') + sep, resolvePath('src/testing') + sep, resolvePath('src/tokens.ts')];
const NOT_OWN = [resolvePath('src/compat/default-container.ts')];

// Secondary entries: '../index.js' becomes a require of dist/index.cjs (every secondary output file sits one directory
// below dist/); any other core module is an error.
const viaMainEntry = {
  name: 'via-main-entry',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const result = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'resolving' });
      if (result.errors.length > 0) return { errors: result.errors };
      if (result.path === MAIN_ENTRY) return { path: '../index.cjs', external: true };
      if (result.external) return result;
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

const POLYFILL = 'require("reflect-metadata");';
const common = {
  outbase: 'src',
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: true,
  tsconfig: 'tsconfig.build.json',
  logLevel: 'warning',
  // tsyringe throws at load without the Reflect polyfill: an output file that requires tsyringe loads it first.
  banner: { js: POLYFILL },
  write: false,
};

// The banner stays only where tsyringe is required: each extra require of the polyfill is one more package
// resolution at start-up. esbuild writes the banner above its "use strict", where that is no longer a directive: the
// two lines swap, so the file stays strict (and source maps keep their line numbers). Elsewhere it becomes an empty line.
function write(result) {
  for (const file of result.outputFiles) {
    let text = file.text;
    if (file.path.endsWith('.cjs')) {
      const strict = '"use strict";\n';
      if (!text.includes(`${POLYFILL}\n${strict}`)) throw new Error(`${file.path}: expected the banner right above "use strict"`);
      const polyfill = text.includes('require("tsyringe")') ? POLYFILL : '';
      text = text.replace(`${POLYFILL}\n${strict}`, `${strict}${polyfill}\n`);
    }
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, text);
  }
}

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--emitDeclarationOnly'], { stdio: 'inherit' });
// The declarations describe CommonJS files (src/package.json says the same for the sources).
writeFileSync('dist/package.json', `${JSON.stringify({ type: 'commonjs', imports: writeGeneratedClientLoaders() }, null, 2)}\n`);

// The original import paths are the package's exports other than '.', './testing' and './utils*' (`./x` is
// src/compat/x.ts); every other file in src/compat is a helper they bundle. The utils entries are built below.
const compat = Object.keys(pkg.exports)
  .filter((key) => !['.', './testing', './package.json'].includes(key) && !key.startsWith('./utils'))
  .map((key) => `src/compat/${key.slice(2)}.ts`);
const secondary = ['src/testing/index.ts', ...compat];
// '../index.cjs' and the generated client's path below assume one directory under dist/ for every secondary entry.
for (const entry of secondary) {
  if (relative('src', entry).split(sep).length !== 2) throw new Error(`${entry}: secondary entries must sit one directory below src/`);
}

const builds = [
  build({ ...common, entryPoints: ['src/index.ts'], plugins: [noDevDependencies, envalidFromSource, generatedPrisma] }),
  build({ ...common, entryPoints: secondary, plugins: [noDevDependencies, viaMainEntry, envalidFromSource, generatedPrisma] }),
];
if (readdirSync('src').includes('cli')) {
  builds.push(build({ ...common, entryPoints: ['src/cli/main.ts'], plugins: [noDevDependencies, envalidFromSource, generatedPrisma] }));
}
for (const result of await Promise.all(builds)) write(result);
await buildUtils();

// ES module wrappers for the entries with a default export (see the top of this file), with declarations of their own:
// a copy of the entry's, read as an ES module's, so that TypeScript also types `import x from` as the default export.
const requireBuilt = createRequire(join(process.cwd(), 'dist', 'index.cjs'));
for (const entry of secondary) {
  const base = join('dist', relative('src', entry)).replace(/\.ts$/, '');
  const name = base.split(sep).pop();
  if (!Object.hasOwn(requireBuilt(`./${relative('dist', base)}.cjs`), 'default')) continue;
  writeFileSync(`${base}.mjs`, `import cjs from './${name}.cjs';\nexport * from './${name}.cjs';\nexport default cjs.default;\n`);
  const types = readFileSync(`${base}.d.ts`, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  writeFileSync(`${base}.d.mts`, types);
}

// @ratecreator/db/utils is browser code (the original package's helpers and IndexedDB caches): one self-contained file
// per module format, importing nothing at all (no Node builtin, no dependency, no other part of this package, so no
// tsyringe, reflect-metadata, pino or config), in syntax browsers of the last years run (es2020). A real ES module
// build beside the CommonJS one, not a wrapper: browser bundlers tree-shake it. Its Node-only `.env` loader is a
// separate entry (dist/utils/load-env.cjs) that may import Node builtins and nothing else. The metafiles prove it.
async function buildUtils() {
  const ownFiles = resolvePath('src/utils') + sep;
  const selfContained = (allowBuiltins) => ({
    name: 'utils-self-contained',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData === 'resolving') return undefined;
        if (allowBuiltins && args.path.startsWith('node:')) return { path: args.path, external: true };
        const result = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'resolving' });
        if (result.errors.length > 0) return { errors: result.errors };
        if (result.external || !result.path.startsWith(ownFiles)) {
          return { errors: [{ text: `${relative('.', args.importer)} imports ${args.path}: the utils entries import nothing outside src/utils${allowBuiltins ? ' but node: builtins' : ''}` }] };
        }
        return result;
      });
    },
  });
  const base = { outbase: 'src', outdir: 'dist', bundle: true, sourcemap: true, tsconfig: 'tsconfig.build.json', logLevel: 'warning', metafile: true };
  const browser = { ...base, entryPoints: ['src/utils/index.ts'], platform: 'neutral', target: 'es2020', plugins: [selfContained(false)] };
  const results = await Promise.all([
    build({ ...browser, format: 'cjs', outExtension: { '.js': '.cjs' } }),
    build({ ...browser, format: 'esm', outExtension: { '.js': '.mjs' } }),
    build({ ...base, entryPoints: ['src/utils/load-env.ts'], platform: 'node', target: 'node20', format: 'cjs', outExtension: { '.js': '.cjs' }, plugins: [selfContained(true)] }),
  ]);
  for (const [file, output] of results.flatMap((result) => Object.entries(result.metafile.outputs))) {
    const imports = output.imports.filter((entry) => !file.endsWith('load-env.cjs') || !entry.path.startsWith('node:'));
    if (imports.length > 0) throw new Error(`${file} imports ${imports.map((entry) => entry.path).join(', ')}`);
  }
  // ES module declarations: the same as the CommonJS ones (the modules they re-export from are typed once).
  const types = readFileSync('dist/utils/index.d.ts', 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  writeFileSync('dist/utils/index.d.mts', types);
}
