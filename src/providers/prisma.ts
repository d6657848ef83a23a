import { inject, injectable } from 'tsyringe';
import type { Prisma, PrismaClient } from '../../generated/prisma/index.js';
import type { DbConfig, PrismaConfig } from '../config/index.js';
import { ConfigError, DbError, errorMessage, ProviderError } from '../errors.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import { LazyProvider } from '../lifecycle/lazy-provider.js';
import { loadGeneratedClient, type GeneratedPrismaModule } from '../prisma/generated-client.js';
import { engineErrorsExtension, engineUnavailableError, isEngineUnavailable } from '../prisma/engine-errors.js';
import { softDeleteExtension, softDeleteModels, type SoftDeleteModels } from '../prisma/soft-delete.js';
import { DB_CONFIG, DB_LIFECYCLE, LOGGER } from '../tokens.js';
import type { Logger } from './logger.js';
import { safeText } from '../sanitize.js';

export type { GeneratedPrismaModule } from '../prisma/generated-client.js';

/** Options the provider builds the base client with. */
export type PrismaClientOptions = Omit<Prisma.PrismaClientOptions, 'log'> & {
  log: Array<{ emit: 'event'; level: Prisma.LogLevel }>;
};

/** The base client with the package's extensions applied. */
function extendClient(base: PrismaClient, models: SoftDeleteModels) {
  return base.$extends(engineErrorsExtension('prisma')).$extends(softDeleteExtension(models));
}

/**
 * The client `PrismaProvider` hands out: the generated `PrismaClient` with soft deletes enforced (see
 * `src/prisma/soft-delete.ts`) and "engine unavailable" failures turned into `ProviderError`. Like every extended
 * Prisma client it has no `$on`; the provider bridges log events itself.
 */
export type RateCreatorPrismaClient = ReturnType<typeof extendClient>;

/** Errors that no retry can fix: `connect()` gives up at once. */
const FATAL_MESSAGE = /authentication failed|auth(entication)? error|not authorized|invalid (database )?(connection )?string/i;
/** Prisma's codes for bad credentials, access denied, an invalid schema and an invalid connection string. */
const FATAL_CODES: ReadonlySet<string> = new Set(['P1000', 'P1010', 'P1012', 'P1013']);

function isFatal(error: unknown): boolean {
  const { errorCode, code } = (error ?? {}) as { errorCode?: unknown; code?: unknown };
  const prismaCode = typeof errorCode === 'string' ? errorCode : typeof code === 'string' ? code : '';
  return isEngineUnavailable(error) || FATAL_CODES.has(prismaCode) || FATAL_MESSAGE.test(errorMessage(error));
}

/**
 * A failed engine load rejects a promise Prisma creates in the constructor and awaits only on first use; marks such
 * promises handled so that a client that is never used leaves no unhandled rejection. Whoever awaits them later
 * still sees the failure.
 */
function markEnginePromisesHandled(client: PrismaClient): void {
  const engine = (client as unknown as { _engine?: Record<string, unknown> })._engine;
  for (const value of Object.values(engine ?? {})) {
    if (value instanceof Promise) value.catch(() => undefined);
  }
}

/**
 * Prisma (MongoDB) through the generated client. `client` is the extended `PrismaClient`; `@prisma/client` and the
 * generated module are loaded on first use. `connect()` = `$connect()` plus a ping, retried with the backoff of
 * `PRISMA_RETRY_*`; `health()` = `$runCommandRaw({ ping: 1 })`; disposal = `$disconnect()` within the budget.
 * When the query engine is missing, every use fails with a `ProviderError` saying so, and nothing rejects unhandled.
 */
@injectable()
export class PrismaProvider extends LazyProvider<RateCreatorPrismaClient> {
  readonly #config: PrismaConfig | undefined;
  #base: PrismaClient | undefined;
  readonly #closing = new AbortController();

  constructor(
    @inject(DB_CONFIG) config: DbConfig,
    @inject(LOGGER) logger: Logger,
    @inject(DB_LIFECYCLE) lifecycle: ContainerLifecycle,
  ) {
    super('prisma', 'stores', logger, lifecycle);
    this.#config = config.prisma;
  }

  get isConfigured(): boolean {
    return this.#config !== undefined;
  }

  #settings(): PrismaConfig {
    if (this.#config) return this.#config;
    throw new ConfigError([{ variable: 'DATABASE_URL_ONLINE', expected: 'a mongodb:// or mongodb+srv:// URL with a database name' }], 'Prisma is not configured');
  }

  /** Constructs the base client. A seam for tests, which may observe or replace what the client executes. */
  protected createBaseClient(generated: GeneratedPrismaModule, options: PrismaClientOptions): PrismaClient {
    return new generated.PrismaClient(options);
  }

  protected createClient(): RateCreatorPrismaClient {
    const cfg = this.#settings();
    const generated = loadGeneratedClient();
    const levels: Prisma.LogLevel[] = ['error', 'warn', 'info', ...(cfg.logQueries ? (['query'] as const) : [])];
    const base = this.createBaseClient(generated, {
      datasourceUrl: cfg.url,
      errorFormat: 'minimal',
      log: levels.map((level) => ({ emit: 'event' as const, level })),
    });
    markEnginePromisesHandled(base);
    this.#bridgeLogs(base, cfg);
    this.#base = base;
    return extendClient(base, softDeleteModels(generated.Prisma.dmmf.datamodel));
  }

  /** Log events go to the provider's logger; `$on` exists only before `$extends`. */
  #bridgeLogs(client: PrismaClient, cfg: PrismaConfig): void {
    const base = client as unknown as PrismaClient<Prisma.PrismaClientOptions, Prisma.LogLevel>;
    const log = this.log.child({ target: cfg.target });
    base.$on('error', (event) => log.error({ prismaTarget: event.target }, safeText(event.message)));
    base.$on('warn', (event) => log.warn({ prismaTarget: event.target }, safeText(event.message)));
    base.$on('info', (event) => log.info({ prismaTarget: event.target }, safeText(event.message)));
    // Durations only: query text carries user data.
    if (cfg.logQueries) base.$on('query', (event) => log.debug({ durationMs: event.duration, prismaTarget: event.target }, 'query'));
  }

  protected async openClient(client: RateCreatorPrismaClient, signal: AbortSignal): Promise<void> {
    const { retry } = this.#settings();
    const { default: pRetry } = await import('p-retry');
    await pRetry(
      async () => {
        await client.$connect();
        await client.$runCommandRaw({ ping: 1 });
      },
      {
        retries: retry.retries,
        factor: retry.factor,
        // p-retry's `randomize` multiplies a delay by [1, 2); halving the base gives the policy's [d/2, d).
        minTimeout: retry.jitter ? retry.initialDelayMs / 2 : retry.initialDelayMs,
        maxTimeout: retry.maxDelayMs,
        randomize: retry.jitter,
        signal: AbortSignal.any([this.#closing.signal, signal]),
        shouldRetry: ({ error }) => !isFatal(error),
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          this.log.warn({ attempt: attemptNumber, retriesLeft, error: errorMessage(error) }, 'connect attempt failed');
        },
      },
    );
  }

  /** Wraps failures in a `ProviderError`; an unavailable engine gets the message that says how to fix it. */
  protected override wrap(action: string, error: unknown): DbError {
    if (error instanceof DbError) return error;
    if (isEngineUnavailable(error)) return engineUnavailableError(this.name, error);
    return new ProviderError(this.name, `${action}: ${errorMessage(error)}`, { cause: error });
  }

  protected async pingClient(client: RateCreatorPrismaClient): Promise<void> {
    try {
      await client.$runCommandRaw({ ping: 1 });
    } catch (error) {
      // health() reports the message: no credentials in it.
      throw this.wrap('ping failed', error);
    }
  }

  protected async closeClient(): Promise<void> {
    this.#closing.abort(new ProviderError(this.name, 'connect aborted: the provider is being disposed'));
    try {
      await this.#base?.$disconnect();
    } catch (error) {
      // An engine that never loaded has nothing to close; $disconnect rejects with the load failure.
      if (!isEngineUnavailable(error)) throw error;
      this.log.debug({ error: errorMessage(error).split('\n')[0] }, 'no query engine was loaded; nothing to close');
    }
  }

  protected destroyClient(): void {
    // Prisma has no forced close; a second $disconnect is the best remaining effort, and must not reject unhandled.
    this.#base?.$disconnect().catch(() => undefined);
  }
}
