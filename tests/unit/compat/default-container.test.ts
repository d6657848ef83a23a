import { afterEach, describe, expect, it } from 'vitest';
import { createDbContainer, getDefaultContainer, RedisProvider, setDefaultContainer } from '../../../src/index.js';
import { getRedisClient } from '../../../src/compat/redis-do.js';

describe('setDefaultContainer', () => {
  afterEach(async () => {
    await getDefaultContainer().dispose();
    setDefaultContainer(undefined);
  });

  it('points the original import paths at a container of the caller, and undefined goes back to a fresh default', async () => {
    const own = createDbContainer({ env: { REDIS_HOST: '127.0.0.1', LOG_LEVEL: 'silent' } });
    setDefaultContainer(own);
    expect(getDefaultContainer()).toBe(own);
    expect(getRedisClient()).toBe(own.resolve(RedisProvider).client);

    setDefaultContainer(undefined);
    const fresh = getDefaultContainer();
    expect(fresh).not.toBe(own);
    expect(getDefaultContainer()).toBe(fresh);
    // The replaced container is the caller's to dispose: still usable here.
    expect(own.resolve(RedisProvider).isBuilt).toBe(true);
    await own.dispose();
  });
});
