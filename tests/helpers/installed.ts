import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packedPackage } from './packed.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The directories above `dir` that hold a node_modules (Node would resolve packages from them). */
export function nodeModulesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let parent = dirname(dir); parent !== dirname(parent); parent = dirname(parent)) {
    if (existsSync(join(parent, 'node_modules'))) found.push(parent);
  }
  return found;
}

/**
 * A directory holding an app that installed the packed package (and so its dependencies) with npm, as a real app
 * does, plus ioredis-mock (the optional peer the ./testing fakes use, a test app's devDependency). It lives outside
 * this repository, so nothing resolves from the repository's node_modules. Made once per tarball and shared by test
 * files (they only read it). `type` is the app's package.json module type.
 */
export function installedApp(type: 'module' | 'commonjs' = 'module'): string {
  const tarball = packedPackage();
  const apps = join(tmpdir(), 'ratecreator-db-apps');
  const target = join(apps, `${basename(tarball, '.tgz')}-${type}`);
  if (existsSync(join(target, 'node_modules', '@ratecreator', 'db', 'package.json'))) return target;
  mkdirSync(apps, { recursive: true });
  const above = nodeModulesAbove(apps);
  if (above.length > 0) throw new Error(`${apps} has node_modules above it (${above.join(', ')}): packages would resolve from there`);
  const mock = (JSON.parse(readFileSync(join(root, 'node_modules', 'ioredis-mock', 'package.json'), 'utf8')) as { version: string }).version;
  const scratch = mkdtempSync(join(apps, 'tmp-'));
  try {
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true, type }, null, 2));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', tarball, `ioredis-mock@${mock}`], {
      cwd: scratch,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      renameSync(scratch, target);
    } catch (error) {
      // A parallel test file installed the same tarball first: use that one.
      if (!existsSync(target)) throw error;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return target;
}
