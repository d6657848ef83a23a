#!/usr/bin/env node
// Prisma's query engine for the generated client, and the way @prisma/client reaches that client. Shipped with the
// package: `postinstall` runs it in an app's node_modules, and scripts/prisma-generate.mjs uses its functions.
//
// The engine is a native library per platform (libquery_engine-<platform>.so.node) that the package cannot ship. It is
// placed beside the generated client (generated/prisma), where Prisma's runtime looks first, from the first of:
//   1. PRISMA_QUERY_ENGINE_LIBRARY, when it names an existing engine file;
//   2. an engine Prisma's own install put on the machine, of the client's engine version: node_modules/@prisma/engines
//      or node_modules/prisma (the Prisma CLI downloads there);
//   3. Prisma's own downloader (@prisma/fetch-engine): its cache, then its download host or PRISMA_ENGINES_MIRROR,
//      with its checksums and proxy settings.
// Without any of them (offline), nothing is placed and queries fail with the package's "engine not available" error,
// which says how to provide one.
//
// `postinstall` also points node_modules/.prisma/client (where @prisma/client finds its generated client) at this
// package's client, unless another generated client is there. Next.js leaves @prisma/client external and traces it,
// so a Next build follows @prisma/client -> .prisma/client -> generated/prisma -> the engine into its standalone
// output (see dist/prisma/generated.webpack.cjs, written by scripts/build.mjs).
//
// Usage: node scripts/prisma-engine.mjs postinstall   (never fails the install: it reports and exits 0)
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_NAME = '@ratecreator/db';
/** The package root (this file sits in <root>/scripts). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the generated client lives, relative to the package root. */
export const GENERATED_DIR = join('generated', 'prisma');
/** First line of every file the bridge writes into node_modules/.prisma/client (its own files start with `// <name>:`). */
export const BRIDGE_MARKER = `// ${PACKAGE_NAME}: @prisma/client resolves to this package's generated client.`;

const require = createRequire(import.meta.url);

/** `path` when it names an existing, non-empty regular file (an engine, not a placeholder). */
export function realEngine(path) {
  if (!path) return undefined;
  try {
    const stat = statSync(path);
    return stat.isFile() && stat.size > 0 ? path : undefined;
  } catch {
    return undefined;
  }
}

/** The query engine version (a commit hash) the generated client in `generatedDir` was generated for. */
export function engineVersionOf(generatedDir) {
  const text = readFileSync(join(generatedDir, 'index.js'), 'utf8');
  const version = /"engineVersion":\s*"([0-9a-f]{40})"/.exec(text)?.[1];
  if (!version) throw new Error(`${join(generatedDir, 'index.js')} names no engine version`);
  return version;
}

/** This machine's Prisma binary target (e.g. debian-openssl-3.0.x), as Prisma's runtime will compute it. */
export async function currentPlatform() {
  return require('@prisma/get-platform').getBinaryTargetForCurrentPlatform();
}

/** The file name Prisma's runtime looks for on `platform` (libquery_engine-<platform>.so.node and the like). */
export function engineFileName(platform) {
  return require('@prisma/get-platform').getNodeAPIName(platform, 'fs');
}

/** Every binary target Prisma knows, for the generated client's file-tracing annotations. */
export function knownPlatforms() {
  return [...require('@prisma/get-platform').binaryTargets];
}

/** The engine version a @prisma/engines package directory downloads (from its @prisma/engines-version dependency). */
function enginesPackageVersion(dir) {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return /([0-9a-f]{40})$/.exec(manifest.dependencies?.['@prisma/engines-version'] ?? '')?.[1];
  } catch {
    return undefined;
  }
}

/** The directory of package `name` as Node resolves it from `from`, or undefined. */
function packageDir(name, from) {
  try {
    return dirname(createRequire(join(from, 'noop.js')).resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/**
 * An engine file of `version` for `platform` that Prisma's install already put on this machine: in the
 * @prisma/engines package (its postinstall downloads there) or the Prisma CLI's package directory (the CLI downloads
 * there itself), as resolved from each of `from`. An engine of another version is never taken: the client refuses it.
 * @returns `{ path, source }` or undefined.
 */
export function installedEngine({ version, platform, from }) {
  const name = engineFileName(platform);
  for (const start of from) {
    const engines = packageDir('@prisma/engines', start);
    if (engines && enginesPackageVersion(engines) === version && realEngine(join(engines, name))) {
      return { path: join(engines, name), source: 'node_modules/@prisma/engines' };
    }
    const cli = packageDir('prisma', start);
    const cliEngines = cli && packageDir('@prisma/engines', cli);
    if (cli && cliEngines && enginesPackageVersion(cliEngines) === version && realEngine(join(cli, name))) {
      return { path: join(cli, name), source: 'node_modules/prisma' };
    }
  }
  return undefined;
}

/**
 * Downloads the engine with Prisma's own downloader (@prisma/fetch-engine) into `dir`: Prisma's cache first, then
 * PRISMA_ENGINES_MIRROR or Prisma's host, both checksums verified, proxies honoured.
 * @returns the engine's path.
 * @throws when the download fails (offline, no such engine, a checksum differs).
 */
export async function downloadEngine({ version, platform, dir }) {
  const { download, BinaryType } = require('@prisma/fetch-engine');
  // A set PRISMA_QUERY_ENGINE_LIBRARY makes the downloader skip the engine, even when the file is missing.
  const configured = process.env.PRISMA_QUERY_ENGINE_LIBRARY;
  delete process.env.PRISMA_QUERY_ENGINE_LIBRARY;
  try {
    const paths = await download({
      binaries: { [BinaryType.QueryEngineLibrary]: dir },
      binaryTargets: [platform],
      version,
      showProgress: false,
      failSilent: false,
    });
    const path = paths[BinaryType.QueryEngineLibrary]?.[platform];
    if (!realEngine(path)) throw new Error(`Prisma's downloader reported ${path ?? 'no file'}, which is not an engine file`);
    return path;
  } finally {
    if (configured !== undefined) process.env.PRISMA_QUERY_ENGINE_LIBRARY = configured;
  }
}

/**
 * The engine of `version` for `platform`, from the first source that has it (see the top of this file).
 * @param {{ version: string, platform: string, from: string[], downloadDir: string, download?: boolean }} options
 * @returns `{ path, source }`, or `{ error }` (why none could be had).
 */
export async function obtainEngine({ version, platform, from, downloadDir, download = true }) {
  const configured = realEngine(process.env.PRISMA_QUERY_ENGINE_LIBRARY);
  if (configured) return { path: configured, source: 'PRISMA_QUERY_ENGINE_LIBRARY' };
  const installed = installedEngine({ version, platform, from });
  if (installed) return installed;
  if (!download) return { error: 'no engine on this machine' };
  try {
    return { path: await downloadEngine({ version, platform, dir: downloadDir }), source: "Prisma's downloader" };
  } catch (error) {
    return { error: `Prisma's download failed: ${withoutAddresses(String(error?.message ?? error).split('\n')[0])}` };
  }
}

/** `text` without URLs and host names (what a failed download's message holds; reports may end up in files). */
export function withoutAddresses(text) {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>').replace(/\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT)\s+\S+/g, '$1');
}

/** Copies `source` to `target` through a temporary file in the same directory (a reader never sees half a file). */
function copyAtomically(source, target) {
  if (resolve(source) === resolve(target)) return;
  const partial = `${target}.partial-${process.pid}`;
  copyFileSync(source, partial);
  renameSync(partial, target);
}

/**
 * Places the engine for this machine beside the generated client in `packageRoot` (kept when one is there already).
 * @returns `{ path, source, platform }` or `{ error, platform }`.
 */
export async function placeEngine(packageRoot = PACKAGE_ROOT, { from = [packageRoot], download = true } = {}) {
  const generatedDir = join(packageRoot, GENERATED_DIR);
  const version = engineVersionOf(generatedDir);
  const platform = await currentPlatform();
  const target = join(generatedDir, engineFileName(platform));
  if (realEngine(target)) return { path: target, source: 'already beside the client', platform };
  const scratch = mkdtempSync(join(tmpdir(), 'ratecreator-db-engine-'));
  try {
    const found = await obtainEngine({ version, platform, from, downloadDir: scratch, download });
    if (!found.path) return { error: found.error, platform };
    copyAtomically(found.path, target);
    return { path: target, source: found.source, platform };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The generated client's entry files that @prisma/client requires from .prisma/client, and what each re-exports. */
const BRIDGED = { default: 'index', index: 'index', edge: 'edge', wasm: 'wasm', 'index-browser': 'index-browser' };

/** Whether the files in `dir` may be replaced: none, Prisma's "run prisma generate" stubs, or this bridge's own. */
function replaceable(dir, stubs) {
  if (!existsSync(dir)) return true;
  return readdirSync(dir, { withFileTypes: true }).every((entry) => {
    // A generated client has more than small text files (runtime/, an engine): never ours to replace.
    if (!entry.isFile() || statSync(join(dir, entry.name)).size > 64 * 1024) return false;
    const text = readFileSync(join(dir, entry.name), 'utf8');
    return text.startsWith(`// ${PACKAGE_NAME}:`) || stubs.includes(text);
  });
}

/**
 * Points node_modules/.prisma/client (where the @prisma/client this package resolves looks for its generated client)
 * at `packageRoot`'s generated client: small files that re-export it, never a copy. Another generated client found
 * there (an app's own schema) is left alone.
 * @returns `{ dir }` when written, `{ skipped }` with the reason otherwise.
 */
export function writeClientBridge(packageRoot = PACKAGE_ROOT) {
  const client = packageDir('@prisma/client', packageRoot);
  if (!client) return { skipped: '@prisma/client is not installed' };
  // @prisma/client's default.js requires '.prisma/client/default': the node_modules directory holding @prisma.
  const dir = join(dirname(dirname(client)), '.prisma', 'client');
  const stubs = ['default-index.js', 'default-index.d.ts']
    .map((file) => join(client, 'scripts', file))
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file, 'utf8'));
  if (!replaceable(dir, stubs)) return { skipped: `${dir} holds another generated client` };
  const target = relative(dir, join(packageRoot, GENERATED_DIR)).split(sep).join('/');
  mkdirSync(dir, { recursive: true });
  for (const [file, entry] of Object.entries(BRIDGED)) {
    writeFileSync(join(dir, `${file}.js`), `${BRIDGE_MARKER}\nmodule.exports = require('${target}/${entry}.js');\n`);
    if (file !== 'index-browser') writeFileSync(join(dir, `${file}.d.ts`), `${BRIDGE_MARKER}\nexport * from '${target}/${entry}';\n`);
  }
  return { dir };
}

/** Whether `packageRoot` is an installed copy (inside node_modules), not the package's own repository. */
export function isInstalledCopy(packageRoot = PACKAGE_ROOT) {
  return packageRoot.split(sep).includes('node_modules');
}

/** The install script: engine and bridge, one report line each. Resolves to the exit code (always 0). */
export async function postinstall(packageRoot = PACKAGE_ROOT, log = (line) => console.log(line)) {
  const say = (text) => log(`${PACKAGE_NAME}: ${text}`);
  if (!isInstalledCopy(packageRoot)) {
    say('not an installed copy; `npm run prisma:generate` places the engine in the repository');
    return 0;
  }
  try {
    const engine = await placeEngine(packageRoot);
    say(
      engine.path
        ? `Prisma query engine for ${engine.platform} beside the generated client (${engine.source})`
        : `no Prisma query engine for ${engine.platform} (${engine.error}); queries need PRISMA_QUERY_ENGINE_LIBRARY`,
    );
  } catch (error) {
    say(`the Prisma query engine was not placed: ${String(error?.message ?? error).split('\n')[0]}`);
  }
  try {
    const bridge = writeClientBridge(packageRoot);
    say(bridge.dir ? `@prisma/client resolves to this package's client (${bridge.dir})` : `@prisma/client left as it is: ${bridge.skipped}`);
  } catch (error) {
    say(`@prisma/client left as it is: ${String(error?.message ?? error).split('\n')[0]}`);
  }
  return 0;
}

// The bin may be a symlink (node_modules/.bin): compare real paths.
if (process.argv[1] && realpathSync(resolve(process.argv[1])) === fileURLToPath(import.meta.url)) {
  const [command] = process.argv.slice(2);
  if (command !== 'postinstall') {
    console.error('usage: node scripts/prisma-engine.mjs postinstall');
    process.exit(2);
  }
  process.exitCode = await postinstall();
}
