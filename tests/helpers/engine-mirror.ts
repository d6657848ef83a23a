// Prisma's engine download, served from loopback: a stand-in query engine (any bytes; it cannot load) behind the URL
// layout Prisma's downloader asks its mirror for (PRISMA_ENGINES_MIRROR), and the install step that lets the package's
// install script fetch it into a fixture app the way a user's npm would run it.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { makeTempDir, removeDir } from '../../scripts/servers/process.js';
import { currentPlatform, engineFileName, engineVersionOf } from '../../scripts/prisma-engine.mjs';

const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** A running mirror of Prisma's engine downloads with one stand-in engine. */
export interface EngineMirror {
  /** What PRISMA_ENGINES_MIRROR is set to. */
  readonly url: string;
  /** The engine version (commit) of the package's generated client: the one the install asks for. */
  readonly version: string;
  /** This machine's Prisma binary target, e.g. debian-openssl-3.0.x. */
  readonly platform: string;
  /** The name Prisma's runtime looks for: libquery_engine-<platform>.so.node. */
  readonly fileName: string;
  /** The stand-in's bytes (unpacked). */
  readonly engine: Buffer;
  /** Paths of the requests served so far, in order (404s included). */
  readonly requests: string[];
  /**
   * Environment for the install: the mirror, and a Prisma download cache of its own (XDG_CACHE_HOME), so the stand-in
   * never lands in this machine's real cache.
   */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Serves `<url>/all_commits/<version>/<platform>/libquery_engine.so.node.gz` (the gzipped stand-in), its `.gz.sha256`
 * and the unpacked file's `libquery_engine.so.node.sha256`: the three files Prisma 6's downloader fetches
 * (@prisma/fetch-engine: getDownloadUrl, downloadZip). `badChecksum` serves a wrong unpacked checksum.
 */
export async function startEngineMirror(options: { badChecksum?: boolean } = {}): Promise<EngineMirror> {
  const version = engineVersionOf(join(root, 'generated', 'prisma'));
  const platform = await currentPlatform();
  const engine = Buffer.concat([Buffer.from(`stand-in query engine for ${platform}\n`), randomBytes(4096)]);
  const packed = gzipSync(engine);
  const base = `/all_commits/${version}/${platform}/libquery_engine.so.node`;
  const files = new Map<string, Buffer>([
    [`${base}.gz`, packed],
    [`${base}.gz.sha256`, Buffer.from(`${sha256(packed)}  libquery_engine.so.node.gz\n`)],
    [`${base}.sha256`, Buffer.from(`${options.badChecksum ? sha256(Buffer.from('other')) : sha256(engine)}  libquery_engine.so.node\n`)],
  ]);
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://mirror').pathname;
    requests.push(path);
    const body = files.get(path);
    response.writeHead(body ? 200 : 404, { 'content-type': 'application/octet-stream', 'content-length': body?.length ?? 0 });
    response.end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const cache = makeTempDir('prisma-cache');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    version,
    platform,
    fileName: engineFileName(platform),
    engine,
    requests,
    env: { PRISMA_ENGINES_MIRROR: url, XDG_CACHE_HOME: cache },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      removeDir(cache);
    },
  };
}

/**
 * Runs the package's install script in an app where `npm install --ignore-scripts` installed it, as a user's npm runs
 * it once allowed: `allowScripts` in the app's package.json names the package (npm's policy field), and
 * `npm rebuild @ratecreator/db` runs its install scripts (and no other package's). `env` is added to the script's
 * environment (the mirror; PRISMA_QUERY_ENGINE_LIBRARY removed). Returns npm's output.
 */
export async function runInstallScript(app: string, env: Record<string, string>): Promise<string> {
  const manifestPath = join(app, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  manifest.allowScripts = { ...(manifest.allowScripts as object | undefined), '@ratecreator/db': true };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  const { PRISMA_QUERY_ENGINE_LIBRARY: _ignored, ...inherited } = process.env;
  const { stdout, stderr } = await run('npm', ['rebuild', '--foreground-scripts', '--loglevel=error', '@ratecreator/db'], {
    cwd: app,
    env: { ...inherited, ...env },
    timeout: 120_000,
  });
  return stdout + stderr;
}
