#!/usr/bin/env node
// Runs the Prisma CLI without depending on the network: `generate` (default), `validate`, `format`, or `check`
// (validate, then `format --check`: fails when formatting would change prisma/schema.prisma).
//
// Prisma's CLI insists on engine files before it does anything and downloads them when they are absent, which
// fails offline. `generate` uses a real query engine when one can be had (scripts/prisma-engine.mjs: the file
// PRISMA_QUERY_ENGINE_LIBRARY names, one Prisma's install put in node_modules/@prisma/engines or node_modules/prisma,
// or Prisma's own downloader, which honours PRISMA_ENGINES_MIRROR); Prisma then copies it next to the client.
// Otherwise, and for the schema engine, empty placeholder files stand in. None of these commands loads the engines
// (the schema is parsed by WebAssembly), so the placeholders are never run.
//
// With a placeholder query engine the generated client is still the ordinary library-engine client: it fails
// with "could not locate the Query Engine" when used, and it picks up a real engine later from
// PRISMA_QUERY_ENGINE_LIBRARY at run time without generating again. (A `--no-engine` client would instead be an
// Accelerate client that can only reach prisma:// URLs.)
//
// Usage: node scripts/prisma-generate.mjs [generate|validate|format|check]
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentPlatform, engineFileName, knownPlatforms, obtainEngine, PACKAGE_NAME, realEngine, writeClientBridge } from './prisma-engine.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const schema = join(root, 'prisma', 'schema.prisma');
const output = join(root, 'generated', 'prisma');
const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');

const COMMANDS = {
  generate: [['generate', '--schema', schema]],
  validate: [['validate', '--schema', schema]],
  format: [['format', '--schema', schema]],
  check: [
    ['validate', '--schema', schema],
    ['format', '--check', '--schema', schema],
  ],
};

/** Where the generated client sits in an app: paths Prisma writes relative to this repository, made app-relative. */
export const INSTALLED_OUTPUT = `node_modules/${PACKAGE_NAME}/generated/prisma`;

function replaceOnce(text, search, replacement, what) {
  const count = text.split(search).length - 1;
  if (count !== 1) throw new Error(`prisma-generate: expected ${what} once in the generated index.js, found it ${count} times`);
  return text.replace(search, replacement);
}

/**
 * The changes to the generated client's index.js (after absolute paths were made relative), for how apps deploy it:
 * - the paths Prisma resolves against the working directory when the client is bundled (`output`, the alternative
 *   directories, the annotations) name the package's client inside an app's node_modules, not the repository's
 *   `generated/prisma` and `prisma` (an app's own directories of those names, with another engine, must not be used);
 * - a `path.join(__dirname, <engine>)` annotation for every platform Prisma publishes engines for, so that file
 *   tracers (Next's standalone output) copy whichever engine the install placed beside the client;
 * - `Prisma.ratecreatorDbSchemaHash` (not enumerable), by which dist/prisma/generated.webpack.cjs recognises this
 *   client behind @prisma/client.
 * Throws when Prisma's template no longer has the expected shape (tests/unit/prisma/prisma-engine.test.ts).
 */
export function patchGeneratedIndex(text, platforms = knownPlatforms()) {
  const relativeOutput = text.split('"generated/prisma').length - 1;
  if (relativeOutput < 3) throw new Error(`prisma-generate: expected the relative output path at least 3 times, found ${relativeOutput}`);
  let patched = text.replaceAll('"generated/prisma', `"${INSTALLED_OUTPUT}`);
  patched = replaceOnce(
    patched,
    `const alternativePaths = [\n    "${INSTALLED_OUTPUT}",\n    "prisma",\n  ]`,
    `const alternativePaths = [\n    "${INSTALLED_OUTPUT}",\n  ]`,
    'the alternative paths',
  );
  patched = replaceOnce(
    patched,
    'exports.PrismaClient = PrismaClient\n',
    'exports.PrismaClient = PrismaClient\n' +
      `// ${PACKAGE_NAME}: which schema this client is, for the package's loader behind @prisma/client.\n` +
      'Object.defineProperty(Prisma, "ratecreatorDbSchemaHash", { value: config.inlineSchemaHash })\n',
    'the PrismaClient export',
  );
  const names = [...new Set(platforms.map((platform) => engineFileName(platform)))].filter((name) => !patched.includes(`path.join(__dirname, "${name}")`));
  return (
    `${patched.replace(/\n*$/, '\n')}// ${PACKAGE_NAME}: the query engine of whichever platform the install placed here, for file tracers\n` +
    names.map((name) => `path.join(__dirname, "${name}");\n`).join('')
  );
}

/** The schema hash Prisma wrote into the generated index.js (what `Prisma.ratecreatorDbSchemaHash` holds). */
export function schemaHashOf(text) {
  const hash = /"inlineSchemaHash":\s*"([0-9a-f]{64})"/.exec(text)?.[1];
  if (!hash) throw new Error('the generated index.js has no inlineSchemaHash');
  return hash;
}

/** A usable engine file given by path: set, present and not empty. */
function givenEngine(variable) {
  return realEngine(process.env[variable]);
}

// A failed download is remembered for an hour (per engine version, platform and mirror), so that offline machines
// do not wait for Prisma's retries on every generate.
const memoFile = join(root, '.cache', 'prisma-engine-download.json');
const MEMO_MS = 60 * 60 * 1000;

function memoKey(version, platform) {
  return `${version}/${platform}/${process.env.PRISMA_ENGINES_MIRROR ?? ''}`;
}

function recentFailure(key) {
  try {
    const memo = JSON.parse(readFileSync(memoFile, 'utf8'));
    return memo.key === key && Date.now() - memo.at < MEMO_MS ? memo : undefined;
  } catch {
    return undefined;
  }
}

/** The query engine for `generate`: `{ path, source }`, or `{ error }`. */
async function queryEngineForGenerate(downloadDir) {
  // The engine version the CLI generates for: its @prisma/engines' pinned @prisma/engines-version.
  const engines = createRequire(cli).resolve('@prisma/engines/package.json');
  const version = createRequire(engines)('@prisma/engines-version').enginesVersion;
  const platform = await currentPlatform();
  const key = memoKey(version, platform);
  const failed = recentFailure(key);
  const found = await obtainEngine({ version, platform, from: [root], downloadDir, download: !failed });
  if (found.path) {
    rmSync(memoFile, { force: true });
    return found;
  }
  if (failed) {
    return { error: `${failed.error}, ${Math.round((Date.now() - failed.at) / 60_000)} min ago; delete ${memoFile} to try again now` };
  }
  mkdirSync(dirname(memoFile), { recursive: true });
  writeFileSync(memoFile, `${JSON.stringify({ key, at: Date.now(), error: found.error })}\n`);
  return { error: `${found.error} (${engineFileName(platform)})` };
}

async function main(command) {
  const placeholderDir = mkdtempSync(join(tmpdir(), 'ratecreator-db-prisma-'));
  const placeholder = (name, executable) => {
    const path = join(placeholderDir, name);
    writeFileSync(path, '');
    if (executable) chmodSync(path, 0o755);
    return path;
  };
  try {
    const engine =
      command === 'generate'
        ? (givenEngine('PRISMA_QUERY_ENGINE_LIBRARY') && { path: process.env.PRISMA_QUERY_ENGINE_LIBRARY, source: 'PRISMA_QUERY_ENGINE_LIBRARY' }) ||
          (await queryEngineForGenerate(placeholderDir))
        : { error: 'not needed' };
    const queryEnginePath = engine.path ?? placeholder('libquery_engine-placeholder.so.node', false);
    const env = {
      ...process.env,
      PRISMA_QUERY_ENGINE_LIBRARY: queryEnginePath,
      PRISMA_SCHEMA_ENGINE_BINARY: givenEngine('PRISMA_SCHEMA_ENGINE_BINARY') ?? placeholder('schema-engine-placeholder', true),
      // `validate` resolves env("DATABASE_URL_ONLINE") without connecting; any well-formed URL will do.
      DATABASE_URL_ONLINE: process.env.DATABASE_URL_ONLINE || 'mongodb://127.0.0.1:27017/placeholder',
      CHECKPOINT_DISABLE: '1',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      PRISMA_DISABLE_WARNINGS: process.env.PRISMA_DISABLE_WARNINGS ?? '1',
    };

    let status = 0;
    for (const args of COMMANDS[command]) {
      const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, env, stdio: 'inherit' });
      status = result.status ?? 1;
      if (status !== 0) break;
    }
    if (status === 0 && command === 'generate') {
      // `generate` copies the query engine file next to the client; a copied placeholder is only clutter.
      const copied = join(output, basename(queryEnginePath));
      if (!engine.path && existsSync(copied)) rmSync(copied);
      // Prisma writes this machine's absolute paths into the client's config (the output directory, the schema): they
      // would ship in the package and in every app bundle. Relative ones work the same: the runtime only uses the
      // output path as one more place to look for an engine.
      const absolute = JSON.stringify(root + sep).slice(1, -1);
      for (const file of readdirSync(output).filter((name) => name.endsWith('.js'))) {
        const path = join(output, file);
        let text = readFileSync(path, 'utf8').replaceAll(absolute, '');
        if (file === 'index.js') text = patchGeneratedIndex(text);
        writeFileSync(path, text);
      }
      console.log(
        engine.path
          ? `prisma-generate: client generated with the query engine from ${engine.source}`
          : `prisma-generate: client generated without a query engine (${engine.error}); queries fail until ` +
              'PRISMA_QUERY_ENGINE_LIBRARY points at a libquery_engine file',
      );
      // As the install script does in apps: @prisma/client resolves to this client (a workspace of a monorepo is
      // never an installed copy, and its Next apps reach the engine through @prisma/client the same way).
      const bridge = writeClientBridge(root);
      console.log(bridge.dir ? `prisma-generate: @prisma/client resolves to this client (${bridge.dir})` : `prisma-generate: @prisma/client left as it is: ${bridge.skipped}`);
    }
    return status;
  } finally {
    rmSync(placeholderDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const command = process.argv[2] ?? 'generate';
  if (!(command in COMMANDS)) {
    console.error(`prisma-generate: unknown command "${command}"; use one of ${Object.keys(COMMANDS).join(', ')}`);
    process.exit(2);
  }
  process.exit(await main(command));
}
