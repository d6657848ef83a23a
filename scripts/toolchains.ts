// Installs the pinned build tools that the fixture apps are built with (esbuild, Next.js + React), each in a directory
// of its own under .cache/toolchains/<name>/, from the manifest and lockfile in tests/toolchains/<name>/.
// Safe to run again: a toolchain whose lockfile has not changed since its last install is skipped.
//
//   npx tsx scripts/toolchains.ts install [name ...]   (no name: all of them)
//   npx tsx scripts/toolchains.ts path <name>          (prints the toolchain's directory)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MANIFESTS = join(root, 'tests', 'toolchains');
const CACHE = join(root, '.cache', 'toolchains');

/** The names of the toolchains the project pins (one directory each under tests/toolchains/). */
export function toolchainNames(): string[] {
  return readdirSync(MANIFESTS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(MANIFESTS, entry.name, 'package.json')))
    .map((entry) => entry.name)
    .sort();
}

/** Where toolchain `name` is installed (its node_modules sits inside). */
export function toolchainDir(name: string): string {
  return join(CACHE, name);
}

/** Installs toolchain `name` unless the installed copy matches its lockfile; returns its directory. */
export function installToolchain(name: string, log: (line: string) => void = () => {}): string {
  const source = join(MANIFESTS, name);
  const lock = join(source, 'package-lock.json');
  if (!existsSync(lock)) throw new Error(`toolchain ${name}: ${lock} is missing (run npm install in ${source} to pin it)`);
  const dir = toolchainDir(name);
  const stamp = join(dir, '.installed-lock');
  const wanted = readFileSync(lock, 'utf8');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && existsSync(join(dir, 'node_modules'))) return dir;
  log(`installing toolchain ${name} into ${dir}`);
  // Into a scratch directory first, then renamed: test files running in parallel never see (or share) a half install.
  mkdirSync(CACHE, { recursive: true });
  const scratch = mkdtempSync(join(CACHE, `${name}.tmp-`));
  try {
    copyFileSync(join(source, 'package.json'), join(scratch, 'package.json'));
    copyFileSync(lock, join(scratch, 'package-lock.json'));
    // Packages' install scripts stay off (the machine's npm policy); none of the pinned tools needs one.
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: scratch, stdio: ['ignore', 'inherit', 'inherit'] });
    writeFileSync(join(scratch, '.installed-lock'), wanted);
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return dir; // a parallel install finished first
    rmSync(dir, { recursive: true, force: true });
    renameSync(scratch, dir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return dir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, ...names] = process.argv.slice(2);
  if (command === 'install') {
    for (const name of names.length > 0 ? names : toolchainNames()) {
      process.stdout.write(`toolchain ${name}: ${installToolchain(name, (line) => process.stdout.write(`${line}\n`))}\n`);
    }
  } else if (command === 'path' && names.length === 1) {
    process.stdout.write(`${toolchainDir(names[0]!)}\n`);
  } else {
    process.stderr.write('usage: tsx scripts/toolchains.ts install [name ...] | path <name>\n');
    process.exitCode = 2;
  }
}
