import { describe, expect, inject, it } from 'vitest';
import { createDbContainer, disposeWithReport } from '../../src/container.js';
import { DisposedError } from '../../src/errors.js';
import { AlgoliaProvider } from '../../src/providers/algolia.js';
import { captureLogs } from '../helpers/logs.js';
import '../helpers/mongo-servers.js';

describe('AlgoliaProvider used only through searchClient', () => {
  it('is closed by disposal (agents destroyed, later requests refused), not reported as never built', async () => {
    const algolia = inject('algolia');
    const c = createDbContainer({
      env: { ALGOLIA_APP_ID: algolia.appId, ALGOLIA_SEARCH_API_KEY: algolia.searchApiKey, ALGOLIA_HOSTS: algolia.url },
      logger: captureLogs().logger,
    });
    const provider = c.resolve(AlgoliaProvider);
    const search = provider.searchClient;
    await search.searchSingleIndex({ indexName: 'search-only', searchParams: { query: 'x' } }).catch(() => undefined);
    const report = await disposeWithReport(c);
    expect(report.providers).toEqual([expect.objectContaining({ provider: 'algolia', status: 'closed' })]);
    await expect(search.searchSingleIndex({ indexName: 'search-only', searchParams: { query: 'x' } })).rejects.toBeInstanceOf(DisposedError);
  });
});
