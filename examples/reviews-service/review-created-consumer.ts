import type { EachMessagePayload } from 'kafkajs';
import { inject, injectable } from 'tsyringe';
import { KafkaProvider, LOGGER, type Logger } from '../../src/index.js';
import { REVIEW_CREATED_TOPIC, type ReviewCreatedEvent } from './review.js';

/** The consumer group of {@link ReviewCreatedConsumer}. */
export const REVIEW_CREATED_GROUP = 'reviews-demo';

/**
 * Picks up `review.created` events (a stand-in for a notification or moderation worker): logs each one and keeps
 * it, so the demo can wait until every event it published has come back. Disposal of the container stops it.
 */
@injectable()
export class ReviewCreatedConsumer {
  readonly #received = new Map<string, ReviewCreatedEvent>();
  readonly #listeners = new Set<() => void>();
  readonly #log: Logger;
  #malformed = 0;
  #started = false;

  constructor(
    @inject(KafkaProvider) private readonly kafka: KafkaProvider,
    @inject(LOGGER) logger: Logger,
  ) {
    this.#log = logger.child({ consumer: REVIEW_CREATED_GROUP });
  }

  /** Events received so far, by review id. */
  get received(): ReadonlyMap<string, ReviewCreatedEvent> {
    return this.#received;
  }

  /** Messages that were not a `review.created` event (logged and skipped). */
  get malformed(): number {
    return this.#malformed;
  }

  /** Joins the group and starts consuming the topic from its beginning. Call once. */
  async start(): Promise<void> {
    if (this.#started) throw new Error('ReviewCreatedConsumer.start() was already called');
    this.#started = true;
    // An idle fetch waits on the broker up to maxWaitTimeInMs (kafkajs default 5000), and stopping the consumer
    // waits for that fetch: a shorter wait keeps disposal short.
    const consumer = this.kafka.consumer(REVIEW_CREATED_GROUP, { maxWaitTimeInMs: 1000 });
    await consumer.connect();
    await consumer.subscribe({ topic: REVIEW_CREATED_TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async (payload) => this.#handle(payload) });
  }

  async #handle({ partition, message }: EachMessagePayload): Promise<void> {
    let event: ReviewCreatedEvent;
    try {
      event = JSON.parse(message.value?.toString() ?? '') as ReviewCreatedEvent;
      if (event.type !== 'review.created' || typeof event.reviewId !== 'string') throw new Error('not a review.created event');
    } catch (error) {
      this.#malformed += 1;
      this.#log.warn({ partition, offset: message.offset, err: error }, 'skipped a malformed message');
      return;
    }
    this.#received.set(event.reviewId, event);
    this.#log.info({ partition, offset: message.offset, reviewId: event.reviewId, stars: event.stars }, 'review.created received');
    for (const listener of this.#listeners) listener();
  }

  /**
   * Resolves once an event has arrived for every id in `reviewIds`.
   * @throws {Error} saying how many arrived when `timeoutMs` passes first.
   * @throws the signal's reason when `signal` aborts first.
   */
  async waitFor(reviewIds: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const missing = () => reviewIds.filter((id) => !this.#received.has(id));
    signal?.throwIfAborted();
    if (missing().length === 0) return;
    let listener: (() => void) | undefined;
    let onAbort: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        listener = () => {
          if (missing().length === 0) resolve();
        };
        this.#listeners.add(listener);
        onAbort = () => reject(signal?.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        timer = setTimeout(() => {
          const count = reviewIds.length - missing().length;
          reject(new Error(`${REVIEW_CREATED_TOPIC}: ${count} of ${reviewIds.length} events arrived within ${timeoutMs} ms`));
        }, timeoutMs);
      });
    } finally {
      clearTimeout(timer);
      if (listener) this.#listeners.delete(listener);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }
}
