// What a Next.js build did with the packages: which ones its server bundles still `require()` at run time
// (external, so the file tracer must copy them into .next/standalone/node_modules) and which ones it bundled.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';

/**
 * The libraries the fixture app reaches through @ratecreator/db, and a string that only each one's code holds. The
 * Prisma client is the one generated into the package (generated/prisma, with its own copy of Prisma's runtime): a
 * copy is bundled, and under webpack the package first asks `@prisma/client` (left external) for it, which resolves to
 * that same client when the package's install script ran.
 */
export const USED_LIBRARIES: Readonly<Record<string, string>> = {
  '@ratecreator/db': 'provider has been disposed; create a new container',
  ioredis: 'ioredis:connect',
  kafkajs: 'KafkaJSNonRetriableError',
  mongodb: 'MongoServerSelectionError',
  '@algolia/client-search': 'replaceAllObjects was called with an empty list of objects',
  '@algolia/requester-node-http': 'Socket timeout',
  '@ratecreator/db/generated/prisma': 'prisma:client:libraryEngine',
  tsyringe: 'tsyringe requires a reflect polyfill',
  pino: 'pino.setLevel',
  'reflect-metadata': '@@WeakMap@@',
};

/** The package name of a bare module specifier (`@scope/name/sub` -> `@scope/name`). */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function jsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(c|m)?js$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The server bundles' code (`.next/server/**.js`), concatenated. */
export function serverCode(nextDir: string): string {
  return jsFiles(join(nextDir, 'server')).map((file) => readFileSync(file, 'utf8')).join('\n');
}

/** Packages (not Node built-ins) that the server bundles load with a literal `require("...")` at run time. */
export function externalPackages(code: string): Set<string> {
  const names = new Set<string>();
  for (const match of code.matchAll(/\brequire\("([^".][^"]*)"\)/g)) {
    const name = packageName(match[1]!);
    if (!isBuiltin(match[1]!) && !isBuiltin(name)) names.add(name);
  }
  return names;
}

/** Every package under a node_modules directory, nested ones included (by name). */
export function installedPackages(nodeModules: string): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const dirs = entry.startsWith('@') ? readdirSync(join(dir, entry)).map((sub) => `${entry}/${sub}`) : [entry];
      for (const name of dirs) {
        if (!existsSync(join(dir, name, 'package.json'))) continue;
        names.add(name);
        walk(join(dir, name, 'node_modules'));
      }
    }
  };
  walk(nodeModules);
  return names;
}

/** An app's npm lockfile (`packages` section), for dependency closures. */
export function readLockfile(file: string): Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string> }> {
  return (JSON.parse(readFileSync(file, 'utf8')) as { packages: ReturnType<typeof readLockfile> }).packages;
}

/**
 * The names of `names` and everything they depend on, by name (any installed version), as far as the lockfile
 * has them installed. Peers count when installed.
 */
export function dependencyClosure(lock: ReturnType<typeof readLockfile>, names: Iterable<string>): Set<string> {
  const byName = new Map<string, Array<(typeof lock)[string]>>();
  for (const [path, entry] of Object.entries(lock)) {
    const at = path.lastIndexOf('node_modules/');
    if (at < 0) continue;
    const name = path.slice(at + 'node_modules/'.length);
    byName.set(name, [...(byName.get(name) ?? []), entry]);
  }
  const seen = new Set<string>();
  const queue = [...names];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name) || !byName.has(name)) continue;
    seen.add(name);
    for (const entry of byName.get(name)!) {
      queue.push(...Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies }));
    }
  }
  return seen;
}

/** Whether `signature` occurs in the installed package's own JavaScript (so that finding it in a bundle means something). */
export function packageHolds(nodeModules: string, name: string, signature: string): boolean {
  return jsFiles(join(nodeModules, name)).some((file) => !file.includes(`${join(nodeModules, name)}/node_modules/`) && readFileSync(file, 'utf8').includes(signature));
}
