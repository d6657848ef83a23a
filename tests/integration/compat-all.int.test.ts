import { createRequire } from 'node:module';
import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { SearchClient } from 'algoliasearch';
import type { Redis } from 'ioredis';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import type { MongoClient } from 'mongodb';
import { describe, expect, expectTypeOf, inject, it } from 'vitest';
import '../helpers/elasticsearch-node.js';
import '../helpers/kafka-servers.js';
import '../helpers/mongo-servers.js';
import '../helpers/servers.js';

const require = createRequire(import.meta.url);
const loaded = (name: string) => require.cache[require.resolve(name)] !== undefined;

describe('every original import path, together', () => {
  it('imports every export, shares one lazily built default container, and installShutdownHooks disposes it all', async () => {
    const servers = inject('servers');
    const kafka = inject('kafka');
    const mongo = inject('mongo');
    const algolia = inject('algolia');
    const elasticsearch = inject('elasticsearch');
    // The node is shared by the run: indices of this run alone.
    const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const esIndices = { accounts: `compat-all-accounts-${suffix}`, categories: `compat-all-categories-${suffix}` };
    Object.assign(process.env, {
      LOG_LEVEL: 'silent',
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(servers.redis.plain),
      KAFKA_SERVICE_URI: `127.0.0.1:${kafka.ports.plaintext}`,
      KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'true',
      MONGODB_URL: `${mongo.url}compat`,
      DATABASE_URL_ONLINE: `${mongo.url}compat`,
      ALGOLIA_APP_ID: algolia.appId,
      ALGOLIA_WRITE_API_KEY: algolia.writeApiKey,
      ALGOLIA_SEARCH_API_KEY: algolia.searchApiKey,
      ALGOLIA_HOSTS: algolia.url,
      ELASTIC_NODE: elasticsearch.url,
      ELASTIC_ACCOUNTS_INDEX: esIndices.accounts,
      ELASTIC_CATEGORIES_INDEX: esIndices.categories,
    });
    const client = await import('../../src/compat/client.js');
    const redisDo = await import('../../src/compat/redis-do.js');
    const mongoClient = await import('../../src/compat/mongo-client.js');
    const algoliaClient = await import('../../src/compat/algolia-client.js');
    const kafkaClient = await import('../../src/compat/kafka-client.js');
    const esClient = await import('../../src/compat/elasticsearch-client.js');
    const api = await import('../../src/index.js');

    // Importing built nothing and loaded no client library.
    for (const name of ['ioredis', 'kafkajs', 'mongodb', '@algolia/client-search', '@elastic/elasticsearch']) expect(loaded(name), name).toBe(false);

    // The signatures apps compile against (the default exports' types, as apps see them through the built package, are
    // pinned by tests/integration/package-forms.int.test.ts: TypeScript reads these sources as CommonJS).
    expectTypeOf(client.getPrismaClient).returns.toEqualTypeOf<import('../../src/compat/client.js').RateCreatorPrismaClient>();
    expectTypeOf(redisDo.getRedisClient).toEqualTypeOf<() => Redis>();
    expectTypeOf(redisDo.closeRedisConnection).toEqualTypeOf<() => Promise<void>>();
    expectTypeOf(redisDo.redis).toEqualTypeOf<Redis>();
    expectTypeOf(mongoClient.getMongoClient).toEqualTypeOf<() => Promise<MongoClient>>();
    expectTypeOf(algoliaClient.getWriteClient).toEqualTypeOf<() => SearchClient>();
    expectTypeOf(algoliaClient.getSearchClient).toEqualTypeOf<() => SearchClient>();
    expectTypeOf(algoliaClient.algoliaClient).toEqualTypeOf<SearchClient>();
    expectTypeOf(kafkaClient.getKafkaClient).toEqualTypeOf<() => Kafka>();
    expectTypeOf(kafkaClient.getKafkaProducer).toEqualTypeOf<() => Promise<Producer>>();
    expectTypeOf(kafkaClient.disconnectProducer).toEqualTypeOf<() => Promise<void>>();
    expectTypeOf(kafkaClient.getKafkaConsumer).toEqualTypeOf<(groupId: string) => Consumer>();
    expectTypeOf(kafkaClient.createTopicIfNotExists).toEqualTypeOf<(topic: string) => Promise<void>>();
    expectTypeOf(kafkaClient.kafka).toEqualTypeOf<Kafka>();
    expectTypeOf(esClient.getElasticsearchClient).toEqualTypeOf<() => ElasticsearchClient>();
    expectTypeOf(esClient.indexAccount).toEqualTypeOf<(account: import('../../src/compat/elasticsearch-client.js').AccountDocument) => Promise<void>>();
    expectTypeOf(esClient.searchAccounts).returns.toEqualTypeOf<Promise<import('../../src/compat/elasticsearch-client.js').SearchAccountsResult>>();

    // Use each one; all come from the one default container.
    const container = api.getDefaultContainer();
    await redisDo.redis.set('compat-all', '1');
    expect(redisDo.getRedisClient()).toBe(container.resolve(api.RedisProvider).client);
    const mongoConnected = await mongoClient.getMongoClient();
    expect(mongoConnected).toBe(container.resolve(api.MongoProvider).client);
    await mongoConnected.db().collection('compat').insertOne({ ok: true });
    expect(algoliaClient.getWriteClient()).toBe(container.resolve(api.AlgoliaProvider).client);
    await algoliaClient.algoliaClient.saveObject({ indexName: 'compat', body: { objectID: '1' } });
    expect(algoliaClient.getSearchClient()).toBe(container.resolve(api.AlgoliaProvider).searchClient);
    expect(kafkaClient.getKafkaClient()).toBe(container.resolve(api.KafkaProvider).client);
    const topic = `compat-all-${Date.now()}`;
    await kafkaClient.createTopicIfNotExists(topic);
    const producer = await kafkaClient.getKafkaProducer();
    await producer.send({ topic, messages: [{ value: 'x' }] });
    kafkaClient.getKafkaConsumer('compat-all');
    expect(client.getPrismaClient()).toBe(container.resolve(api.PrismaProvider).client);
    // Elasticsearch: the subpath's functions run on the default container's client, with its configured indices.
    const esProvider = container.resolve(api.ElasticsearchProvider);
    const esShared = esClient.getElasticsearchClient();
    expect(esShared).toBe(esProvider.client);
    expect(esProvider.indexNames).toEqual(esIndices);
    const states = await esClient.createIndices();
    expect(states.map((state) => [state.index, state.state])).toEqual([[esIndices.accounts, 'created'], [esIndices.categories, 'created']]);
    await esClient.indexAccount({ accountId: 'compat-all-1', platform: 'YOUTUBE', name: 'Compat All Creator', handle: 'compatall', rating: 4.5, reviewCount: 3 });
    await esClient.updateAccount('compat-all-1', { rating: 3 });
    const found = await esClient.searchAccounts({ query: 'Compat All Creator' });
    expect(found.hits.map((hit) => [hit.objectID, hit.rating])).toEqual([['compat-all-1', 3]]);
    // The document is in the configured index on the node (read with the shared client, which is the provider's).
    const stored = await esClient.getElasticsearchClient().get<{ name: string; rating: number }>({ index: esIndices.accounts, id: 'compat-all-1' });
    expect(stored._source).toMatchObject({ name: 'Compat All Creator', rating: 3 });
    expect(await esClient.checkHealth()).toMatchObject({ available: true });
    expect(loaded('@elastic/elasticsearch')).toBe(true);

    // One signal disposes every client the paths built.
    let exitCode: number | undefined;
    const exited = new Promise<void>((resolve) => {
      api.installShutdownHooks(container, { signals: ['SIGUSR2'], exit: (code) => ((exitCode = code), resolve()) });
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    await exited;
    const report = api.lastDisposalReport(container)!;
    expect(Object.fromEntries(report.providers.map((row) => [row.provider, row.status]))).toEqual({
      'kafka-consumers': 'closed', kafka: 'closed', redis: 'closed', mongodb: 'closed', prisma: 'closed', algolia: 'closed', elasticsearch: 'closed',
    });
    expect(exitCode).toBe(0);
    expect(redisDo.getRedisClient.bind(null)).toThrow(/disposed/);
    expect(esClient.getElasticsearchClient.bind(null)).toThrow(/disposed/);
    // The disposed provider's client was really closed: it sends nothing any more.
    await expect(esShared.cluster.health({}, { maxRetries: 0 })).rejects.toThrow();
  });
});
