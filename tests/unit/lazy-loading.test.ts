import { createRequire } from 'node:module';
import net from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { createDbContainer, PROVIDER_CLASSES } from '../../src/container.js';
import { RedisProvider } from '../../src/providers/redis.js';
import { captureLogs } from '../helpers/logs.js';

const require = createRequire(import.meta.url);
const CLIENT_LIBRARIES = ['ioredis', 'kafkajs', 'mongodb', '@algolia/client-search', '@algolia/requester-node-http', '@prisma/client', 'bentocache', '@elastic/elasticsearch', '@elastic/transport', 'undici'];

function loaded(name: string): boolean {
  let path: string;
  try {
    path = require.resolve(name);
  } catch {
    return false;
  }
  return require.cache[path] !== undefined;
}

describe('lazy loading', () => {
  // This file runs in its own worker: nothing else here loads a client library first.
  it('creating a container and resolving every provider opens no socket and loads no client library', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const tcpBefore = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const c = createDbContainer({
      env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: '6390', KAFKA_SERVICE_URI: '127.0.0.1:9092', DATABASE_URL_ONLINE: 'mongodb://127.0.0.1:27017/x', ELASTIC_NODE: 'http://127.0.0.1:9200' },
      logger: captureLogs().logger,
    });
    for (const Provider of PROVIDER_CLASSES) c.resolve<unknown>(Provider);
    await c.dispose();
    expect(connect).not.toHaveBeenCalled();
    expect(process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length).toBe(tcpBefore);
    for (const name of CLIENT_LIBRARIES) expect(loaded(name), `${name} was loaded`).toBe(false);
    // The generated Prisma client loads its runtime from generated/prisma, not through @prisma/client.
    expect(Object.keys(require.cache).filter((key) => key.includes('/generated/prisma/'))).toEqual([]);
    // Nor node:tls or node:https, which only clients that dial need.
    expect(Object.keys(require.cache).filter((key) => /^node:(tls|https)$/.test(key))).toEqual([]);
    connect.mockRestore();
  });

  it('using redis.client loads ioredis, and still opens no socket until the first command', async () => {
    expect(loaded('ioredis')).toBe(false);
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const c = createDbContainer({ env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: '6390' }, logger: captureLogs().logger });
    const client = c.resolve(RedisProvider).client;
    expect(loaded('ioredis')).toBe(true);
    expect(client.status).toBe('wait');
    expect(connect).not.toHaveBeenCalled();
    expect(loaded('kafkajs')).toBe(false);
    await c.dispose();
    connect.mockRestore();
  });
});
