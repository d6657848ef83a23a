import 'reflect-metadata';
import { ObjectId } from 'mongodb';
import type { DependencyContainer } from 'tsyringe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RatingCache } from '../../../examples/reviews-service/rating-cache.js';
import { REVIEW_CREATED_TOPIC, type ReviewInput } from '../../../examples/reviews-service/review.js';
import { ReviewCreatedConsumer } from '../../../examples/reviews-service/review-created-consumer.js';
import { ReviewIndexer } from '../../../examples/reviews-service/review-indexer.js';
import { ReviewService } from '../../../examples/reviews-service/review-service.js';
import { REVIEW_COLLECTION } from '../../../examples/reviews-service/review-store.js';
import { disposeWithReport } from '../../../src/container.js';
import { AlgoliaProvider } from '../../../src/providers/algolia.js';
import { KafkaProvider } from '../../../src/providers/kafka.js';
import { MongoProvider } from '../../../src/providers/mongo.js';
import { RedisProvider } from '../../../src/providers/redis.js';
import { createTestContainer, FakeKafkaProvider } from '../../../src/testing/index.js';

const ACCOUNT = '65a1f0c2a1b2c3d4e5f60001';
const first: ReviewInput = { accountId: ACCOUNT, authorId: '65a1f0c2a1b2c3d4e5f6a001', platform: 'YOUTUBE', stars: 5, title: 'Clear science explainers' };
const second: ReviewInput = { accountId: ACCOUNT, authorId: '65a1f0c2a1b2c3d4e5f6a002', platform: 'YOUTUBE', stars: 3, title: 'Great editing', content: 'Superb editing, long intros.' };

function fakeKafka(c: DependencyContainer): FakeKafkaProvider {
  const kafka = c.resolve(KafkaProvider);
  if (!(kafka instanceof FakeKafkaProvider)) throw new Error('expected the in-memory Kafka');
  return kafka;
}

// The README's example: a service class tested with createTestContainer(), no server involved.
describe('ReviewService on a test container', () => {
  let c: DependencyContainer;
  let consumer: ReviewCreatedConsumer;
  beforeEach(async () => {
    c = createTestContainer();
    consumer = c.resolve(ReviewCreatedConsumer);
    await consumer.start();
  });
  afterEach(async () => {
    expect((await disposeWithReport(c)).ok).toBe(true);
  });

  it('stores the review, updates the cached rating, delivers review.created to the consumer and makes it searchable', async () => {
    const service = c.resolve(ReviewService);
    const a = await service.createReview(first);
    const b = await service.createReview(second);

    const stored = await c.resolve(MongoProvider).db().collection(REVIEW_COLLECTION).findOne({ _id: new ObjectId(b.review.id) });
    expect(stored).toMatchObject({ title: 'Great editing', stars: 3, platform: 'YOUTUBE', status: 'PUBLISHED', isDeleted: false });
    expect((stored?.accountId as ObjectId).toHexString()).toBe(ACCOUNT);
    expect(await c.resolve(MongoProvider).db().collection(REVIEW_COLLECTION).countDocuments({ accountId: new ObjectId(ACCOUNT) })).toBe(2);

    expect(a.rating).toEqual({ sum: 5, count: 1, average: 5 });
    expect(b.rating).toEqual({ sum: 8, count: 2, average: 4 });
    expect(await c.resolve(RedisProvider).client.hgetall(RatingCache.key(ACCOUNT))).toEqual({ sum: '8', count: '2' });

    await consumer.waitFor([a.review.id, b.review.id], 5000);
    expect(consumer.received.get(b.review.id)).toEqual({
      type: 'review.created',
      reviewId: b.review.id,
      accountId: ACCOUNT,
      authorId: second.authorId,
      platform: 'YOUTUBE',
      stars: 3,
      title: 'Great editing',
      createdAt: b.review.createdAt.toISOString(),
    });
    expect(fakeKafka(c).broker.messages(REVIEW_CREATED_TOPIC).map((m) => m.key?.toString())).toEqual([ACCOUNT, ACCOUNT]);

    expect(await c.resolve(ReviewIndexer).search('editing')).toEqual([b.review.id]);
    const record = await c.resolve(AlgoliaProvider).client.getObject({ indexName: 'reviews', objectID: a.review.id });
    expect(record).toMatchObject({ title: 'Clear science explainers', stars: 5, accountId: ACCOUNT });
  });

  it.each([
    [{ stars: 0 }, 'review.stars'],
    [{ stars: 6 }, 'review.stars'],
    [{ stars: 4.5 }, 'review.stars'],
    [{ accountId: 'yt:UC123' }, 'review.accountId'],
    [{ authorId: '' }, 'review.authorId'],
    [{ platform: 'MYSPACE' }, 'review.platform'],
    [{ title: '  ' }, 'review.title'],
  ] as const)('rejects %o with a TypeError naming %s, and writes nothing anywhere', async (change, field) => {
    const input = { ...first, ...change } as ReviewInput;
    await expect(c.resolve(ReviewService).createReview(input)).rejects.toThrow(TypeError);
    await expect(c.resolve(ReviewService).createReview(input)).rejects.toThrow(field);

    expect(await c.resolve(MongoProvider).db().collection(REVIEW_COLLECTION).countDocuments()).toBe(0);
    expect(await c.resolve(RedisProvider).client.keys('*')).toEqual([]);
    expect(fakeKafka(c).broker.messages(REVIEW_CREATED_TOPIC)).toHaveLength(0);
    expect((await c.resolve(AlgoliaProvider).client.listIndices()).items).toEqual([]);
  });

  it('the consumer skips a malformed message and keeps consuming', async () => {
    await c.resolve(KafkaProvider).producer().send({ topic: REVIEW_CREATED_TOPIC, messages: [{ value: 'not json' }] });
    const { review } = await c.resolve(ReviewService).createReview(first);
    await consumer.waitFor([review.id], 5000);
    expect(consumer.malformed).toBe(1);
    expect([...consumer.received.keys()]).toEqual([review.id]);
  });

  it('waitFor says how many events arrived when its time runs out', async () => {
    const { review } = await c.resolve(ReviewService).createReview(first);
    await expect(consumer.waitFor([review.id, new ObjectId().toHexString()], 200)).rejects.toThrow(
      'review.created: 1 of 2 events arrived within 200 ms',
    );
  });
});
