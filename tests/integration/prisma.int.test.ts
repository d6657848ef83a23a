import 'reflect-metadata';
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DependencyContainer } from 'tsyringe';
import { createDbContainer } from '../../src/container.js';
import { loadConfig } from '../../src/config/index.js';
import { PrismaProvider, type RateCreatorPrismaClient } from '../../src/providers/prisma.js';

// Runs against a real MongoDB replica set with Prisma's real query engine:
//   PRISMA_QUERY_ENGINE_LIBRARY=<libquery_engine-*.so.node> DATABASE_URL_ONLINE=mongodb://.../any?replicaSet=rs0
// Neither can be had on the project's machines (no engine download, no mongod), so the suite is skipped there,
// with the reason in its name and on stderr. The database named in the URL is never touched: the suite works in a
// fresh database of its own on the same server and drops it at the end.

function skipReason(): string | undefined {
  const engine = process.env.PRISMA_QUERY_ENGINE_LIBRARY;
  let engineOk = false;
  try {
    engineOk = !!engine && statSync(engine).isFile() && statSync(engine).size > 0;
  } catch {
    engineOk = false;
  }
  if (!engineOk) return 'PRISMA_QUERY_ENGINE_LIBRARY does not point at a Prisma query engine library';
  if (!process.env.DATABASE_URL_ONLINE?.trim()) return 'DATABASE_URL_ONLINE is not set to a MongoDB replica set';
  return undefined;
}

const reason = skipReason();
if (reason) console.warn(`[prisma.int] skipped: ${reason}`);

/** The configured URL with the database replaced by a fresh one for this run. */
function isolatedUrl(url: string, database: string): string {
  return url.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?/, `$1/${database}`);
}


describe.skipIf(reason !== undefined)(`Prisma on a real MongoDB replica set${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const database = `ratecreator_db_it_${process.pid}_${Date.now()}`;
  let container: DependencyContainer;
  let prisma: RateCreatorPrismaClient;

  beforeAll(async () => {
    const url = isolatedUrl(process.env.DATABASE_URL_ONLINE ?? '', database);
    container = createDbContainer({ config: loadConfig({ DATABASE_URL_ONLINE: url, LOG_LEVEL: 'warn' }) });
    const provider = container.resolve(PrismaProvider);
    await provider.connect();
    prisma = provider.client;
    const hello = (await prisma.$runCommandRaw({ hello: 1 })) as { setName?: string };
    if (!hello.setName) throw new Error('DATABASE_URL_ONLINE must point at a replica set: Prisma writes in transactions');
    // The unique indexes `prisma db push` would create for the constraints under test.
    const unique = (collection: string, key: Record<string, number>, name: string) =>
      prisma.$runCommandRaw({ createIndexes: collection, indexes: [{ key, name, unique: true }] });
    await unique('User', { email: 1 }, 'User_email_key');
    await unique('User', { clerkId: 1 }, 'User_clerkId_key');
    await unique('Account', { platform: 1, accountId: 1 }, 'Account_platform_accountId_key');
    await unique('Vote', { userId: 1, reviewId: 1 }, 'Vote_userId_reviewId_key');
  });

  afterAll(async () => {
    await prisma?.$runCommandRaw({ dropDatabase: 1 });
    await container?.dispose();
  });

  async function seed(tag: string) {
    const user = await prisma.user.create({ data: { clerkId: `clerk_${tag}`, email: `${tag}@example.com`, username: tag } });
    const account = await prisma.account.create({ data: { platform: 'YOUTUBE', accountId: `UC_${tag}`, handle: `@${tag}` } });
    const review = await prisma.review.create({
      data: { title: `Review ${tag}`, stars: 5, platform: 'YOUTUBE', author: { connect: { id: user.id } }, account: { connect: { id: account.id } } },
    });
    return { user, account, review };
  }

  it('creates, reads and updates across users, accounts, reviews, threaded comments and votes', async () => {
    const { user, account, review } = await seed('crud');
    const top = await prisma.comment.create({ data: { content: { text: 'first' }, authorId: user.id, reviewId: review.id } });
    await prisma.comment.create({ data: { content: { text: 'reply' }, authorId: user.id, reviewId: review.id, replyToId: top.id } });
    await prisma.vote.create({ data: { userId: user.id, reviewId: review.id, type: 'UP' } });
    const loaded = await prisma.review.findUnique({
      where: { id: review.id },
      include: { author: true, account: true, comments: { where: { replyToId: null }, include: { replies: true } }, votes: true },
    });
    expect(loaded?.author.email).toBe('crud@example.com');
    expect(loaded?.account.accountId).toBe('UC_crud');
    expect(loaded?.comments).toHaveLength(1);
    expect(loaded?.comments[0]?.replies.map((reply) => reply.content)).toEqual([{ text: 'reply' }]);
    expect(loaded?.votes.map((vote) => vote.type)).toEqual(['UP']);
    const updated = await prisma.review.update({ where: { id: review.id }, data: { stars: 4, isEdited: true } });
    expect(updated).toMatchObject({ stars: 4, isEdited: true });
    expect(await prisma.account.findUnique({ where: { platform_accountId: { platform: 'YOUTUBE', accountId: 'UC_crud' } } })).toMatchObject({ id: account.id });
  });

  it('soft-deletes: the row stays, flagged and stamped, and reads skip it unless asked', async () => {
    const { review, account } = await seed('soft');
    const deleted = await prisma.review.delete({ where: { id: review.id } });
    expect(deleted).toMatchObject({ id: review.id, isDeleted: true });
    expect(deleted.deletedAt).toBeInstanceOf(Date);
    expect(await prisma.review.findUnique({ where: { id: review.id } })).toBeNull();
    expect(await prisma.review.findMany({ where: { accountId: account.id } })).toEqual([]);
    expect(await prisma.review.count({ where: { accountId: account.id } })).toBe(0);
    expect(await prisma.review.findMany({ where: { accountId: account.id, isDeleted: true } })).toHaveLength(1);
    const raw = (await prisma.review.findRaw({ filter: { _id: { $oid: review.id } } })) as unknown as Array<Record<string, unknown>>;
    expect(raw).toHaveLength(1);
    // Deleting again fails like deleting a missing row.
    await expect(prisma.review.delete({ where: { id: review.id } })).rejects.toMatchObject({ code: 'P2025' });
    await prisma.review.hardDelete({ where: { id: review.id } });
    expect(await prisma.review.findRaw({ filter: { _id: { $oid: review.id } } })).toEqual([]);
  });

  it('an Account whose isDeleted is missing or null counts as not deleted', async () => {
    const missing = await prisma.account.create({ data: { platform: 'TWITCH', accountId: 'flag-missing' } });
    const isNull = await prisma.account.create({ data: { platform: 'TWITCH', accountId: 'flag-null' } });
    await prisma.$runCommandRaw({ update: 'Account', updates: [{ q: { _id: { $oid: missing.id } }, u: { $unset: { isDeleted: '' } } }] });
    await prisma.$runCommandRaw({ update: 'Account', updates: [{ q: { _id: { $oid: isNull.id } }, u: { $set: { isDeleted: null } } }] });
    const visible = await prisma.account.findMany({ where: { platform: 'TWITCH' }, orderBy: { accountId: 'asc' } });
    expect(visible.map((a) => a.accountId)).toEqual(['flag-missing', 'flag-null']);
    await prisma.account.delete({ where: { id: missing.id } });
    expect((await prisma.account.findMany({ where: { platform: 'TWITCH' } })).map((a) => a.accountId)).toEqual(['flag-null']);
    expect(await prisma.account.count({ where: { platform: 'TWITCH' } })).toBe(1);
  });

  it('a soft delete inside a transaction that fails is rolled back', async () => {
    const { review } = await seed('rollback');
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.review.delete({ where: { id: review.id } });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await prisma.review.findUnique({ where: { id: review.id } })).toMatchObject({ id: review.id, isDeleted: false });
  });

  it('enforces the unique constraints', async () => {
    const { user, review } = await seed('unique');
    await prisma.vote.create({ data: { userId: user.id, reviewId: review.id, type: 'UP' } });
    await expect(prisma.vote.create({ data: { userId: user.id, reviewId: review.id, type: 'DOWN' } })).rejects.toMatchObject({ code: 'P2002' });
    await expect(prisma.user.create({ data: { clerkId: 'clerk_other', email: 'unique@example.com' } })).rejects.toMatchObject({ code: 'P2002' });
    await expect(prisma.account.create({ data: { platform: 'YOUTUBE', accountId: 'UC_unique' } })).rejects.toMatchObject({ code: 'P2002' });
    // Votes are deleted for real, so the pair is free again.
    await prisma.vote.deleteMany({ where: { userId: user.id, reviewId: review.id } });
    await expect(prisma.vote.create({ data: { userId: user.id, reviewId: review.id, type: 'DOWN' } })).resolves.toMatchObject({ type: 'DOWN' });
  });
});
