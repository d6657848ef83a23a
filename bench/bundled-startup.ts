// Bundled cold start: three tiny services that only use Redis, each bundled by the pinned esbuild the way Rate
// Creator builds its services (`--bundle --platform=node`, CommonJS output, client libraries bundled), run with
// `node dist/<name>.js` from a directory with no node_modules. Measured: from spawn to the first GET answered (the
// service prints the reply), over interleaved rounds (the three run back to back, in rotating order), medians.
//   ours      getRedisClient() from @ratecreator/db/redis-do (the packed package, installed by npm)
//   original  the original package's design: one module that imports all five client libraries at load and builds
//             its module-level clients there (Redis connecting at once; Kafka, MongoDB and Algolia built, not
//             connected; Prisma's generated client loaded but not built: see original-db.ts below)
//   raw       ioredis alone
//   ours-external  `ours` bundled with --packages=external, run beside the app's node_modules: client libraries the
//             service never uses are then never read at all
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installToolchain } from '../scripts/toolchains.js';
import { makeTempDir, removeDir } from '../scripts/servers/process.js';
import { startRedis } from '../scripts/servers/redis.js';
import { packedPackage } from '../tests/helpers/packed.js';
import { median, report, round } from './util.js';

const RUNS = Number(process.env.BENCH_BUNDLED_RUNS ?? 41);
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Prints the reply to the first GET with the time since process start, then exits. */
const PRINT = `process.stdout.write(JSON.stringify({ bench: 'bundled', value, readyMs: performance.now() }) + '\\n'); process.exit(0);`;

const SOURCES: Record<string, string> = {
  'ours.ts': `
import { getRedisClient } from '@ratecreator/db/redis-do';
void getRedisClient().get('bench:key').then((value) => { ${PRINT} });
`,
  // What the original package's module-level clients did at import (see ../shared/reference/original-package-api.md).
  'original-db.ts': `
import { Redis } from 'ioredis';
import { Kafka } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { algoliasearch } from 'algoliasearch';
import { PrismaClient } from './generated/prisma';

export const redis = new Redis({ host: process.env.REDIS_HOST, port: Number(process.env.REDIS_PORT) });
export const kafka = new Kafka({ clientId: 'ratecreator', brokers: [process.env.KAFKA_SERVICE_URI ?? '127.0.0.1:9092'] });
export const mongo = new MongoClient(process.env.DATABASE_URL_ONLINE ?? 'mongodb://127.0.0.1:27017/ratecreator');
export const algoliaClient = algoliasearch(process.env.ALGOLIA_APP_ID ?? 'APP', process.env.ALGOLIA_WRITE_API_KEY ?? 'key');
// Loaded, not built: PrismaClient starts loading its query engine when built, and this machine has no engine (the
// original paid that too, so its figure here is a lower bound).
export const Prisma = PrismaClient;
`,
  'original.ts': `
import { redis } from './original-db';
void redis.get('bench:key').then((value) => { ${PRINT} });
`,
  'raw.ts': `
import { Redis } from 'ioredis';
const redis = new Redis({ host: process.env.REDIS_HOST, port: Number(process.env.REDIS_PORT) });
void redis.get('bench:key').then((value) => { ${PRINT} });
`,
};
const SERVICES = ['ours', 'original', 'raw', 'ours-external'] as const;
type Service = (typeof SERVICES)[number];

/** Spawns `node <file>` and resolves when it printed its reply: wall time from spawn, and its own time to that line. */
function coldStart(dir: string, file: string, env: NodeJS.ProcessEnv): Promise<{ wallMs: number; readyMs: number }> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [file], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let result: { wallMs: number; readyMs: number } | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (result) return;
      const line = out.split('\n').find((text) => text.includes('"bench":"bundled"'));
      if (!line) return;
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const parsed = JSON.parse(line) as { value: string | null; readyMs: number };
      if (parsed.value !== 'hello') reject(new Error(`${file}: GET answered ${parsed.value}`));
      result = { wallMs, readyMs: parsed.readyMs };
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(guard);
      if (result && code === 0) resolvePromise(result);
      else reject(new Error(`${file} exited with ${code} before answering\nstdout:\n${out}\nstderr:\n${err}`));
    });
  });
}

const redis = await startRedis();
const app = makeTempDir('bench-bundled-app');
const runDir = makeTempDir('bench-bundled-run');
try {
  execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), 'SET', 'bench:key', 'hello'], { stdio: 'ignore' });
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'bench-bundled', version: '0.0.0', private: true })}\n`);
  for (const [file, text] of Object.entries(SOURCES)) writeFileSync(join(app, file), text);
  // The original package's generated Prisma client (it imported @prisma/client, generated into node_modules).
  cpSync(join(root, 'generated', 'prisma'), join(app, 'generated', 'prisma'), { recursive: true });
  // algoliasearch for the original design (the package itself uses @algolia/client-search), the version tests use.
  const algoliasearch = (JSON.parse(readFileSync(join(root, 'node_modules', 'algoliasearch', 'package.json'), 'utf8')) as { version: string }).version;
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', packedPackage(), `algoliasearch@${algoliasearch}`], {
    cwd: app,
    stdio: 'inherit',
  });
  const esbuild = join(installToolchain('esbuild'), 'node_modules', '.bin', 'esbuild');
  mkdirSync(join(runDir, 'dist'));
  const sizes: Record<string, number> = {};
  const where: Record<Service, string> = { ours: runDir, original: runDir, raw: runDir, 'ours-external': app };
  for (const name of SERVICES) {
    const external = name === 'ours-external';
    const entry = external ? 'ours.ts' : `${name}.ts`;
    execFileSync(esbuild, [entry, '--bundle', '--platform=node', '--format=cjs', `--outfile=dist/${name}.js`, '--log-level=error', ...(external ? ['--packages=external'] : [])], { cwd: app });
    // Bundled services run from a directory without node_modules: the bundle alone must be enough.
    if (!external) copyFileSync(join(app, 'dist', `${name}.js`), join(runDir, 'dist', `${name}.js`));
    sizes[name] = statSync(join(where[name], 'dist', `${name}.js`)).size;
  }

  const env = { PATH: process.env.PATH ?? '', REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redis.port) };
  const samples: Record<Service, Array<{ wallMs: number; readyMs: number }>> = { ours: [], original: [], raw: [], 'ours-external': [] };
  for (let r = 0; r < RUNS + 1; r++) {
    // Rotating order, so that no service always follows the same one; round 0 warms the file cache.
    const order = SERVICES.map((_, i) => SERVICES[(i + r) % SERVICES.length]!);
    for (const name of order) {
      const sample = await coldStart(where[name], `dist/${name}.js`, env);
      if (r > 0) samples[name].push(sample);
    }
  }

  const med = (name: Service, key: 'wallMs' | 'readyMs') => median(samples[name].map((s) => s[key]));
  for (const name of SERVICES) {
    report(`bundled-startup:${name}`, {
      medianWallMs: round(med(name, 'wallMs'), 1),
      medianReadyMs: round(med(name, 'readyMs'), 1),
      bundleKiB: round(sizes[name]! / 1024, 1),
      runs: RUNS,
    });
  }
  const paired = (a: Service, b: Service) => median(samples[a].map((s, i) => s.wallMs - samples[b][i]!.wallMs));
  report('bundled-startup:ratios', {
    oursVsRaw: round(med('ours', 'wallMs') / med('raw', 'wallMs'), 2),
    oursVsOriginal: round(med('ours', 'wallMs') / med('original', 'wallMs'), 2),
    oursExternalVsRaw: round(med('ours-external', 'wallMs') / med('raw', 'wallMs'), 2),
    oursMinusRawMs: round(paired('ours', 'raw'), 1),
    oursMinusOriginalMs: round(paired('ours', 'original'), 1),
  });
} finally {
  await redis.stop();
  removeDir(app);
  removeDir(runDir);
}
