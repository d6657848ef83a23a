import { inject, injectable } from 'tsyringe';
import { DB_CONFIG, LazyProvider, LOGGER, type CacheClient, type CacheGetOrSetOptions, type DbConfig } from '../index.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import type { Logger } from '../providers/logger.js';
import { DB_LIFECYCLE } from '../tokens.js';

/**
 * The `CacheProvider` of a test container: the real bentocache with its memory tier only (no Redis tier, no bus), so
 * `getOrSet`, tags, namespaces, grace periods and stampede protection behave as in production within one process,
 * and nothing opens a socket. TTLs and the other CACHE_* settings come from the test container's configuration.
 */
@injectable()
export class FakeCacheProvider extends LazyProvider<CacheClient> {
  readonly #config: DbConfig['cache'];

  constructor(@inject(DB_CONFIG) config: DbConfig, @inject(LOGGER) logger: Logger, @inject(DB_LIFECYCLE) lifecycle: ContainerLifecycle) {
    super('cache', 'cache', logger, lifecycle);
    this.#config = config.cache;
  }

  get isConfigured(): boolean {
    return true;
  }

  /** As `CacheProvider.getOrSet`. */
  getOrSet<T>(options: CacheGetOrSetOptions<T>): Promise<T> {
    return this.client.getOrSet(options);
  }

  protected createClient(): CacheClient {
    const { BentoCache, bentostore } = require('bentocache') as typeof import('bentocache');
    const { memoryDriver } = require('bentocache/drivers/memory') as typeof import('bentocache/drivers/memory');
    const cfg = this.#config;
    const bento = new BentoCache({
      default: 'cache',
      stores: { cache: bentostore().useL1Layer(memoryDriver({ maxItems: cfg.memoryMaxItems, maxSize: cfg.memoryMaxBytes })) },
      // The same entry defaults as the real provider's (bentoEntryDefaults in src/config/cache.ts), written out: the
      // testing entry reaches core modules only through the main entry, and that helper is not public API.
      prefix: cfg.keyPrefix,
      ttl: cfg.ttlMs,
      grace: cfg.graceMs > 0 ? cfg.graceMs : false,
      graceBackoff: cfg.graceBackoffMs,
      timeout: cfg.softTimeoutMs,
      ...(cfg.hardTimeoutMs !== undefined ? { hardTimeout: cfg.hardTimeoutMs } : {}),
    });
    return bento as CacheClient;
  }

  protected async openClient(): Promise<void> {}

  protected async pingClient(): Promise<void> {}

  protected async closeClient(client: CacheClient): Promise<void> {
    await (client as CacheClient & { disconnect(): Promise<void> }).disconnect();
  }

  protected destroyClient(): void {}
}
