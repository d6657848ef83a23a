import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, makeTempDir, removeDir, startProcess, type ServerProcess } from './process.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Toxiproxy release the tests run. */
export const TOXIPROXY_VERSION = 'v2.5.0';
const MODULE = 'github.com/Shopify/toxiproxy/v2';
/** Git-ignored cache of the build, reused across runs. */
export const TOXIPROXY_CACHE = join(ROOT, '.cache', 'toxiproxy');
/** The built server binary. */
export const TOXIPROXY_BIN = join(TOXIPROXY_CACHE, 'bin', 'toxiproxy-server');

async function builtVersion(): Promise<string | undefined> {
  if (!existsSync(TOXIPROXY_BIN)) return undefined;
  try {
    const { stdout } = await run(TOXIPROXY_BIN, ['-version']);
    return /version (\S+)/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Builds the Toxiproxy server into {@link TOXIPROXY_BIN} unless that binary is already this version.
 *
 * `go install <module>/cmd/server@<version>` fetches the module from the Go module proxy and builds it with its own
 * go.mod and go.sum. The release's version string is normally set by its Makefile through `-ldflags`; it is set the
 * same way here so that the cached binary can be checked with `-version`. `go install` names the binary after its
 * package directory (`server`), so it is built into a private GOBIN and renamed. `GO` names the go command.
 * @default 'go'
 */
export async function ensureToxiproxy(): Promise<string> {
  if ((await builtVersion()) === TOXIPROXY_VERSION) return TOXIPROXY_BIN;
  const go = process.env.GO ?? 'go';
  mkdirSync(join(TOXIPROXY_CACHE, 'bin'), { recursive: true });
  const gobin = join(TOXIPROXY_CACHE, `gobin.${process.pid}.partial`);
  rmSync(gobin, { recursive: true, force: true });
  const env = { ...process.env, GOFLAGS: '-buildvcs=false', GOBIN: gobin };
  try {
    await run(
      go,
      ['install', `-ldflags=-X ${MODULE}.Version=${TOXIPROXY_VERSION}`, `${MODULE}/cmd/server@${TOXIPROXY_VERSION}`],
      // Outside any Go module, so that `go install pkg@version` uses the module's own go.mod.
      { cwd: TOXIPROXY_CACHE, env, maxBuffer: 16 * 1024 * 1024 },
    );
    renameSync(join(gobin, 'server'), TOXIPROXY_BIN);
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
  const version = await builtVersion();
  if (version !== TOXIPROXY_VERSION) throw new Error(`built Toxiproxy reports ${version ?? 'nothing'}, expected ${TOXIPROXY_VERSION}`);
  return TOXIPROXY_BIN;
}

/** The toxics the tests use, with the attributes Toxiproxy 2.5 reads for each. */
export type ToxicSpec =
  /** Delays each chunk by `latency` ms (plus up to `jitter`). */
  | { readonly type: 'latency'; readonly attributes: { readonly latency: number; readonly jitter?: number } }
  /** Drops every byte; closes the connection after `timeout` ms, or never when 0 (a silent link). */
  | { readonly type: 'timeout'; readonly attributes: { readonly timeout: number } }
  /** Resets the connection (TCP RST) `timeout` ms after data arrives, at once when 0. */
  | { readonly type: 'reset_peer'; readonly attributes: { readonly timeout: number } }
  /** Limits the rate to `rate` KB/s. */
  | { readonly type: 'bandwidth'; readonly attributes: { readonly rate: number } }
  /** Cuts data into chunks of about `average_size` bytes, `delay` microseconds apart. */
  | { readonly type: 'slicer'; readonly attributes: { readonly average_size: number; readonly size_variation?: number; readonly delay?: number } };

/** A toxic's type name. */
export type ToxicType = ToxicSpec['type'];

/** Which direction a toxic acts on: `upstream` is client to server, `downstream` server to client. */
export type ToxicStream = 'upstream' | 'downstream';

/** A toxic as Toxiproxy reports it. */
export interface Toxic {
  readonly name: string;
  readonly type: ToxicType;
  readonly stream: ToxicStream;
  readonly toxicity: number;
  readonly attributes: Record<string, number>;
}

/** A proxy as Toxiproxy reports it. */
export interface ToxiProxy {
  readonly name: string;
  /** `127.0.0.1:<port>` */
  readonly listen: string;
  readonly upstream: string;
  readonly enabled: boolean;
}

/** A proxy created by {@link ToxiproxyServer.createProxy}, with the port clients dial. */
export interface ProxyHandle extends ToxiProxy {
  readonly port: number;
}

/** A running Toxiproxy server and a small client over its HTTP API. */
export interface ToxiproxyServer {
  readonly pid: number;
  /** The API's port (loopback). */
  readonly apiPort: number;
  /** `http://127.0.0.1:<apiPort>` */
  readonly url: string;
  /** Proxies `127.0.0.1:<listenPort>` (a free port unless given) to `upstream` (`host:port`). */
  createProxy(name: string, upstream: string, listenPort?: number): Promise<ProxyHandle>;
  /** Adds a toxic to `proxy` on `stream` (default `downstream`), for every connection (toxicity 1). */
  addToxic(proxy: string, toxic: ToxicSpec & { readonly name?: string; readonly stream?: ToxicStream; readonly toxicity?: number }): Promise<Toxic>;
  removeToxic(proxy: string, toxic: string): Promise<void>;
  /** Lists the toxics of `proxy`. */
  toxics(proxy: string): Promise<Toxic[]>;
  /** A disabled proxy closes its connections and refuses new ones (its listener is closed). */
  setEnabled(proxy: string, enabled: boolean): Promise<void>;
  deleteProxy(proxy: string): Promise<void>;
  /** Enables every proxy and removes every toxic. */
  reset(): Promise<void>;
  /** Stops the server by its PID (SIGTERM, then SIGKILL) and removes its log directory. */
  stop(): Promise<void>;
}

/** The API's requests time out so that a wedged server fails the caller instead of hanging it. */
const API_TIMEOUT_MS = 5000;

async function api<T>(base: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    signal: AbortSignal.timeout(API_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Toxiproxy ${method} ${path}: HTTP ${response.status} ${text.trim()}`);
  // `/version` answers plain text; everything else JSON.
  const json = response.headers.get('content-type')?.includes('json') === true;
  return (json && text ? JSON.parse(text) : text) as T;
}

async function waitForApi(base: string, proc: ServerProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  let lastError: unknown;
  while (Date.now() < deadline && !exited) {
    try {
      await api<unknown>(base, 'GET', '/version');
      return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Toxiproxy at ${base} ${exited ? 'exited' : 'did not answer'}: ${String(lastError)}`);
}

/** Builds Toxiproxy if needed, starts it with its API on a free loopback port and waits until the API answers. */
export async function startToxiproxy(): Promise<ToxiproxyServer> {
  const bin = await ensureToxiproxy();
  const apiPort = await freePort();
  const dir = makeTempDir('toxiproxy');
  const base = `http://127.0.0.1:${apiPort}`;
  // LOG_LEVEL is Toxiproxy's own variable; its per-connection info lines would fill the log.
  const proc = startProcess(bin, ['-host', '127.0.0.1', '-port', String(apiPort)], join(dir, 'server.log'), {
    ...process.env,
    LOG_LEVEL: 'warn',
  });
  try {
    await waitForApi(base, proc);
  } catch (error) {
    await proc.stop(1000);
    removeDir(dir);
    throw error;
  }
  let toxicCount = 0;
  return {
    pid: proc.pid,
    apiPort,
    url: base,
    async createProxy(name, upstream, listenPort) {
      const port = listenPort ?? (await freePort());
      const created = await api<ToxiProxy>(base, 'POST', '/proxies', { name, listen: `127.0.0.1:${port}`, upstream, enabled: true });
      return { ...created, port };
    },
    addToxic(proxy, toxic) {
      const { name, stream, toxicity, ...spec } = toxic;
      return api<Toxic>(base, 'POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, {
        name: name ?? `${spec.type}_${++toxicCount}`,
        type: spec.type,
        stream: stream ?? 'downstream',
        toxicity: toxicity ?? 1,
        attributes: spec.attributes,
      });
    },
    async removeToxic(proxy, toxic) {
      await api<unknown>(base, 'DELETE', `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(toxic)}`);
    },
    toxics: (proxy) => api<Toxic[]>(base, 'GET', `/proxies/${encodeURIComponent(proxy)}/toxics`),
    async setEnabled(proxy, enabled) {
      await api<unknown>(base, 'POST', `/proxies/${encodeURIComponent(proxy)}`, { enabled });
    },
    async deleteProxy(proxy) {
      await api<unknown>(base, 'DELETE', `/proxies/${encodeURIComponent(proxy)}`);
    },
    async reset() {
      await api<unknown>(base, 'POST', '/reset');
    },
    async stop() {
      await proc.stop(2000);
      removeDir(dir);
    },
  };
}

// `npx tsx scripts/servers/toxiproxy.ts build` builds (or checks) the cached binary, e.g. as a CI step before tests.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'build') {
  ensureToxiproxy().then(
    (bin) => console.log(`Toxiproxy ${TOXIPROXY_VERSION}: ${bin}`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
