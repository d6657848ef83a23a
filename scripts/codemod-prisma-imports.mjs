#!/usr/bin/env node
// ratecreator-db-codemod prisma-imports: moves an app's imports of `@prisma/client` to `@ratecreator/db/client`, which
// exports the schema's enums (values and types), model types, `$Enums`, `Prisma` (types) and `PrismaClient`. The
// package generates its client inside itself, so in an app `@prisma/client` holds no client of this schema unless the
// package's install script ran; `@ratecreator/db/client` always does, in types and at run time, in every build.
//
//   ratecreator-db-codemod prisma-imports [--check] <file or directory>...
//
// Rewrites the module name in `import ... from`, `export ... from`, `import '...'`, `import('...')` and `require('...')`
// of exactly `@prisma/client` (subpaths such as `@prisma/client/runtime/library` are left alone) in .ts, .tsx, .mts,
// .cts, .js, .jsx, .mjs and .cjs files (directories are walked, skipping node_modules, dist, build, coverage and hidden
// directories). Prints `file:line: before -> after` per change. `--check` writes nothing and exits 1 when a file would
// change (for CI). Exit 2 on a usage error.
import { readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FROM = '@prisma/client';
export const TO = '@ratecreator/db/client';

const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'build', 'coverage', 'out']);
// The module name where a module specifier can stand: after `from`, `import(`, `require(`, or a bare `import`.
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^[ \t]*import\s*)(['"])@prisma\/client\2/gm;

/**
 * `source` with every `@prisma/client` module specifier replaced by `@ratecreator/db/client`, and what changed.
 * @returns `{ text, changes: [{ line, before, after }] }` (lines 1-based, the whole source line before and after).
 */
export function rewritePrismaImports(source) {
  const lines = new Set();
  const text = source.replace(SPECIFIER, (match, lead, quote, offset) => {
    lines.add(source.slice(0, offset + lead.length).split('\n').length);
    return `${lead}${quote}${TO}${quote}`;
  });
  const before = source.split('\n');
  const after = text.split('\n');
  const changes = [...lines].sort((a, b) => a - b).map((line) => ({ line, before: before[line - 1].trim(), after: after[line - 1].trim() }));
  return { text, changes };
}

/** The source files named by `paths` (files as given, directories walked). */
export function sourceFiles(paths) {
  const files = [];
  const walk = (path) => {
    const stat = statSync(path);
    if (stat.isFile()) {
      files.push(path);
      return;
    }
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || SKIPPED_DIRECTORIES.has(entry.name)) continue;
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(child);
    }
  };
  for (const path of paths) walk(path);
  return files;
}

/** Runs the codemod; resolves to the exit code. `write` receives the report. */
export function main(argv, write = (text) => process.stdout.write(text)) {
  const [command, ...rest] = argv;
  const check = rest.includes('--check');
  const paths = rest.filter((arg) => arg !== '--check');
  if (command !== 'prisma-imports' || paths.length === 0 || paths.some((arg) => arg.startsWith('-'))) {
    write('usage: ratecreator-db-codemod prisma-imports [--check] <file or directory>...\n');
    return 2;
  }
  let changed = 0;
  for (const file of sourceFiles(paths.map((path) => resolve(path)))) {
    const source = readFileSync(file, 'utf8');
    const { text, changes } = rewritePrismaImports(source);
    if (changes.length === 0) continue;
    changed += 1;
    for (const { line, before, after } of changes) write(`${file}:${line}: ${before} -> ${after}\n`);
    if (!check) writeFileSync(file, text);
  }
  write(
    changed === 0
      ? `no import of ${FROM} found\n`
      : `${changed} file${changed === 1 ? '' : 's'} ${check ? 'would change' : 'changed'}: ${FROM} -> ${TO}\n`,
  );
  return check && changed > 0 ? 1 : 0;
}

// The bin may be a symlink (node_modules/.bin): compare real paths.
if (process.argv[1] && realpathSync(resolve(process.argv[1])) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
