import type { Consumer } from 'kafkajs';
import { errorMessage, TimeoutError } from '../errors.js';
import { withTimeout } from '../lifecycle/timeout.js';
import type { ProviderDisposal, Shutdownable } from '../lifecycle/types.js';
import type { SocketPool } from './kafka-sockets.js';
import type { Logger } from './logger.js';

/**
 * Share of the disposal budget the consumers may use; the rest stays for the producer (and the phases after it),
 * so a consumer stuck in a handler cannot eat the time the in-flight sends need.
 */
export const CONSUMER_BUDGET_SHARE = 0.5;

interface Tracked {
  readonly consumer: Consumer;
  readonly groupId: string;
  readonly sockets: SocketPool;
}

/**
 * The Kafka consumers a provider created, as the `kafka-consumers` member of the container's disposal: it runs in
 * the `consumers` phase, before the producer, and yields its own row in the report. Each consumer is disconnected
 * (kafkajs stops it first, which waits for the running handler); one that does not stop within
 * {@link CONSUMER_BUDGET_SHARE} of the budget has its connections destroyed and is reported as timed out.
 */
export class KafkaConsumers implements Shutdownable {
  readonly name = 'kafka-consumers';
  readonly disposePhase = 'consumers';
  readonly #tracked = new Set<Tracked>();
  #shutdown: Promise<ProviderDisposal> | undefined;

  constructor(private readonly log: Logger) {}

  /** True once disposal of the consumers has begun. */
  get closing(): boolean {
    return this.#shutdown !== undefined;
  }

  /** Consumers created so far. */
  get size(): number {
    return this.#tracked.size;
  }

  /** Tracks a consumer until disposal. A crashed consumer restarts itself, so it stays tracked after a DISCONNECT. */
  add(consumer: Consumer, groupId: string, sockets: SocketPool): void {
    this.#tracked.add({ consumer, groupId, sockets });
  }

  shutdown(budgetMs: number): Promise<ProviderDisposal> {
    this.#shutdown ??= this.#close(budgetMs);
    return this.#shutdown;
  }

  async #close(budgetMs: number): Promise<ProviderDisposal> {
    const base = { provider: this.name, phase: this.disposePhase } as const;
    if (this.#tracked.size === 0) return { ...base, status: 'not_initialized', ms: 0 };
    const started = Date.now();
    const limit = Math.floor(budgetMs * CONSUMER_BUDGET_SHARE);
    const outcomes = await Promise.all(
      [...this.#tracked].map(async ({ consumer, groupId, sockets }) => {
        try {
          await withTimeout(() => consumer.disconnect(), limit, `consumer of group ${groupId} disconnect`);
          sockets.close();
          return undefined;
        } catch (error) {
          const destroyed = sockets.destroy();
          this.log.warn({ groupId, destroyed, err: error }, 'consumer did not stop cleanly; its connections were destroyed');
          return { groupId, error };
        }
      }),
    );
    const failures = outcomes.filter((outcome) => outcome !== undefined);
    const ms = Date.now() - started;
    if (failures.length === 0) {
      this.log.info({ ms, consumers: this.#tracked.size }, 'consumers stopped');
      return { ...base, status: 'closed', ms };
    }
    const timedOut = failures.some(({ error }) => error instanceof TimeoutError);
    const groups = failures.map(({ groupId }) => groupId).join(', ');
    const error = timedOut
      ? `consumer group(s) ${groups} did not stop within ${limit} ms (a message handler may never return); connections destroyed`
      : `consumer group(s) ${groups} failed to disconnect: ${failures.map((f) => errorMessage(f.error)).join('; ')}`;
    return { ...base, status: timedOut ? 'timed_out' : 'failed', ms, error };
  }
}
