import net from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { createDbContainer, lastDisposalReport } from '../../../src/container.js';
import { DisposedError } from '../../../src/errors.js';
import { CacheProvider } from '../../../src/providers/cache.js';
import { createLogger } from '../../../src/providers/logger.js';
import { RedisProvider } from '../../../src/providers/redis.js';
import { createTestContainer } from '../../../src/testing/index.js';

// Nothing here dials: Redis points at a closed port and no command is sent.
const ENV = { REDIS_HOST: '127.0.0.1', REDIS_PORT: '9', LOG_LEVEL: 'silent' };
const make = () => createDbContainer({ env: ENV, logger: createLogger({ level: 'silent' }) });

describe('Symbol.asyncDispose (`await using`)', () => {
  it('is the runtime well-known symbol on the container and on every provider', () => {
    expect(typeof Symbol.asyncDispose).toBe('symbol');
    const c = make();
    expect(typeof c[Symbol.asyncDispose]).toBe('function');
    expect(typeof c.resolve(RedisProvider)[Symbol.asyncDispose]).toBe('function');
    expect(typeof c.resolve(CacheProvider)[Symbol.asyncDispose]).toBe('function');
    return c.dispose();
  });

  it('`await using` a container disposes it (phased, with a report) at the end of the block', async () => {
    let outside: ReturnType<typeof make> | undefined;
    let redis: RedisProvider | undefined;
    {
      await using c = make();
      outside = c;
      redis = c.resolve(RedisProvider);
      void redis.client;
      expect(lastDisposalReport(c)).toBeUndefined();
    }
    const report = lastDisposalReport(outside);
    expect(report?.providers.find((row) => row.provider === 'redis')?.status).toBe('closed');
    expect(() => redis!.client).toThrow(DisposedError);
    expect(() => outside!.resolve(RedisProvider)).toThrow(DisposedError);
  });

  it('is the same memoized disposal as dispose(): a later dispose() returns at once, nothing closes twice', async () => {
    const c = make();
    const redis = c.resolve(RedisProvider);
    const quit = vi.spyOn(redis.client, 'disconnect');
    const shutdown = vi.spyOn(redis, 'shutdown');
    {
      await using _ = c;
    }
    const first = lastDisposalReport(c);
    await c.dispose();
    await c[Symbol.asyncDispose]();
    await redis[Symbol.asyncDispose]();
    expect(lastDisposalReport(c)).toBe(first);
    // Every call got the one memoized disposal, and the client was closed once.
    expect(new Set(shutdown.mock.results.map((result) => result.value)).size).toBe(1);
    expect(quit).toHaveBeenCalledTimes(1);
  });

  it('`await using` a provider closes its client only, and the container goes on', async () => {
    await using c = make();
    const before = c.resolve(RedisProvider).client;
    {
      await using redis = c.resolve(RedisProvider);
      expect(redis.client).toBe(before);
    }
    expect(before.status).toBe('end');
    expect(() => c.resolve(RedisProvider).client).toThrow(DisposedError);
    // Another provider of the same container still works.
    expect(c.resolve(CacheProvider).isConfigured).toBe(true);
  });

  it('the disposal runs when the block throws, and the error is the block’s', async () => {
    let c: ReturnType<typeof make> | undefined;
    await expect((async () => {
      await using inner = make();
      c = inner;
      void inner.resolve(RedisProvider).client;
      throw new Error('handler failed');
    })()).rejects.toThrow('handler failed');
    expect(lastDisposalReport(c!)?.ok).toBe(true);
  });

  it('createTestContainer() works with `await using` and its memory-only cache opens no socket', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    let value: number | undefined;
    {
      await using c = createTestContainer();
      value = await c.resolve(CacheProvider).getOrSet({ key: 'k', factory: () => 41 + 1 });
    }
    expect(value).toBe(42);
    expect(connect).not.toHaveBeenCalled();
    connect.mockRestore();
  });
});
