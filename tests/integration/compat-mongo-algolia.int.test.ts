import { createRequire } from 'node:module';
import net from 'node:net';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import '../helpers/mongo-servers.js';

const mongo = inject('mongo');
const algolia = inject('algolia');
const require = createRequire(import.meta.url);
const loaded = (name: string) => require.cache[require.resolve(name)] !== undefined;

// This file runs in its own worker, so the default container behind the original import paths is its own.
describe('original import paths @ratecreator/db/mongo-client and /algolia-client', () => {
  afterAll(async () => {
    const { getDefaultContainer } = await import('../../src/compat/default-container.js');
    await getDefaultContainer().dispose();
    vi.unstubAllEnvs();
  });

  it('importing them connects nothing and loads neither client library', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    await import('../../src/compat/mongo-client.js');
    await import('../../src/compat/algolia-client.js');
    expect(connect).not.toHaveBeenCalled();
    expect(loaded('mongodb')).toBe(false);
    expect(loaded('@algolia/client-search')).toBe(false);
    connect.mockRestore();
  });

  it('getMongoClient() resolves to one connected, pinged MongoClient from the environment', async () => {
    vi.stubEnv('DATABASE_URL_ONLINE', `${mongo.url}compat_db`);
    vi.stubEnv('ALGOLIA_APP_ID', algolia.appId);
    vi.stubEnv('ALGOLIA_WRITE_API_KEY', algolia.writeApiKey);
    vi.stubEnv('ALGOLIA_SEARCH_API_KEY', algolia.searchApiKey);
    vi.stubEnv('ALGOLIA_HOSTS', algolia.url);
    vi.stubEnv('LOG_LEVEL', 'silent');
    const { default: getDefault, getMongoClient } = await import('../../src/compat/mongo-client.js');
    expect(getDefault).toBe(getMongoClient);
    const [a, b] = await Promise.all([getMongoClient(), getMongoClient()]);
    expect(a).toBe(b);
    await a.db().collection('compat').insertOne({ from: 'getMongoClient' });
    expect(await (await getMongoClient()).db('compat_db').collection('compat').findOne({}, { projection: { _id: 0 } })).toEqual({ from: 'getMongoClient' });
  });

  it('getWriteClient(), getSearchClient() and algoliaClient talk to Algolia with the right keys', async () => {
    const { algoliaClient, getSearchClient, getWriteClient } = await import('../../src/compat/algolia-client.js');
    expect(getWriteClient()).toBe(getWriteClient());
    await getWriteClient().saveObject({ indexName: 'compat', body: { objectID: 'one', title: 'compat path' } });
    const result = await getSearchClient().searchSingleIndex({ indexName: 'compat', searchParams: { query: 'compat' } });
    expect(result.hits.map((hit) => hit.objectID)).toEqual(['one']);
    // The search-only key cannot write.
    await expect(getSearchClient().saveObject({ indexName: 'compat', body: { objectID: 'two' } })).rejects.toMatchObject({ status: 403 });
    expect((await algoliaClient.getObject({ indexName: 'compat', objectID: 'one' })).title).toBe('compat path');
  });

  it('after the default container is disposed, getMongoClient() rejects instead of reconnecting', async () => {
    const { getDefaultContainer } = await import('../../src/compat/default-container.js');
    const { getMongoClient } = await import('../../src/compat/mongo-client.js');
    await getDefaultContainer().dispose();
    await expect(getMongoClient()).rejects.toThrow();
  });
});
