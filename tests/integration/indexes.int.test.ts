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
    expect(out).toContain('All 12 collections have the declared indexes.');
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
    expect(text.out).toContain('3 of 12 collections differ from the schema.');

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
