// Helpers for tests/integration/next-*.int.test.ts: a temporary copy of tests/fixtures/next-app with a pinned
// Next.js toolchain and the packed package installed, `next build` / `next dev` / `node server.js` run as child
// processes (stopped by PID), and calls to the app's route handlers and server actions.
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { processTree } from './proc-sockets.js';
import { freePort, makeTempDir } from '../../scripts/servers/process.js';
import { installToolchain } from '../../scripts/toolchains.js';
import { runInstallScript } from './engine-mirror.js';

const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const FIXTURE = join(root, 'tests', 'fixtures', 'next-app');

/** The pinned Next.js toolchains (tests/toolchains/<name>/). */
export type NextToolchain = 'next14' | 'next15';

/** Environment every Next child gets besides its own: nothing is inherited from the test runner but PATH and HOME. */
function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NEXT_TELEMETRY_DISABLED: '1' };
}

/**
 * Copies the fixture app to a fresh temporary directory (outside the repository: nothing resolves from the
 * repository's node_modules), puts the toolchain's installed next/react/react-dom there (hard links, with the
 * toolchain's manifest and lockfile as the app's, so npm sees them as installed) and installs `tarball` with npm
 * as an app installs the published package: the package's dependencies come from that install. Install scripts stay
 * off, unless `installScriptEnv` is given: then the package's own install script runs with it added to its
 * environment (see runInstallScript; e.g. an engine mirror's env).
 */
export async function prepareApp(toolchain: NextToolchain, tarball: string, options: { installScriptEnv?: Record<string, string> } = {}): Promise<string> {
  const tools = installToolchain(toolchain);
  const dir = makeTempDir(`next-app-${toolchain}`);
  cpSync(FIXTURE, dir, { recursive: true, filter: (path) => !/[/\\](node_modules|\.next)$/.test(path) });
  try {
    await run('cp', ['-al', join(tools, 'node_modules'), join(dir, 'node_modules')]);
    // npm rewrites its hidden lockfile: a copy of its own, not a link into the toolchain.
    const hidden = join(dir, 'node_modules', '.package-lock.json');
    rmSync(hidden, { force: true });
    copyFileSync(join(tools, 'node_modules', '.package-lock.json'), hidden);
  } catch {
    rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
    cpSync(join(tools, 'node_modules'), join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  manifest.dependencies = (JSON.parse(readFileSync(join(tools, 'package.json'), 'utf8')) as { dependencies: unknown }).dependencies;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(join(tools, 'package-lock.json'), join(dir, 'package-lock.json'));
  await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', '--loglevel=error', tarball], {
    cwd: dir,
    timeout: 180_000,
  });
  if (options.installScriptEnv) await runInstallScript(dir, options.installScriptEnv);
  return dir;
}

/** Runs `args` with node in `cwd`; resolves with its output, rejects (with the output) on a non-zero exit. */
export async function runNode(cwd: string, args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd, env: { ...baseEnv(), ...env }, timeout: timeoutMs, maxBuffer: 32 << 20 });
    return stdout + stderr;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`node ${args.join(' ')} failed: ${(error as Error).message}\n${stdout}\n${stderr}`);
  }
}

/** `next build` in `dir`, with no database environment (building must connect to nothing). Returns its output. */
export function nextBuild(dir: string): Promise<string> {
  return runNode(dir, ['node_modules/next/dist/bin/next', 'build'], {}, 300_000);
}

/** A Next server child process (`node server.js` or `next dev`). */
export interface NextServer {
  readonly pid: number;
  readonly url: string;
  output(): string;
  /** SIGTERM, SIGKILL after 5 s; resolves when it has exited. */
  stop(): Promise<void>;
}

/**
 * Spawns `node <args>` in `cwd` on a free port with exactly `env` (plus PATH/HOME) and resolves once `readyPath`
 * answers with any HTTP status; rejects (after stopping it) if it exits first or `timeoutMs` passes.
 */
export async function startNext(
  cwd: string,
  args: (port: number) => readonly string[],
  env: Record<string, string>,
  readyPath = '/',
  timeoutMs = 60_000,
): Promise<NextServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [...args(port)], {
    cwd,
    env: { ...baseEnv(), PORT: String(port), HOSTNAME: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const server: NextServer = {
    pid: child.pid ?? -1,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    async stop() {
      // next dev forks a server process (and build workers): every PID of the tree is stopped, not only the child.
      const tree = processTree(child.pid ?? -1);
      const killTree = (signal: NodeJS.Signals) => {
        for (const pid of tree) {
          try {
            process.kill(pid, signal);
          } catch {
            // already gone
          }
        }
      };
      if (!gone()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => killTree('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      killTree('SIGKILL');
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone()) throw new Error(`the server exited before answering:\n${out}`);
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`the server did not answer ${readyPath} within ${timeoutMs} ms:\n${out}`);
    }
    try {
      await fetch(server.url + readyPath, { signal: AbortSignal.timeout(Math.max(1000, deadline - Date.now())) });
      return server;
    } catch {
      await new Promise((done) => setTimeout(done, 200));
    }
  }
}

/** What the fixture's operations answer (app/lib/ops.js): plain data, from a route handler or a server action. */
export interface OpResult {
  readonly ok: boolean;
  readonly marker: string;
  readonly status?: number;
  readonly name?: string;
  readonly provider?: string;
  readonly message?: string;
  readonly value?: unknown;
  readonly [key: string]: unknown;
}

/** GET /api/<operation>?token=...: the HTTP status and the JSON body. */
export async function callRoute(url: string, operation: string, token: string): Promise<{ status: number; body: OpResult }> {
  const response = await fetch(`${url}/api/${operation}?token=${token}`, { signal: AbortSignal.timeout(60_000) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as OpResult };
  } catch {
    throw new Error(`/api/${operation}: HTTP ${response.status}, not JSON: ${text.slice(0, 500)}`);
  }
}

/** The server action ids of the forms that app/page.js renders (`<form id="form-<name>">` + `$ACTION_ID_<id>`). */
export async function actionIds(url: string): Promise<Record<string, string>> {
  const html = await (await fetch(`${url}/`, { signal: AbortSignal.timeout(60_000) })).text();
  const ids: Record<string, string> = {};
  for (const form of html.split('<form').slice(1)) {
    const name = /id="form-(\w+)"/.exec(form)?.[1];
    const id = /\$ACTION_ID_([0-9a-f]+)/.exec(form.split('</form>')[0]!)?.[1];
    if (name && id) ids[name] = id;
  }
  return ids;
}

/**
 * Calls a server action the way Next's client router does: POST to the page with a `Next-Action` header, the
 * arguments encoded as JSON text, and a same-origin `Origin` (Next rejects actions from another origin). The answer
 * is a React Server Components payload; the action's return value is the row holding an object with `marker`.
 */
export async function callAction(url: string, id: string, token: string): Promise<{ status: number; body: OpResult }> {
  const response = await fetch(`${url}/`, {
    method: 'POST',
    headers: { 'Next-Action': id, 'Content-Type': 'text/plain;charset=UTF-8', Accept: 'text/x-component', Origin: url },
    body: JSON.stringify([token]),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  for (const line of text.split('\n')) {
    const row = /^[0-9a-f]+:(\{.*\})$/.exec(line)?.[1];
    if (!row) continue;
    const value = JSON.parse(row, (_key, v: unknown) => (v === '$undefined' ? undefined : v)) as OpResult;
    if (typeof value.marker === 'string') return { status: response.status, body: value };
  }
  throw new Error(`action ${id}: HTTP ${response.status}, no result row in: ${text.slice(0, 500)}`);
}

/** A random token the fixture accepts ([a-z0-9]). */
export function token(): string {
  return `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
