import type { Db, DbOptions, MongoClient, MongoClientOptions } from 'mongodb';
import { inject, injectable } from 'tsyringe';
import type { DbConfig, MongoConfig } from '../config/index.js';
import { backoffDelay } from '../config/retry.js';
import { ConfigError, errorMessage } from '../errors.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import { LazyProvider } from '../lifecycle/lazy-provider.js';
import { DB_CONFIG, DB_LIFECYCLE, LOGGER } from '../tokens.js';
import type { Logger } from './logger.js';

/** Backoff sleep; node:timers/promises is loaded on the first retry, not at import. */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  (require('node:timers/promises') as typeof import('node:timers/promises')).setTimeout(ms, undefined, { signal });

/** Errors no retry can fix (bad credentials, certificates, options): `connect()` stops at once. */
const FATAL_MESSAGE = /certificate|self[- ]signed|wrong version number|Authentication failed|auth mechanism|ERR_TLS|EPROTO/i;
const FATAL_NAMES = new Set(['MongoParseError', 'MongoInvalidArgumentError', 'MongoMissingDependencyError', 'MongoAPIError']);

function isFatal(error: Error): boolean {
  return FATAL_NAMES.has(error.name) || FATAL_MESSAGE.test(error.message) || (error as { code?: unknown }).code === 18;
}

/** Driver options from the config (own settings mapped; the URL keeps everything else). */
export function mongoClientOptions(cfg: MongoConfig): MongoClientOptions {
  const options: MongoClientOptions = {
    maxPoolSize: cfg.maxPoolSize,
    minPoolSize: cfg.minPoolSize,
    maxIdleTimeMS: cfg.maxIdleTimeMs,
    waitQueueTimeoutMS: cfg.waitQueueTimeoutMs,
    serverSelectionTimeoutMS: cfg.serverSelectionTimeoutMs,
    connectTimeoutMS: cfg.connectTimeoutMs,
    ...(cfg.appName ? { appName: cfg.appName } : {}),
  };
  const { tls } = cfg;
  if (tls) {
    options.tls = true;
    if (tls.ca) options.ca = tls.ca;
    if (tls.cert) options.cert = tls.cert;
    if (tls.key) options.key = tls.key;
    if (tls.servername) options.servername = tls.servername;
    if (!tls.rejectUnauthorized) options.tlsAllowInvalidCertificates = true;
  } else if (cfg.tlsExplicit) {
    options.tls = false;
  }
  return options;
}

/** Destroys every `net.Socket` reachable from `root` within a few levels (maps, sets, arrays, objects). */
function destroySockets(root: unknown, depth = 0, seen = new Set<object>()): number {
  if (root === null || typeof root !== 'object' || seen.has(root) || depth > 8) return 0;
  seen.add(root);
  const { Socket } = require('node:net') as typeof import('node:net');
  if (root instanceof Socket) {
    root.destroy();
    return 1;
  }
  let count = 0;
  const children: Iterable<unknown> =
    root instanceof Map ? root.values() : root instanceof Set || Array.isArray(root) ? (root as Iterable<unknown>) : Object.values(root);
  for (const child of children) count += destroySockets(child, depth + 1, seen);
  if (!(root instanceof Map) && !(root instanceof Set) && !Array.isArray(root)) {
    for (const symbol of Object.getOwnPropertySymbols(root)) count += destroySockets((root as Record<symbol, unknown>)[symbol], depth + 1, seen);
  }
  return count;
}

/**
 * MongoDB through the native driver. `client` is the real `MongoClient`; the driver is loaded on first use and
 * opens nothing until `connect()` or the first operation. `connect()` retries per the policy (p-retry, delays from
 * `backoffDelay`) and stops at once on credential, certificate or option errors. Pool and topology events go to
 * the child logger at debug. Disposal: `close()` within the budget.
 */
@injectable()
export class MongoProvider extends LazyProvider<MongoClient> {
  readonly #config: MongoConfig | undefined;
  #opened = false;
  readonly #abort = new AbortController();
  #connecting: { readonly stop: AbortController; done: Promise<void> } | undefined;

  constructor(
    @inject(DB_CONFIG) config: DbConfig,
    @inject(LOGGER) logger: Logger,
    @inject(DB_LIFECYCLE) lifecycle: ContainerLifecycle,
  ) {
    super('mongodb', 'stores', logger, lifecycle);
    this.#config = config.mongo;
  }

  get isConfigured(): boolean {
    return this.#config !== undefined;
  }

  /** A database handle (the URL's database, or `MONGODB_DB_NAME`, when `name` is left out). */
  db(name?: string, options?: DbOptions): Db {
    return this.client.db(name ?? this.#settings().dbName, options);
  }

  /**
   * A database handle for reads that tolerate staleness: same client and pool, read preference
   * `MONGODB_READ_PREFERENCE` (default `secondaryPreferred`) with `MONGODB_MAX_STALENESS_SECONDS`.
   * On a standalone server the reads go to it.
   */
  readDb(name?: string): Db {
    const cfg = this.#settings();
    const { ReadPreference } = require('mongodb') as typeof import('mongodb');
    const staleness = cfg.maxStalenessSeconds !== undefined ? { maxStalenessSeconds: cfg.maxStalenessSeconds } : undefined;
    return this.client.db(name ?? cfg.dbName, { readPreference: new ReadPreference(cfg.readPreference, undefined, staleness) });
  }

  #settings(): MongoConfig {
    if (this.#config) return this.#config;
    throw new ConfigError(
      [{ variable: 'MONGODB_URL or DATABASE_URL_ONLINE', expected: 'a mongodb:// or mongodb+srv:// connection string' }],
      'MongoDB is not configured',
    );
  }

  protected createClient(): MongoClient {
    const cfg = this.#settings();
    const { MongoClient: Client } = require('mongodb') as typeof import('mongodb');
    const client = new Client(cfg.url, mongoClientOptions(cfg));
    this.#watch(client, cfg.target);
    return client;
  }

  #watch(client: MongoClient, target: string): void {
    const log = this.log.child({ target });
    client.on('topologyOpening', () => {
      this.#opened = true;
      log.debug('topology opening');
    });
    client.on('topologyClosed', () => log.debug('topology closed'));
    client.on('serverDescriptionChanged', (event) => {
      const before = event.previousDescription.type;
      const after = event.newDescription.type;
      if (before === after) return;
      if (after === 'Unknown') log.warn({ address: event.address, error: event.newDescription.error ? errorMessage(event.newDescription.error) : undefined }, 'server unreachable');
      else if (before === 'Unknown') log.info({ address: event.address, type: after }, 'server available');
      else log.debug({ address: event.address, before, after }, 'server type changed');
    });
    client.on('serverHeartbeatFailed', (event) => log.debug({ address: event.connectionId, error: errorMessage(event.failure) }, 'heartbeat failed'));
    client.on('connectionPoolCreated', (event) => log.debug({ address: event.address, options: event.options }, 'pool created'));
    client.on('connectionPoolReady', (event) => log.debug({ address: event.address }, 'pool ready'));
    client.on('connectionPoolCleared', (event) => log.debug({ address: event.address }, 'pool cleared'));
    client.on('connectionPoolClosed', (event) => log.debug({ address: event.address }, 'pool closed'));
    client.on('connectionCreated', (event) => log.debug({ address: event.address, id: event.connectionId }, 'connection created'));
    client.on('connectionClosed', (event) => log.debug({ address: event.address, id: event.connectionId, reason: event.reason }, 'connection closed'));
    client.on('connectionCheckOutFailed', (event) => log.debug({ address: event.address, reason: event.reason }, 'connection check-out failed'));
    if (log.isLevelEnabled('trace')) {
      // One event per operation: listened to only when someone reads trace lines.
      client.on('connectionCheckedOut', (event) => log.trace({ id: event.connectionId }, 'connection checked out'));
      client.on('connectionCheckedIn', (event) => log.trace({ id: event.connectionId }, 'connection checked in'));
    }
  }

  protected isIdle(): boolean {
    return !this.#opened;
  }

  protected openClient(client: MongoClient, signal: AbortSignal): Promise<void> {
    // One attempt loop at a time: concurrent connect() calls share it; disposal aborts it. A caller's timeout or
    // signal ends the loop too (the attempt in flight is the driver's, bounded by its server selection timeout).
    const loop = (this.#connecting ??= { stop: new AbortController(), done: undefined as unknown as Promise<void> });
    if (!loop.done) {
      loop.done = this.#connectWithRetry(client, AbortSignal.any([this.#abort.signal, loop.stop.signal])).finally(() => {
        if (this.#connecting === loop) this.#connecting = undefined;
      });
    }
    signal.addEventListener('abort', () => loop.stop.abort(signal.reason), { once: true });
    return loop.done;
  }

  async #connectWithRetry(client: MongoClient, signal: AbortSignal): Promise<void> {
    const policy = this.#settings().retry;
    const { default: pRetry, AbortError } = await import('p-retry');
    const attempt = async () => {
      try {
        await client.connect();
      } catch (error) {
        if (!(error instanceof Error) || !isFatal(error)) throw error;
        this.log.warn({ error: errorMessage(error), retried: false }, 'connect attempt failed');
        throw new AbortError(error);
      }
    };
    try {
      await pRetry(attempt, {
        retries: policy.retries,
        minTimeout: 0,
        maxTimeout: 0,
        signal,
        // p-retry counts and aborts; the delay is the package's one policy (the same as ioredis' retryStrategy),
        // slept abortably so that disposal ends the loop at once.
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          this.log.warn({ attempt: attemptNumber, retriesLeft, error: errorMessage(error) }, 'connect attempt failed');
          if (retriesLeft > 0) await sleep(backoffDelay(policy, attemptNumber), signal);
        },
      });
    } catch (error) {
      // An aborted backoff sleep only says "The operation was aborted"; the abort's reason is what callers need.
      throw signal.aborted ? signal.reason : error;
    }
  }



  protected async pingClient(client: MongoClient): Promise<void> {
    await client.db('admin').command({ ping: 1 });
  }

  protected async closeClient(client: MongoClient): Promise<void> {
    this.#abort.abort(new Error('provider disposed'));
    await client.close();
  }

  /**
   * MongoClient has no harder close than close() (its `force` flag is unused), and close() waits for a frozen server
   * (its `endSessions` has no deadline) while the driver's monitors keep the process alive. The hard close destroys
   * every socket the client holds, found by walking its topology (the driver keeps them in pools, monitors and
   * checked-out connections whose fields change between versions): the pending close() then fails fast and finishes.
   */
  protected destroyClient(client: MongoClient): void {
    const destroyed = destroySockets((client as unknown as { topology?: unknown }).topology);
    this.log.warn({ destroyed }, 'close did not finish in time: connections destroyed');
  }
}
