// The cache (CacheProvider: bentocache over the RedisProvider's client) against the hand-written pattern it replaces
// (GET, JSON.parse, on a miss load and SET the JSON), same server, same run:
// - hot key, memory tier: provider.getOrSet against raw redis.get + JSON.parse;
// - hot key, Redis tier only: bentocache with its Redis tier alone (no memory tier) against the same raw read;
// - stampede: 1,000 concurrent calls for one cold key with a 20 ms loader: loader runs and p99 latency.
import 'reflect-metadata';
import { Redis } from 'ioredis';
import { BentoCache, bentostore } from 'bentocache';
import { redisDriver } from 'bentocache/drivers/redis';
import { startRedis } from '../scripts/servers/redis.js';
import { CacheProvider, createDbContainer, RedisProvider } from '../src/index.js';
import { createLogger } from '../src/providers/logger.js';
import { median, report, round } from './util.js';

const OPS = 20_000;
const CONCURRENCY = 100;
const ROUNDS = 7;
const VALUE = { id: 'acc_1', platform: 'YOUTUBE', name: 'Creator', rating: 4.6, reviewCount: 1234, tags: ['tech', 'reviews'] };
const server = await startRedis();
const logger = createLogger({ level: 'silent' });
const env = { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(server.port), CACHE_KEY_PREFIX: 'bench' };

async function opsPerSec(read: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < OPS) await read();
  }));
  return OPS / (Number(process.hrtime.bigint() - started) / 1e9);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99) - 1]!;

/** 1,000 concurrent calls of `call` for one cold key: loader runs and latencies. */
async function stampede(call: (load: () => Promise<typeof VALUE>) => Promise<unknown>): Promise<{ runs: number; p99Ms: number }> {
  let runs = 0;
  const load = async () => {
    runs += 1;
    await sleep(20);
    return VALUE;
  };
  const latencies = await Promise.all(Array.from({ length: 1000 }, async () => {
    const started = performance.now();
    await call(load);
    return performance.now() - started;
  }));
  return { runs, p99Ms: round(p99(latencies), 1) };
}

try {
  const container = createDbContainer({ env, logger });
  const cache = container.resolve(CacheProvider);
  await cache.connect();
  const shared = container.resolve(RedisProvider).client;
  const raw = new Redis({ host: '127.0.0.1', port: server.port });
  await raw.set('bench:raw:hot', JSON.stringify(VALUE));
  const l2Only = new BentoCache({ default: 'l2', stores: { l2: bentostore().useL2Layer(redisDriver({ connection: shared })) }, prefix: 'bench-l2', ttl: 3_600_000 });
  const factory = async () => VALUE;
  await cache.getOrSet({ key: 'hot', ttl: 3_600_000, factory });
  await l2Only.getOrSet({ key: 'hot', factory });

  const rawRead = async () => JSON.parse((await raw.get('bench:raw:hot'))!) as typeof VALUE;
  const samples = { raw: [] as number[], memory: [] as number[], redisTier: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    samples.raw.push(await opsPerSec(rawRead));
    samples.memory.push(await opsPerSec(() => cache.getOrSet({ key: 'hot', ttl: 3_600_000, factory })));
    samples.redisTier.push(await opsPerSec(() => l2Only.getOrSet({ key: 'hot', factory })));
  }
  const [r, m, l2] = [samples.raw, samples.memory, samples.redisTier].map((s) => median(s.slice(1)));
  report('cache:hot-memory-tier', { getOrSetOpsPerSec: Math.round(m!), rawGetJsonOpsPerSec: Math.round(r!), ratio: round(m! / r!, 1) });
  report('cache:hot-redis-tier-only', { getOrSetOpsPerSec: Math.round(l2!), rawGetJsonOpsPerSec: Math.round(r!), ratio: round(l2! / r!, 3) });

  let n = 0;
  const handWritten = await stampede(async (load) => {
    const key = `bench:hand:${n}`;
    const hit = await raw.get(key);
    if (hit) return JSON.parse(hit) as typeof VALUE;
    const value = await load();
    await raw.set(key, JSON.stringify(value), 'PX', 60_000);
    return value;
  });
  const cached = await stampede((load) => cache.getOrSet({ key: `cold:${n}`, ttl: 60_000, factory: load }));
  n += 1;
  report('cache:stampede-1000', {
    cacheLoaderRuns: cached.runs, cacheP99Ms: cached.p99Ms, handWrittenLoaderRuns: handWritten.runs, handWrittenP99Ms: handWritten.p99Ms,
  });
  await l2Only.disconnect().catch(() => undefined);
  await raw.quit();
  await container.dispose();
} finally {
  await server.stop();
}
