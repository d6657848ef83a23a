import net from 'node:net';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { disposeWithReport } from '../../src/container.js';
import { RedisProvider } from '../../src/providers/redis.js';
import { createTestContainer, FakeRedisProvider } from '../../src/testing/index.js';

describe('createTestContainer', () => {
  it('gives an in-memory Redis behind the real token that opens no socket', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const c = createTestContainer();
    const redis = c.resolve(RedisProvider);
    expect(redis).toBeInstanceOf(FakeRedisProvider);
    await redis.connect();
    await redis.client.set('k', 'v');
    expect(await redis.client.get('k')).toBe('v');
    expect(await redis.health()).toMatchObject({ status: 'up' });
    const report = await disposeWithReport(c);
    expect(report.providers).toEqual([expect.objectContaining({ provider: 'redis', status: 'closed' })]);
    expect(connect).not.toHaveBeenCalled();
    connect.mockRestore();
  });

  it('keeps each container’s data apart', async () => {
    const a = createTestContainer();
    const b = createTestContainer();
    await a.resolve(RedisProvider).client.set('shared?', 'a');
    expect(await b.resolve(RedisProvider).client.get('shared?')).toBeNull();
    await Promise.all([a.dispose(), b.dispose()]);
  });

  it('the fake has the provider’s public surface', () => {
    expectTypeOf<FakeRedisProvider>().toMatchTypeOf<Pick<RedisProvider, keyof RedisProvider>>();
  });
});
