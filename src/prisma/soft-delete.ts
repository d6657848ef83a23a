import type { Prisma } from '../../generated/prisma/index.js';

/**
 * How one model is soft-deleted, read from the schema. Two kinds:
 * - `flag`: the model has `isDeleted Boolean` (most soft-deleted models; `deletedAt` is stamped when present);
 * - `status`: the model has no flag, and its `status` enum has a `DELETED` value that is how the apps delete it
 *   (Post). Deleting sets that value; reads skip it. Models with both (Review, Comment) use the flag: their DELETED
 *   status is a moderation outcome shown to the author.
 * Every other model is deleted for real.
 */
export type SoftDeleteModel = FlagSoftDeleteModel | StatusSoftDeleteModel;

/** A model soft-deleted through its `isDeleted` flag. */
export interface FlagSoftDeleteModel {
  readonly kind: 'flag';
  /** Model name as in the schema, e.g. `Review`. */
  readonly name: string;
  /** `isDeleted Boolean` (true) or `isDeleted Boolean?` (false: a missing or null field means not deleted). */
  readonly required: boolean;
  /** The model also has `deletedAt`, stamped on delete. */
  readonly hasDeletedAt: boolean;
}

/** A model soft-deleted through a status value (`status: DELETED`). */
export interface StatusSoftDeleteModel {
  readonly kind: 'status';
  readonly name: string;
  /** The enum field holding the status, e.g. `status`. */
  readonly field: string;
  /** The value that means deleted, e.g. `DELETED`. */
  readonly value: string;
}

/** Soft-deleted models by name. */
export type SoftDeleteModels = ReadonlyMap<string, SoftDeleteModel>;

/** The part of Prisma's DMMF this module reads (`Prisma.dmmf.datamodel`). */
export interface DatamodelShape {
  readonly models: ReadonlyArray<{
    readonly name: string;
    readonly fields: ReadonlyArray<{ readonly name: string; readonly type: string; readonly isRequired: boolean; readonly kind?: string }>;
  }>;
  readonly enums?: ReadonlyArray<{ readonly name: string; readonly values: ReadonlyArray<{ readonly name: string }> }>;
}

/** Read operations that skip deleted rows. */
export const FILTERED_READS: ReadonlySet<string> = new Set([
  'findFirst', 'findFirstOrThrow', 'findUnique', 'findUniqueOrThrow', 'findMany', 'count', 'aggregate', 'groupBy',
]);

/** The status field and value of a model soft-deleted by status. */
const DELETED_STATUS = { field: 'status', value: 'DELETED' } as const;

type Where = Record<string, unknown>;
type Args = Record<string, unknown>;

/**
 * The soft-deleted models of a schema: every model with a Boolean `isDeleted` field (`flag`), and every model
 * without one whose required `status` enum has a `DELETED` value (`status`).
 */
export function softDeleteModels(datamodel: DatamodelShape): SoftDeleteModels {
  const models = new Map<string, SoftDeleteModel>();
  for (const model of datamodel.models) {
    const flag = model.fields.find((field) => field.name === 'isDeleted' && field.type === 'Boolean');
    if (flag) {
      const hasDeletedAt = model.fields.some((field) => field.name === 'deletedAt' && field.type === 'DateTime');
      models.set(model.name, { kind: 'flag', name: model.name, required: flag.isRequired, hasDeletedAt });
      continue;
    }
    const status = model.fields.find((field) => field.name === DELETED_STATUS.field && field.kind === 'enum' && field.isRequired);
    const values = datamodel.enums?.find((candidate) => candidate.name === status?.type)?.values ?? [];
    if (values.some((value) => value.name === DELETED_STATUS.value)) models.set(model.name, { kind: 'status', name: model.name, ...DELETED_STATUS });
  }
  return models;
}

/** The field a model's deletion is recorded in: `isDeleted`, or the status field. */
export function deletionField(model: SoftDeleteModel): string {
  return model.kind === 'status' ? model.field : 'isDeleted';
}

function isObject(value: unknown): value is Where {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * True when `where` filters on `field` itself, at its top level or inside `AND`/`OR`/`NOT` (relation filters are
 * about other models and do not count). The caller then decides which rows it wants.
 */
export function mentionsField(where: unknown, field: string): boolean {
  if (!isObject(where)) return false;
  if (where[field] !== undefined) return true;
  return ['AND', 'OR', 'NOT'].some((key) => asArray(where[key]).some((nested) => mentionsField(nested, field)));
}

/** {@link mentionsField} for `isDeleted`. */
export function mentionsIsDeleted(where: unknown): boolean {
  return mentionsField(where, 'isDeleted');
}

/**
 * The filter that keeps rows that are not deleted. Optional flags also keep documents where the field is null or
 * missing: on MongoDB, Prisma's `null` matches neither a missing field nor `false`, hence the three branches.
 */
export function notDeletedFilter(model: SoftDeleteModel): Where {
  if (model.kind === 'status') return { [model.field]: { not: model.value } };
  if (model.required) return { isDeleted: false };
  return { OR: [{ isDeleted: false }, { isDeleted: null }, { isDeleted: { isSet: false } }] };
}

/** `where` narrowed to rows that are not deleted, unless it already filters on the deletion field. */
export function withNotDeleted(model: SoftDeleteModel, where: unknown): Where {
  const base = isObject(where) ? where : {};
  if (mentionsField(base, deletionField(model))) return base;
  if (model.kind === 'status' || model.required) return { ...base, ...notDeletedFilter(model) };
  return { ...base, AND: [...asArray(base.AND), notDeletedFilter(model)] };
}

/** Arguments of a read with deleted rows filtered out; other operations' arguments are returned as they are. */
export function rewriteReadArgs(model: SoftDeleteModel, operation: string, args: unknown): Args {
  const given = isObject(args) ? args : {};
  if (!FILTERED_READS.has(operation)) return given;
  return { ...given, where: withNotDeleted(model, given.where) };
}

function deletionData(model: SoftDeleteModel, now: Date): Where {
  if (model.kind === 'status') return { [model.field]: model.value };
  return model.hasDeletedAt ? { isDeleted: true, deletedAt: now } : { isDeleted: true };
}

/**
 * `update` arguments that soft-delete what `delete(args)` would have removed. Only a row that is not deleted yet
 * matches, so deleting twice fails the way a real delete of a missing row does (P2025) and keeps `deletedAt` (or,
 * for a status, keeps the row's other fields as they were).
 */
export function softDeleteArgs(model: SoftDeleteModel, args: unknown, now: Date): Args {
  const given = isObject(args) ? args : {};
  return { ...given, where: withNotDeleted(model, given.where), data: deletionData(model, now) };
}

/** `updateMany` arguments that soft-delete what `deleteMany(args)` would have removed (rows not yet deleted). */
export function softDeleteManyArgs(model: SoftDeleteModel, args: unknown, now: Date): Args {
  const given = isObject(args) ? args : {};
  return { ...given, where: withNotDeleted(model, given.where), data: deletionData(model, now) };
}

/** A model delegate as the extension sees it (`this` inside a model method). */
interface ModelDelegate {
  readonly $name: string;
  readonly $parent: ClientLike;
  update(args: Args): unknown;
  updateMany(args: Args): unknown;
}

interface ClientLike {
  readonly $parent?: ClientLike;
  readonly $softDeleteModels?: readonly string[];
  readonly [model: string]: unknown;
}

/**
 * The delegate of the same model on the nearest client below the soft-delete extension. `$parent` of a client
 * inside an interactive transaction is that transaction's parent client, so hard deletes stay in the transaction;
 * extensions applied on top of this one are skipped as well.
 */
function delegateBelow(self: ModelDelegate): { delete(args?: unknown): unknown; deleteMany(args?: unknown): unknown } {
  let client = self.$parent;
  while (client.$softDeleteModels !== undefined && client.$parent !== undefined && client.$parent !== client) {
    client = client.$parent;
  }
  const key = self.$name.charAt(0).toLowerCase() + self.$name.slice(1);
  return client[key] as { delete(args?: unknown): unknown; deleteMany(args?: unknown): unknown };
}

/** The methods every model of the extended client gains. */
const hardDeleteMethods = {
  /**
   * Deletes the row for real, bypassing the soft delete. The one escape hatch: use it for data that must go
   * (for example an erasure request), never for ordinary deletes.
   */
  hardDelete<T, A>(this: T, args: Prisma.Exact<A, Prisma.Args<T, 'delete'>>): Prisma.PrismaPromise<Prisma.Result<T, A, 'delete'>> {
    return delegateBelow(this as ModelDelegate).delete(args) as Prisma.PrismaPromise<Prisma.Result<T, A, 'delete'>>;
  },
  /** `deleteMany` for real, bypassing the soft delete. See `hardDelete`. */
  hardDeleteMany<T, A>(
    this: T,
    args?: Prisma.Exact<A, Prisma.Args<T, 'deleteMany'>>,
  ): Prisma.PrismaPromise<Prisma.Result<T, A, 'deleteMany'>> {
    return delegateBelow(this as ModelDelegate).deleteMany(args) as Prisma.PrismaPromise<Prisma.Result<T, A, 'deleteMany'>>;
  },
};

/** Parameters Prisma passes to a query-extension callback. */
interface QueryParams {
  readonly model?: string;
  readonly operation: string;
  readonly args: unknown;
  query(args: unknown): Promise<unknown>;
}

/**
 * The argument of `client.$extends(...)` that enforces soft deletes on `models`:
 * - `delete`/`deleteMany` of a soft-deleted model become `update`/`updateMany` that set `isDeleted` (and
 *   `deletedAt`), or the DELETED status. They are model methods calling `this.update`, so they run in the caller's
 *   transaction and keep their `PrismaPromise` (usable in `$transaction([...])`).
 * - reads in {@link FILTERED_READS} skip deleted rows unless the caller filters on `isDeleted` (or on the status).
 * - every model gains `hardDelete`/`hardDeleteMany`; models that are not soft-deleted are otherwise untouched.
 * - the client gains `$softDeleteModels`, the names of the soft-deleted models.
 */
export function softDeleteExtension(models: SoftDeleteModels) {
  const model = { $allModels: hardDeleteMethods };
  for (const soft of models.values()) {
    const overrides = {
      delete(this: ModelDelegate, args?: unknown) {
        return this.update(softDeleteArgs(soft, args, new Date()));
      },
      deleteMany(this: ModelDelegate, args?: unknown) {
        return this.updateMany(softDeleteManyArgs(soft, args, new Date()));
      },
    };
    // Added outside the declared type on purpose: the overrides keep Prisma's own signatures of delete/deleteMany.
    Object.assign(model, { [soft.name.charAt(0).toLowerCase() + soft.name.slice(1)]: overrides });
  }
  return {
    name: 'soft-delete',
    client: { $softDeleteModels: Object.freeze([...models.keys()]) as readonly string[] },
    model,
    query: {
      $allModels: {
        $allOperations({ model: name, operation, args, query }: QueryParams) {
          const soft = name === undefined ? undefined : models.get(name);
          return soft && FILTERED_READS.has(operation) ? query(rewriteReadArgs(soft, operation, args)) : query(args);
        },
      },
    },
  };
}
