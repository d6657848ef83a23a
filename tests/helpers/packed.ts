import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/**
 * The package as `npm pack` makes it from the current build (`npm test` builds before the tests run): the path of a
 * tarball under .cache/pack/, named by a hash of what it contains, so that test files running in parallel pack once
 * and share it. Install it into a fixture app the way an app installs the published package.
 */
export function packedPackage(): string {
  if (!existsSync(join(root, 'dist'))) throw new Error('dist/ is missing: run npm run build first');
  const hash = createHash('sha256');
  for (const file of ['package.json', ...filesUnder(join(root, 'dist')), ...filesUnder(join(root, 'generated'))]) {
    const path = resolve(root, file);
    hash.update(relative(root, path)).update(String(statSync(path).size)).update(readFileSync(path));
  }
  const dir = join(root, '.cache', 'pack');
  const target = join(dir, `ratecreator-db-${hash.digest('hex').slice(0, 16)}.tgz`);
  if (existsSync(target)) return target;
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(dir, 'tmp-'));
  try {
    const name = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    // Atomic: a parallel packer's identical tarball may land first, which is fine.
    renameSync(join(scratch, name), target);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return target;
}
