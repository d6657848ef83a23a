// Soak (issue 12, scenario 5): the reviews service of examples/ runs on all five providers against local servers for
// SOAK_SECONDS (default 60) at SOAK_RATE reviews per second (default 25), and the process is sampled every second
// after a full GC: heap and RSS slope (MB per minute, least squares over the samples after the warm-up), active
// handles by type, sockets, and listener counts on process and on the clients it can reach. Prisma has no query
// engine on these machines: its client is built, health-checked (down) and queried (a ProviderError) every 5 s, so
// only its lifecycle soaks. The local Algolia server runs in a child process so that its in-memory index is not
// counted. JSON lines on stdout (bench/run.ts), a Markdown table on stderr; exit 1 when the run itself failed.
import 'reflect-metadata';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { EventEmitter } from 'node:events';
import { RatingCache } from '../examples/reviews-service/rating-cache.js';
import { REVIEW_CREATED_TOPIC, type ReviewInput } from '../examples/reviews-service/review.js';
import { ReviewEvents } from '../examples/reviews-service/review-events.js';
import { ReviewIndexer } from '../examples/reviews-service/review-indexer.js';
import { ReviewService } from '../examples/reviews-service/review-service.js';
import { ReviewStore } from '../examples/reviews-service/review-store.js';
import { makeTestCertificates } from '../scripts/servers/certs.js';
import { startFerretDb } from '../scripts/servers/ferretdb.js';
import { startKafka } from '../scripts/servers/kafka.js';
import { makeTempDir, removeDir } from '../scripts/servers/process.js';
import { startRedis } from '../scripts/servers/redis.js';
import {
  checkHealth,
  createDbContainer,
  createLogger,
  disposeWithReport,
  installShutdownHooks,
  KafkaProvider,
  MongoProvider,
  PrismaProvider,
  ProviderError,
  RedisProvider,
} from '../src/index.js';
import { startAlgoliaChild } from './algolia-child.js';
import { report, round } from './util.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const RATE = Number(process.env.SOAK_RATE ?? 25);
const WARMUP_S = Number(process.env.SOAK_WARMUP_SECONDS ?? Math.min(60, SECONDS / 4));
/** Writers in parallel: enough to hold the rate while one review takes its ~5 round trips. */
const WRITERS = 16;
const ACCOUNTS = Array.from({ length: 20 }, (_, i) => `65a1f0c2a1b2c3d4e5f6${(0x1000 + i).toString(16)}`);


/** ESTABLISHED TCP connections of this process (not its server children) by remote port. */
function connectionsByPort(): Map<number, number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  const byPort = new Map<number, number>([[-1, inodes.size]]); // -1: every socket fd
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const [, , remote, state, , , , , , inode] = line.trim().split(/\s+/);
      if (state !== '01' || !inode || !inodes.has(inode)) continue;
      const port = parseInt(remote!.split(':')[1]!, 16);
      byPort.set(port, (byPort.get(port) ?? 0) + 1);
    }
  }
  return byPort;
}

const listenerTotal = (emitter: EventEmitter) => emitter.eventNames().reduce((sum, name) => sum + emitter.listenerCount(name), 0);

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function soak(): Promise<boolean> {
  if (!(SECONDS > 0) || !(RATE > 0) || !(WARMUP_S >= 0 && WARMUP_S < SECONDS)) {
    throw new Error('SOAK_SECONDS and SOAK_RATE must be positive, SOAK_WARMUP_SECONDS below SOAK_SECONDS');
  }
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const certDir = makeTempDir('soak-certs');
  const started = await Promise.allSettled([
    startRedis(),
    startKafka({ certs: makeTestCertificates(certDir), user: { name: 'soak', password: `soak-${Date.now()}` }, heap: '384m' }),
    startFerretDb(),
    startAlgoliaChild(),
  ] as const);
  const stopAll = () => Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined))).finally(() => removeDir(certDir));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const [redis, kafka, ferret, algolia] = started.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof startRedis>>, Awaited<ReturnType<typeof startKafka>>,
    Awaited<ReturnType<typeof startFerretDb>>, Awaited<ReturnType<typeof startAlgoliaChild>>,
  ];
  const ports = { redis: redis.port, kafka: kafka.ports.plaintext, mongodb: ferret.port, algolia: algolia.port };
  const env = {
    REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redis.port),
    KAFKA_SERVICE_URI: `127.0.0.1:${kafka.ports.plaintext}`, KAFKA_CLIENT_ID: 'soak',
    MONGODB_URL: `${ferret.url}ratecreator_soak`, DATABASE_URL_ONLINE: `${ferret.url}ratecreator_soak`,
    ALGOLIA_APP_ID: algolia.appId, ALGOLIA_WRITE_API_KEY: algolia.writeApiKey, ALGOLIA_SEARCH_API_KEY: algolia.searchApiKey, ALGOLIA_HOSTS: algolia.url,
  };
  const warnings: string[] = [];
  const onWarning = (warning: Error) => void warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  // Package log lines at warn and above are counted by provider; all but Prisma's (one per query: no engine) go to stderr.
  const logLines = new Map<string, number>();
  const destination = {
    write(line: string) {
      const { provider = 'package', level } = JSON.parse(line) as { provider?: string; level: number };
      const key = `${provider}:${level >= 50 ? 'error' : 'warn'}`;
      logLines.set(key, (logLines.get(key) ?? 0) + 1);
      if (provider !== 'prisma') process.stderr.write(line);
    },
  };
  const container = createDbContainer({ env, logger: createLogger({ level: 'warn', destination }) });
  const removeHooks = installShutdownHooks(container, { signals: ['SIGTERM'] }); // as a service would
  let t0 = performance.now();
  const at = () => round((performance.now() - t0) / 1000, 1);
  /**
   * Failed operations by kind: count, first and last time (s), first message. Figures, not a verdict: timeouts on an
   * overloaded machine land here.
   */
  const errors = new Map<string, { count: number; first: number; last: number; message: string }>();
  const fail = (what: string) => (error: unknown) => {
    const key = `${what}: ${error instanceof ProviderError ? `ProviderError [${error.provider}]` : error instanceof Error ? error.name : 'non-error'}`;
    const entry = errors.get(key) ?? { count: 0, first: at(), last: 0, message: (error instanceof Error ? error.message : String(error)).slice(0, 160) };
    errors.set(key, { ...entry, count: entry.count + 1, last: at() });
  };
  const counts = { created: 0, consumed: 0, reads: 0, searches: 0, health: 0, healthAsExpected: 0, prismaQueries: 0, prismaProviderErrors: 0, prismaHealthDown: 0 };
  type Sample = { t: number; heap: number; rss: number; handles: Record<string, number>; sockets: Map<number, number>; listeners: Record<string, number> };
  const samples: Sample[] = [];
  let ok = true;
  try {
    await container.resolve(ReviewEvents).ensureTopic();
    const consumer = container.resolve(KafkaProvider).consumer('soak', { maxWaitTimeInMs: 1000 });
    await consumer.connect();
    await consumer.subscribe({ topic: REVIEW_CREATED_TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async () => void counts.consumed++ });
    const service = container.resolve(ReviewService);
    const store = container.resolve(ReviewStore);
    const ratings = container.resolve(RatingCache);
    const indexer = container.resolve(ReviewIndexer);
    const prisma = container.resolve(PrismaProvider);
    const redisClient = container.resolve(RedisProvider).client as unknown as EventEmitter;
    const mongoClient = container.resolve(MongoProvider).client as unknown as EventEmitter;

    t0 = performance.now();
    const deadline = setTimeout(() => stop.abort(), SECONDS * 1000);
    let issued = 0;
    const writer = async () => {
      while (!stop.signal.aborted) {
        const n = issued++;
        const wait = t0 + (n * 1000) / RATE - performance.now();
        if (wait > 0) await sleep(wait);
        if (stop.signal.aborted) break;
        const input: ReviewInput = {
          accountId: ACCOUNTS[n % ACCOUNTS.length]!,
          authorId: ACCOUNTS[(n * 7) % ACCOUNTS.length]!,
          platform: 'YOUTUBE',
          stars: (n % 5) + 1,
          title: `soak review ${n}`,
          content: 'soak',
        };
        const created = await service.createReview(input).catch(fail('createReview'));
        if (!created) continue;
        counts.created++;
        await Promise.all([store.findById(created.review.id), ratings.get(input.accountId)]).then(() => void (counts.reads += 2), fail('read'));
        if (n % 25 === 0) await indexer.search('soak').then(() => void counts.searches++, fail('search'));
      }
    };
    const periodic = async () => {
      while (!stop.signal.aborted) {
        const health = await checkHealth(container, { timeoutMs: 2000 });
        counts.health++;
        const down = health.providers.filter((p) => p.status === 'down').map((p) => p.provider);
        // Prisma is down (no engine) once its client was built, not_initialized before; every other provider is up.
        if (down.every((name) => name === 'prisma')) counts.healthAsExpected++;
        else fail('health')(new Error(`down: ${down.join(',')}`));
        if (down.includes('prisma')) counts.prismaHealthDown++;
        counts.prismaQueries++;
        await prisma.client.review.count().then(
          () => fail('prisma')(new Error('a query succeeded without an engine')),
          (error: unknown) => (error instanceof ProviderError && error.provider === 'prisma' ? void counts.prismaProviderErrors++ : fail('prisma')(error)),
        );
        await sleep(5000, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    };
    const sampler = async () => {
      while (!stop.signal.aborted) {
        gc();
        const memory = process.memoryUsage();
        const handles: Record<string, number> = {};
        for (const type of process.getActiveResourcesInfo()) handles[type] = (handles[type] ?? 0) + 1;
        samples.push({
          t: (performance.now() - t0) / 1000,
          heap: memory.heapUsed / 2 ** 20,
          rss: memory.rss / 2 ** 20,
          handles,
          sockets: connectionsByPort(),
          listeners: { process: listenerTotal(process), ioredis: listenerTotal(redisClient), mongoClient: listenerTotal(mongoClient) },
        });
        await sleep(1000, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    };
    await Promise.all([...Array.from({ length: WRITERS }, writer), periodic(), sampler()]);
    clearTimeout(deadline);
    const elapsed = (performance.now() - t0) / 1000;
    // Every acknowledged review.created reaches the consumer.
    for (let i = 0; i < 150 && counts.consumed < counts.created; i++) await sleep(100);

    const after = samples.filter((s) => s.t >= WARMUP_S);
    if (after.length < 3) throw new Error(`only ${after.length} samples after the warm-up: run longer`);
    const x = after.map((s) => s.t / 60);
    const first = after[0]!;
    const last = after[after.length - 1]!;
    const total = (h: Record<string, number>) => Object.values(h).reduce((a, b) => a + b, 0);
    const rows: Array<[string, (s: Sample) => number]> = [
      ['heap used after GC (MB)', (s) => s.heap],
      ['RSS (MB)', (s) => s.rss],
      ['active handles (all types)', (s) => total(s.handles)],
      ['socket fds', (s) => s.sockets.get(-1) ?? 0],
      ...Object.entries(ports).map(([name, port]): [string, (s: Sample) => number] => [`TCP connections to ${name}`, (s) => s.sockets.get(port) ?? 0]),
      ['listeners on process', (s) => s.listeners.process!],
      ['listeners on the ioredis client', (s) => s.listeners.ioredis!],
      ['listeners on the MongoClient', (s) => s.listeners.mongoClient!],
    ];
    const table = ['| measure | after warm-up | at end | max | slope per minute |', '|---|---|---|---|---|'];
    for (const [name, get] of rows) {
      const ys = after.map(get);
      const figures = { first: round(get(first), 1), last: round(get(last), 1), max: round(Math.max(...ys), 1), slopePerMin: round(slope(x, ys), 3) };
      table.push(`| ${name} | ${figures.first} | ${figures.last} | ${figures.max} | ${figures.slopePerMin} |`);
      report(`soak:${name.replace(/ \(.*\)$/, '').replace(/\W+/g, '-')}`, figures);
    }
    const handleTypes = (h: Record<string, number>) => Object.entries(h).sort().map(([k, v]) => `${k}=${v}`).join(' ');
    report('soak:handles-by-type', { afterWarmup: handleTypes(first.handles), atEnd: handleTypes(last.handles) });
    report('soak:load', {
      seconds: round(elapsed, 1), warmupSeconds: WARMUP_S, samplesAfterWarmup: after.length, targetPerSec: RATE,
      reviewsPerSec: round(counts.created / elapsed, 1), ...counts, errors: [...errors].map(([k, e]) => `${k} x${e.count} (${e.first}-${e.last} s; first: ${e.message})`).join('; ') || 'none',
      maxListenersWarnings: warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')).length,
      logLinesWarnOrWorse: [...logLines].map(([k, v]) => `${k} x${v}`).join('; ') || 'none',
    });
    report('soak:prisma', {
      note: 'no Prisma query engine on this machine: lifecycle only (client built, health down, each query a ProviderError [prisma], disposal)',
      queries: counts.prismaQueries, providerErrors: counts.prismaProviderErrors, healthDown: counts.prismaHealthDown,
    });
    report('soak:kafka-and-algolia-listeners', { note: 'not reachable: kafkajs and the Algolia requester keep their emitters and agents private; their TCP connections are counted instead' });
    process.stderr.write(`\nsoak: ${round(elapsed, 0)} s at ${RATE} reviews/s target (${round(counts.created / elapsed, 1)} done), ` +
      `sampled every 1 s after a full GC, slopes over the ${after.length} samples after a ${WARMUP_S} s warm-up\n${table.join('\n')}\n\n`);
    // The run fails only for what no load excuses: an acknowledged event never consumed, a Prisma failure that is not a
    // ProviderError, a MaxListenersExceededWarning, or (below) an unclean disposal.
    ok = counts.consumed >= counts.created && counts.prismaProviderErrors === counts.prismaQueries && warnings.length === 0;
    if (!ok) process.stderr.write(`soak FAILED: consumed ${counts.consumed} of ${counts.created}, prisma ${counts.prismaProviderErrors} ProviderErrors of ${counts.prismaQueries}, warnings ${JSON.stringify(warnings)}\n`);
  } finally {
    removeHooks();
    const disposal = await disposeWithReport(container);
    report('soak:disposal', { ok: String(disposal.ok), ms: disposal.ms, statuses: disposal.providers.map((p) => `${p.provider}:${p.status}`).join(' ') });
    ok &&= disposal.ok;
    process.off('warning', onWarning);
    process.off('SIGINT', onSigint);
    await stopAll();
  }
  return ok;
}

process.exitCode = (await soak()) ? 0 : 1;
