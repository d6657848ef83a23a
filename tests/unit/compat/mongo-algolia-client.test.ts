import { afterAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../src/errors.js';

// The default container reads process.env once: every variable these paths read is blanked first (empty = unset).
for (const name of ['MONGODB_URL', 'DATABASE_URL_ONLINE', 'ALGOLIA_APP_ID', 'ALGOLIA_WRITE_API_KEY', 'ALGOLIA_SEARCH_API_KEY',
  'NEXT_PUBLIC_ALGOLIA_APP_ID', 'NEXT_PUBLIC_ALGOLIA_SEARCH_API_KEY', 'PRISMA_QUERY_ENGINE_LIBRARY']) vi.stubEnv(name, '');
vi.stubEnv('LOG_LEVEL', 'silent');

afterAll(async () => {
  const { getDefaultContainer } = await import('../../../src/compat/default-container.js');
  await getDefaultContainer().dispose();
  vi.unstubAllEnvs();
});

describe('original import paths without configuration', () => {
  it('getMongoClient() rejects (never throws synchronously) with a ConfigError naming the variables', async () => {
    const { getMongoClient } = await import('../../../src/compat/mongo-client.js');
    const pending = getMongoClient();
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toBeInstanceOf(ConfigError);
    await expect(getMongoClient()).rejects.toThrow(/MONGODB_URL or DATABASE_URL_ONLINE/);
  });

  it('getWriteClient(), getSearchClient() and algoliaClient throw a ConfigError naming what is missing', async () => {
    const { algoliaClient, getSearchClient, getWriteClient } = await import('../../../src/compat/algolia-client.js');
    expect(() => getWriteClient()).toThrow(ConfigError);
    expect(() => getWriteClient()).toThrow(/ALGOLIA_APP_ID[\s\S]*ALGOLIA_WRITE_API_KEY/);
    expect(() => getSearchClient()).toThrow(/ALGOLIA_SEARCH_API_KEY/);
    expect(() => algoliaClient.searchSingleIndex).toThrow(ConfigError);
  });
});
