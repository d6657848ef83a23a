import { describe, expect, it } from 'vitest';
import { auditIndexes, expectedIndexes, formatIndexAudit, type DmmfDatamodel, type MongoIndex } from '../../../src/cli/index-audit.js';
import { declaredIndexes } from '../../../src/cli/schema-indexes.js';

const datamodel: DmmfDatamodel = {
  models: [
    { name: 'Account', dbName: null, fields: [{ name: 'id', dbName: '_id' }, { name: 'platform' }, { name: 'accountId' }, { name: 'rating' }] },
    { name: 'Vote', dbName: 'votes', fields: [{ name: 'id', dbName: '_id' }, { name: 'userId', dbName: 'user_id' }, { name: 'reviewId' }] },
  ],
  indexes: [
    { model: 'Account', type: 'id', fields: [{ name: 'id' }] },
    { model: 'Account', type: 'unique', dbName: 'Account_platform_accountId_key', fields: [{ name: 'platform' }, { name: 'accountId' }] },
    { model: 'Account', type: 'normal', dbName: 'Account_rating_idx', fields: [{ name: 'rating', sortOrder: 'desc' }] },
    { model: 'Vote', type: 'unique', fields: [{ name: 'userId' }, { name: 'reviewId' }] },
  ],
};

const id: MongoIndex = { name: '_id_', key: { _id: 1 } };

describe('expectedIndexes', () => {
  it('maps fields to stored names, collections to @@map names, and names unnamed indexes as Prisma does', () => {
    expect(Object.fromEntries(expectedIndexes(datamodel))).toEqual({
      Account: [
        { model: 'Account', name: 'Account_platform_accountId_key', key: { platform: 1, accountId: 1 }, unique: true },
        { model: 'Account', name: 'Account_rating_idx', key: { rating: -1 } },
      ],
      votes: [{ model: 'Vote', name: 'votes_user_id_reviewId_key', key: { user_id: 1, reviewId: 1 }, unique: true }],
    });
  });
});

describe('auditIndexes', () => {
  const expected = expectedIndexes(datamodel);
  const matching = new Map<string, MongoIndex[] | undefined>([
    ['Account', [id, { name: 'Account_rating_idx', key: { rating: -1 } }, { name: 'Account_platform_accountId_key', key: { platform: 1, accountId: 1 }, unique: true }]],
    ['votes', [id, { name: 'votes_user_id_reviewId_key', key: { user_id: 1, reviewId: 1 }, unique: true }]],
  ]);

  it('is ok when every declared index is there (order of indexes does not matter, _id_ is ignored)', () => {
    const audit = auditIndexes(expected, matching);
    expect(audit.ok).toBe(true);
    expect(formatIndexAudit(audit)).toContain('All 2 collections have the declared indexes.');
  });

  it('reports missing, extra and different indexes per collection', () => {
    const audit = auditIndexes(expected, new Map<string, MongoIndex[] | undefined>([
      ['Account', [id, { name: 'Account_rating_idx', key: { rating: 1 } }, { name: 'legacy_handle', key: { handle: 1 } }]],
      ['votes', [id, { name: 'votes_user_id_reviewId_key', key: { user_id: 1, reviewId: 1 } }]],
    ]));
    expect(audit.ok).toBe(false);
    const [account, votes] = audit.collections;
    expect(account).toMatchObject({
      collection: 'Account',
      missing: [{ name: 'Account_platform_accountId_key', key: { platform: 1, accountId: 1 }, unique: true }],
      extra: [{ name: 'legacy_handle', key: { handle: 1 } }],
      different: [{ name: 'Account_rating_idx', expected: { key: { rating: -1 } }, actual: { key: { rating: 1 } } }],
    });
    // Same keys, but not unique in the database.
    expect(votes?.different).toEqual([
      { name: 'votes_user_id_reviewId_key', expected: { name: 'votes_user_id_reviewId_key', key: { user_id: 1, reviewId: 1 }, unique: true }, actual: { name: 'votes_user_id_reviewId_key', key: { user_id: 1, reviewId: 1 } } },
    ]);
    const text = formatIndexAudit(audit);
    expect(text).toContain('missing    Account_platform_accountId_key { platform: 1, accountId: 1 } unique');
    expect(text).toContain('extra      legacy_handle { handle: 1 }');
    expect(text).toContain('2 of 2 collections differ from the schema.');
  });

  it('reports a renamed index as different, and a collection that does not exist with all its indexes missing', () => {
    const audit = auditIndexes(expected, new Map<string, MongoIndex[] | undefined>([
      ['Account', [id, { name: 'rating_-1', key: { rating: -1 } }, { name: 'Account_platform_accountId_key', key: { platform: 1, accountId: 1 }, unique: true }]],
      ['votes', undefined],
    ]));
    expect(audit.collections[0]?.different).toEqual([
      { name: 'Account_rating_idx', expected: { name: 'Account_rating_idx', key: { rating: -1 } }, actual: { name: 'rating_-1', key: { rating: -1 } } },
    ]);
    expect(audit.collections[0]?.missing).toEqual([]);
    expect(audit.collections[1]).toMatchObject({ exists: false, missing: [{ name: 'votes_user_id_reviewId_key' }] });
    expect(formatIndexAudit(audit)).toContain('DIFFERS  votes (model Vote) (collection does not exist)');
  });
});

describe('declaredIndexes (schema text)', () => {
  const schema = `
    generator client { provider = "prisma-client-js" }
    enum Platform {
      YOUTUBE // a comment with @@index([x])
    }
    /// doc comment
    model Vote {
      id       String @id @default(auto()) @map("_id") @db.ObjectId
      userId   String @map("user_id") @db.ObjectId
      reviewId String
      email    String @unique(map: "Vote_email_key")
      slug     String @unique
      // @@index([commented, out])
      @@unique([userId, reviewId], map: "Vote_userId_reviewId_key")
      @@index([reviewId, userId(sort: Desc)], map: "Vote_review_idx")
      @@map("votes")
    }
  `;

  it('reads @unique, @@unique, @@index with sort orders and map names, @map and @@map', () => {
    const read = declaredIndexes(schema);
    expect(read.models).toEqual([
      { name: 'Vote', dbName: 'votes', fields: [{ name: 'id', dbName: '_id' }, { name: 'userId', dbName: 'user_id' }, { name: 'reviewId' }, { name: 'email' }, { name: 'slug' }] },
    ]);
    expect(Object.fromEntries(expectedIndexes(read))).toEqual({
      votes: [
        { model: 'Vote', name: 'Vote_email_key', key: { email: 1 }, unique: true },
        { model: 'Vote', name: 'votes_slug_key', key: { slug: 1 }, unique: true },
        { model: 'Vote', name: 'Vote_userId_reviewId_key', key: { user_id: 1, reviewId: 1 }, unique: true },
        { model: 'Vote', name: 'Vote_review_idx', key: { reviewId: 1, user_id: -1 } },
      ],
    });
  });

  it('checks the schema against the generated client data model', () => {
    const stale = [{ name: 'Vote', dbName: 'votes', fields: [{ name: 'id', dbName: '_id' }, { name: 'userId', dbName: 'user_id' }] }];
    expect(() => declaredIndexes(schema, stale)).toThrow(/field Vote\.email of an index is not in the generated client/);
    expect(() => declaredIndexes(schema, [])).toThrow(/model Vote is not in the generated client/);
  });
});
