import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { inject, injectable } from 'tsyringe';
import { DisposedError, LazyProvider, LOGGER } from '../index.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import type { Logger } from '../providers/logger.js';
import type { KafkaConsumerOptions } from '../providers/kafka.js';
import { DB_LIFECYCLE } from '../tokens.js';
import { MemoryBroker, memoryKafka } from './memory-kafka.js';

/**
 * In-memory Kafka with the `KafkaProvider` surface: `producer()` (shared), `consumer(groupId)` (stopped on
 * disposal) and `admin()`. Produced messages reach subscribed consumers; `broker` exposes every topic's log.
 */
@injectable()
export class FakeKafkaProvider extends LazyProvider<Kafka> {
  /** The in-memory topics, for assertions: `broker.messages('review.created')`. */
  readonly broker = new MemoryBroker();
  #producer: Producer | undefined;
  readonly #consumers = new Set<Consumer>();

  constructor(@inject(LOGGER) logger: Logger, @inject(DB_LIFECYCLE) lifecycle: ContainerLifecycle) {
    super('kafka', 'producers', logger, lifecycle);
  }

  get isConfigured(): boolean {
    return true;
  }

  #assertOpen(): void {
    if (this.lifecycle.disposing) throw new DisposedError(this.name);
  }

  producer(): Producer {
    this.#assertOpen();
    this.#producer ??= this.client.producer();
    return this.#producer;
  }

  consumer(groupId: string, _options: KafkaConsumerOptions = {}): Consumer {
    this.#assertOpen();
    const consumer = this.client.consumer({ groupId });
    this.#consumers.add(consumer);
    return consumer;
  }

  admin(): Admin {
    this.#assertOpen();
    return this.client.admin();
  }

  protected createClient(): Kafka {
    return memoryKafka(this.broker);
  }

  protected async openClient(): Promise<void> {
    await this.producer().connect();
  }

  protected async pingClient(): Promise<void> {}

  protected async closeClient(): Promise<void> {
    await Promise.all([...this.#consumers].map((consumer) => consumer.disconnect()));
    await this.#producer?.disconnect();
  }

  protected destroyClient(): void {}
}
