import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { DependencyContainer } from 'tsyringe';
import { freePort } from '../../scripts/servers/process.js';
import { createDbContainer, disposeWithReport } from '../../src/container.js';
import { ConfigError, DisposedError, ProviderError } from '../../src/errors.js';
import { AlgoliaProvider } from '../../src/providers/algolia.js';
import { startAlgoliaServer } from '../../src/testing/algolia-server.js';
import { captureLogs } from '../helpers/logs.js';
import '../helpers/mongo-servers.js';

const local = inject('algolia');
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function algolia(env: Record<string, string> = {}, logger = captureLogs().logger): AlgoliaProvider {
  const c: DependencyContainer = createDbContainer({
    env: {
      ALGOLIA_APP_ID: local.appId, ALGOLIA_WRITE_API_KEY: local.writeApiKey, ALGOLIA_SEARCH_API_KEY: local.searchApiKey,
      ALGOLIA_HOSTS: local.url, ...env,
    },
    logger,
  });
  cleanups.push(() => c.dispose());
  return c.resolve(AlgoliaProvider);
}

const indexName = () => `creators_${randomBytes(4).toString('hex')}`;

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as { port: number }).port;
}

describe('AlgoliaProvider against the local Algolia server', () => {
  it('saves then searches, updates part of an object, deletes it', async () => {
    const provider = algolia();
    const client = provider.client;
    const index = indexName();
    await client.saveObjects({
      indexName: index,
      objects: [
        { objectID: 'yt-1', name: 'Tech Reviews Daily', platform: 'YOUTUBE', rating: 4.5 },
        { objectID: 'tw-1', name: 'Tech Talk Live', platform: 'TWITCH', rating: 3.9 },
        { objectID: 'yt-2', name: 'Cooking Corner', platform: 'YOUTUBE', rating: 4.9 },
      ],
      waitForTasks: true,
    });
    const found = await client.searchSingleIndex({ indexName: index, searchParams: { query: 'tech rev' } });
    expect(found.hits.map((hit) => hit.objectID)).toEqual(['yt-1']);
    const filtered = await client.searchSingleIndex<{ name: string }>({
      indexName: index,
      searchParams: { query: '', filters: 'platform:YOUTUBE AND rating > 4.6', hitsPerPage: 10 },
    });
    expect(filtered.hits.map((hit) => hit.name)).toEqual(['Cooking Corner']);
    const paged = await client.search({ requests: [{ indexName: index, query: '', hitsPerPage: 2, page: 1 }] });
    expect(paged.results[0]).toMatchObject({ nbHits: 3, nbPages: 2, page: 1, hits: [expect.objectContaining({ objectID: 'yt-2' })] });

    await client.partialUpdateObject({ indexName: index, objectID: 'yt-1', attributesToUpdate: { rating: 4.8, verified: true } });
    expect(await client.getObject({ indexName: index, objectID: 'yt-1' })).toEqual({
      objectID: 'yt-1', name: 'Tech Reviews Daily', platform: 'YOUTUBE', rating: 4.8, verified: true,
    });

    await client.deleteObject({ indexName: index, objectID: 'yt-1' });
    await expect(client.getObject({ indexName: index, objectID: 'yt-1' })).rejects.toMatchObject({ status: 404 });
    expect((await client.searchSingleIndex({ indexName: index, searchParams: { query: 'tech' } })).hits.map((h) => h.objectID)).toEqual(['tw-1']);
    expect(await provider.health()).toMatchObject({ provider: 'algolia', status: 'up' });
  });

  it('searchClient uses the search-only key: it searches but may not write', async () => {
    const provider = algolia();
    const index = indexName();
    await provider.client.saveObject({ indexName: index, body: { objectID: 'a', name: 'Search Only' } });
    expect((await provider.searchClient.searchSingleIndex({ indexName: index, searchParams: { query: 'search' } })).nbHits).toBe(1);
    await expect(provider.searchClient.saveObject({ indexName: index, body: { objectID: 'b' } })).rejects.toMatchObject({ status: 403 });
  });

  it('a wrong key gets a clear 403 error, connect() a ProviderError naming Algolia, and the key appears nowhere', async () => {
    const wrongKey = `wrong-${randomBytes(8).toString('hex')}`;
    const logs = captureLogs();
    const provider = algolia({ ALGOLIA_WRITE_API_KEY: wrongKey }, logs.logger);
    const direct = await provider.client.searchSingleIndex({ indexName: 'x', searchParams: {} }).then(() => undefined, (e: unknown) => e);
    expect(direct).toMatchObject({ name: 'ApiError', status: 403, message: 'Invalid Application-ID or API key' });
    const error = await provider.connect().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('algolia');
    expect((error as Error).message).toBe('[algolia] connect failed: Invalid Application-ID or API key');
    const health = await provider.health();
    expect(health).toMatchObject({ status: 'down', error: 'Invalid Application-ID or API key' });
    // algoliasearch keeps the request trail on its errors (stackTrace) with the key header masked.
    for (const seen of [JSON.stringify(direct), (direct as Error).stack, JSON.stringify(error), String((error as Error).stack), JSON.stringify(health), logs.text()]) {
      expect(seen).not.toContain(wrongKey);
    }
  });

  it('with two hosts where the first refuses connections, the second answers', async () => {
    const refused = await freePort();
    const logs = captureLogs();
    const provider = algolia({ ALGOLIA_HOSTS: `http://127.0.0.1:${refused},${local.url}` }, logs.logger);
    const index = indexName();
    await provider.client.saveObject({ indexName: index, body: { objectID: 'x', name: 'Failover' } });
    expect((await provider.client.getObject({ indexName: index, objectID: 'x' })).name).toBe('Failover');
    // The refused host was tried first and logged (host and port only, never the request headers).
    expect(logs.text()).toContain('Retryable failure');
    expect(logs.text()).toContain(`"port":${refused}`);
    expect(logs.text()).not.toContain(local.writeApiKey);
  });

  it('a host that never answers fails within the configured timeout', async () => {
    const port = await silentServer();
    const provider = algolia({ ALGOLIA_HOSTS: `http://127.0.0.1:${port}`, ALGOLIA_READ_TIMEOUT_MS: '300', ALGOLIA_CONNECT_TIMEOUT_MS: '300' });
    const started = Date.now();
    const error = await provider.client.searchSingleIndex({ indexName: 'x', searchParams: {} }).then(() => undefined, (e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ name: 'RetryError' });
    expect((error as Error).message).toMatch(/Unreachable hosts/);
    expect(elapsed).toBeLessThan(3000); // generous guard; algoliasearch's own default read timeout is 5000 ms
    expect(await provider.health({ timeoutMs: 1000 })).toMatchObject({ status: 'down' });
  });

  it('health: not_initialized until used, not_configured without keys; indexName applies the prefix', async () => {
    const provider = algolia({ ALGOLIA_INDEX_PREFIX: 'staging_' });
    expect(await provider.health()).toMatchObject({ status: 'not_initialized' });
    void provider.client; // building sends nothing
    expect(await provider.health()).toMatchObject({ status: 'not_initialized' });
    expect(provider.indexName('creators')).toBe('staging_creators');
    const none = createDbContainer({ env: {}, logger: captureLogs().logger });
    cleanups.push(() => none.dispose());
    const unconfigured = none.resolve(AlgoliaProvider);
    expect(await unconfigured.health()).toMatchObject({ status: 'not_configured' });
    expect(() => unconfigured.client).toThrow(ConfigError);
    expect(() => unconfigured.searchClient).toThrow(/ALGOLIA_APP_ID/);
  });

  it('disposal waits for in-flight requests, closes its keep-alive sockets, and refuses new requests', async () => {
    const server = await startAlgoliaServer({ latencyMs: 200 });
    cleanups.push(() => server.close());
    const c = createDbContainer({
      env: { ALGOLIA_APP_ID: server.appId, ALGOLIA_WRITE_API_KEY: server.writeApiKey, ALGOLIA_HOSTS: server.url },
      logger: captureLogs().logger,
    });
    const provider = c.resolve(AlgoliaProvider);
    const held = provider.client; // an app that kept the client from before the disposal
    await provider.client.saveObject({ indexName: 'd', body: { objectID: '1' } });
    expect(await server.openConnections()).toBe(1); // the agent keeps the socket alive
    const before = server.requestCount;
    const inFlight = provider.client.getObject({ indexName: 'd', objectID: '1' });
    while (server.requestCount === before) await new Promise((resolve) => setTimeout(resolve, 5)); // it reached the server
    const report = await disposeWithReport(c);
    expect(await inFlight).toEqual({ objectID: '1' });
    expect(report.providers.find((row) => row.provider === 'algolia')).toMatchObject({ phase: 'agents', status: 'closed' });
    // Without agent.destroy() the server would see the keep-alive socket until its own 5 s timeout.
    const deadline = Date.now() + 2000;
    while ((await server.openConnections()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await server.openConnections()).toBe(0);
    // The provider refuses to hand out the client; a client kept from before refuses to send.
    expect(() => provider.client).toThrow(DisposedError);
    await expect(held.getObject({ indexName: 'd', objectID: '1' })).rejects.toBeInstanceOf(DisposedError);
  });
});
