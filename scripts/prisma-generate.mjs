#!/usr/bin/env node
// Runs the Prisma CLI with no network access: `generate` (default), `validate`, `format`, or `check`
// (validate, then `format --check`: fails when formatting would change prisma/schema.prisma).
//
// Prisma's CLI insists on engine files before it does anything and downloads them when they are absent, which
// fails offline. Real engines are used when PRISMA_QUERY_ENGINE_LIBRARY / PRISMA_SCHEMA_ENGINE_BINARY point at
// existing files; otherwise empty placeholder files stand in for them. None of these commands loads the engines
// (the schema is parsed by WebAssembly), so the placeholders are never run.
//
// With a placeholder query engine the generated client is still the ordinary library-engine client: it fails
// with "could not locate the Query Engine" when used, and it picks up a real engine later from
// PRISMA_QUERY_ENGINE_LIBRARY at run time without generating again. (A `--no-engine` client would instead be an
// Accelerate client that can only reach prisma:// URLs.)
//
// Usage: node scripts/prisma-generate.mjs [generate|validate|format|check]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

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

const command = process.argv[2] ?? 'generate';
if (!(command in COMMANDS)) {
  console.error(`prisma-generate: unknown command "${command}"; use one of ${Object.keys(COMMANDS).join(', ')}`);
  process.exit(2);
}

/** A usable engine file: set, present and not empty. */
function realEngine(path) {
  if (!path) return undefined;
  try {
    return statSync(path).isFile() && statSync(path).size > 0 ? path : undefined;
  } catch {
    return undefined;
  }
}

const placeholderDir = mkdtempSync(join(tmpdir(), 'ratecreator-db-prisma-'));
function placeholder(name, executable) {
  const path = join(placeholderDir, name);
  writeFileSync(path, '');
  if (executable) chmodSync(path, 0o755);
  return path;
}

const queryEngine = realEngine(process.env.PRISMA_QUERY_ENGINE_LIBRARY);
const schemaEngine = realEngine(process.env.PRISMA_SCHEMA_ENGINE_BINARY);
const queryEnginePath = queryEngine ?? placeholder('libquery_engine-placeholder.so.node', false);
const env = {
  ...process.env,
  PRISMA_QUERY_ENGINE_LIBRARY: queryEnginePath,
  PRISMA_SCHEMA_ENGINE_BINARY: schemaEngine ?? placeholder('schema-engine-placeholder', true),
  // `validate` resolves env("DATABASE_URL_ONLINE") without connecting; any well-formed URL will do.
  DATABASE_URL_ONLINE: process.env.DATABASE_URL_ONLINE || 'mongodb://127.0.0.1:27017/placeholder',
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  PRISMA_DISABLE_WARNINGS: process.env.PRISMA_DISABLE_WARNINGS ?? '1',
};

let status = 0;
try {
  for (const args of COMMANDS[command]) {
    const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, env, stdio: 'inherit' });
    status = result.status ?? 1;
    if (status !== 0) break;
  }
  if (status === 0 && command === 'generate') {
    // `generate` copies the query engine file next to the client; a copied placeholder is only clutter.
    const copied = join(output, basename(queryEnginePath));
    if (!queryEngine && existsSync(copied)) rmSync(copied);
    // Prisma writes this machine's absolute paths into the client's config (the output directory, the schema): they
    // would ship in the package and in every app bundle. Relative ones work the same: the runtime only uses the
    // output path as one more place to look for an engine.
    const absolute = JSON.stringify(root + sep).slice(1, -1);
    for (const file of readdirSync(output).filter((name) => name.endsWith('.js'))) {
      const path = join(output, file);
      const text = readFileSync(path, 'utf8');
      if (text.includes(absolute)) writeFileSync(path, text.replaceAll(absolute, ''));
    }
    console.log(
      queryEngine
        ? 'prisma-generate: client generated with the query engine from PRISMA_QUERY_ENGINE_LIBRARY'
        : 'prisma-generate: client generated without a query engine (types only; queries fail until ' +
            'PRISMA_QUERY_ENGINE_LIBRARY points at a libquery_engine file)',
    );
  }
} finally {
  rmSync(placeholderDir, { recursive: true, force: true });
}
process.exit(status);
