import { describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../../generated/prisma/index.js';
import { softDeleteExtension, softDeleteModels } from '../../../src/prisma/soft-delete.js';
import { fakeEngine, loadGeneratedClient, newBaseClient, type EngineQuery } from '../../helpers/prisma-engine.js';

// The real generated client with the extension applied; only the query engine is replaced by a recorder, so these
// tests see exactly what would be sent to MongoDB.
const MODELS = softDeleteModels(loadGeneratedClient().Prisma.dmmf.datamodel);
const OPTIONAL = { OR: [{ isDeleted: false }, { isDeleted: null }, { isDeleted: { isSet: false } }] };

function extended(base: PrismaClient = newBaseClient()) {
  const engine = fakeEngine(base);
  return { engine, client: base.$extends(softDeleteExtension(MODELS)) };
}

const last = (queries: EngineQuery[]) => queries[queries.length - 1];

describe('soft-delete extension on a generated client', () => {
  it('control: without the extension, delete reaches the engine as a real delete', async () => {
    const base = newBaseClient();
    const engine = fakeEngine(base);
    await base.review.delete({ where: { id: '000000000000000000000001' } });
    expect(last(engine.queries)?.action).toBe('deleteOne');
  });

  it('delete becomes updateOne setting isDeleted and deletedAt, on a row not yet deleted', async () => {
    const { engine, client } = extended();
    const before = Date.now();
    await client.review.delete({ where: { id: '000000000000000000000001' }, select: { id: true } });
    const query = last(engine.queries);
    expect(query).toMatchObject({
      modelName: 'Review',
      action: 'updateOne',
      args: { where: { id: '000000000000000000000001', isDeleted: false }, data: { isDeleted: true } },
    });
    const deletedAt = (query?.args.data as { deletedAt: { $type: string; value: string } }).deletedAt;
    expect(deletedAt.$type).toBe('DateTime');
    expect(Date.parse(deletedAt.value)).toBeGreaterThanOrEqual(before - 1000);
    expect(engine.queries.some((q) => q.action === 'deleteOne')).toBe(false);
  });

  it('deleteMany becomes updateMany, also for a model whose flag is optional', async () => {
    const { engine, client } = extended();
    await client.account.deleteMany({ where: { platform: 'YOUTUBE' } });
    expect(last(engine.queries)).toMatchObject({
      modelName: 'Account',
      action: 'updateMany',
      args: { where: { platform: 'YOUTUBE', AND: [OPTIONAL] }, data: { isDeleted: true } },
    });
    await client.comment.deleteMany();
    expect(last(engine.queries)).toMatchObject({ action: 'updateMany', args: { where: { isDeleted: false } } });
  });

  const reads: Array<[string, (c: ReturnType<typeof extended>['client']) => Promise<unknown>, string]> = [
    ['findFirst', (c) => c.review.findFirst({ where: { stars: 5 } }), 'findFirst'],
    ['findFirstOrThrow', (c) => c.review.findFirstOrThrow({ where: { stars: 5 } }), 'findFirstOrThrow'],
    ['findUnique', (c) => c.review.findUnique({ where: { id: '000000000000000000000002' } }), 'findUnique'],
    ['findUniqueOrThrow', (c) => c.review.findUniqueOrThrow({ where: { id: '000000000000000000000002' } }), 'findUniqueOrThrow'],
    ['findMany', (c) => c.review.findMany({ where: { stars: 5 } }), 'findMany'],
    ['count', (c) => c.review.count({ where: { stars: 5 } }), 'aggregate'],
    ['aggregate', (c) => c.review.aggregate({ where: { stars: 5 }, _count: { _all: true } }), 'aggregate'],
    ['groupBy', (c) => c.review.groupBy({ by: ['stars'], where: { stars: 5 } }), 'groupBy'],
  ];

  it.each(reads)('%s skips deleted rows', async (_name, run, action) => {
    const { engine, client } = extended();
    await run(client).catch(() => undefined);
    const query = last(engine.queries);
    expect(query?.action).toBe(action);
    expect(query?.args.where).toMatchObject({ isDeleted: false });
  });

  it('reads of a model whose flag is optional keep documents without the field', async () => {
    const { engine, client } = extended();
    await client.account.findUnique({ where: { platform_accountId: { platform: 'YOUTUBE', accountId: 'UC1' } } });
    expect(last(engine.queries)?.args.where).toEqual({
      platform_accountId: { platform: 'YOUTUBE', accountId: 'UC1' },
      AND: [OPTIONAL],
    });
  });

  it('a caller filtering on isDeleted gets what it asked for', async () => {
    const { engine, client } = extended();
    await client.review.findMany({ where: { isDeleted: true } });
    expect(last(engine.queries)?.args.where).toEqual({ isDeleted: true });
  });

  it('models without isDeleted are untouched', async () => {
    const { engine, client } = extended();
    await client.vote.findMany({ where: { reviewId: '000000000000000000000003' } });
    expect(last(engine.queries)).toMatchObject({ action: 'findMany', args: { where: { reviewId: '000000000000000000000003' } } });
    await client.vote.delete({ where: { id: '000000000000000000000004' } });
    expect(last(engine.queries)).toMatchObject({ modelName: 'Vote', action: 'deleteOne', args: { where: { id: '000000000000000000000004' } } });
  });

  it('updates are not filtered, so a deleted row can be restored', async () => {
    const { engine, client } = extended();
    await client.review.update({ where: { id: '000000000000000000000005' }, data: { isDeleted: false, deletedAt: null } });
    expect(last(engine.queries)?.args.where).toEqual({ id: '000000000000000000000005' });
  });

  it('hardDelete and hardDeleteMany delete for real', async () => {
    const { engine, client } = extended();
    await client.review.hardDelete({ where: { id: '000000000000000000000006' } });
    expect(last(engine.queries)).toMatchObject({ action: 'deleteOne', args: { where: { id: '000000000000000000000006' } } });
    await client.user.hardDeleteMany({ where: { email: 'gone@example.com' } });
    expect(last(engine.queries)).toMatchObject({ action: 'deleteMany', args: { where: { email: 'gone@example.com' } } });
  });

  it('hardDelete still deletes for real through a client extended again on top', async () => {
    const { engine, client } = extended();
    const outer = client.$extends({ client: { $marker: () => 'outer' } });
    await outer.review.hardDelete({ where: { id: '000000000000000000000007' } });
    expect(last(engine.queries)?.action).toBe('deleteOne');
    await outer.review.delete({ where: { id: '000000000000000000000007' } });
    expect(last(engine.queries)?.action).toBe('updateOne');
  });

  it('soft and hard deletes inside an interactive transaction stay in it', async () => {
    const { engine, client } = extended();
    await client.$transaction(async (tx) => {
      await tx.review.delete({ where: { id: '000000000000000000000008' } });
      await tx.review.hardDelete({ where: { id: '000000000000000000000009' } });
      await tx.review.findMany();
    });
    expect(engine.queries.map((q) => `${q.action}@${q.transaction}`)).toEqual(['updateOne@itx-1', 'deleteOne@itx-1', 'findMany@itx-1']);
  });

  it('soft deletes work in a batch $transaction([...])', async () => {
    const { engine, client } = extended();
    await client.$transaction([
      client.review.delete({ where: { id: '00000000000000000000000a' } }),
      client.comment.deleteMany({ where: { reviewId: '00000000000000000000000a' } }),
    ]);
    expect(engine.queries.map((q) => `${q.action}@${q.transaction}`)).toEqual(['updateOne@batch', 'updateMany@batch']);
  });

  it('exposes the soft-deleted model names', () => {
    const { client } = extended();
    expect([...client.$softDeleteModels].sort()).toEqual([
      'Account', 'Author', 'Category', 'Comment', 'Idea', 'Newsletter', 'Organization', 'Post', 'Review', 'User', 'YouTubeVideo',
    ]);
  });

  it('a post is deleted by setting its DELETED status; reads skip it unless they filter on the status', async () => {
    const { engine, client } = extended();
    await client.post.delete({ where: { postUrl: 'blog/hello' } });
    expect(last(engine.queries)).toMatchObject({
      modelName: 'Post',
      action: 'updateOne',
      args: { where: { postUrl: 'blog/hello', status: { not: 'DELETED' } }, data: { status: 'DELETED' } },
    });
    await client.post.findUnique({ where: { postUrl: 'blog/hello' } });
    expect(last(engine.queries)?.args.where).toEqual({ postUrl: 'blog/hello', status: { not: 'DELETED' } });
    // The trash view and the published listing name the status themselves.
    await client.post.findMany({ where: { status: 'DELETED' } });
    expect(last(engine.queries)?.args.where).toEqual({ status: 'DELETED' });
    await client.post.count({ where: { contentPlatform: 'RATECREATOR', status: { in: ['PUBLISHED', 'SCHEDULED'] } } });
    expect(last(engine.queries)?.args.where).toEqual({ contentPlatform: 'RATECREATOR', status: { in: ['PUBLISHED', 'SCHEDULED'] } });
    await client.post.hardDelete({ where: { postUrl: 'blog/hello' } });
    expect(last(engine.queries)).toMatchObject({ action: 'deleteOne', args: { where: { postUrl: 'blog/hello' } } });
  });
});

// Each model's decision (docs/migrations.md, "Soft deletes per model", says why): deleted with a required flag, an
// optional flag (older documents lack it), a DELETED status, or for real.
type Decision = 'flag' | 'optional flag' | 'status' | 'real';
const DECISIONS: Record<string, Decision> = {
  User: 'flag', Review: 'flag', Comment: 'flag', YouTubeVideo: 'flag',
  Account: 'optional flag', Category: 'optional flag', Newsletter: 'optional flag',
  Author: 'optional flag', Idea: 'optional flag', Organization: 'optional flag',
  Post: 'status',
  Vote: 'real', CommentVote: 'real', CategoryMapping: 'real', SaveToMyList: 'real', NewsletterAudience: 'real',
  Tag: 'real', TagOnPost: 'real', WaitlistEntry: 'real', ContactForm: 'real', ClaimedAccount: 'real',
  UserLinkedAccount: 'real', OrganizationMember: 'real', OrganizationAccount: 'real', DataRefreshLog: 'real',
};
const ID = '0000000000000000000000ab';
const NOT_DELETED: Record<Decision, Record<string, unknown>> = {
  flag: { isDeleted: false },
  'optional flag': { AND: [OPTIONAL] },
  status: { status: { not: 'DELETED' } },
  real: {},
};
const DELETE: Record<Decision, { action: string; data?: Record<string, unknown> }> = {
  flag: { action: 'updateOne', data: { isDeleted: true, deletedAt: { $type: 'DateTime', value: expect.any(String) } } },
  'optional flag': { action: 'updateOne', data: { isDeleted: true, deletedAt: { $type: 'DateTime', value: expect.any(String) } } },
  status: { action: 'updateOne', data: { status: 'DELETED' } },
  real: { action: 'deleteOne' },
};

type Delegate = { delete(args: unknown): Promise<unknown>; deleteMany(args?: unknown): Promise<unknown>; findMany(args?: unknown): Promise<unknown> };
const delegate = (client: unknown, model: string) => (client as Record<string, Delegate>)[model.charAt(0).toLowerCase() + model.slice(1)]!;

describe('soft delete, model by model', () => {
  it('every model of the schema has a decision', () => {
    expect(Object.keys(DECISIONS).sort()).toEqual(loadGeneratedClient().Prisma.dmmf.datamodel.models.map((m) => m.name).sort());
  });

  it.each(Object.entries(DECISIONS))('%s: %s', async (model, decision) => {
    const { engine, client } = extended();
    await delegate(client, model).delete({ where: { id: ID } });
    const deleted = last(engine.queries);
    expect(deleted).toMatchObject({ modelName: model, action: DELETE[decision].action, args: { where: { id: ID, ...NOT_DELETED[decision] } } });
    expect(deleted?.args.data).toEqual(DELETE[decision].data);
    await delegate(client, model).deleteMany();
    expect(last(engine.queries)?.action).toBe(decision === 'real' ? 'deleteMany' : 'updateMany');
    await delegate(client, model).findMany({ where: { id: ID } });
    expect(last(engine.queries)?.args.where).toEqual({ id: ID, ...NOT_DELETED[decision] });
  });
});
