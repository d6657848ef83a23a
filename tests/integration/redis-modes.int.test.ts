import { afterEach, describe, expect, inject, it } from 'vitest';
import type { DependencyContainer } from 'tsyringe';
import type { Cluster, Redis } from 'ioredis';
import { redisCli } from '../../scripts/servers/redis.js';
import { createDbContainer, disposeWithReport } from '../../src/container.js';
import { RedisProvider } from '../../src/providers/redis.js';
import { captureLogs } from '../helpers/logs.js';
import '../helpers/servers.js';

const servers = inject('servers');
const open: DependencyContainer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.dispose()));
});

function provider(env: Record<string, string>): RedisProvider {
  const c = createDbContainer({ env: { DB_SHUTDOWN_TIMEOUT_MS: '5000', ...env }, logger: captureLogs().logger });
  open.push(c);
  return c.resolve(RedisProvider);
}

async function expectCleanDisposal(): Promise<void> {
  const report = await disposeWithReport(open.pop()!);
  expect(report.providers).toEqual([expect.objectContaining({ provider: 'redis', status: 'closed' })]);
}

describe('Redis Sentinel and Cluster modes', () => {
  it('finds the master through Sentinel and reads from the replica with REDIS_READ_FROM_REPLICAS', async () => {
    const { ports, name, master } = servers.redis.sentinel;
    const redis = provider({
      REDIS_MODE: 'sentinel',
      REDIS_SENTINELS: ports.map((port) => `127.0.0.1:${port}`).join(','),
      REDIS_SENTINEL_NAME: name,
      REDIS_READ_FROM_REPLICAS: 'true',
    });
    await redis.connect();
    const client = redis.client as Redis;
    expect(client.isCluster).toBe(false);
    // Resolved by Sentinel: the connection is to the master's port, and it is the master.
    expect(await client.call('CONFIG', 'GET', 'port')).toEqual(['port', String(master)]);
    expect(await client.call('ROLE')).toEqual(expect.arrayContaining(['master']));
    await client.set('sentinel-key', 'from-master');
    await client.call('WAIT', '1', '2000');
    const replica = redis.readClient as Redis;
    expect(replica).not.toBe(client);
    expect(await replica.get('sentinel-key')).toBe('from-master');
    expect(await replica.call('ROLE')).toEqual(expect.arrayContaining(['slave']));
    expect((await redis.health()).status).toBe('up');
    await expectCleanDisposal();
    expect([client.status, replica.status]).toEqual(['end', 'end']);
  });

  it('writes and reads across the slots of a 3-node cluster', async () => {
    const redis = provider({ REDIS_CLUSTER_NODES: servers.redis.cluster.map((port) => `127.0.0.1:${port}`).join(',') });
    await redis.connect();
    const cluster = redis.client as Cluster;
    expect(cluster.isCluster).toBe(true);
    const keys = Array.from({ length: 30 }, (_, i) => `cluster-key-${i}`);
    await Promise.all(keys.map((key) => cluster.set(key, key.toUpperCase())));
    expect(await Promise.all(keys.map((key) => cluster.get(key)))).toEqual(keys.map((key) => key.toUpperCase()));
    // The keys really are spread: every node owns some of them.
    const counts = await Promise.all(servers.redis.cluster.map((port) => redisCli(port, ['dbsize'])));
    expect(counts.map((count) => Number(count.trim())).every((n) => n > 0)).toBe(true);
    expect((await redis.health()).status).toBe('up');
    await expectCleanDisposal();
    expect(cluster.status).toBe('end');
  });
});
