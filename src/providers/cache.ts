import { EventEmitter } from 'node:events';
import type { BentoCache, BentoStore } from 'bentocache';
import { inject, injectable } from 'tsyringe';
import type { CacheConfig, DbConfig } from '../config/index.js';
import { bentoEntryDefaults } from '../config/cache.js';
import { ConfigError, errorMessage, ProviderError } from '../errors.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import { LazyProvider } from '../lifecycle/lazy-provider.js';
import type { HealthOptions, HealthStatus } from '../lifecycle/types.js';
import { DB_CONFIG, DB_LIFECYCLE, LOGGER } from '../tokens.js';
import { CacheBusTransport } from './cache-bus.js';
import { boundedDriver, RedisTierGuard } from './cache-guard.js';
import { CacheLogBridge } from './cache-logs.js';
import type { CacheClient, CacheGetOrSetOptions } from './cache-types.js';
import type { Logger } from './logger.js';
import { RedisProvider, type RedisClient } from './redis.js';

/** The bentocache instance inside: one store, `cache` (memory tier, Redis tier, bus). */
type Bento = BentoCache<{ cache: BentoStore }>;

/** Store name inside bentocache; also the last part of the bus channel. */
const STORE = 'cache';

/**
 * Cached reads through bentocache: a memory tier per process in front of the Redis tier, stampede protection (one
 * factory run per key per process at a time), grace periods, soft and hard factory timeouts, and a bus (Redis pub/sub)
 * that drops other processes' memory copies when a value changes. `client` is the real `BentoCache`; bentocache is
 * loaded on first use. Configured when Redis is (see `CacheConfig` for the CACHE_* settings).
 *
 * Disposal runs in the `cache` phase, before the stores: it waits for the Redis tier and bus operations in flight
 * (so an acknowledged write is in Redis before the Redis connection quits), then closes the bus connections.
 */
@injectable()
export class CacheProvider extends LazyProvider<CacheClient> {
  readonly #config: CacheConfig;
  readonly #redisConfigured: boolean;
  readonly #bridge: CacheLogBridge;
  /** Redis tier and bus operations in flight (bentocache's `internalOperationWrapper` reports each one). */
  readonly #inFlight = new Set<Promise<unknown>>();
  #bus: CacheBusTransport | undefined;
  #redisClient: RedisClient | undefined;
  #components: HealthStatus[] | undefined;

  constructor(
    @inject(DB_CONFIG) config: DbConfig,
    @inject(LOGGER) logger: Logger,
    @inject(DB_LIFECYCLE) lifecycle: ContainerLifecycle,
    @inject(RedisProvider) private readonly redis: RedisProvider,
  ) {
    super('cache', 'cache', logger, lifecycle);
    this.#config = config.cache;
    this.#redisConfigured = config.redis !== undefined;
    this.#bridge = new CacheLogBridge(this.log);
  }

  get isConfigured(): boolean {
    return this.#redisConfigured;
  }

  /**
   * Returns the cached value of `key`, or runs `factory` once (per key and process, however many callers are waiting)
   * and caches what it returns; the value type is the factory's. Shorthand for `client.getOrSet(options)`.
   */
  getOrSet<T>(options: CacheGetOrSetOptions<T>): Promise<T> {
    return this.client.getOrSet(options);
  }

  protected createClient(): CacheClient {
    if (!this.#redisConfigured) {
      throw new ConfigError(
        [{ variable: 'REDIS_URL or REDIS_HOST', expected: 'set one of them: the cache keeps its shared tier in Redis' }],
        'the cache needs Redis, which is not configured',
      );
    }
    const { BentoCache, bentostore } = require('bentocache') as typeof import('bentocache');
    const { memoryDriver } = require('bentocache/drivers/memory') as typeof import('bentocache/drivers/memory');
    const { redisDriver } = require('bentocache/drivers/redis') as typeof import('bentocache/drivers/redis');
    const { Redis, Cluster } = require('ioredis') as typeof import('ioredis');
    const cfg = this.#config;

    // The Redis tier uses the RedisProvider's own client, not a connection of its own: one connection per process
    // instead of two, the same TLS, credentials, mode (standalone, Sentinel, Cluster), retry policy, key prefix and
    // logging, and the RedisProvider's health and disposal cover it. bentocache's driver accepts an existing ioredis
    // client; it must be a real one (a fake RedisProvider's ioredis-mock would make bentocache dial its own).
    const client = this.redis.client;
    if (!(client instanceof Redis) && !(client instanceof Cluster)) {
      throw new ProviderError(this.name, 'the RedisProvider does not hand out an ioredis client (use FakeCacheProvider with a fake RedisProvider)');
    }
    this.#redisClient = client;
    client.on('ready', () => this.#bridge.tierReady());
    // Every command of the cache is bounded by CACHE_REDIS_TIMEOUT_MS (see RedisTierGuard); the end of an outage is
    // the first command that succeeds again (a frozen server that resumes never emits 'ready').
    const guard = new RedisTierGuard(cfg.redisTimeoutMs, () => this.#bridge.tierReady());
    const shared = redisDriver({ connection: client });
    // The driver uses the RedisProvider's client: bentocache's disconnect() must not close it (the RedisProvider closes
    // it gracefully in the stores phase, after this provider has drained), hence `boundedDriver`'s no-op disconnect.
    const redisTier: typeof shared = { options: shared.options, factory: (config: unknown) => boundedDriver(shared.factory(config), guard) };

    let store = bentostore()
      .useL1Layer(memoryDriver({ maxItems: cfg.memoryMaxItems, maxSize: cfg.memoryMaxBytes }))
      .useL2Layer(redisTier);
    if (cfg.bus) {
      store = store.useBus({
        options: { retryQueue: { enabled: true, maxSize: 10_000 } },
        // Called when bentocache first uses the store: the bus connections open then, not when `client` is read.
        factory: () => (this.#bus = new CacheBusTransport(client, cfg.keyPrefix, this.log, guard)),
      });
    }

    const emitter = new EventEmitter();
    emitter.on('cache:hit', (hit: { key: string; graced?: boolean }) => {
      if (hit.graced) this.#bridge.staleRead(hit.key);
    });
    const bento: Bento = new BentoCache({
      default: STORE,
      stores: { [STORE]: store } as { cache: BentoStore },
      ...bentoEntryDefaults(cfg),
      ...(cfg.l2CircuitBreakerMs > 0 ? { l2CircuitBreakerDuration: cfg.l2CircuitBreakerMs } : {}),
      logger: this.#bridge.bentoLogger(),
      emitter,
      internalOperationWrapper: <T>(operation: () => T): T => this.#track(operation),
    });
    // Checked here: bentocache's class has the shape the package's own CacheClient type promises.
    const typed: CacheClient = bento;
    return typed;
  }

  /** Counts a Redis tier or bus operation as in flight until it settles (disposal waits for them). */
  #track<T>(operation: () => T): T {
    const result = operation();
    if (result instanceof Promise) {
      const settled: Promise<unknown> = result.then(
        () => this.#inFlight.delete(settled),
        () => this.#inFlight.delete(settled),
      );
      this.#inFlight.add(settled);
    }
    return result;
  }

  /** Waits until nothing is in flight, also what settling operations started (a write is followed by its publish). */
  async #drain(): Promise<number> {
    let drained = 0;
    while (this.#inFlight.size > 0) {
      drained += this.#inFlight.size;
      await Promise.all([...this.#inFlight]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return drained;
  }

  protected isIdle(): boolean {
    const status = this.#redisClient?.status;
    return this.#bus === undefined && (status === undefined || status === 'wait');
  }

  protected async openClient(client: CacheClient, signal: AbortSignal): Promise<void> {
    await this.redis.connect({ signal });
    if (!this.#config.bus) return;
    // The first use of the store creates the bus (and subscribes): make it now, then wait for the subscription.
    (client as Bento).use();
    await this.#bus?.ready(signal);
  }

  /** The Redis tier (the shared connection answers a PING) and the bus (both connections ready, publisher pings). */
  protected async pingClient(): Promise<void> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const redis = this.#redisClient;
    const tier: HealthStatus = await (async () => {
      try {
        if (redis?.status !== 'ready') throw new Error(`connection is ${redis?.status ?? 'not built'}`);
        await redis.ping();
        return { provider: 'cache.redis', status: 'up', latencyMs: elapsed() } as const;
      } catch (error) {
        return { provider: 'cache.redis', status: 'down', latencyMs: elapsed(), error: errorMessage(error) } as const;
      }
    })();
    const bus: HealthStatus = await (async () => {
      if (!this.#config.bus) return { provider: 'cache.bus', status: 'not_configured', latencyMs: 0 } as const;
      if (!this.#bus) return { provider: 'cache.bus', status: 'not_initialized', latencyMs: 0 } as const;
      try {
        const answer = await this.#bus.probe();
        if (answer.ok) return { provider: 'cache.bus', status: 'up', latencyMs: elapsed() } as const;
        return { provider: 'cache.bus', status: 'down', latencyMs: elapsed(), error: answer.error ?? 'down' } as const;
      } catch (error) {
        return { provider: 'cache.bus', status: 'down', latencyMs: elapsed(), error: errorMessage(error) } as const;
      }
    })();
    this.#components = [tier, bus];
    const down = this.#components.filter((part) => part.status === 'down');
    if (down.length > 0) throw new Error(down.map((part) => `${part.provider}: ${part.error ?? 'down'}`).join('; '));
  }

  /** The provider's health, with the Redis tier and the bus as `components` once they were probed. */
  override async health(options: HealthOptions = {}): Promise<HealthStatus> {
    this.#components = undefined;
    const status = await super.health(options);
    const components = this.#components;
    return components && (status.status === 'up' || status.status === 'down') ? { ...status, components } : status;
  }

  /**
   * Drains the Redis tier and bus operations in flight, then closes the bus. The shared Redis connection stays open
   * for the stores phase, whose graceful `quit()` flushes anything still queued on it.
   */
  protected async closeClient(client: CacheClient): Promise<string | undefined> {
    const bento = client as Bento;
    const drained = await this.#drain();
    // Without a bus created, disconnect() would create the store (and dial the bus) only to close it again.
    if (this.#bus !== undefined || !this.#config.bus) await bento.disconnect();
    return drained > 0 ? `waited for ${drained} Redis tier or bus operation${drained === 1 ? '' : 's'} in flight` : undefined;
  }

  protected destroyClient(): void {
    this.#bus?.destroy();
  }
}
