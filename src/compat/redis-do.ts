import 'reflect-metadata';
import type { Redis } from 'ioredis';
import { ConfigError, getDefaultContainer, RedisProvider } from '../index.js';
import { lazyClient } from './lazy-client.js';

/**
 * The shared ioredis client of the default container (built on first call, connected on first command).
 * @throws {ConfigError} when Redis is not configured, or in cluster mode (use `RedisProvider` there).
 */
export function getRedisClient(): Redis {
  const client = getDefaultContainer().resolve(RedisProvider).client;
  if (client.isCluster) {
    throw new ConfigError(
      [{ variable: 'REDIS_MODE', expected: 'standalone or sentinel for @ratecreator/db/redis-do (resolve RedisProvider for cluster mode)' }],
      'getRedisClient() returns a single-node client',
    );
  }
  return client as Redis;
}

/** Closes the shared Redis client (quit, then disconnect if it does not answer). Later calls to `getRedisClient()` throw `DisposedError`. */
export function closeRedisConnection(): Promise<void> {
  return getDefaultContainer().resolve(RedisProvider).dispose();
}

/** The shared client as a value; it resolves the default container on first property access, so importing connects nothing. */
export const redis: Redis = lazyClient(getRedisClient);

export default getRedisClient;
