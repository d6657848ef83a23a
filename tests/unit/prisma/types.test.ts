import 'reflect-metadata';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Account, Prisma, Review, VoteType } from '../../../generated/prisma/index.js';
import { getPrismaClient, prisma } from '../../../src/compat/client.js';
import * as clientPath from '../../../src/compat/client.js';
import { createDbContainer } from '../../../src/container.js';
import { loadConfig } from '../../../src/config/index.js';
import { PrismaProvider, type RateCreatorPrismaClient } from '../../../src/index.js';

// Type-level checks run when `tsc --noEmit -p tsconfig.json` (part of `npm test`) compiles this file; the
// functions below are never called, so nothing is queried. The runtime checks confirm the same shape exists.

function typedUsage(client: RateCreatorPrismaClient) {
  const reviews = client.review.findMany({ where: { accountId: 'a', stars: { gte: 4 } }, select: { id: true, stars: true, title: true } });
  expectTypeOf(reviews).resolves.toEqualTypeOf<Array<{ id: string; stars: number; title: string }>>();
  expectTypeOf(client.review.findUnique({ where: { id: 'x' } })).resolves.toEqualTypeOf<Review | null>();
  expectTypeOf(client.review.delete({ where: { id: 'x' } })).resolves.toEqualTypeOf<Review>();
  expectTypeOf(client.review.hardDelete({ where: { id: 'x' } })).resolves.toEqualTypeOf<Review>();
  expectTypeOf(client.review.hardDeleteMany({ where: { accountId: 'a' } })).resolves.toEqualTypeOf<Prisma.BatchPayload>();
  expectTypeOf(client.account.findUnique({ where: { platform_accountId: { platform: 'YOUTUBE', accountId: 'UC1' } } })).resolves.toEqualTypeOf<Account | null>();
  expectTypeOf<Account['isDeleted']>().toEqualTypeOf<boolean | null>();
  expectTypeOf<Review['isDeleted']>().toEqualTypeOf<boolean>();
  expectTypeOf<VoteType>().toEqualTypeOf<'UP' | 'DOWN' | 'UPVOTE' | 'DOWNVOTE'>();
  expectTypeOf(client.$softDeleteModels).toEqualTypeOf<readonly string[]>();
  // @ts-expect-error an extended client has no $on (register listeners on the base client, as the provider does)
  void client.$on;
  // @ts-expect-error unknown fields are rejected
  void client.review.findMany({ where: { notAField: 1 } });
}

// The filters the soft-delete extension writes are valid inputs of the generated client (whose types mirror what
// the query engine accepts), for plain and unique lookups alike.
type OptionalNotDeleted = { OR: [{ isDeleted: false }, { isDeleted: null }, { isDeleted: { isSet: false } }] };
expectTypeOf<OptionalNotDeleted>().toExtend<Prisma.AccountWhereInput>();
expectTypeOf<{ id: string; AND: [OptionalNotDeleted] }>().toExtend<Prisma.AccountWhereUniqueInput>();
expectTypeOf<{ platform_accountId: { platform: 'YOUTUBE'; accountId: string }; AND: [OptionalNotDeleted] }>().toExtend<Prisma.AccountWhereUniqueInput>();
expectTypeOf<{ id: string; isDeleted: false }>().toExtend<Prisma.ReviewWhereUniqueInput>();
expectTypeOf<{ isDeleted: true; deletedAt: Date }>().toExtend<Prisma.ReviewUpdateInput>();
expectTypeOf<{ isDeleted: true; deletedAt: Date }>().toExtend<Prisma.AccountUpdateManyMutationInput>();

// What apps import from `@ratecreator/db/client` besides the client: enums as values and types, model types, and the
// Prisma namespace for payload types.
function clientPathTypes(client: RateCreatorPrismaClient) {
  expectTypeOf(clientPath.UserRole.WRITER).toEqualTypeOf<'WRITER'>();
  expectTypeOf<clientPath.UserRole>().toEqualTypeOf<'USER' | 'ADMIN' | 'WRITER' | 'CREATOR' | 'BRAND'>();
  expectTypeOf<clientPath.PostStatus>().toEqualTypeOf<'DRAFT' | 'PUBLISHED' | 'SCHEDULED' | 'DELETED'>();
  expectTypeOf<clientPath.User['role']>().toEqualTypeOf<clientPath.UserRole[]>();
  type PostWithAuthor = clientPath.Prisma.PostGetPayload<{ include: { author: true; tags: { include: { tag: true } } } }>;
  expectTypeOf<PostWithAuthor['author']>().toEqualTypeOf<clientPath.Author>();
  expectTypeOf<PostWithAuthor['tags'][number]['tag']>().toEqualTypeOf<clientPath.Tag>();
  expectTypeOf(client.post.findFirst({ include: { author: true } })).resolves.toEqualTypeOf<(clientPath.Post & { author: clientPath.Author }) | null>();
  expectTypeOf(client.claimedAccount.findUnique({ where: { userId_accountId: { userId: 'u', accountId: 'a' } } })).resolves.toEqualTypeOf<clientPath.ClaimedAccount | null>();
  expectTypeOf<clientPath.OrganizationMember['role']>().toEqualTypeOf<clientPath.OrgRole>();
  expectTypeOf<clientPath.DataRefreshLog['status']>().toEqualTypeOf<clientPath.RefreshStatus>();
  expectTypeOf<clientPath.Idea['isDeleted']>().toEqualTypeOf<boolean | null>();
  // The filter and data the soft delete writes for Post are valid inputs.
  expectTypeOf<{ postUrl: string; status: { not: 'DELETED' } }>().toExtend<clientPath.Prisma.PostWhereUniqueInput>();
  expectTypeOf<{ status: 'DELETED' }>().toExtend<clientPath.Prisma.PostUpdateManyMutationInput>();
  const role: clientPath.UserRole = clientPath.UserRole.WRITER;
  void client.user.findMany({ where: { role: { has: role } } });
}

describe('the Prisma client is fully typed', () => {
  it('container.resolve(PrismaProvider).client is the extended client, with typed models', () => {
    const container = createDbContainer({ config: loadConfig({ DATABASE_URL_ONLINE: 'mongodb://127.0.0.1:9/db', LOG_LEVEL: 'silent' }) });
    const client = container.resolve(PrismaProvider).client;
    expectTypeOf(client).toEqualTypeOf<RateCreatorPrismaClient>();
    expectTypeOf(client.review.findFirst).toBeFunction();
    expect(typeof client.review.findMany).toBe('function');
    expect(typeof client.review.hardDelete).toBe('function');
    expect(typeof client.youTubeVideo.hardDeleteMany).toBe('function');
    expect(typedUsage).toBeTypeOf('function');
    expect(clientPathTypes).toBeTypeOf('function');
    return container.dispose();
  });

  it('the original import path has the same type', () => {
    expectTypeOf(getPrismaClient).returns.toEqualTypeOf<RateCreatorPrismaClient>();
    expectTypeOf(prisma).toEqualTypeOf<RateCreatorPrismaClient>();
  });
});
