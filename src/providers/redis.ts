import type { ConnectionOptions } from 'node:tls';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { inject, injectable } from 'tsyringe';
import type { DbConfig, RedisConfig, TlsConfig } from '../config/index.js';
import { backoffDelay } from '../config/retry.js';
import { ConfigError, errorMessage, ProviderError } from '../errors.js';
import { REDACTED } from '../secrets.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import { LazyProvider } from '../lifecycle/lazy-provider.js';
import { DB_CONFIG, DB_LIFECYCLE, LOGGER } from '../tokens.js';
import type { Logger } from './logger.js';

/** The ioredis client the provider hands out: `Redis` in standalone and Sentinel modes, `Cluster` in cluster mode. */
export type RedisClient = Redis | Cluster;

/** Errors that no reconnection can fix: `connect()` stops retrying at once. */
const FATAL_MESSAGE = /WRONGPASS|NOAUTH|NOPERM|invalid (username-)?password|certificate|self[- ]signed|wrong version number/i;

function isFatal(error: Error & { code?: string }): boolean {
  return FATAL_MESSAGE.test(error.message) || (error.code ?? '').startsWith('ERR_TLS') || error.code === 'EPROTO';
}

function tlsOptions(tls: TlsConfig | undefined): ConnectionOptions | undefined {
  if (!tls) return undefined;
  const { ca, cert, key, servername, rejectUnauthorized } = tls;
  return { ca, cert, key, servername, rejectUnauthorized };
}

/** AUTH failures ioredis itself only warns about on the console (a password given to a server without auth). */
const BENIGN_AUTH = /no password is set|without any password configured|wrong number of arguments for 'auth'/;

type AuthCallback = (error: Error | null, result?: unknown) => void;

/**
 * ioredis sends AUTH itself on every connection. Its reply error carries the command's arguments (the username and
 * password) and reaches the application twice: through the `error` event and as the rejection of every command
 * queued behind the connection. This replaces the connection's `auth` so that the error's arguments are redacted
 * in place before ioredis sees it, and the warnings ioredis would print to the console go to the provider's logger.
 */
function guardAuth(connection: Redis, log: Logger): void {
  const auth = connection.auth.bind(connection) as (...args: unknown[]) => Promise<unknown>;
  let warned = false;
  Object.defineProperty(connection, 'auth', {
    configurable: true,
    writable: true,
    value: (...args: unknown[]) => {
      const callback = typeof args.at(-1) === 'function' ? (args.pop() as AuthCallback) : undefined;
      const result = auth(...args).then(
        (value) => value,
        (error: Error & { command?: { args?: unknown[] } }) => {
          if (error?.command && Array.isArray(error.command.args)) error.command.args = error.command.args.map(() => REDACTED);
          if (callback && BENIGN_AUTH.test(error?.message ?? '')) {
            // ioredis ignores these after printing a warning; the connection goes on.
            if (!warned) log.warn({ reply: error.message }, 'the server accepted the connection without the configured credentials');
            warned = true;
            return 'OK';
          }
          throw error;
        },
      );
      if (callback) result.then((value) => callback(null, value), (error: Error) => callback(error));
      return result;
    },
  });
}

/**
 * ioredis listens for its socket's errors with `once('error')` (one in its connector, one in the client), and not at
 * all when the socket is already destroyed by the time it looks. A TLS socket can emit a second error after the first
 * (a handshake alert after a reset, seen with a client certificate the server rejects): with no listener left it is an
 * uncaught exception that kills the process. This keeps one listener on every socket the connection opens; ioredis'
 * own handlers still see every error.
 */
function guardSocketErrors(connection: Redis): void {
  type Connector = { connect?: (...args: unknown[]) => Promise<{ on(event: 'error', listener: () => void): unknown }> };
  const connector = (connection as unknown as { connector?: Connector }).connector;
  const connect = connector?.connect?.bind(connector);
  if (!connector || !connect) return;
  connector.connect = async (...args: unknown[]) => {
    const stream = await connect(...args);
    stream.on('error', () => undefined);
    return stream;
  };
}

/**
 * ioredis' Sentinel failover detector belongs to the connection that opened it, but stays subscribed after that
 * connection is lost. A promotion announced while the reconnection is still asking a Sentinel for the primary then
 * makes it abort that reconnection, and ioredis ends the client for good: every later command fails with
 * "Connection is closed." This closes the detector with its connection; the next connection opens its own, and the
 * reconnection in between asks the Sentinels for the primary anyway.
 */
function guardFailoverDetector(connection: Redis): void {
  if (connection.options.sentinels?.length && connection.options.failoverDetector) {
    connection.on('close', () => closeFailoverDetector(connection));
  }
}

/** The guards above, for every ioredis connection the package opens (the provider's, a cluster's nodes, the cache bus). */
export function guardConnection(connection: Redis, log: Logger): void {
  guardAuth(connection, log);
  guardSocketErrors(connection);
  guardFailoverDetector(connection);
}

/**
 * Disconnects now. ioredis' `disconnect()` during a reconnection delay cancels the reconnection but never ends the
 * client: its status stays `reconnecting`, no `end` event comes, and the commands waiting for a connection are never
 * rejected (their promises stay pending for ever). Those are finished here: rejected with `reason`, status `end`.
 * Returns how many commands were rejected.
 */
function endNow(connection: RedisClient, reason: Error): number {
  const internal = connection as unknown as {
    status: string;
    offlineQueue?: { length: number };
    commandQueue?: { length: number };
    flushQueue?(error: Error): void;
    setStatus?(status: string): void;
  };
  const queued = (internal.offlineQueue?.length ?? 0) + (internal.commandQueue?.length ?? 0);
  connection.disconnect();
  if (!connection.isCluster && internal.status !== 'end' && internal.status !== 'wait') {
    internal.flushQueue?.(reason);
    internal.setStatus?.('end');
  }
  return queued;
}

/**
 * ioredis closes the failover detector's Sentinel subscriptions on `disconnect()` but not when `quit()` ends the
 * connection, which would leave one open socket per Sentinel behind a clean disposal.
 */
function closeFailoverDetector(connection: RedisClient): void {
  const connector = (connection as unknown as { connector?: { failoverDetector?: { cleanup(): void } | null } }).connector;
  connector?.failoverDetector?.cleanup();
}

/** See `disconnectTimeout` below. */
const DISCONNECT_TIMEOUT_MS = 200;

/** ioredis options shared by every connection the provider opens. */
function nodeOptions(cfg: RedisConfig): RedisOptions {
  return {
    lazyConnect: true,
    username: cfg.username,
    password: cfg.password,
    tls: tlsOptions(cfg.tls),
    connectTimeout: cfg.connectTimeoutMs,
    commandTimeout: cfg.commandTimeoutMs,
    maxRetriesPerRequest: cfg.maxRetriesPerRequest,
    keepAlive: 30_000,
    // ioredis' disconnect() half-closes and destroys the socket after this long unless it closed; its timer is not
    // cleared when the socket was already gone (a server that died), so its default 2 s kept processes alive.
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    // After a failover the old primary answers READONLY: reconnect and resend.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  };
}

/**
 * Redis through ioredis. `client` is the real `Redis` (or `Cluster`); ioredis is loaded on first use.
 * Reconnection never gives up (delays from the retry policy, capped, with jitter), so a service rides out an
 * outage; `connect()` gives up after `retries` failed attempts. Disposal: `quit()` within the budget, then
 * `disconnect()`; a client that never connected is only disconnected.
 */
@injectable()
export class RedisProvider extends LazyProvider<RedisClient> {
  #replica: Redis | undefined;
  readonly #config: RedisConfig | undefined;
  /** While `connect()` waits, failed attempts are counted and the retry strategy stops after `retries`. */
  #connectFailures: number | undefined;

  constructor(
    @inject(DB_CONFIG) config: DbConfig,
    @inject(LOGGER) logger: Logger,
    @inject(DB_LIFECYCLE) lifecycle: ContainerLifecycle,
  ) {
    super('redis', 'stores', logger, lifecycle);
    this.#config = config.redis;
  }

  get isConfigured(): boolean {
    return this.#config !== undefined;
  }

  /**
   * The client for reads that tolerate replica lag. Sentinel mode with `REDIS_READ_FROM_REPLICAS=true`: a second
   * connection to a replica, built on first use. Otherwise `client` itself (cluster mode routes reads by `scaleReads`).
   */
  get readClient(): RedisClient {
    this.assertOpen();
    const cfg = this.#settings();
    const primary = this.client;
    if (cfg.mode !== 'sentinel' || !cfg.readFromReplicas) return primary;
    this.#replica ??= this.#watch(this.#newRedis(cfg, 'slave'), 'replica');
    return this.#replica;
  }

  #settings(): RedisConfig {
    if (this.#config) return this.#config;
    throw new ConfigError(
      [{ variable: 'REDIS_URL or REDIS_HOST', expected: 'set one of them (or REDIS_MODE=sentinel|cluster with its nodes)' }],
      'Redis is not configured',
    );
  }

  #newRedis(cfg: RedisConfig, role: 'master' | 'slave'): Redis {
    const { Redis: RedisClass } = require('ioredis') as typeof import('ioredis');
    const retryStrategy = (times: number) => this.#retryDelay(cfg, times);
    const common = { ...nodeOptions(cfg), db: cfg.db, keyPrefix: cfg.keyPrefix, retryStrategy };
    if (cfg.mode === 'standalone') return new RedisClass({ ...common, host: cfg.host, port: cfg.port });
    return new RedisClass({
      ...common,
      sentinels: cfg.sentinels.map(({ host, port }) => ({ host, port })),
      name: cfg.sentinelName,
      role,
      sentinelPassword: cfg.sentinelPassword,
      sentinelRetryStrategy: retryStrategy,
      // Reconnect on a failover announced by the Sentinels, not only when the old primary's connection breaks.
      failoverDetector: cfg.sentinelFailoverDetector,
      enableTLSForSentinelMode: cfg.tls !== undefined,
      sentinelTLS: tlsOptions(cfg.tls),
    });
  }

  /**
   * ioredis asks before every reconnection. In the background the answer is always a delay (capped, jittered), so
   * the client rides out outages; while `connect()` waits, `null` after `retries` failures ends the client cleanly.
   */
  #retryDelay(cfg: RedisConfig, times: number): number | null {
    if (this.#connectFailures !== undefined && ++this.#connectFailures > cfg.retry.retries) return null;
    return backoffDelay(cfg.retry, times);
  }

  protected createClient(): RedisClient {
    const cfg = this.#settings();
    if (cfg.mode !== 'cluster') return this.#watch(this.#newRedis(cfg, 'master'), 'primary');
    const { Cluster: ClusterClass } = require('ioredis') as typeof import('ioredis');
    const options: ClusterOptions = {
      lazyConnect: true,
      keyPrefix: cfg.keyPrefix,
      scaleReads: cfg.readFromReplicas ? 'slave' : 'master',
      clusterRetryStrategy: (times) => this.#retryDelay(cfg, times),
      redisOptions: nodeOptions(cfg),
      ...(cfg.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    };
    return this.#watch(new ClusterClass(cfg.clusterNodes.map(({ host, port }) => ({ host, port })), options), 'primary');
  }

  /** Logs connection events; the `error` listener also keeps ioredis from printing unhandled errors. */
  #watch<T extends RedisClient>(client: T, role: string): T {
    const log = this.log.child({ role, target: this.#config?.target });
    if (client.isCluster) (client as Cluster).on('+node', (node: Redis) => guardConnection(node, log));
    else guardConnection(client as Redis, log);
    let lastError = '';
    client.on('connect', () => log.debug('connected'));
    client.on('ready', () => {
      lastError = '';
      log.info('ready');
    });
    client.on('error', (error: Error) => {
      // One warning per distinct error, not one per reconnection attempt.
      if (error.message === lastError) log.debug({ err: error }, 'connection error (repeated)');
      else log.warn({ err: error }, 'connection error');
      lastError = error.message;
    });
    client.on('close', () => log.debug('connection closed'));
    client.on('reconnecting', (delayMs: number) => log.info({ delayMs }, 'reconnecting'));
    client.on('end', () => log.info('connection ended'));
    return client;
  }

  protected isIdle(client: RedisClient): boolean {
    return client.status === 'wait';
  }

  protected openClient(client: RedisClient, signal: AbortSignal): Promise<void> {
    if (client.status === 'ready') return Promise.resolve();
    this.#connectFailures = 0;
    return new Promise<void>((resolve, reject) => {
      let lastError: Error | undefined;
      const onAbort = () => settle(signal.reason as Error);
      const settle = (error?: Error) => {
        client.off('ready', onReady).off('error', onError).off('end', onEnd);
        signal.removeEventListener('abort', onAbort);
        const failures = this.#connectFailures ?? 0;
        this.#connectFailures = undefined;
        if (!error) return resolve();
        // Leave no reconnection loop behind: the caller was told it failed and may call connect() again.
        endNow(client, new ProviderError(this.name, 'command rejected: connect() gave up before a connection was ready'));
        reject(failures > 0 ? new Error(`gave up after ${failures} attempt${failures === 1 ? '' : 's'}: ${errorMessage(error)}`) : error);
      };
      const onReady = () => settle();
      const onError = (error: Error) => {
        lastError = error;
        if (isFatal(error)) settle(error);
      };
      const onEnd = () => settle(lastError ?? new Error('connection ended before it was ready'));
      client.on('ready', onReady).on('error', onError).on('end', onEnd);
      // Disposal, a timeout or the caller's signal: settle() disconnects, which ends ioredis' reconnection loop.
      signal.addEventListener('abort', onAbort, { once: true });
      if (client.status !== 'connecting' && client.status !== 'connect' && client.status !== 'reconnecting') {
        // Failures arrive through the events above.
        client.connect().catch(() => undefined);
      }
    });
  }

  protected async pingClient(client: RedisClient): Promise<void> {
    for (const c of this.#replica ? [client, this.#replica] : [client]) {
      if (c.status !== 'ready') throw new Error(`connection is ${c.status}`);
      await c.ping();
    }
  }

  /**
   * A connection that is ready quits (the server answers what was sent before, then closes). One that is not (the
   * server is down and ioredis is reconnecting, or it never connected) has nothing to flush: it is disconnected at
   * once, which rejects the commands waiting for a connection, and the report says so.
   */
  protected async closeClient(client: RedisClient): Promise<string | undefined> {
    const notes = await Promise.all(
      (this.#replica ? [client, this.#replica] : [client]).map(async (c) => {
        if (c.status !== 'ready') {
          const status = c.status;
          const queued = endNow(c, new ProviderError(this.name, 'command rejected: the provider was disposed while there was no connection (the command was not acknowledged)'));
          if (status === 'wait' || status === 'end') return undefined;
          return `no connection (${status}): closed at once, ${queued} queued command${queued === 1 ? '' : 's'} rejected`;
        }
        // quit() resolves on the server's OK; the socket closes just after. Resolve when it has.
        const ended = new Promise((resolve) => c.once('end', resolve));
        await c.quit();
        if ((c.status as string) !== 'end') await ended;
        closeFailoverDetector(c);
        return undefined;
      }),
    );
    return notes.filter(Boolean).join('; ') || undefined;
  }

  protected destroyClient(client: RedisClient): void {
    const connections: Redis[] = client.isCluster ? (client as Cluster).nodes('all') : [client as Redis];
    if (this.#replica) connections.push(this.#replica);
    client.disconnect();
    this.#replica?.disconnect();
    // disconnect() only half-closes; a frozen server never finishes the close, so destroy the sockets now.
    for (const connection of connections) connection.stream?.destroy();
  }
}
