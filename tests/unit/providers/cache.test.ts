import { createRequire } from 'node:module';
import net from 'node:net';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createDbContainer, disposeWithReport } from '../../../src/container.js';
import { ConfigError, ProviderError } from '../../../src/errors.js';
import { checkHealth } from '../../../src/lifecycle/health.js';
import { CacheProvider } from '../../../src/providers/cache.js';
import { CACHE_LOG, CacheLogBridge } from '../../../src/providers/cache-logs.js';
import { RedisProvider } from '../../../src/providers/redis.js';
import { createTestContainer, FakeCacheProvider } from '../../../src/testing/index.js';
import { captureLogs } from '../../helpers/logs.js';

const require = createRequire(import.meta.url);
const bentoLoaded = () => Object.keys(require.cache).some((path) => path.includes('/node_modules/bentocache/'));

/** Log lines (parsed) whose message is `msg`. */
function linesWith(lines: string[], msg: string): Array<Record<string, unknown>> {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === msg);
}

describe('CacheProvider without a server', () => {
  // This file runs in its own worker: nothing else here loads bentocache first.
  it('resolving it loads no bentocache and opens nothing; reading client loads bentocache and still dials nothing', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const c = createDbContainer({ env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: '9' }, logger: captureLogs().logger });
    const cache = c.resolve(CacheProvider);
    expect(bentoLoaded()).toBe(false);
    expect(await cache.health()).toEqual({ provider: 'cache', status: 'not_initialized', latencyMs: 0 });
    void cache.client;
    expect(bentoLoaded()).toBe(true);
    // The Redis tier is the RedisProvider's own client (one connection), still not connected.
    expect(c.resolve(RedisProvider).isBuilt).toBe(true);
    expect(c.resolve(RedisProvider).client.status).toBe('wait');
    expect(await cache.health()).toMatchObject({ status: 'not_initialized' });
    expect(connect).not.toHaveBeenCalled();
    const report = await disposeWithReport(c);
    // The cache drains in its own phase, before the Redis connection it writes through closes.
    const order = report.providers.filter((row) => row.status !== 'not_initialized').map((row) => `${row.phase}:${row.provider}`);
    expect(order).toEqual(['cache:cache', 'stores:redis']);
    expect(connect).not.toHaveBeenCalled();
    connect.mockRestore();
  });

  it('without Redis it is not_configured, and its client is a ConfigError naming the variables to set', async () => {
    const c = createDbContainer({ env: {}, logger: captureLogs().logger });
    const cache = c.resolve(CacheProvider);
    expect(cache.isConfigured).toBe(false);
    expect(await cache.health()).toEqual({ provider: 'cache', status: 'not_configured', latencyMs: 0 });
    expect(() => cache.client).toThrow(ConfigError);
    expect(() => cache.client).toThrow(/REDIS_URL or REDIS_HOST/);
    expect((await checkHealth(c)).providers.at(-1)).toEqual({ provider: 'cache', status: 'not_configured', latencyMs: 0 });
    await c.dispose();
  });

  it('a real CacheProvider over a fake RedisProvider refuses (bentocache would dial a socket of its own)', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const c = createTestContainer({ allowReal: [CacheProvider], env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: '9' } });
    const cache = c.resolve(CacheProvider);
    expect(cache).toBeInstanceOf(CacheProvider);
    expect(() => cache.client).toThrow(ProviderError);
    expect(() => cache.client).toThrow(/does not hand out an ioredis client/);
    expect(connect).not.toHaveBeenCalled();
    await c.dispose();
    connect.mockRestore();
  });
});

describe('FakeCacheProvider (createTestContainer)', () => {
  it('has the provider’s public surface', () => {
    expectTypeOf<FakeCacheProvider>().toMatchTypeOf<Pick<CacheProvider, keyof CacheProvider>>();
  });

  it('is memory-only bentocache: one factory run for 1,000 concurrent misses, tags invalidate, no socket', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    await using c = createTestContainer();
    const cache = c.resolve(CacheProvider);
    expect(cache).toBeInstanceOf(FakeCacheProvider);
    let runs = 0;
    const factory = async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { id: 'acc-1', rating: 4.5 };
    };
    const values = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrSet({ key: 'account:1', ttl: 60_000, tags: ['account'], factory })));
    expect(runs).toBe(1);
    expect(new Set(values.map((value) => value.rating))).toEqual(new Set([4.5]));
    await cache.client.deleteByTag({ tags: ['account'] });
    await cache.getOrSet({ key: 'account:1', ttl: 60_000, tags: ['account'], factory });
    expect(runs).toBe(2);
    expect((await checkHealth(c)).providers.at(-1)).toMatchObject({ provider: 'cache', status: 'up' });
    expect(connect).not.toHaveBeenCalled();
    connect.mockRestore();
  });
});

describe('CacheLogBridge: one line per episode, not per read', () => {
  it('a Redis tier outage is one warning however many operations fail, and its end one info line', () => {
    const logs = captureLogs();
    const bridge = new CacheLogBridge(logs.logger);
    const bento = bridge.bentoLogger().child({ cache: 'cache' }).child({ layer: 'l2' });
    for (let i = 0; i < 100; i += 1) bento.error({ err: new Error('Connection is closed.'), opId: String(i) }, '(get) failed on remote cache');
    for (let i = 0; i < 100; i += 1) bento.error({ opId: String(i) }, 'circuit breaker is open. ignoring operation');
    expect(linesWith(logs.lines, CACHE_LOG.tierDown)).toEqual([expect.objectContaining({ level: 40, error: 'Connection is closed.' })]);
    expect(logs.lines.filter((line) => JSON.parse(line).level >= 40)).toHaveLength(1);
    bridge.tierReady();
    bridge.tierReady();
    expect(linesWith(logs.lines, CACHE_LOG.tierBack)).toHaveLength(1);
    bento.error({}, '(set) failed on remote cache');
    expect(linesWith(logs.lines, CACHE_LOG.tierDown)).toHaveLength(2);
  });

  it('stale reads: one warning while Redis or the factory fails, none for ordinary stale-while-revalidate', () => {
    const logs = captureLogs();
    const bridge = new CacheLogBridge(logs.logger);
    const bento = bridge.bentoLogger();
    for (let i = 0; i < 10; i += 1) bridge.staleRead('k');
    expect(linesWith(logs.lines, CACHE_LOG.stale)).toHaveLength(0);
    bento.warn({ key: 'k' }, 'factory failed');
    for (let i = 0; i < 50; i += 1) bridge.staleRead('k');
    expect(linesWith(logs.lines, CACHE_LOG.stale)).toEqual([expect.objectContaining({ level: 40, key: 'k', staleReads: 1 })]);
  });

  it('bentocache’s per-call info lines go to debug', () => {
    const logs = captureLogs();
    new CacheLogBridge(logs.logger).bentoLogger().info({ key: 'k' }, 'factory success');
    expect(linesWith(logs.lines, 'factory success')).toEqual([expect.objectContaining({ level: 20 })]);
  });
});

describe('CacheLogBridge: factory failures', () => {
  it('interleaved failures and successes of many keys: one warning a minute, with the count since the last one', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const logs = captureLogs();
      const bento = new CacheLogBridge(logs.logger).bentoLogger();
      for (let i = 0; i < 40; i += 1) {
        bento.warn({ key: `failing:${i}`, err: new Error('database unreachable') }, 'factory failed');
        bento.info({ key: `cold:${i}` }, 'factory success');
      }
      const warned = () => linesWith(logs.lines, 'factory failed').filter((line) => line.level === 40);
      expect(warned()).toEqual([expect.objectContaining({ failures: 1, key: 'failing:0' })]);
      expect(linesWith(logs.lines, 'factory failed')).toHaveLength(40);
      vi.setSystemTime(Date.now() + 61_000);
      bento.warn({ key: 'failing:x' }, 'factory failed');
      expect(warned()).toHaveLength(2);
      expect(warned()[1]).toMatchObject({ failures: 40, key: 'failing:x' });
    } finally {
      vi.useRealTimers();
    }
  });
});
