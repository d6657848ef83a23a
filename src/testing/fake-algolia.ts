import type { SearchClient } from '@algolia/client-search';
import { inject, injectable } from 'tsyringe';
import { DisposedError, LazyProvider, LOGGER } from '../index.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import type { Logger } from '../providers/logger.js';
import { DB_LIFECYCLE } from '../tokens.js';
import type { MemoryIndex } from './algolia-index.js';
import { createAlgoliaService, type AlgoliaService } from './algolia-service.js';

type ClientOptions = NonNullable<Parameters<typeof import('@algolia/client-search').searchClient>[2]>;
type Requester = NonNullable<ClientOptions['requester']>;

const APP_ID = 'FAKEAPPID';
const WRITE_KEY = 'fake-write-key';
const SEARCH_KEY = 'fake-search-key';

/** A requester that answers from `service` in process: algoliasearch runs unchanged, no socket is opened. */
function inProcessRequester(service: AlgoliaService, isClosed: () => boolean): Requester {
  return {
    async send(request) {
      if (isClosed()) throw new DisposedError('algolia');
      const reply = await service.handle({
        method: request.method,
        url: request.url,
        header: (name) => request.headers[name],
        body: async () => (request.data ? (JSON.parse(Buffer.from(request.data).toString()) as Record<string, unknown>) : {}),
      });
      return { status: reply.status, content: JSON.stringify(reply.body), isTimedOut: false };
    },
  };
}

/**
 * In-memory Algolia with the `AlgoliaProvider` surface: the real algoliasearch `SearchClient` (write key) and
 * `searchClient` (search-only key), answered in process by the same service as the local Algolia server.
 */
@injectable()
export class FakeAlgoliaProvider extends LazyProvider<SearchClient> {
  readonly #service = createAlgoliaService(APP_ID, WRITE_KEY, SEARCH_KEY);
  #searchClient: SearchClient | undefined;
  #closed = false;

  constructor(@inject(LOGGER) logger: Logger, @inject(DB_LIFECYCLE) lifecycle: ContainerLifecycle) {
    super('algolia', 'agents', logger, lifecycle);
  }

  get isConfigured(): boolean {
    return true;
  }

  /** The in-memory indices, for assertions. */
  get indices(): ReadonlyMap<string, MemoryIndex> {
    return this.#service.indices;
  }

  get searchClient(): SearchClient {
    this.#searchClient ??= this.#newClient(SEARCH_KEY);
    return this.#searchClient;
  }

  /** The name unchanged: the fake has no environment prefix. */
  indexName(name: string): string {
    return name;
  }

  #newClient(apiKey: string): SearchClient {
    const { searchClient } = require('@algolia/client-search') as typeof import('@algolia/client-search');
    return searchClient(APP_ID, apiKey, {
      requester: inProcessRequester(this.#service, () => this.#closed),
      hosts: [{ url: 'fake-algolia.invalid', accept: 'readWrite', protocol: 'http' }],
    });
  }

  protected createClient(): SearchClient {
    return this.#newClient(WRITE_KEY);
  }

  protected async openClient(): Promise<void> {}

  protected async pingClient(client: SearchClient): Promise<void> {
    await client.listIndices({ hitsPerPage: 1 });
  }

  protected async closeClient(): Promise<void> {
    this.#closed = true;
  }

  protected destroyClient(): void {
    this.#closed = true;
  }
}
