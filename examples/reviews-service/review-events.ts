import { inject, injectable } from 'tsyringe';
import { KafkaProvider } from '../../src/index.js';
import { REVIEW_CREATED_TOPIC, reviewCreatedEvent, type Review } from './review.js';

/** Publishes review events with the Kafka provider's shared producer. */
@injectable()
export class ReviewEvents {
  constructor(@inject(KafkaProvider) private readonly kafka: KafkaProvider) {}

  /** Creates the topic if it is missing (the demo's broker starts empty; producers do not auto-create topics). */
  async ensureTopic(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: REVIEW_CREATED_TOPIC, numPartitions: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  /** Publishes `review.created`, keyed by account so one account's events stay in order; resolves once acknowledged. */
  async publishCreated(review: Review): Promise<void> {
    await this.kafka.producer().send({
      topic: REVIEW_CREATED_TOPIC,
      messages: [{ key: review.accountId, value: JSON.stringify(reviewCreatedEvent(review)) }],
    });
  }
}
