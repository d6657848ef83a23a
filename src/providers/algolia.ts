import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { SearchClient } from '@algolia/client-search';
import { inject, injectable } from 'tsyringe';
import type { AlgoliaConfig, DbConfig } from '../config/index.js';
import { ConfigError, DisposedError } from '../errors.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import { LazyProvider } from '../lifecycle/lazy-provider.js';
import { DB_CONFIG, DB_LIFECYCLE, LOGGER } from '../tokens.js';
import type { Logger } from './logger.js';

type ClientOptions = NonNullable<Parameters<typeof import('@algolia/client-search').searchClient>[2]>;
type Requester = NonNullable<ClientOptions['requester']>;
type AlgoliaLogger = NonNullable<ClientOptions['logger']>;

/** Marks the provider's own requests (connect and health probes), which disposal does not wait for. Never sent. */
const PROBE_HEADER = 'x-ratecreator-db-probe';
const PROBE = { headers: { [PROBE_HEADER]: '1' } };

/** The shape of `@algolia/requester-node-http` (the requester algoliasearch's Node build uses), as far as we use it. */
interface NodeRequesterModule {
  createHttpRequester(options: { httpAgent: HttpAgent; httpsAgent: HttpsAgent }): Requester;
}

/**
 * The node requester algoliasearch itself uses, required by name so that bundlers and file tracers find it.
 */
function loadNodeRequester(): NodeRequesterModule {
  return require('@algolia/requester-node-http') as NodeRequesterModule;
}

/**
 * Algolia through algoliasearch v5 (its `@algolia/client-search` package). `client` is the real `SearchClient` with the write key; `searchClient` uses the
 * search-only key. Both go through the provider's own keep-alive agents (algoliasearch's default agents are
 * module-global and never destroyed here), which disposal destroys after in-flight requests finish. Timeouts and
 * host retry are algoliasearch's own; `ALGOLIA_HOSTS` replaces the hosts. The API keys are never logged.
 */
@injectable()
export class AlgoliaProvider extends LazyProvider<SearchClient> {
  readonly #config: AlgoliaConfig | undefined;
  #agents: { http: HttpAgent; https: HttpsAgent } | undefined;
  #requester: Requester | undefined;
  #searchClient: SearchClient | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  #used = false;
  #closed = false;

  constructor(
    @inject(DB_CONFIG) config: DbConfig,
    @inject(LOGGER) logger: Logger,
    @inject(DB_LIFECYCLE) lifecycle: ContainerLifecycle,
  ) {
    super('algolia', 'agents', logger, lifecycle);
    this.#config = config.algolia;
  }

  /** True when an application id and the write key are set (`client` needs both). */
  get isConfigured(): boolean {
    return this.#config?.writeApiKey !== undefined;
  }

  /**
   * A client with the search-only key (`ALGOLIA_SEARCH_API_KEY` or `NEXT_PUBLIC_ALGOLIA_SEARCH_API_KEY`), built on
   * first use, sharing the provider's agents. @throws {ConfigError} when no search key is set.
   */
  get searchClient(): SearchClient {
    if (this.#closed || this.disposed) throw new DisposedError(this.name);
    if (this.#searchClient) return this.#searchClient;
    const cfg = this.#settings('search');
    this.#searchClient = this.#newClient(cfg, cfg.searchApiKey!);
    return this.#searchClient;
  }

  /** `name` scoped to the environment: `ALGOLIA_INDEX_PREFIX` + `name`. */
  indexName(name: string): string {
    return `${this.#config?.indexPrefix ?? ''}${name}`;
  }

  #settings(key: 'write' | 'search'): AlgoliaConfig {
    const cfg = this.#config;
    const variable = key === 'write' ? 'ALGOLIA_WRITE_API_KEY' : 'ALGOLIA_SEARCH_API_KEY';
    const has = key === 'write' ? cfg?.writeApiKey !== undefined : cfg?.searchApiKey !== undefined;
    if (cfg && has) return cfg;
    const issues = cfg ? [] : [{ variable: 'ALGOLIA_APP_ID', expected: 'the Algolia application id' }];
    throw new ConfigError(
      [...issues, { variable, expected: key === 'write' ? 'the write (admin) API key' : 'the search-only API key (or NEXT_PUBLIC_ALGOLIA_SEARCH_API_KEY)' }],
      `Algolia ${key} client is not configured`,
    );
  }

  /** One requester for both clients: tracks in-flight requests and refuses new ones once disposal began. */
  #sharedRequester(): Requester {
    if (this.#requester) return this.#requester;
    // node:http(s) are loaded here, not at import: https alone costs ~6 ms of start-up.
    const http = require('node:http') as typeof import('node:http');
    const https = require('node:https') as typeof import('node:https');
    const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
    this.#agents = agents;
    const inner = loadNodeRequester().createHttpRequester({ httpAgent: agents.http, httpsAgent: agents.https });
    const track = <T>(request: Parameters<Requester['send']>[0], send: (request: Parameters<Requester['send']>[0]) => Promise<T>): Promise<T> => {
      const headers = request.headers as Record<string, string> | undefined;
      if (headers && PROBE_HEADER in headers) {
        const { [PROBE_HEADER]: _probe, ...rest } = headers;
        return send({ ...request, headers: rest });
      }
      const work = send(request);
      this.#inFlight.add(work);
      void work.finally(() => this.#inFlight.delete(work)).catch(() => undefined);
      return work;
    };
    const guard = () => {
      if (this.#closed) throw new DisposedError(this.name);
      this.#used = true;
    };
    this.#requester = {
      send: (request) => {
        guard();
        return track(request, (r) => inner.send(r));
      },
      ...(inner.sendStream
        ? {
            sendStream: (request: Parameters<Requester['send']>[0]) => {
              guard();
              return track(request, (r) => inner.sendStream!(r));
            },
          }
        : {}),
    };
    return this.#requester;
  }

  #newClient(cfg: AlgoliaConfig, apiKey: string): SearchClient {
    // The search client algoliasearch re-exports, from its own package: algoliasearch's ES module build (which bundlers
    // pick through its "module" condition) does not re-export `searchClient`.
    const { searchClient } = require('@algolia/client-search') as typeof import('@algolia/client-search');
    const log = this.log.child({ target: cfg.target });
    // algoliasearch logs retryable failures with the request (its key header masked); only the outline is kept.
    const outline = (args: unknown) => {
      const frame = args as { host?: { url?: string; port?: number }; response?: { status?: number; isTimedOut?: boolean }; triesLeft?: number } | undefined;
      return { host: frame?.host?.url, port: frame?.host?.port, status: frame?.response?.status, timedOut: frame?.response?.isTimedOut, triesLeft: frame?.triesLeft };
    };
    const logger: AlgoliaLogger = {
      debug: async (message, args) => log.debug(outline(args), message),
      info: async (message, args) => log.info(outline(args), message),
      error: async (message, args) => log.error(outline(args), message),
    };
    return searchClient(cfg.appId, apiKey, {
      requester: this.#sharedRequester(),
      logger,
      timeouts: { connect: cfg.connectTimeoutMs, read: cfg.readTimeoutMs, write: cfg.writeTimeoutMs },
      ...(cfg.hosts ? { hosts: cfg.hosts.map((host) => ({ ...host, accept: 'readWrite' as const })) } : {}),
    });
  }

  protected createClient(): SearchClient {
    const cfg = this.#settings('write');
    return this.#newClient(cfg, cfg.writeApiKey!);
  }

  protected isIdle(): boolean {
    return !this.#used;
  }

  /** One request that needs the key to be valid and a host to answer: nothing to open for HTTP. */
  protected async openClient(client: SearchClient): Promise<void> {
    await client.listIndices({ hitsPerPage: 1 }, PROBE);
  }

  protected async pingClient(client: SearchClient): Promise<void> {
    await client.listIndices({ hitsPerPage: 1 }, PROBE);
  }

  /** A search-only service never builds `client`, but its agents and requester still need closing. */
  protected override hasResources(): boolean {
    return this.#requester !== undefined;
  }

  /** Waits for the application's requests in flight (not the provider's own probes), then destroys the agents. */
  protected async closeClient(): Promise<string | undefined> {
    this.#closed = true;
    const pending = this.#inFlight.size;
    await Promise.allSettled([...this.#inFlight]);
    this.#destroyAgents();
    return pending > 0 ? `waited for ${pending} request${pending === 1 ? '' : 's'} in flight` : undefined;
  }

  protected destroyClient(): void {
    this.#closed = true;
    this.#destroyAgents();
  }

  #destroyAgents(): void {
    this.#agents?.http.destroy();
    this.#agents?.https.destroy();
  }
}
