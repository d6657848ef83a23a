import { createServer, type Server } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { mockDeep } from 'vitest-mock-extended';
import { getRedisClient } from '../../src/compat/redis-do.js';
import { disposeWithReport } from '../../src/container.js';
import { ConfigError } from '../../src/errors.js';
import { checkHealth } from '../../src/lifecycle/health.js';
import { AlgoliaProvider } from '../../src/providers/algolia.js';
import { ElasticsearchProvider } from '../../src/providers/elasticsearch.js';
import { KafkaProvider } from '../../src/providers/kafka.js';
import { MongoProvider } from '../../src/providers/mongo.js';
import { PrismaProvider, type RateCreatorPrismaClient } from '../../src/providers/prisma.js';
import { RedisProvider } from '../../src/providers/redis.js';
import {
  createTestContainer,
  FakeAlgoliaProvider,
  FakeElasticsearchProvider,
  FakeKafkaProvider,
  FakeMongoProvider,
  FakePrismaProvider,
  FakeRedisProvider,
} from '../../src/testing/index.js';

describe('createTestContainer', () => {
  let server: Server;
  let connections = 0;
  let port = 0;
  beforeAll(async () => {
    // A server that counts connections: every provider's environment points at it, and nothing may dial it.
    server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('with no overrides never opens a socket, even with every provider configured in the environment', async () => {
    const target = `127.0.0.1:${port}`;
    process.env.REDIS_URL = `redis://${target}`;
    process.env.KAFKA_SERVICE_URI = target;
    process.env.MONGODB_URL = `mongodb://${target}/db`;
    process.env.DATABASE_URL_ONLINE = `mongodb://${target}/db`;
    process.env.ALGOLIA_HOSTS = `http://${target}`;
    process.env.ELASTIC_NODE = `http://${target}`;
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const c = createTestContainer();

    const redis = c.resolve(RedisProvider);
    await redis.connect();
    await redis.client.set('k', 'v');
    expect(await redis.client.get('k')).toBe('v');

    const kafka = c.resolve(KafkaProvider);
    const received: string[] = [];
    const consumer = kafka.consumer('reviews');
    await consumer.subscribe({ topic: 'review.created', fromBeginning: true });
    await kafka.producer().send({ topic: 'review.created', messages: [{ value: 'first' }] });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(String(message.value)) });
    await kafka.producer().send({ topic: 'review.created', messages: [{ key: 'k', value: 'second' }] });
    await vi.waitFor(() => expect(received).toEqual(['first', 'second']));

    const reviews = c.resolve(MongoProvider).db('ratecreator').collection<{ _id?: unknown; accountId: string; stars: number }>('reviews');
    await reviews.insertMany([{ accountId: 'a', stars: 5 }, { accountId: 'a', stars: 3 }, { accountId: 'b', stars: 1 }]);
    await reviews.updateOne({ accountId: 'b' }, { $inc: { stars: 1 } });
    expect(await reviews.countDocuments({ accountId: 'a', stars: { $gte: 4 } })).toBe(1);
    expect((await reviews.find({}).sort({ stars: -1 }).toArray()).map((r) => r.stars)).toEqual([5, 3, 2]);

    const algolia = c.resolve(AlgoliaProvider);
    await algolia.client.saveObject({ indexName: 'reviews', body: { objectID: 'r1', text: 'great creator', stars: 5 } });
    const found = await algolia.searchClient.searchSingleIndex({ indexName: 'reviews', searchParams: { query: 'great' } });
    expect(found.hits.map((hit) => hit.objectID)).toEqual(['r1']);

    // Elasticsearch is in memory and fail-closed: the subpath's calls answer, anything else is refused in process, naming allowReal.
    const elastic = c.resolve(ElasticsearchProvider);
    await elastic.connect();
    expect((await elastic.client.cluster.health()).status).toBe('green');
    await elastic.client.index({ index: 'accounts', id: 'a1', document: { name: 'great creator' } });
    expect((await elastic.client.search({ index: 'accounts', query: { match_all: {} } })).hits.hits.map((hit) => hit._id)).toEqual(['a1']);
    await expect(elastic.client.indices.delete({ index: 'accounts' })).rejects.toThrow(/fake_not_implemented.*allowReal/);

    expect((await checkHealth(c)).providers.map((p) => `${p.provider}:${p.status}`)).toEqual([
      'redis:up', 'kafka:up', 'prisma:not_configured', 'mongodb:up', 'algolia:up', 'elasticsearch:up', 'cache:not_initialized',
    ]);
    const report = await disposeWithReport(c);
    expect(report.ok).toBe(true);
    expect(connect).not.toHaveBeenCalled();
    expect(connections).toBe(0);
    connect.mockRestore();
    for (const name of ['REDIS_URL', 'KAFKA_SERVICE_URI', 'MONGODB_URL', 'DATABASE_URL_ONLINE', 'ALGOLIA_HOSTS', 'ELASTIC_NODE']) delete process.env[name];
  });

  it('hands out the Prisma mock it was given, and without one fails every call with a clear ConfigError', async () => {
    const prisma = mockDeep<RateCreatorPrismaClient>();
    prisma.review.count.mockResolvedValue(7);
    const mocked = createTestContainer({ prisma });
    expect(await mocked.resolve(PrismaProvider).client.review.count()).toBe(7);
    expect(prisma.review.count).toHaveBeenCalledTimes(1);

    const bare = createTestContainer();
    expect(() => bare.resolve(PrismaProvider).client.review.findMany()).toThrow(ConfigError);
    expect(() => bare.resolve(PrismaProvider).client.review.findMany()).toThrow(/prisma\.review\.findMany: the test container has no Prisma mock/);
    await Promise.all([mocked.dispose(), bare.dispose()]);
  });

  it('keeps each container’s data apart', async () => {
    const a = createTestContainer();
    const b = createTestContainer();
    await a.resolve(RedisProvider).client.set('shared?', 'a');
    await a.resolve(MongoProvider).db().collection('c').insertOne({ x: 1 });
    expect(await b.resolve(RedisProvider).client.get('shared?')).toBeNull();
    expect(await b.resolve(MongoProvider).db().collection('c').countDocuments()).toBe(0);
    await Promise.all([a.dispose(), b.dispose()]);
  });

  it('serves the original import paths from the test container with asDefault, until it is disposed', async () => {
    const c = createTestContainer({ asDefault: true });
    expect(getRedisClient()).toBe(c.resolve(RedisProvider).client);
    await c.dispose();
  });

  it('disposing an older asDefault container leaves a newer one the default (no fall back to real clients)', async () => {
    const older = createTestContainer({ asDefault: true });
    const newer = createTestContainer({ asDefault: true });
    await older.dispose();
    expect(getRedisClient()).toBe(newer.resolve(RedisProvider).client);
    await newer.dispose();
  });

  it('names an unsupported in-memory Mongo method instead of failing obscurely', async () => {
    const c = createTestContainer();
    const collection = c.resolve(MongoProvider).db().collection('c') as unknown as { aggregate(): unknown };
    expect(() => collection.aggregate()).toThrow('the in-memory MongoDB does not implement Collection.aggregate; use a real server for it');
    await c.dispose();
  });

  it('each fake has its provider’s public surface', () => {
    expectTypeOf<FakeRedisProvider>().toMatchTypeOf<Pick<RedisProvider, keyof RedisProvider>>();
    expectTypeOf<FakeKafkaProvider>().toMatchTypeOf<Pick<KafkaProvider, keyof KafkaProvider>>();
    expectTypeOf<FakeMongoProvider>().toMatchTypeOf<Pick<MongoProvider, keyof MongoProvider>>();
    expectTypeOf<FakeAlgoliaProvider>().toMatchTypeOf<Pick<AlgoliaProvider, keyof AlgoliaProvider>>();
    expectTypeOf<FakePrismaProvider>().toMatchTypeOf<Pick<PrismaProvider, keyof PrismaProvider>>();
    expectTypeOf<FakeElasticsearchProvider>().toMatchTypeOf<Pick<ElasticsearchProvider, keyof ElasticsearchProvider>>();
  });
});
