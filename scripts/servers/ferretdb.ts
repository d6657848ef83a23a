import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestCertificates } from './certs.js';
import { freePort, makeTempDir, startProcess, startRestartable, type RestartableServer } from './process.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The FerretDB release the tests run (it reports MongoDB 7.0 to clients). */
export const FERRETDB_VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';
/** Git-ignored cache of the build, reused across runs. */
export const FERRETDB_CACHE = join(ROOT, '.cache', 'ferretdb');
/** The built binary. */
export const FERRETDB_BIN = join(FERRETDB_CACHE, 'bin', 'ferretdb');

async function builtVersion(): Promise<string | undefined> {
  if (!existsSync(FERRETDB_BIN)) return undefined;
  try {
    const { stdout } = await run(FERRETDB_BIN, ['--version']);
    return /^version: (\S+)/m.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Builds FerretDB into {@link FERRETDB_BIN} unless that binary is already this version.
 *
 * Why not plain `go install ${MODULE}/cmd/ferretdb@${FERRETDB_VERSION}`: the module zip lacks the generated
 * `build/version/version.txt`, and a binary whose main module is FerretDB panics at start without it ("Invalid
 * build/version/version.txt file content"); `go install -overlay` may not replace files in the module cache. So the
 * module is fetched from the Go module proxy with `go mod download`, copied, given its version file, and built with
 * its own go.mod and go.sum. `GO` names the go command. @default 'go'
 */
export async function ensureFerretDb(): Promise<string> {
  if ((await builtVersion()) === FERRETDB_VERSION) return FERRETDB_BIN;
  const go = process.env.GO ?? 'go';
  const env = { ...process.env, GOFLAGS: '-buildvcs=false' };
  const { stdout } = await run(go, ['mod', 'download', '-json', `${MODULE}@${FERRETDB_VERSION}`], { cwd: cacheDir(), env });
  const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!moduleDir) throw new Error(`go mod download gave no directory for ${MODULE}@${FERRETDB_VERSION}`);
  const src = join(FERRETDB_CACHE, `src-${FERRETDB_VERSION}`);
  rmSync(src, { recursive: true, force: true });
  cpSync(moduleDir, src, { recursive: true });
  await run('chmod', ['-R', 'u+w', src]);
  writeFileSync(join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
  mkdirSync(join(FERRETDB_CACHE, 'bin'), { recursive: true });
  const partial = `${FERRETDB_BIN}.${process.pid}.partial`;
  await run(go, ['build', '-buildvcs=false', '-o', partial, './cmd/ferretdb'], { cwd: src, env, maxBuffer: 16 * 1024 * 1024 });
  renameSync(partial, FERRETDB_BIN);
  const version = await builtVersion();
  if (version !== FERRETDB_VERSION) throw new Error(`built FerretDB reports ${version ?? 'nothing'}, expected ${FERRETDB_VERSION}`);
  return FERRETDB_BIN;
}

/** The cache directory, created; `go mod download` runs there because it is outside any Go module. */
function cacheDir(): string {
  mkdirSync(FERRETDB_CACHE, { recursive: true });
  return FERRETDB_CACHE;
}

/** Options of {@link startFerretDb}. */
export interface FerretDbOptions {
  /** Also listen with TLS, with these certificates. */
  readonly tls?: TestCertificates;
  /** Reuse these ports (for restarts). */
  readonly port?: number;
  readonly tlsPort?: number;
}

/** A FerretDB process with the SQLite backend in a temporary directory, on loopback ports. `kill()` keeps the data
 * for `restart()`, which listens on the same ports again. */
export interface FerretDbServer extends RestartableServer {
  readonly port: number;
  /** The TLS listener's port, when started with `tls`. */
  readonly tlsPort?: number;
  /** `mongodb://127.0.0.1:<port>/` */
  readonly url: string;
}

/** Polls with the mongodb driver until a `ping` succeeds. */
async function waitForMongo(port: number, tls: boolean, timeoutMs = 20_000): Promise<void> {
  const { MongoClient } = await import('mongodb');
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, {
      directConnection: true,
      serverSelectionTimeoutMS: 500,
      ...(tls ? { tls: true, tlsAllowInvalidCertificates: true } : {}),
    });
    try {
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await client.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`FerretDB on port ${port} did not answer: ${String(lastError)}`);
}

/** Builds FerretDB if needed, starts it on free loopback ports and waits until both listeners answer. */
export async function startFerretDb(options: FerretDbOptions = {}): Promise<FerretDbServer> {
  const bin = await ensureFerretDb();
  const port = options.port ?? (await freePort());
  const tlsPort = options.tls ? (options.tlsPort ?? (await freePort())) : undefined;
  const dir = makeTempDir('ferretdb');
  mkdirSync(join(dir, 'data'));
  const args = [
    '--handler=sqlite', `--sqlite-url=file:${join(dir, 'data')}/`, `--state-dir=${dir}`,
    `--listen-addr=127.0.0.1:${port}`, '--debug-addr=-', '--telemetry=disable', '--log-level=info',
  ];
  if (options.tls && tlsPort !== undefined) {
    args.push(`--listen-tls=127.0.0.1:${tlsPort}`, `--listen-tls-cert-file=${options.tls.certFile}`,
      `--listen-tls-key-file=${options.tls.keyFile}`);
  }
  const server = await startRestartable(
    dir,
    () => startProcess(bin, args, join(dir, 'server.log')),
    async () => {
      await waitForMongo(port, false);
      if (tlsPort !== undefined) await waitForMongo(tlsPort, true);
    },
  );
  return Object.assign(server, {
    port,
    ...(tlsPort !== undefined ? { tlsPort } : {}),
    url: `mongodb://127.0.0.1:${port}/`,
  });
}

// `npx tsx scripts/servers/ferretdb.ts build` builds (or checks) the cached binary, e.g. as a CI step before tests.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'build') {
  ensureFerretDb().then(
    (bin) => console.log(`FerretDB ${FERRETDB_VERSION}: ${bin}`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
