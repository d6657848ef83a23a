import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createDbContainer } from '../../../src/container.js';
import { ConfigError, DisposedError } from '../../../src/errors.js';
import { RedisTierGuard } from '../../../src/providers/cache-guard.js';
import { CacheBusTransport } from '../../../src/providers/cache-bus.js';
import { RedisProvider } from '../../../src/providers/redis.js';
import { captureLogs } from '../../helpers/logs.js';

describe('RedisProvider without configuration', () => {
  it('is registered, reports not_configured, and throws a ConfigError naming the variables on use', async () => {
    const c = createDbContainer({ env: {}, logger: captureLogs().logger });
    const redis = c.resolve(RedisProvider);
    expect(redis.isConfigured).toBe(false);
    expect(await redis.health()).toEqual({ provider: 'redis', status: 'not_configured', latencyMs: 0 });
    expect(() => redis.client).toThrow(ConfigError);
    expect(() => redis.client).toThrow(/Redis is not configured:\n {2}- REDIS_URL or REDIS_HOST/);
    await expect(redis.connect()).rejects.toBeInstanceOf(ConfigError);
    await c.dispose();
  });

  it('logs a warning when TLS verification is switched off', async () => {
    const logs = captureLogs();
    const c = createDbContainer({ env: { REDIS_HOST: 'cache.internal', REDIS_TLS_REJECT_UNAUTHORIZED: 'false' }, logger: logs.logger });
    expect(logs.lines.some((line) => line.includes('"level":40') && line.includes('NOT verified'))).toBe(true);
    await c.dispose();
  });

  it('resolves to the same instance every time, one per container', async () => {
    const env = { REDIS_HOST: '127.0.0.1' };
    const a = createDbContainer({ env, logger: captureLogs().logger });
    const b = createDbContainer({ env, logger: captureLogs().logger });
    expect(a.resolve(RedisProvider)).toBe(a.resolve(RedisProvider));
    expect(a.resolve(RedisProvider)).not.toBe(b.resolve(RedisProvider));
    await Promise.all([a.dispose(), b.dispose()]);
  });
});

describe('RedisProvider after disposal', () => {
  it('refuses connect() and readClient with a DisposedError instead of dialling again', async () => {
    const c = createDbContainer({ env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: '1' }, logger: captureLogs().logger });
    const redis = c.resolve(RedisProvider);
    void redis.client; // built, never connected
    await c.dispose();
    await expect(redis.connect()).rejects.toBeInstanceOf(DisposedError);
    expect(() => redis.readClient).toThrow(DisposedError);
  });
});

describe('RedisProvider in Sentinel mode', () => {
  it('hands ioredis the failover detector setting (on by default), without connecting', async () => {
    const env = { REDIS_SENTINELS: '127.0.0.1:1', REDIS_SENTINEL_NAME: 'main' };
    for (const [value, expected] of [[undefined, true], ['false', false]] as const) {
      const c = createDbContainer({ env: { ...env, ...(value ? { REDIS_SENTINEL_FAILOVER_DETECTOR: value } : {}) }, logger: captureLogs().logger });
      const client = c.resolve(RedisProvider).client as Redis;
      expect(client.options).toMatchObject({ failoverDetector: expected, name: 'main' });
      expect(client.status).toBe('wait');
      await c.dispose();
    }
  });
});

describe('RedisProvider Sentinel failover detector', () => {
  it('each Sentinel connection (the provider\'s and the cache bus\'s) closes its detector when the connection closes', async () => {
    // ioredis keeps a lost connection's detector subscribed; its announcement of the promotion then aborts the
    // reconnection and ends the client for good (tests/integration/redis-failover.int.test.ts reproduces it).
    const c = createDbContainer({ env: { REDIS_SENTINELS: '127.0.0.1:1', REDIS_SENTINEL_NAME: 'main' }, logger: captureLogs().logger });
    const client = c.resolve(RedisProvider).client as Redis;
    const duplicates: Redis[] = [];
    const duplicate = client.duplicate.bind(client);
    client.duplicate = (...args: Parameters<Redis['duplicate']>) => {
      const copy = duplicate(...args);
      duplicates.push(copy);
      return copy;
    };
    new CacheBusTransport(client, 'test', captureLogs().logger, new RedisTierGuard(1000));
    expect(duplicates).toHaveLength(2);
    for (const connection of [client, ...duplicates]) {
      let cleaned = 0;
      (connection as unknown as { connector: { failoverDetector: unknown } }).connector.failoverDetector = { cleanup: () => cleaned++ };
      connection.emit('close');
      expect(cleaned).toBe(1);
    }
    await c.dispose();
  });
});

describe('RedisProvider socket errors', () => {
  it('a socket that emits more errors than ioredis listens for (a TLS alert after a reset) does not crash the process', async () => {
    const { freePort } = await import('../../../scripts/servers/process.js');
    const port = await freePort(); // nothing listens: the connection fails
    const c = createDbContainer({ env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port), REDIS_RETRY_RETRIES: '0' }, logger: captureLogs().logger });
    const client = c.resolve(RedisProvider).client as Redis;
    const failed = new Promise((resolve) => client.once('error', resolve));
    void client.connect().catch(() => undefined);
    await failed;
    // ioredis' own listeners were `once`: without the provider's guard, these would throw "Unhandled 'error' event".
    const stream = client.stream;
    expect(() => {
      stream.emit('error', new Error('late TLS alert'));
      stream.emit('error', new Error('another'));
    }).not.toThrow();
    await c.dispose();
  });
});
