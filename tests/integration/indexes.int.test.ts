import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectedIndexes, type IndexAudit } from '../../src/cli/index-audit.js';
import { indexesCommand, loadDeclaredIndexes } from '../../src/cli/indexes.js';
import '../helpers/mongo-servers.js';
import { runTsChild } from '../helpers/run-child.js';

// The audit reads the real schema (through the generated client) and a real database on FerretDB. FerretDB's
// listIndexes answers in MongoDB's shape (name, key in order, unique), which is all the audit reads; FerretDB 1.x
// accepts but does not implement some index options (e.g. partial filters), which the schema does not use.
const mongo = inject('mongo');
const cwd = mkdtempSync(join(tmpdir(), 'ratecreator-db-indexes-')); // no .env here
const dbName = `audit_${randomBytes(4).toString('hex')}`;
const env = { MONGODB_URL: `${mongo.url}${dbName}` };
let client: MongoClient;

// The indexes production declares today on the collections of the content app, the forms, claims, links,
// organizations and the refresh log (the reference facts), under Prisma's default names.
const PRODUCTION: Record<string, Array<{ key: Record<string, 1>; unique?: true }>> = {
  ClaimedAccount: [{ key: { userId: 1, accountId: 1 }, unique: true }, { key: { accountId: 1 } }, { key: { userId: 1 } }, { key: { status: 1 } }, { key: { platform: 1 } }],
  UserLinkedAccount: [{ key: { userId: 1, accountId: 1 }, unique: true }, { key: { userId: 1 } }, { key: { userId: 1, platform: 1 } }, { key: { accountId: 1 } }],
  Organization: [{ key: { slug: 1 }, unique: true }, { key: { name: 1 } }],
  OrganizationMember: [{ key: { organizationId: 1, userId: 1 }, unique: true }, { key: { organizationId: 1 } }, { key: { userId: 1 } }],
  OrganizationAccount: [{ key: { organizationId: 1, accountId: 1 }, unique: true }, { key: { organizationId: 1 } }, { key: { accountId: 1 } }],
  DataRefreshLog: [{ key: { accountId: 1 } }, { key: { status: 1 } }, { key: { startedAt: 1 } }, { key: { platform: 1 } }],
  WaitlistEntry: [{ key: { email: 1 }, unique: true }, { key: { createdAt: 1 } }],
  ContactForm: [{ key: { email: 1 } }, { key: { createdAt: 1 } }],
  Post: [
    { key: { postUrl: 1 }, unique: true }, { key: { publishDate: 1 } }, { key: { status: 1 } }, { key: { title: 1 } }, { key: { createdAt: 1 } },
    { key: { updatedAt: 1 } }, { key: { contentType: 1 } }, { key: { contentPlatform: 1 } }, { key: { isFeatured: 1 } }, { key: { authorId: 1 } },
  ],
  Tag: [{ key: { slug: 1 }, unique: true }],
  TagOnPost: [{ key: { postId: 1 } }, { key: { tagId: 1 } }],
  Author: [{ key: { clerkId: 1 }, unique: true }, { key: { username: 1 }, unique: true }, { key: { email: 1 }, unique: true }, { key: { name: 1 } }, { key: { role: 1 } }],
  Idea: [{ key: { status: 1 } }, { key: { currentStage: 1 } }, { key: { authorId: 1 } }, { key: { createdAt: 1 } }, { key: { targetDate: 1 } }, { key: { contentPlatform: 1 } }],
};
const productionName = (collection: string, index: { key: Record<string, 1>; unique?: true }) =>
  `${collection}_${Object.keys(index.key).join('_')}_${index.unique ? 'key' : 'idx'}`;

// docs/migrations.md, "The new collections": what the schema adds to production's indexes and what db push drops.
const ROLLOUT: Record<string, { adds: string[]; drops: string[] }> = {
  ClaimedAccount: { adds: [], drops: ['ClaimedAccount_userId_idx', 'ClaimedAccount_platform_idx'] },
  UserLinkedAccount: { adds: [], drops: ['UserLinkedAccount_userId_idx'] },
  Organization: { adds: [], drops: [] },
  OrganizationMember: { adds: [], drops: ['OrganizationMember_organizationId_idx'] },
  OrganizationAccount: { adds: [], drops: ['OrganizationAccount_organizationId_idx'] },
  DataRefreshLog: { adds: ['DataRefreshLog_accountId_startedAt_idx'], drops: ['DataRefreshLog_accountId_idx', 'DataRefreshLog_platform_idx'] },
  WaitlistEntry: { adds: [], drops: [] },
  ContactForm: { adds: [], drops: [] },
  Post: {
    adds: ['Post_contentPlatform_contentType_status_publishDate_idx'],
    drops: ['Post_title_idx', 'Post_updatedAt_idx', 'Post_contentType_idx', 'Post_contentPlatform_idx', 'Post_isFeatured_idx'],
  },
  Tag: { adds: [], drops: [] },
  TagOnPost: { adds: [], drops: [] },
  Author: { adds: [], drops: ['Author_role_idx'] },
  Idea: { adds: [], drops: ['Idea_status_idx', 'Idea_currentStage_idx', 'Idea_contentPlatform_idx'] },
};

async function audit(args: string[] = []): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await indexesCommand(args, { env, cwd, write: (text) => (out += text) });
  return { code, out };
}

beforeAll(async () => {
  client = new MongoClient(env.MONGODB_URL);
  const db = client.db();
  // What `prisma db push` would create: every declared index with its map name.
  for (const [collection, indexes] of expectedIndexes(loadDeclaredIndexes().datamodel)) {
    await db.createCollection(collection);
    for (const index of indexes) {
      await db.collection(collection).createIndex(index.key as Record<string, 1 | -1>, { name: index.name, ...(index.unique ? { unique: true } : {}) });
    }
  }
});

afterAll(async () => {
  await client.db().dropDatabase();
  await client.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe('ratecreator-db indexes on FerretDB', () => {
  it('exits 0 when the database has exactly the declared indexes', async () => {
    const { code, out } = await audit();
    expect(out).toContain('All 25 collections have the declared indexes.');
    expect(code).toBe(0);
  });

  it('reports a missing and an extra index per collection and exits 1; --json for machines', async () => {
    await client.db().collection('Account').dropIndex('Account_rating_idx');
    await client.db().collection('Review').createIndex({ legacyScore: 1 }, { name: 'Review_legacyScore_idx' });
    await client.db().collection('Vote').drop();

    const text = await audit();
    expect(text.code).toBe(1);
    expect(text.out).toContain('DIFFERS  Account');
    expect(text.out).toContain('missing    Account_rating_idx { rating: 1 }');
    expect(text.out).toContain('extra      Review_legacyScore_idx { legacyScore: 1 }');
    expect(text.out).toContain('DIFFERS  Vote (collection does not exist)');
    expect(text.out).toContain('3 of 25 collections differ from the schema.');

    const json = await audit(['--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as IndexAudit & { generatedClient: boolean };
    expect(report.ok).toBe(false);
    expect(report.generatedClient).toBe(true);
    const byName = Object.fromEntries(report.collections.map((c) => [c.collection, c]));
    expect(byName.Account).toMatchObject({ missing: [{ name: 'Account_rating_idx', key: { rating: 1 } }], extra: [], different: [] });
    expect(byName.Review).toMatchObject({ missing: [], extra: [{ name: 'Review_legacyScore_idx' }] });
    expect(byName.Vote).toMatchObject({ exists: false, missing: [{ name: 'Vote_userId_reviewId_key', unique: true }, { name: 'Vote_reviewId_type_idx' }] });
    expect(byName.User).toMatchObject({ missing: [], extra: [], different: [] });
  });

  it('on production’s indexes of the new collections, lists the documented adds and drops, and the rollout ends clean', async () => {
    const prodName = `prod_${randomBytes(4).toString('hex')}`;
    const prod = client.db(prodName);
    const prodEnv = { MONGODB_URL: `${mongo.url}${prodName}` };
    const newCollections = Object.keys(PRODUCTION);
    const run = async (): Promise<IndexAudit> => {
      let out = '';
      await indexesCommand(['--json'], { env: prodEnv, cwd, write: (text) => (out += text) });
      return JSON.parse(out) as IndexAudit;
    };
    const names = (indexes: readonly { name: string }[]) => indexes.map((index) => index.name).sort();
    try {
      for (const [collection, indexes] of Object.entries(PRODUCTION)) {
        await prod.createCollection(collection);
        for (const index of indexes) {
          await prod.collection(collection).createIndex(index.key, { name: productionName(collection, index), ...(index.unique ? { unique: true } : {}) });
        }
      }
      const before = Object.fromEntries((await run()).collections.map((c) => [c.collection, c]));
      for (const collection of newCollections) {
        expect({ collection, adds: names(before[collection]!.missing), drops: names(before[collection]!.extra), different: before[collection]!.different }).toEqual({
          collection,
          adds: [...ROLLOUT[collection]!.adds].sort(),
          drops: [...ROLLOUT[collection]!.drops].sort(),
          different: [],
        });
      }

      // Step 1: build the adds under the schema's names. Step 3: db push drops the rest (done here by hand).
      const declared = expectedIndexes(loadDeclaredIndexes().datamodel);
      for (const collection of newCollections) {
        for (const name of ROLLOUT[collection]!.adds) {
          const index = declared.get(collection)!.find((candidate) => candidate.name === name)!;
          await prod.collection(collection).createIndex(index.key as Record<string, 1 | -1>, { name });
        }
      }
      const built = Object.fromEntries((await run()).collections.map((c) => [c.collection, c]));
      for (const collection of newCollections) expect(built[collection]!.missing, collection).toEqual([]);
      for (const collection of newCollections) {
        for (const name of ROLLOUT[collection]!.drops) await prod.collection(collection).dropIndex(name);
      }
      const after = (await run()).collections.filter((c) => newCollections.includes(c.collection));
      expect(after.map((c) => ({ collection: c.collection, missing: c.missing, extra: c.extra, different: c.different }))).toEqual(
        [...newCollections].sort((x, y) => x.localeCompare(y)).map((collection) => ({ collection, missing: [], extra: [], different: [] })),
      );
    } finally {
      await prod.dropDatabase();
    }
  });

  it('runs as the ratecreator-db bin: exit code 1 from a separate process, 2 when it cannot run', async () => {
    const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
    const differ = await runTsChild(main, { ...process.env, ...env, LOG_LEVEL: 'silent' }, 30_000, ['indexes']);
    expect(differ.signal).toBeNull();
    expect(differ.code, differ.stderr).toBe(1);
    expect(differ.stdout).toContain('missing    Account_rating_idx');
    const password = 'pw-not-in-output-9f3';
    const refused = await runTsChild(main, { ...process.env, MONGODB_URL: `mongodb://app:${password}@127.0.0.1:1/x`, MONGODB_SERVER_SELECTION_TIMEOUT_MS: '300', MONGODB_RETRY_RETRIES: '0' }, 30_000, ['indexes']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stdout).toMatch(/index audit failed: \[mongodb\] connect failed/);
    expect(refused.stdout + refused.stderr).not.toContain(password);
    const usage = await runTsChild(main, { ...process.env }, 30_000, ['indexes', '--bogus']);
    expect(usage.code).toBe(2);
    expect(usage.stdout).toContain('usage: ratecreator-db indexes');
  });
});
