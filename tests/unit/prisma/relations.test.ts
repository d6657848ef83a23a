import { describe, expect, it } from 'vitest';
import { softDeleteExtension, softDeleteModels } from '../../../src/prisma/soft-delete.js';
import { fakeEngine, loadGeneratedClient, newBaseClient, type EngineQuery } from '../../helpers/prisma-engine.js';

// The unique constraints and relations of the models the content app, the marketing forms, account claims and links,
// organizations and the refresh log use, exercised on the real generated client (with the soft-delete extension the
// package applies) over a recorder engine. Prisma validates a query in its engine, which the recorder replaces, so
// each recorded query is checked here against the generated client's data model: the unique a lookup uses, and the
// relation every included field follows. The compiler checks the same calls (see `typeControls`).

const { datamodel } = loadGeneratedClient().Prisma.dmmf;
const MODELS = softDeleteModels(datamodel);
const USER = '000000000000000000000001';
const ACCOUNT = '000000000000000000000002';
const ORG = '000000000000000000000003';
const AUTHOR = '000000000000000000000004';

function recorded() {
  const base = newBaseClient();
  const engine = fakeEngine(base);
  return { engine, client: base.$extends(softDeleteExtension(MODELS)) };
}

const last = (queries: EngineQuery[]) => queries[queries.length - 1];
type Client = ReturnType<typeof recorded>['client'];

const modelOf = (name: string) => datamodel.models.find((model) => model.name === name)!;

/** The fields of the unique constraint (`@unique`, `@@unique`, or the id) that a `where` names, if any. */
function uniqueUsed(model: string, where: Record<string, unknown>): string[] | undefined {
  const { fields, uniqueIndexes } = modelOf(model);
  for (const key of Object.keys(where)) {
    const field = fields.find((candidate) => candidate.name === key);
    if (field?.isId || field?.isUnique) return [key];
    const compound = uniqueIndexes.find((index) => (index.name ?? index.fields.join('_')) === key);
    if (compound) return [...compound.fields];
  }
  return undefined;
}

/** Every relation a selection follows, as `Model.field -> Target`; throws on a field that is not a relation. */
function relationsFollowed(model: string, selection: Record<string, unknown>): string[] {
  const followed: string[] = [];
  for (const [key, value] of Object.entries(selection)) {
    if (key.startsWith('$')) continue;
    const field = modelOf(model).fields.find((candidate) => candidate.name === key);
    if (field?.kind !== 'object') throw new Error(`${model}.${key} is not a relation of the schema`);
    followed.push(`${model}.${key} -> ${field.type}`);
    followed.push(...relationsFollowed(field.type, (value as { selection?: Record<string, unknown> }).selection ?? {}));
  }
  return followed;
}

describe('unique constraints of the new models', () => {
  const lookups: Array<[string, (c: Client) => Promise<unknown>, string, string[]]> = [
    ['ClaimedAccount [userId, accountId]', (c) => c.claimedAccount.findUnique({ where: { userId_accountId: { userId: USER, accountId: ACCOUNT } } }), 'ClaimedAccount', ['userId', 'accountId']],
    ['UserLinkedAccount [userId, accountId]', (c) => c.userLinkedAccount.findUnique({ where: { userId_accountId: { userId: USER, accountId: ACCOUNT } } }), 'UserLinkedAccount', ['userId', 'accountId']],
    ['OrganizationMember [organizationId, userId]', (c) => c.organizationMember.findUnique({ where: { organizationId_userId: { organizationId: ORG, userId: USER } } }), 'OrganizationMember', ['organizationId', 'userId']],
    ['OrganizationAccount [organizationId, accountId]', (c) => c.organizationAccount.findUnique({ where: { organizationId_accountId: { organizationId: ORG, accountId: ACCOUNT } } }), 'OrganizationAccount', ['organizationId', 'accountId']],
    ['Organization slug', (c) => c.organization.findUnique({ where: { slug: 'acme' } }), 'Organization', ['slug']],
    ['Post postUrl', (c) => c.post.findUnique({ where: { postUrl: 'blog/hello' } }), 'Post', ['postUrl']],
    ['Tag slug', (c) => c.tag.findUnique({ where: { slug: 'youtube' } }), 'Tag', ['slug']],
    ['Author clerkId', (c) => c.author.findUnique({ where: { clerkId: 'user_1' } }), 'Author', ['clerkId']],
    ['Author username', (c) => c.author.findUnique({ where: { username: 'ada' } }), 'Author', ['username']],
    ['Author email', (c) => c.author.findUnique({ where: { email: 'ada@example.com' } }), 'Author', ['email']],
    ['WaitlistEntry email', (c) => c.waitlistEntry.findUnique({ where: { email: 'new@example.com' } }), 'WaitlistEntry', ['email']],
  ];

  it.each(lookups)('findUnique by %s', async (_name, run, model, unique) => {
    const { engine, client } = recorded();
    await run(client);
    const query = last(engine.queries);
    expect(query).toMatchObject({ modelName: model, action: 'findUnique' });
    expect(uniqueUsed(model, query?.args.where as Record<string, unknown>)).toEqual(unique);
  });

  it('linking an account is an upsert on the unique pair', async () => {
    const { engine, client } = recorded();
    await client.userLinkedAccount.upsert({
      where: { userId_accountId: { userId: USER, accountId: ACCOUNT } },
      create: { userId: USER, accountId: ACCOUNT, platform: 'YOUTUBE', isPrimary: true },
      update: { isPrimary: true },
    });
    expect(last(engine.queries)).toMatchObject({
      modelName: 'UserLinkedAccount',
      action: 'upsertOne',
      args: { where: { userId_accountId: { userId: USER, accountId: ACCOUNT } }, update: { isPrimary: true } },
    });
  });

  it.each<[string, string, Record<string, unknown>]>([
    // Not unique in production, so not unique here (the compiler refuses them too, see typeControls).
    ['ContactForm email', 'ContactForm', { email: 'a@example.com' }],
    ['DataRefreshLog accountId', 'DataRefreshLog', { accountId: ACCOUNT }],
    ['TagOnPost [postId, tagId]', 'TagOnPost', { postId_tagId: { postId: USER, tagId: ORG } }],
    ['Organization name', 'Organization', { name: 'Acme' }],
  ])('control: %s is no unique key', (_name, model, where) => {
    expect(uniqueUsed(model, where)).toBeUndefined();
  });
});

describe('relations of the new models', () => {
  it('a post with its author and its tags', async () => {
    const { engine, client } = recorded();
    await client.post.findMany({ where: { status: 'PUBLISHED' }, include: { author: true, tags: { include: { tag: true } } } });
    const query = last(engine.queries);
    expect(query).toMatchObject({ modelName: 'Post', action: 'findMany', selection: { $scalars: true, author: { selection: { $scalars: true } } } });
    expect(relationsFollowed('Post', query!.selection)).toEqual(['Post.author -> Author', 'Post.tags -> TagOnPost', 'TagOnPost.tag -> Tag']);
  });

  it('creating a post connects its author by a unique field and tags it through TagOnPost', async () => {
    const { engine, client } = recorded();
    await client.post.create({
      data: {
        title: 'Hello',
        content: '...',
        postUrl: 'blog/hello',
        author: { connect: { clerkId: 'user_1' } },
        tags: { create: [{ tag: { connectOrCreate: { where: { slug: 'youtube' }, create: { slug: 'youtube' } } } }] },
      },
    });
    expect(last(engine.queries)).toMatchObject({
      modelName: 'Post',
      action: 'createOne',
      args: {
        data: {
          author: { connect: { clerkId: 'user_1' } },
          tags: { create: [{ tag: { connectOrCreate: { where: { slug: 'youtube' }, create: { slug: 'youtube' } } } }] },
        },
      },
    });
  });

  it('an author with posts and ideas; an idea with its author', async () => {
    const { engine, client } = recorded();
    await client.author.findUnique({ where: { username: 'ada' }, include: { posts: true, ideas: true } });
    expect(relationsFollowed('Author', last(engine.queries)!.selection)).toEqual(['Author.posts -> Post', 'Author.ideas -> Idea']);
    await client.idea.create({ data: { title: 'Idea', author: { connect: { id: AUTHOR } } }, include: { author: true } });
    expect(last(engine.queries)).toMatchObject({ action: 'createOne', args: { data: { author: { connect: { id: AUTHOR } } } } });
    expect(relationsFollowed('Idea', last(engine.queries)!.selection)).toEqual(['Idea.author -> Author']);
  });

  it('a user with claims, linked accounts and organizations; an account with who claimed, linked, manages and refreshed it', async () => {
    const { engine, client } = recorded();
    await client.user.findUnique({ where: { clerkId: 'user_1' }, include: { claimedAccounts: true, linkedAccounts: true, organizations: { include: { organization: true } } } });
    expect(relationsFollowed('User', last(engine.queries)!.selection)).toEqual([
      'User.claimedAccounts -> ClaimedAccount',
      'User.linkedAccounts -> UserLinkedAccount',
      'User.organizations -> OrganizationMember',
      'OrganizationMember.organization -> Organization',
    ]);
    await client.account.findUnique({
      where: { platform_accountId: { platform: 'YOUTUBE', accountId: 'UC1' } },
      include: { claimedBy: { include: { user: true } }, linkedBy: true, organizationAccounts: true, refreshLogs: { orderBy: { startedAt: 'desc' }, take: 5 } },
    });
    const query = last(engine.queries)!;
    expect(relationsFollowed('Account', query.selection)).toEqual([
      'Account.claimedBy -> ClaimedAccount',
      'ClaimedAccount.user -> User',
      'Account.linkedBy -> UserLinkedAccount',
      'Account.organizationAccounts -> OrganizationAccount',
      'Account.refreshLogs -> DataRefreshLog',
    ]);
    expect(query.selection.refreshLogs).toMatchObject({ arguments: { orderBy: { startedAt: 'desc' }, take: 5 } });
  });

  it('an organization with its members and accounts; joining and claiming connect both sides', async () => {
    const { engine, client } = recorded();
    await client.organization.findUnique({ where: { slug: 'acme' }, include: { members: { include: { user: true } }, accounts: { include: { account: true } } } });
    expect(relationsFollowed('Organization', last(engine.queries)!.selection)).toEqual([
      'Organization.members -> OrganizationMember',
      'OrganizationMember.user -> User',
      'Organization.accounts -> OrganizationAccount',
      'OrganizationAccount.account -> Account',
    ]);
    await client.organizationMember.create({ data: { role: 'OWNER', organization: { connect: { slug: 'acme' } }, user: { connect: { id: USER } } } });
    expect(last(engine.queries)).toMatchObject({ action: 'createOne', args: { data: { role: 'OWNER', organization: { connect: { slug: 'acme' } } } } });
    await client.claimedAccount.create({ data: { platform: 'YOUTUBE', user: { connect: { id: USER } }, account: { connect: { id: ACCOUNT } } } });
    expect(last(engine.queries)).toMatchObject({ modelName: 'ClaimedAccount', action: 'createOne' });
    await client.dataRefreshLog.create({ data: { platform: 'YOUTUBE', status: 'IN_PROGRESS', account: { connect: { id: ACCOUNT } } } });
    expect(last(engine.queries)).toMatchObject({ modelName: 'DataRefreshLog', action: 'createOne', args: { data: { status: 'IN_PROGRESS' } } });
  });

  it('control: a field that is not a relation of the model is caught', async () => {
    const { engine, client } = recorded();
    await client.post.findMany({ include: { organization: true } as never });
    expect(() => relationsFollowed('Post', last(engine.queries)!.selection)).toThrow('Post.organization is not a relation of the schema');
  });
});

/** Compiled by `tsc --noEmit` (part of `npm test`), never called: what the compiler refuses. */
export function typeControls(client: Client): void {
  // @ts-expect-error ContactForm.email is not unique
  void client.contactForm.findUnique({ where: { email: 'a@example.com' } });
  // @ts-expect-error TagOnPost has no unique pair
  void client.tagOnPost.findUnique({ where: { postId_tagId: { postId: USER, tagId: ORG } } });
  // @ts-expect-error Post has no organization relation
  void client.post.findMany({ include: { organization: true } });
}
