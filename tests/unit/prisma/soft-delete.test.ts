import { describe, expect, it } from 'vitest';
import {
  deletionField,
  FILTERED_READS,
  mentionsField,
  mentionsIsDeleted,
  notDeletedFilter,
  rewriteReadArgs,
  softDeleteArgs,
  softDeleteManyArgs,
  softDeleteModels,
  withNotDeleted,
  type SoftDeleteModel,
} from '../../../src/prisma/soft-delete.js';
import { loadGeneratedClient } from '../../helpers/prisma-engine.js';

const review: SoftDeleteModel = { kind: 'flag', name: 'Review', required: true, hasDeletedAt: true };
const account: SoftDeleteModel = { kind: 'flag', name: 'Account', required: false, hasDeletedAt: true };
const noStamp: SoftDeleteModel = { kind: 'flag', name: 'Flagged', required: true, hasDeletedAt: false };
const post: SoftDeleteModel = { kind: 'status', name: 'Post', field: 'status', value: 'DELETED' };
const NOT_DELETED_POST = { status: { not: 'DELETED' } };
const OPTIONAL_FILTER = { OR: [{ isDeleted: false }, { isDeleted: null }, { isDeleted: { isSet: false } }] };
const NOW = new Date('2026-01-02T03:04:05.000Z');

const ALL_READS = ['findFirst', 'findFirstOrThrow', 'findUnique', 'findUniqueOrThrow', 'findMany', 'count', 'aggregate', 'groupBy'];
const NOT_READS = ['create', 'createMany', 'update', 'updateMany', 'upsert', 'delete', 'deleteMany', 'findRaw', 'aggregateRaw'];

describe('softDeleteModels', () => {
  it('finds every model of the schema with isDeleted, whether the flag is optional, and Post by its DELETED status', () => {
    const models = softDeleteModels(loadGeneratedClient().Prisma.dmmf.datamodel);
    expect([...models.values()].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { kind: 'flag', name: 'Account', required: false, hasDeletedAt: true },
      { kind: 'flag', name: 'Author', required: false, hasDeletedAt: true },
      { kind: 'flag', name: 'Category', required: false, hasDeletedAt: true },
      { kind: 'flag', name: 'Comment', required: true, hasDeletedAt: true },
      { kind: 'flag', name: 'Idea', required: false, hasDeletedAt: true },
      { kind: 'flag', name: 'Newsletter', required: false, hasDeletedAt: true },
      { kind: 'flag', name: 'Organization', required: false, hasDeletedAt: true },
      { kind: 'status', name: 'Post', field: 'status', value: 'DELETED' },
      { kind: 'flag', name: 'Review', required: true, hasDeletedAt: true },
      { kind: 'flag', name: 'User', required: true, hasDeletedAt: true },
      { kind: 'flag', name: 'YouTubeVideo', required: true, hasDeletedAt: true },
    ]);
  });

  it('ignores a non-Boolean isDeleted and notices a missing deletedAt', () => {
    const models = softDeleteModels({
      models: [
        { name: 'A', fields: [{ name: 'isDeleted', type: 'String', isRequired: true }] },
        { name: 'B', fields: [{ name: 'isDeleted', type: 'Boolean', isRequired: true }] },
        { name: 'C', fields: [{ name: 'id', type: 'String', isRequired: true }] },
      ],
    });
    expect([...models.values()]).toEqual([{ kind: 'flag', name: 'B', required: true, hasDeletedAt: false }]);
  });

  it('takes a required status enum with DELETED as the deletion mark only when the model has no flag', () => {
    const status = (type: string, isRequired = true) => ({ name: 'status', kind: 'enum', type, isRequired });
    const flag = { name: 'isDeleted', kind: 'scalar', type: 'Boolean', isRequired: true };
    const models = softDeleteModels({
      models: [
        { name: 'Page', fields: [status('PageStatus')] },
        { name: 'Moderated', fields: [status('PageStatus'), flag] },
        { name: 'Task', fields: [status('TaskStatus')] },
        { name: 'Loose', fields: [status('PageStatus', false)] },
        { name: 'Text', fields: [{ name: 'status', kind: 'scalar', type: 'String', isRequired: true }] },
      ],
      enums: [
        { name: 'PageStatus', values: [{ name: 'DRAFT' }, { name: 'DELETED' }] },
        { name: 'TaskStatus', values: [{ name: 'OPEN' }, { name: 'ARCHIVED' }] },
      ],
    });
    expect([...models.values()]).toEqual([
      { kind: 'status', name: 'Page', field: 'status', value: 'DELETED' },
      { kind: 'flag', name: 'Moderated', required: true, hasDeletedAt: false },
    ]);
    expect(deletionField(models.get('Page')!)).toBe('status');
    expect(deletionField(models.get('Moderated')!)).toBe('isDeleted');
  });
});

describe('mentionsIsDeleted', () => {
  it.each([
    [{ isDeleted: true }, true],
    [{ isDeleted: { not: true } }, true],
    [{ AND: [{ stars: 5 }, { isDeleted: true }] }, true],
    [{ AND: { isDeleted: false } }, true],
    [{ OR: [{ stars: 5 }, { AND: [{ isDeleted: true }] }] }, true],
    [{ NOT: { isDeleted: true } }, true],
    [{ NOT: [{ stars: 1 }, { isDeleted: true }] }, true],
    [{ stars: 5 }, false],
    [{ isDeleted: undefined, stars: 5 }, false],
    // A relation filter is about the other model's rows.
    [{ author: { isDeleted: true } }, false],
    [{ comments: { some: { isDeleted: true } } }, false],
    [undefined, false],
    [null, false],
  ])('%j -> %s', (where, expected) => {
    expect(mentionsIsDeleted(where)).toBe(expected);
  });
});

describe('mentionsField', () => {
  it.each([
    [{ status: 'PUBLISHED' }, true],
    [{ status: { in: ['DRAFT', 'DELETED'] } }, true],
    [{ OR: [{ title: 'a' }, { NOT: { status: 'DRAFT' } }] }, true],
    [{ isDeleted: true }, false],
    [{ author: { status: 'DELETED' } }, false],
  ])('status in %j -> %s', (where, expected) => {
    expect(mentionsField(where, 'status')).toBe(expected);
  });
});

describe('withNotDeleted', () => {
  it('skips the DELETED status of a model deleted by status, unless the caller filters on the status', () => {
    expect(notDeletedFilter(post)).toEqual(NOT_DELETED_POST);
    expect(withNotDeleted(post, { postUrl: 'a' })).toEqual({ postUrl: 'a', ...NOT_DELETED_POST });
    expect(withNotDeleted(post, undefined)).toEqual(NOT_DELETED_POST);
    expect(withNotDeleted(post, { status: 'PUBLISHED' })).toEqual({ status: 'PUBLISHED' });
    expect(withNotDeleted(post, { AND: [{ status: 'DELETED' }] })).toEqual({ AND: [{ status: 'DELETED' }] });
    // isDeleted means nothing to it.
    expect(withNotDeleted(post, { isDeleted: true })).toEqual({ isDeleted: true, ...NOT_DELETED_POST });
  });

  it('adds isDeleted: false next to the caller’s filter when the flag is required', () => {
    expect(withNotDeleted(review, { accountId: 'a' })).toEqual({ accountId: 'a', isDeleted: false });
    expect(withNotDeleted(review, undefined)).toEqual({ isDeleted: false });
  });

  it('keeps null and missing flags when the flag is optional, appending to an existing AND', () => {
    expect(notDeletedFilter(account)).toEqual(OPTIONAL_FILTER);
    expect(withNotDeleted(account, { platform: 'YOUTUBE' })).toEqual({ platform: 'YOUTUBE', AND: [OPTIONAL_FILTER] });
    expect(withNotDeleted(account, { AND: { country: 'DE' } })).toEqual({ AND: [{ country: 'DE' }, OPTIONAL_FILTER] });
    expect(withNotDeleted(account, { AND: [{ country: 'DE' }, { rating: { gt: 3 } }] })).toEqual({
      AND: [{ country: 'DE' }, { rating: { gt: 3 } }, OPTIONAL_FILTER],
    });
    expect(withNotDeleted(account, { OR: [{ a: 1 }, { b: 2 }] })).toEqual({ OR: [{ a: 1 }, { b: 2 }], AND: [OPTIONAL_FILTER] });
  });

  it('leaves a filter that names isDeleted alone', () => {
    const where = { OR: [{ isDeleted: true }, { stars: 1 }] };
    expect(withNotDeleted(review, where)).toBe(where);
    expect(withNotDeleted(account, { isDeleted: true })).toEqual({ isDeleted: true });
  });

  it('does not mutate the caller’s object', () => {
    const where = { accountId: 'a', AND: [{ stars: 5 }] };
    withNotDeleted(account, where);
    withNotDeleted(review, where);
    expect(where).toEqual({ accountId: 'a', AND: [{ stars: 5 }] });
  });
});

describe('rewriteReadArgs', () => {
  it('filters exactly the read operations', () => {
    expect([...FILTERED_READS].sort()).toEqual([...ALL_READS].sort());
  });

  it.each(ALL_READS)('%s skips deleted rows (required and optional flags)', (operation) => {
    const args = { where: { accountId: 'a' }, select: { id: true }, orderBy: { createdAt: 'desc' }, take: 5 };
    expect(rewriteReadArgs(review, operation, args)).toEqual({ ...args, where: { accountId: 'a', isDeleted: false } });
    expect(rewriteReadArgs(account, operation, args)).toEqual({ ...args, where: { accountId: 'a', AND: [OPTIONAL_FILTER] } });
    expect(rewriteReadArgs(post, operation, args)).toEqual({ ...args, where: { accountId: 'a', ...NOT_DELETED_POST } });
  });

  it.each(ALL_READS)('%s without arguments still skips deleted rows', (operation) => {
    expect(rewriteReadArgs(review, operation, undefined)).toEqual({ where: { isDeleted: false } });
  });

  it.each(ALL_READS)('%s keeps a caller’s own isDeleted filter', (operation) => {
    expect(rewriteReadArgs(review, operation, { where: { isDeleted: true } })).toEqual({ where: { isDeleted: true } });
  });

  it.each(NOT_READS)('%s passes its arguments through', (operation) => {
    const args = { where: { id: 'x' }, data: { title: 't' } };
    expect(rewriteReadArgs(review, operation, args)).toBe(args);
  });

  it('keeps groupBy’s by/having and aggregate’s selectors', () => {
    expect(rewriteReadArgs(review, 'groupBy', { by: ['stars'], having: { stars: { _avg: { gt: 2 } } } })).toEqual({
      by: ['stars'],
      having: { stars: { _avg: { gt: 2 } } },
      where: { isDeleted: false },
    });
    expect(rewriteReadArgs(account, 'aggregate', { _avg: { rating: true } })).toEqual({
      _avg: { rating: true },
      where: { AND: [OPTIONAL_FILTER] },
    });
  });
});

describe('delete as update', () => {
  it('delete sets isDeleted and deletedAt on a row that is not deleted yet, keeping select/include', () => {
    expect(softDeleteArgs(review, { where: { id: 'r1' }, select: { id: true }, include: undefined }, NOW)).toEqual({
      where: { id: 'r1', isDeleted: false },
      data: { isDeleted: true, deletedAt: NOW },
      select: { id: true },
      include: undefined,
    });
  });

  it('delete on an optional flag matches rows whose flag is false, null or missing', () => {
    expect(softDeleteArgs(account, { where: { platform_accountId: { platform: 'YOUTUBE', accountId: 'x' } } }, NOW)).toEqual({
      where: { platform_accountId: { platform: 'YOUTUBE', accountId: 'x' }, AND: [OPTIONAL_FILTER] },
      data: { isDeleted: true, deletedAt: NOW },
    });
  });

  it('a model deleted by status gets the DELETED status, on a row not yet deleted', () => {
    expect(softDeleteArgs(post, { where: { postUrl: 'p' }, select: { id: true } }, NOW)).toEqual({
      where: { postUrl: 'p', ...NOT_DELETED_POST },
      data: { status: 'DELETED' },
      select: { id: true },
    });
    expect(softDeleteManyArgs(post, { where: { authorId: 'a' } }, NOW)).toEqual({
      where: { authorId: 'a', ...NOT_DELETED_POST },
      data: { status: 'DELETED' },
    });
  });

  it('a model without deletedAt only gets the flag', () => {
    expect(softDeleteArgs(noStamp, { where: { id: 'f' } }, NOW).data).toEqual({ isDeleted: true });
    expect(softDeleteManyArgs(noStamp, {}, NOW).data).toEqual({ isDeleted: true });
  });

  it('deleteMany becomes updateMany over the rows not yet deleted; no arguments means all of them', () => {
    expect(softDeleteManyArgs(review, { where: { accountId: 'a' } }, NOW)).toEqual({
      where: { accountId: 'a', isDeleted: false },
      data: { isDeleted: true, deletedAt: NOW },
    });
    expect(softDeleteManyArgs(review, undefined, NOW)).toEqual({
      where: { isDeleted: false },
      data: { isDeleted: true, deletedAt: NOW },
    });
    expect(softDeleteManyArgs(account, {}, NOW).where).toEqual({ AND: [OPTIONAL_FILTER] });
  });
});
