import { afterEach, describe, expect, it } from 'vitest';
import type { DependencyContainer } from 'tsyringe';
import type { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../scripts/servers/redis.js';
import { createDbContainer, disposeWithReport } from '../../src/container.js';
import { checkHealth } from '../../src/lifecycle/health.js';
import { RedisProvider } from '../../src/providers/redis.js';
import { captureLogs } from '../helpers/logs.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function ownServer(): Promise<RedisServer> {
  const server = await startRedis();
  cleanups.push(() => server.stop());
  return server;
}

function container(port: number, env: Record<string, string> = {}): DependencyContainer {
  const c = createDbContainer({
    env: {
      REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port), REDIS_MAX_RETRIES_PER_REQUEST: '1',
      REDIS_RETRY_INITIAL_DELAY_MS: '50', REDIS_RETRY_MAX_DELAY_MS: '200', ...env,
    },
    logger: captureLogs().logger,
  });
  cleanups.push(() => c.dispose());
  return c;
}

async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Redis outages', () => {
  it('fails commands per maxRetriesPerRequest while Redis is down, recovers when it returns, health follows', async () => {
    const server = await ownServer();
    const redis = container(server.port).resolve(RedisProvider);
    await redis.connect();
    await redis.client.set('k', 'before');
    expect((await redis.health()).status).toBe('up');

    await server.kill();
    await expect(redis.client.get('k')).rejects.toThrow(/max retries per request|Connection is closed|ECONNREFUSED/i);
    const down = await until(() => redis.health({ timeoutMs: 500 }), (h) => h.status === 'down');
    expect(down.status).toBe('down');

    await server.restart();
    const up = await until(() => redis.health({ timeoutMs: 500 }), (h) => h.status === 'up');
    expect(up.status).toBe('up');
    // The restarted server has no data (no persistence); the client works again.
    await redis.client.set('k', 'after');
    expect(await redis.client.get('k')).toBe('after');
  });

  it('with the Redis process frozen, disposal returns within the deadline and reports timed_out', async () => {
    const server = await ownServer();
    const c = container(server.port, { DB_SHUTDOWN_TIMEOUT_MS: '800' });
    const redis = c.resolve(RedisProvider);
    const client = redis.client as Redis;
    await client.set('k', 'v');
    process.kill(server.pid, 'SIGSTOP');
    cleanups.push(async () => process.kill(server.pid, 'SIGCONT'));
    const started = Date.now();
    const report = await disposeWithReport(c);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(800 + 1000); // deadline plus a generous guard
    expect(report.providers).toEqual([expect.objectContaining({ provider: 'redis', status: 'timed_out' })]);
    expect(report.ok).toBe(false);
    // Hard close after the timeout: the socket is destroyed at once, so no handle outlives disposal.
    expect(client.stream.destroyed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 10)); // the close callback runs on the next loop turn
    expect(client.status).toBe('end');
  });

  it('health and checkHealth report down within their timeout while the server is frozen', async () => {
    const server = await ownServer();
    const c = container(server.port);
    const redis = c.resolve(RedisProvider);
    await redis.connect();
    process.kill(server.pid, 'SIGSTOP');
    cleanups.push(async () => process.kill(server.pid, 'SIGCONT'));
    const health = await redis.health({ timeoutMs: 300 });
    expect(health).toMatchObject({ status: 'down', error: 'redis health check timed out after 300 ms' });
    const started = Date.now();
    const all = await checkHealth(c, { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(300 + 1000); // generous guard
    expect(all).toMatchObject({ status: 'down', httpStatus: 503 });
    expect(all.providers.find((p) => p.provider === 'redis')?.status).toBe('down');
  });
});
