// Helpers for tests/integration/esbuild-bundles.int.test.ts: a temporary copy of tests/fixtures/esbuild-service with
// the packed package installed by npm, bundles made with the pinned esbuild toolchain, and the bundled service run
// as a child process whose stdout lines can be awaited.
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { installToolchain } from '../../scripts/toolchains.js';
import { runInstallScript } from './engine-mirror.js';
import { makeTempDir } from '../../scripts/servers/process.js';

const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const FIXTURE = join(root, 'tests', 'fixtures', 'esbuild-service');

/** esbuild's documented way to give ESM output a working `require` for the CommonJS code it bundles. */
export const CREATE_REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * Copies the fixture service to a fresh temporary directory (outside the repository, so nothing resolves from the
 * repository's node_modules) and installs `tarball` there with npm, as an app installs the published package: the
 * package's dependencies come from that install. Install scripts stay off, unless `installScriptEnv` is given: then
 * the package's own install script runs with it added to its environment (see runInstallScript; e.g. an engine
 * mirror's env). Returns the directory (remove it with removeDir).
 */
export async function installFixtureApp(tarball: string, options: { installScriptEnv?: Record<string, string> } = {}): Promise<string> {
  const dir = makeTempDir('esbuild-app');
  cpSync(FIXTURE, dir, { recursive: true, filter: (path) => !/[/\\](node_modules|dist)$/.test(path) });
  await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball], {
    cwd: dir,
    timeout: 120_000,
  });
  if (options.installScriptEnv) await runInstallScript(dir, options.installScriptEnv);
  return dir;
}

/** The pinned esbuild's CLI (installed under .cache/toolchains/esbuild on first use). */
export function esbuildBin(): string {
  return join(installToolchain('esbuild'), 'node_modules', '.bin', 'esbuild');
}

/** Runs the pinned esbuild in `cwd` with `args`; returns its log (esbuild writes it to stderr). Throws on a failed build. */
export async function esbuild(cwd: string, args: readonly string[]): Promise<string> {
  const { stderr } = await run(esbuildBin(), ['--log-level=warning', ...args], { cwd, timeout: 60_000 });
  return stderr;
}

/**
 * Runs `body` with `dir`/node_modules renamed out of reach (and no node_modules in any parent directory), so that a
 * bundle that still requires a package from disk fails; puts it back afterwards.
 */
export async function withoutNodeModules<T>(dir: string, body: () => Promise<T>): Promise<T> {
  for (let parent = dirname(dir), last = ''; parent !== last; last = parent, parent = dirname(parent)) {
    if (existsSync(join(parent, 'node_modules'))) throw new Error(`${join(parent, 'node_modules')} would still be in reach`);
  }
  const modules = join(dir, 'node_modules');
  const away = join(dir, 'node_modules.away');
  renameSync(modules, away);
  try {
    return await body();
  } finally {
    renameSync(away, modules);
  }
}

/** A running `node <file>`: its stdout lines parsed as JSON where they are JSON, and its exit. */
export interface ServiceProcess {
  readonly pid: number;
  readonly lines: Array<Record<string, unknown>>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first line that `match` accepts; rejects if the process exits first or `timeoutMs` passes. */
  waitFor(match: (line: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves when it exits by itself; after `guardMs` it is killed (SIGKILL), which `signal` shows. */
  exit(guardMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL unless it already exited (for cleanup). */
  kill(): void;
}

/** Starts `node <file>` in `cwd` with exactly `env` (plus PATH), nothing inherited from the test runner. */
export function startService(cwd: string, file: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [file], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const lines: Array<Record<string, unknown>> = [];
  const listeners = new Set<() => void>();
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ text: line });
      }
    }
    for (const listener of listeners) listener();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      for (const listener of listeners) listener();
      done({ code, signal });
    }),
  );
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    pid: child.pid ?? -1,
    lines,
    stdout: () => out,
    stderr: () => err,
    waitFor(match, what, timeoutMs = 30_000) {
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          const found = lines.find(match);
          if (found) finish(() => resolvePromise(found));
          else if (hasExited()) finish(() => reject(new Error(`exited before ${what}\nstdout:\n${out}\nstderr:\n${err}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no ${what} within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async exit(guardMs = 20_000) {
      const guard = setTimeout(() => child.kill('SIGKILL'), guardMs);
      const outcome = await exited;
      clearTimeout(guard);
      return outcome;
    },
    kill() {
      if (!hasExited()) child.kill('SIGKILL');
    },
  };
}

/** Reads an Algolia record back from the local Algolia server (its REST API, with the write key). */
export async function getAlgoliaObject(
  algolia: { url: string; appId: string; writeApiKey: string },
  indexName: string,
  objectID: string,
): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(`${algolia.url}/1/indexes/${encodeURIComponent(indexName)}/${encodeURIComponent(objectID)}`, {
    headers: { 'x-algolia-application-id': algolia.appId, 'x-algolia-api-key': algolia.writeApiKey },
  });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${objectID}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** Saves an Algolia record on the local Algolia server (PUT, replacing it). */
export async function saveAlgoliaObject(
  algolia: { url: string; appId: string; writeApiKey: string },
  indexName: string,
  objectID: string,
  body: Record<string, unknown>,
): Promise<void> {
  const response = await fetch(`${algolia.url}/1/indexes/${encodeURIComponent(indexName)}/${encodeURIComponent(objectID)}`, {
    method: 'PUT',
    headers: { 'x-algolia-application-id': algolia.appId, 'x-algolia-api-key': algolia.writeApiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ objectID, ...body }),
  });
  if (!response.ok) throw new Error(`PUT ${objectID}: HTTP ${response.status} ${await response.text()}`);
}
