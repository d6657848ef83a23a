import type { Client, ClientOptions } from '@elastic/elasticsearch';
import { inject, injectable } from 'tsyringe';
import type { DbConfig, ElasticsearchConfig } from '../config/index.js';
import { backoffDelay } from '../config/retry.js';
import { ConfigError, errorMessage } from '../errors.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import { LazyProvider } from '../lifecycle/lazy-provider.js';
import { DB_CONFIG, DB_LIFECYCLE, LOGGER } from '../tokens.js';
import type { Logger } from './logger.js';

/** Backoff sleep; node:timers/promises is loaded on the first retry, not at import. */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  (require('node:timers/promises') as typeof import('node:timers/promises')).setTimeout(ms, undefined, { signal });

/** Failures no retry can fix: wrong credentials, certificates, a server that is not Elasticsearch, bad options. */
const FATAL_NAMES = new Set(['ConfigurationError', 'ProductNotSupportedError']);
const FATAL_MESSAGE = /certificate|self[- ]signed|unable to verify|wrong version number|ERR_TLS|EPROTO|hostname\/IP does not match/i;

function isFatal(error: Error): boolean {
  const status = (error as { meta?: { statusCode?: number } }).meta?.statusCode;
  return FATAL_NAMES.has(error.name) || status === 401 || status === 403 || FATAL_MESSAGE.test(error.message);
}

/** Marks the provider's own requests (connect and health probes), which do not count as use (Elasticsearch ignores it). */
// The elasticsearch-client subpath's checkHealth sends the same literal (it cannot import this module).
const PROBE_HEADER = 'x-ratecreator-db-probe';

/** What a request's diagnostic event carries, as far as the provider reads it. */
interface DiagnosticMeta {
  readonly meta?: { readonly request?: { readonly params?: { readonly headers?: Record<string, unknown> } } };
}

/** One node's connection as far as the hard close needs it: the undici pool `UndiciConnection` keeps. */
interface PooledConnection {
  readonly pool?: { destroy?(error?: Error): Promise<void> };
}

/** The connections of the client's pool (`close()` empties the pool's list before it closes them). */
function connectionsOf(client: Client): PooledConnection[] {
  return [...((client.connectionPool as unknown as { connections?: PooledConnection[] }).connections ?? [])];
}

/** The index names of this environment (`ELASTIC_ACCOUNTS_INDEX`, `ELASTIC_CATEGORIES_INDEX`). */
export interface ElasticsearchIndexNames {
  readonly accounts: string;
  readonly categories: string;
}

/** Client options from the config: nodes or cloud id, auth, TLS, timeouts; no sniffing (clusters behind proxies). */
export function elasticsearchClientOptions(cfg: ElasticsearchConfig): ClientOptions {
  const auth = cfg.apiKey !== undefined
    ? { apiKey: cfg.apiKey }
    : cfg.username !== undefined && cfg.password !== undefined ? { username: cfg.username, password: cfg.password } : undefined;
  const tls = cfg.tls
    ? { ca: cfg.tls.ca, cert: cfg.tls.cert, key: cfg.tls.key, servername: cfg.tls.servername, rejectUnauthorized: cfg.tls.rejectUnauthorized }
    : undefined;
  return {
    ...(cfg.cloudId !== undefined ? { cloud: { id: cfg.cloudId } } : { nodes: [...(cfg.nodes ?? [])] }),
    ...(auth ? { auth } : {}),
    ...(tls ? { tls } : {}),
    requestTimeout: cfg.requestTimeoutMs,
    maxRetries: cfg.maxRetries,
    compression: cfg.compression,
    sniffOnStart: false,
    sniffOnConnectionFault: false,
    sniffInterval: false,
    name: 'ratecreator-db',
  };
}

/**
 * Elasticsearch through the official client (`@elastic/elasticsearch` 8.x, which speaks to 8.x clusters and Elastic
 * Cloud). `client` is the real `Client`, built and its library loaded on first use. `connect()` asks for the cluster's
 * health, retrying per the policy; health comes from cluster health too (never `GET /`, which some distributions do
 * not serve), `down` when the cluster is red. Disposal: `client.close()` (waits for requests in flight) within the
 * budget, then every connection pool destroyed. The API key and password are never logged.
 */
@injectable()
export class ElasticsearchProvider extends LazyProvider<Client> {
  readonly #config: ElasticsearchConfig | undefined;
  /** Aborted on disposal: stops connect()'s retry loop and its request at once. */
  readonly #abort = new AbortController();
  #used = false;
  /** The last connection error logged, so that an outage logs once, not once per request. */
  #lastError: string | undefined;
  /** The connections `closeClient` is closing, for the hard close to destroy. */
  #closing: PooledConnection[] = [];

  constructor(
    @inject(DB_CONFIG) config: DbConfig,
    @inject(LOGGER) logger: Logger,
    @inject(DB_LIFECYCLE) lifecycle: ContainerLifecycle,
  ) {
    super('elasticsearch', 'search', logger, lifecycle);
    this.#config = config.elasticsearch;
  }

  /** True when `ELASTIC_NODE` or `ELASTIC_CLOUD_ID` is set. */
  get isConfigured(): boolean {
    return this.#config !== undefined;
  }

  /** The configured index names (defaults `accounts` and `categories`), read once with the rest of the config. */
  get indexNames(): ElasticsearchIndexNames {
    return { accounts: this.#config?.accountsIndex ?? 'accounts', categories: this.#config?.categoriesIndex ?? 'categories' };
  }

  #settings(): ElasticsearchConfig {
    if (this.#config) return this.#config;
    throw new ConfigError(
      [{ variable: 'ELASTIC_NODE', expected: 'node URLs such as http://127.0.0.1:9200, or ELASTIC_CLOUD_ID with credentials' }],
      'Elasticsearch is not configured',
    );
  }

  protected createClient(): Client {
    const cfg = this.#settings();
    // A literal require of the package's name, so that bundlers and file tracers find it.
    const { Client: ElasticClient } = require('@elastic/elasticsearch') as typeof import('@elastic/elasticsearch');
    const client = new ElasticClient(elasticsearchClientOptions(cfg));
    const log = this.log.child({ target: cfg.target });
    client.diagnostic.on('request', (_error: Error | null, event: DiagnosticMeta | null) => {
      if (!this.#used && !(PROBE_HEADER in (event?.meta?.request?.params?.headers ?? {}))) this.#used = true;
    });
    client.diagnostic.on('response', (error: Error | null) => {
      if (error === null) {
        if (this.#lastError !== undefined) log.info('requests succeed again');
        this.#lastError = undefined;
        return;
      }
      // Response errors (404, 409, ...) are the application's business; connection trouble is logged once per kind.
      if (error.name !== 'ConnectionError' && error.name !== 'TimeoutError' && error.name !== 'NoLivingConnectionsError') return;
      const message = errorMessage(error);
      if (message === this.#lastError) return;
      this.#lastError = message;
      log.warn({ error: message }, 'request failed');
    });
    return client;
  }

  protected isIdle(): boolean {
    return !this.#used;
  }

  /** One cluster-health request per attempt (no retries inside it: the policy spaces the attempts). */
  protected async openClient(client: Client, signal: AbortSignal): Promise<void> {
    // From the first connect() on, health probes the node (and says `down` when connecting failed).
    this.#used = true;
    const policy = this.#settings().retry;
    const stop = AbortSignal.any([signal, this.#abort.signal]);
    const { default: pRetry, AbortError } = await import('p-retry');
    const attempt = async () => {
      try {
        await this.#clusterHealth(client, stop);
      } catch (error) {
        if (stop.aborted || !(error instanceof Error) || !isFatal(error)) throw error;
        this.log.warn({ error: errorMessage(error), retried: false }, 'connect attempt failed');
        throw new AbortError(error);
      }
    };
    try {
      await pRetry(attempt, {
        retries: policy.retries,
        minTimeout: 0,
        maxTimeout: 0,
        signal: stop,
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          this.log.warn({ attempt: attemptNumber, retriesLeft, error: errorMessage(error) }, 'connect attempt failed');
          if (retriesLeft > 0) await sleep(backoffDelay(policy, attemptNumber), stop);
        },
      });
    } catch (error) {
      throw stop.aborted ? stop.reason : error;
    }
    this.log.info('connected');
  }

  protected async pingClient(client: Client): Promise<void> {
    await this.#clusterHealth(client, this.#abort.signal);
  }

  /** `GET /_cluster/health`, one try, marked as the provider's own; a red cluster is a failure. */
  async #clusterHealth(client: Client, signal: AbortSignal): Promise<void> {
    const health = await client.cluster.health({}, { maxRetries: 0, signal, headers: { [PROBE_HEADER]: '1' } });
    if (health.status === 'red') throw new Error(`cluster ${health.cluster_name} is red`);
  }

  /** Waits for requests in flight (undici's close), unless the budget runs out first. */
  protected async closeClient(client: Client): Promise<void> {
    this.#abort.abort(new Error('provider disposed'));
    this.#closing = connectionsOf(client);
    await client.close();
  }

  /**
   * `close()` waits for every request in flight, which a frozen node never answers: destroy each connection's
   * undici pool instead, which fails those requests and closes the sockets now.
   */
  protected destroyClient(client: Client): void {
    this.#abort.abort(new Error('provider disposed'));
    let destroyed = 0;
    for (const connection of new Set([...this.#closing, ...connectionsOf(client)])) {
      if (typeof connection.pool?.destroy !== 'function') continue;
      connection.pool.destroy(new Error('Elasticsearch provider disposed')).catch(() => undefined);
      destroyed += 1;
    }
    this.log.warn({ destroyed }, 'close did not finish in time: connections destroyed');
  }
}
