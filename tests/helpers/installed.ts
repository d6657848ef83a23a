import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packedPackage } from './packed.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * A directory holding an app that installed the packed package (and so its dependencies) with npm, as a real app
 * does: nothing resolves from this repository's node_modules. Made once per tarball under .cache/apps/ and shared
 * by test files (they only read it). `type` is the app's package.json module type.
 */
export function installedApp(type: 'module' | 'commonjs' = 'module'): string {
  const tarball = packedPackage();
  const target = join(root, '.cache', 'apps', `${basename(tarball, '.tgz')}-${type}`);
  if (existsSync(join(target, 'node_modules', '@ratecreator', 'db', 'package.json'))) return target;
  mkdirSync(join(root, '.cache', 'apps'), { recursive: true });
  const scratch = mkdtempSync(join(root, '.cache', 'apps', 'tmp-'));
  try {
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true, type }, null, 2));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', tarball], {
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
