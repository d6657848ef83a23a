// Redis GET/SET throughput through provider.client against raw ioredis (same server, same run), and disposal time.
import 'reflect-metadata';
import { Redis } from 'ioredis';
import { startRedis } from '../scripts/servers/redis.js';
import { createDbContainer, RedisProvider } from '../src/index.js';
import { createLogger } from '../src/providers/logger.js';
import { median, report, round } from './util.js';

const OPS = 20_000;
const CONCURRENCY = 100;
const server = await startRedis();
const logger = createLogger({ level: 'silent' });
const env = { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(server.port) };

async function throughput(client: Pick<Redis, 'set' | 'get'>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < OPS) {
        const i = next++;
        if (i % 2) await client.get(`bench:${i - 1}`);
        else await client.set(`bench:${i}`, 'x'.repeat(64));
      }
    }),
  );
  return OPS / (Number(process.hrtime.bigint() - started) / 1e9);
}

try {
  const container = createDbContainer({ env, logger });
  const provider = container.resolve(RedisProvider);
  await provider.connect();
  const raw = new Redis({ host: '127.0.0.1', port: server.port });
  const samples = { provider: [] as number[], raw: [] as number[] };
  for (let i = 0; i < 7; i++) {
    samples.raw.push(await throughput(raw));
    samples.provider.push(await throughput(provider.client));
  }
  const p = median(samples.provider.slice(1));
  const r = median(samples.raw.slice(1));
  report('redis:get-set', { providerOpsPerSec: Math.round(p), rawOpsPerSec: Math.round(r), ratio: round(p / r, 3) });
  await raw.quit();
  await container.dispose();

  const disposals: number[] = [];
  for (let i = 0; i < 21; i++) {
    const c = createDbContainer({ env, logger });
    const redis = c.resolve(RedisProvider);
    await redis.connect();
    await redis.client.set('k', 'v');
    const started = process.hrtime.bigint();
    await c.dispose();
    disposals.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  report('redis:dispose-connected', { medianMs: round(median(disposals), 2), runs: disposals.length });
} finally {
  await server.stop();
}
