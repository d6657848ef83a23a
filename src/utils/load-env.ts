// @ratecreator/db/utils/load-env: the original /utils' `.env` loader, for Node only. It is an entry of its own so that
// nothing of it (node:fs, node:path) can reach a browser bundle of @ratecreator/db/utils.
//
// Where it looks: the original resolved `../../../../.env` from its own source file, which was the monorepo root
// while the package sat in packages/db/src/utils. Installed from a tarball, bundled by esbuild or traced into a Next
// standalone folder, the package's own location says nothing about the monorepo, so the search starts from the
// process's working directory instead (turbo and npm workspaces run each app's scripts in the app's directory, inside
// the monorepo) and stops at the first directory that is a workspace root.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';

/** Options of {@link loadEnv}. */
export interface LoadEnvOptions {
  /**
   * The `.env` file to load (relative to `cwd`).
   * @default `RATECREATOR_ENV_FILE` when set, else the `.env` of the first workspace root above `cwd`
   */
  readonly path?: string;
  /** Where the search for the workspace root starts. @default process.cwd() */
  readonly cwd?: string;
  /** The environment to fill; variables already set in it are never changed. @default process.env */
  readonly env?: Record<string, string | undefined>;
}

/** What {@link loadEnv} did. */
export interface LoadEnvResult {
  /** The file that was read, or undefined when there was none to read. */
  readonly path: string | undefined;
  /** Variables set from the file, sorted. */
  readonly loaded: readonly string[];
  /** Variables in the file that were already set, and kept their value, sorted. */
  readonly kept: readonly string[];
}

/** A workspace (monorepo) root holds turbo.json, pnpm-workspace.yaml, or a package.json with `workspaces`. */
function isWorkspaceRoot(dir: string): boolean {
  if (existsSync(join(dir, 'turbo.json')) || existsSync(join(dir, 'pnpm-workspace.yaml'))) return true;
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return false;
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown }).workspaces !== undefined;
  } catch {
    return false; // an unreadable or invalid package.json is not a workspace root
  }
}

/** The first workspace root at or above `start`, or undefined. */
function findWorkspaceRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (isWorkspaceRoot(dir)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Loads a `.env` file into `process.env` (or `options.env`) without overriding a variable that is already set, even
 * to an empty string. The file is, in this order: `options.path`; the file `RATECREATOR_ENV_FILE` names; else `.env`
 * in the monorepo root, the first directory at or above `process.cwd()` holding `turbo.json`, `pnpm-workspace.yaml`
 * or a `package.json` with `workspaces` (the search stops there: a `.env` above the monorepo is not read). Without
 * such a directory, or without a `.env` in it, nothing is loaded. The syntax is Node's (`util.parseEnv`, the parser
 * of `node --env-file`).
 *
 * Call it once at start-up, before the first client is used (configuration is read on first use, so import order does
 * not matter). The original package ran it as a side effect of importing `/utils`; here importing has no effect.
 * @throws Error when the file given by `options.path` or `RATECREATOR_ENV_FILE` cannot be read
 */
export function loadEnv(options: LoadEnvOptions = {}): LoadEnvResult {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.path ?? (env.RATECREATOR_ENV_FILE || undefined);
  let path: string | undefined;
  if (explicit !== undefined) {
    path = resolve(cwd, explicit);
  } else {
    const root = findWorkspaceRoot(cwd);
    path = root === undefined ? undefined : join(root, '.env');
    if (path !== undefined && !existsSync(path)) path = undefined;
  }
  if (path === undefined) return { path, loaded: [], kept: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const source = options.path !== undefined ? 'loadEnv({ path })' : 'RATECREATOR_ENV_FILE';
    throw new Error(`${source} names ${path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  const loaded: string[] = [];
  const kept: string[] = [];
  for (const [key, value] of Object.entries(parseEnv(text)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (env[key] !== undefined) {
      kept.push(key);
    } else {
      env[key] = value;
      loaded.push(key);
    }
  }
  return { path, loaded, kept };
}
