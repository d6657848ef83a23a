import { describe, expect, it } from 'vitest';
import {
  FILTERED_READS,
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

const review: SoftDeleteModel = { name: 'Review', required: true, hasDeletedAt: true };
const account: SoftDeleteModel = { name: 'Account', required: false, hasDeletedAt: true };
const noStamp: SoftDeleteModel = { name: 'Flagged', required: true, hasDeletedAt: false };
const OPTIONAL_FILTER = { OR: [{ isDeleted: false }, { isDeleted: null }, { isDeleted: { isSet: false } }] };
const NOW = new Date('2026-01-02T03:04:05.000Z');

const ALL_READS = ['findFirst', 'findFirstOrThrow', 'findUnique', 'findUniqueOrThrow', 'findMany', 'count', 'aggregate', 'groupBy'];
const NOT_READS = ['create', 'createMany', 'update', 'updateMany', 'upsert', 'delete', 'deleteMany', 'findRaw', 'aggregateRaw'];

describe('softDeleteModels', () => {
  it('finds every model of the schema with isDeleted, and whether the flag is optional', () => {
    const models = softDeleteModels(loadGeneratedClient().Prisma.dmmf.datamodel);
    expect([...models.values()].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'Account', required: false, hasDeletedAt: true },
      { name: 'Category', required: false, hasDeletedAt: true },
      { name: 'Comment', required: true, hasDeletedAt: true },
      { name: 'Newsletter', required: false, hasDeletedAt: true },
      { name: 'Review', required: true, hasDeletedAt: true },
      { name: 'User', required: true, hasDeletedAt: true },
      { name: 'YouTubeVideo', required: true, hasDeletedAt: true },
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
    expect([...models.values()]).toEqual([{ name: 'B', required: true, hasDeletedAt: false }]);
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

describe('withNotDeleted', () => {
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
