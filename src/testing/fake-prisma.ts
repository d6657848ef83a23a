import { inject, injectable, type InjectionToken } from 'tsyringe';
import { ConfigError, LazyProvider, LOGGER } from '../index.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import type { Logger } from '../providers/logger.js';
import type { RateCreatorPrismaClient } from '../providers/prisma.js';
import { DB_LIFECYCLE } from '../tokens.js';

/** `{ client }`: the Prisma client a test container hands out (for example `mockDeep<RateCreatorPrismaClient>()`), if any. */
export const FAKE_PRISMA_CLIENT: InjectionToken<{ readonly client?: unknown }> = Symbol.for('@ratecreator/db:FAKE_PRISMA_CLIENT');

const NO_MOCK =
  'the test container has no Prisma mock: pass createTestContainer({ prisma: mockDeep<RateCreatorPrismaClient>() }) ' +
  "(mockDeep from 'vitest-mock-extended')";

/** A client on which every call fails with a clear error: what a test container hands out when no mock was given. */
function unmockedClient(path: string[] = []): unknown {
  const fail = () => {
    throw new ConfigError([{ variable: `prisma.${path.join('.') || 'client'}`, expected: NO_MOCK }], 'Prisma is not mocked');
  };
  return new Proxy(fail, {
    get: (_target, property) => (property === 'then' || typeof property === 'symbol' ? undefined : unmockedClient([...path, property])),
    apply: fail,
  });
}

/**
 * Prisma in a test container: `client` is the mock passed to `createTestContainer({ prisma })`, or a client on
 * which every call throws a `ConfigError` explaining how to pass one. Never loads the generated client or an engine.
 */
@injectable()
export class FakePrismaProvider extends LazyProvider<RateCreatorPrismaClient> {
  readonly #mock: unknown;

  constructor(
    @inject(LOGGER) logger: Logger,
    @inject(DB_LIFECYCLE) lifecycle: ContainerLifecycle,
    @inject(FAKE_PRISMA_CLIENT) mock: { readonly client?: unknown },
  ) {
    super('prisma', 'stores', logger, lifecycle);
    this.#mock = mock.client;
  }

  get isConfigured(): boolean {
    return this.#mock !== undefined;
  }

  protected createClient(): RateCreatorPrismaClient {
    return (this.#mock ?? unmockedClient()) as RateCreatorPrismaClient;
  }

  protected async openClient(): Promise<void> {}

  protected async pingClient(): Promise<void> {}

  protected async closeClient(): Promise<void> {}

  protected destroyClient(): void {}
}
