import { createRequire } from 'node:module';
import { describe, expect, expectTypeOf, inject, it } from 'vitest';
import type { Redis } from 'ioredis';
import '../helpers/servers.js';

const servers = inject('servers');
const require = createRequire(import.meta.url);

describe('@ratecreator/db/redis-do (original import path)', () => {
  it('imports without connecting or loading ioredis, then serves the shared client from the default container', async () => {
    process.env.REDIS_HOST = '127.0.0.1';
    process.env.REDIS_PORT = String(servers.redis.plain);
    process.env.LOG_LEVEL = 'silent';
    const mod = await import('../../src/compat/redis-do.js');
    const { getDefaultContainer, lastDisposalReport } = await import('../../src/index.js');
    expect(require.cache[require.resolve('ioredis')]).toBeUndefined();

    expectTypeOf(mod.getRedisClient).toEqualTypeOf<() => Redis>();
    expectTypeOf(mod.redis).toEqualTypeOf<Redis>();
    expectTypeOf(mod.closeRedisConnection).toEqualTypeOf<() => Promise<void>>();

    // The default export, as vitest's ES module view of the source gives it (TypeScript types the CommonJS source).
    const client = (mod as unknown as { default: typeof mod.getRedisClient }).default();
    expect(client).toBe(mod.getRedisClient());
    await client.set('compat', 'yes');
    expect(await mod.redis.get('compat')).toBe('yes'); // the lazy value is the same client
    const { Redis: RedisClass } = require('ioredis') as typeof import('ioredis');
    expect(mod.redis).toBeInstanceOf(RedisClass);

    await mod.closeRedisConnection();
    expect(client.status).toBe('end');
    await getDefaultContainer().dispose();
    expect(lastDisposalReport(getDefaultContainer())?.providers).toEqual([
      expect.objectContaining({ provider: 'redis', status: 'closed' }),
    ]);
  });
});
