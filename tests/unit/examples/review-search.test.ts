import 'reflect-metadata';
import type { DependencyContainer } from 'tsyringe';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { searchLines } from '../../../examples/reviews-service/output.js';
import type { Review, ReviewInput } from '../../../examples/reviews-service/review.js';
import { ELASTIC_REVIEW_INDEX, ElasticReviewIndex } from '../../../examples/reviews-service/review-elastic-index.js';
import { ReviewIndexer } from '../../../examples/reviews-service/review-indexer.js';
import { REVIEW_SEARCH_INDEXES, type ReviewSearchIndex } from '../../../examples/reviews-service/review-search-result.js';
import { ReviewService } from '../../../examples/reviews-service/review-service.js';
import { disposeWithReport } from '../../../src/container.js';
import type { ElasticsearchProvider } from '../../../src/providers/elasticsearch.js';
import { ElasticsearchProvider as ElasticsearchToken } from '../../../src/providers/elasticsearch.js';
import { createTestContainer } from '../../../src/testing/index.js';

const ACCOUNT = '65a1f0c2a1b2c3d4e5f60001';
const input: ReviewInput = { accountId: ACCOUNT, authorId: '65a1f0c2a1b2c3d4e5f6a002', platform: 'YOUTUBE', stars: 4, title: 'Great editing', content: 'Superb editing.' };
const review: Review = { ...input, id: '65a1f0c2a1b2c3d4e5f6b001', createdAt: new Date('2025-01-02T03:04:05.000Z') };

/** A second backend that keeps what it was given. */
function recordingIndex(): ReviewSearchIndex & { indexed: Review[] } {
  const indexed: Review[] = [];
  return {
    backend: 'elasticsearch',
    indexed,
    index: async (r) => void indexed.push(r),
    search: async (query) => {
      const ids = indexed.filter((r) => `${r.title} ${r.content ?? ''}`.toLowerCase().includes(query)).map((r) => r.id);
      return { backend: 'elasticsearch', total: ids.length, ids, ...(ids[0] ? { top: { id: ids[0], title: 'from the stub' } } : {}) };
    },
  };
}

describe('ReviewIndexer with more search backends', () => {
  let c: DependencyContainer;
  beforeEach(() => {
    c = createTestContainer();
  });
  afterEach(async () => {
    expect((await disposeWithReport(c)).ok).toBe(true);
  });

  it('indexes in Algolia alone when no other backend is registered', async () => {
    const indexer = c.resolve(ReviewIndexer);
    expect(indexer.backends).toEqual(['algolia']);
    const { review: created } = await c.resolve(ReviewService).createReview(input);
    expect(await indexer.searchAll('editing')).toEqual([
      { backend: 'algolia', total: 1, ids: [created.id], top: { id: created.id, title: 'Great editing' } },
    ]);
    expect(await indexer.searchAll('nothing-matches')).toEqual([{ backend: 'algolia', total: 0, ids: [] }]);
  });

  it('indexes every review in each registered backend too, and searches them all in order', async () => {
    const other = recordingIndex();
    c.register(REVIEW_SEARCH_INDEXES, { useValue: other });
    const indexer = c.resolve(ReviewIndexer);
    expect(indexer.backends).toEqual(['algolia', 'elasticsearch']);
    const { review: created } = await c.resolve(ReviewService).createReview(input);
    expect(other.indexed.map((r) => r.id)).toEqual([created.id]);
    const results = await indexer.searchAll('editing');
    expect(results.map((r) => [r.backend, r.total, r.ids])).toEqual([
      ['algolia', 1, [created.id]],
      ['elasticsearch', 1, [created.id]],
    ]);
    expect(await indexer.search('editing')).toEqual([created.id]);
  });

  it('on the test container, indexes and finds reviews in the in-memory Elasticsearch too (what the demo does without Java)', async () => {
    const elastic = c.resolve(ElasticReviewIndex);
    expect(await elastic.ensureIndex()).toBe('created');
    expect(await elastic.ensureIndex()).toBe('exists');
    c.register(REVIEW_SEARCH_INDEXES, { useValue: elastic });
    const service = c.resolve(ReviewService);
    await service.createReview({ ...input, title: 'Clear explainers', content: 'Simple.' });
    const { review: created } = await service.createReview(input);
    const results = await c.resolve(ReviewIndexer).searchAll('editing');
    expect(results).toEqual([
      { backend: 'algolia', total: 1, ids: [created.id], top: { id: created.id, title: 'Great editing' } },
      { backend: 'elasticsearch', total: 1, ids: [created.id], top: { id: created.id, title: 'Great editing' } },
    ]);
  });
});

/** An ElasticsearchProvider whose client is `client` (only what ElasticReviewIndex touches). */
function providerWith(client: object): ElasticsearchProvider {
  return { client } as unknown as ElasticsearchProvider;
}

describe('ElasticReviewIndex', () => {
  it('creates its index with mappings when it is missing', async () => {
    const create = vi.fn(async () => ({ acknowledged: true }));
    const index = new ElasticReviewIndex(providerWith({ indices: { exists: async () => false, create } }));
    expect(await index.ensureIndex()).toBe('created');
    expect(create).toHaveBeenCalledWith(expect.objectContaining({
      index: ELASTIC_REVIEW_INDEX,
      mappings: { properties: expect.objectContaining({ title: { type: 'text' }, content: { type: 'text' }, accountId: { type: 'keyword' } }) },
    }));
  });

  it('leaves an existing index alone, also one created meanwhile by someone else', async () => {
    const create = vi.fn();
    expect(await new ElasticReviewIndex(providerWith({ indices: { exists: async () => true, create } })).ensureIndex()).toBe('exists');
    expect(create).not.toHaveBeenCalled();

    const raced = Object.assign(new Error('resource_already_exists_exception'), { meta: { body: { error: { type: 'resource_already_exists_exception' } } } });
    const racing = new ElasticReviewIndex(providerWith({ indices: { exists: async () => false, create: async () => Promise.reject(raced) } }));
    expect(await racing.ensureIndex()).toBe('exists');

    const refused = new ElasticReviewIndex(providerWith({ indices: { exists: async () => false, create: async () => Promise.reject(new Error('cluster is read-only')) } }));
    await expect(refused.ensureIndex()).rejects.toThrow('cluster is read-only');
  });

  it('indexes a review under its id, searchable at once (refresh), and maps a search to the common result', async () => {
    const indexCall = vi.fn(async () => ({ result: 'created' }));
    const search = vi.fn(async () => ({
      hits: { total: { value: 1, relation: 'eq' }, hits: [{ _id: review.id, _score: 1.2, _source: { title: 'Great editing' } }] },
    }));
    const index = new ElasticReviewIndex(providerWith({ index: indexCall, search }));
    await index.index(review);
    expect(indexCall).toHaveBeenCalledWith({
      index: ELASTIC_REVIEW_INDEX,
      id: review.id,
      document: { title: 'Great editing', content: 'Superb editing.', stars: 4, platform: 'YOUTUBE', accountId: ACCOUNT, createdAt: '2025-01-02T03:04:05.000Z' },
      refresh: true,
    });
    expect(await index.search('editing')).toEqual({ backend: 'elasticsearch', total: 1, ids: [review.id], top: { id: review.id, title: 'Great editing' } });
    expect(search).toHaveBeenCalledWith(expect.objectContaining({ index: ELASTIC_REVIEW_INDEX, track_total_hits: true }));
  });

  it('resolves from a container through the ElasticsearchProvider token', () => {
    const client = { indices: {} };
    const c = createTestContainer({ overrides: [[ElasticsearchToken, providerWith(client)]] });
    expect(c.resolve(ElasticReviewIndex)).toBeInstanceOf(ElasticReviewIndex);
  });
});

describe('searchLines', () => {
  it('prints each backend side by side, with a row saying why a backend was skipped', () => {
    const serverOf = (backend: string) => (backend === 'algolia' ? 'local server' : 'in-memory fake');
    const lines = searchLines('editing', [
      { backend: 'algolia', total: 1, ids: ['a1'], top: { id: 'a1', title: 'Great editing' } },
      { backend: 'elasticsearch', total: 0, ids: [] },
    ], serverOf);
    expect(lines).toEqual([
      'search "editing" side by side:',
      '  backend        server          hits  top hit',
      '  algolia        local server    1     a1 "Great editing"',
      '  elasticsearch  in-memory fake  0     none',
    ]);
    expect(searchLines('editing', [{ backend: 'algolia', total: 0, ids: [] }], serverOf, { elasticsearch: 'not indexed: refused' }).slice(2)).toEqual([
      '  algolia        local server    0     none',
      '  elasticsearch  in-memory fake  -     not indexed: refused',
    ]);
  });
});
