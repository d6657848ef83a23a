/**
 * The index audit's comparison: indexes a Prisma schema declares (in the shape of Prisma's DMMF datamodel) against
 * what `listIndexes` returns per collection. Pure functions, no I/O.
 */

/** A model field, as in Prisma's DMMF. */
export interface DmmfField {
  readonly name: string;
  /** The stored name (`@map`), e.g. `_id`. */
  readonly dbName?: string | null;
}

/** A model, as in Prisma's DMMF. */
export interface DmmfModel {
  readonly name: string;
  /** The collection name (`@@map`). */
  readonly dbName?: string | null;
  readonly fields: readonly DmmfField[];
}

/** One index of Prisma's DMMF `datamodel.indexes`. */
export interface DmmfIndex {
  readonly model: string;
  readonly type: 'id' | 'normal' | 'unique' | 'fulltext';
  /** The `map:` name. */
  readonly dbName?: string | null;
  readonly fields: readonly { readonly name: string; readonly sortOrder?: 'asc' | 'desc' | null }[];
}

/** The part of Prisma's DMMF datamodel the audit reads. */
export interface DmmfDatamodel {
  readonly models: readonly DmmfModel[];
  readonly indexes: readonly DmmfIndex[];
}

/** An index as MongoDB describes it (`listIndexes`). */
export interface MongoIndex {
  readonly name: string;
  readonly key: Readonly<Record<string, unknown>>;
  readonly unique?: boolean;
}

/** An index the schema expects in one collection. */
export interface ExpectedIndex extends MongoIndex {
  readonly model: string;
}

/** A declared index whose database counterpart differs. */
export interface IndexDifference {
  readonly name: string;
  readonly expected: MongoIndex;
  readonly actual: MongoIndex;
}

/** The audit of one collection. */
export interface CollectionAudit {
  readonly collection: string;
  readonly model: string;
  /** False when the collection does not exist yet (every declared index is then missing). */
  readonly exists: boolean;
  readonly missing: readonly MongoIndex[];
  /** Indexes in the database that the schema does not declare (`prisma db push` would drop them). */
  readonly extra: readonly MongoIndex[];
  readonly different: readonly IndexDifference[];
}

/** The whole audit. `ok` is true when no collection has a missing, extra or different index. */
export interface IndexAudit {
  readonly ok: boolean;
  readonly collections: readonly CollectionAudit[];
}

/** The collection of a model: its `@@map` name, else the model name. */
export function collectionOf(model: DmmfModel): string {
  return model.dbName ?? model.name;
}

/**
 * The indexes each collection should have, keyed by collection. Field names become stored names (`@map`); an index
 * without `map:` gets Prisma's default name `{collection}_{fields}_key` (unique) or `_idx`. The `_id` index is
 * MongoDB's own and is left out on both sides.
 */
export function expectedIndexes(datamodel: DmmfDatamodel): Map<string, ExpectedIndex[]> {
  const byCollection = new Map<string, ExpectedIndex[]>();
  for (const model of datamodel.models) byCollection.set(collectionOf(model), []);
  for (const index of datamodel.indexes) {
    if (index.type === 'id') continue;
    const model = datamodel.models.find((candidate) => candidate.name === index.model);
    if (!model) throw new Error(`index on unknown model ${index.model}`);
    const collection = collectionOf(model);
    const key: Record<string, unknown> = {};
    for (const field of index.fields) {
      const [head = '', ...rest] = field.name.split('.');
      const stored = model.fields.find((candidate) => candidate.name === head)?.dbName ?? head;
      key[[stored, ...rest].join('.')] = index.type === 'fulltext' ? 'text' : field.sortOrder === 'desc' ? -1 : 1;
    }
    const suffix = index.type === 'unique' ? 'key' : 'idx';
    const name = index.dbName ?? `${collection}_${Object.keys(key).join('_')}_${suffix}`;
    byCollection.get(collection)!.push({ model: model.name, name, key, ...(index.type === 'unique' ? { unique: true } : {}) });
  }
  return byCollection;
}

function sameShape(a: MongoIndex, b: MongoIndex): boolean {
  const left = Object.entries(a.key);
  const right = Object.entries(b.key);
  return (
    Boolean(a.unique) === Boolean(b.unique) &&
    left.length === right.length &&
    left.every(([field, direction], i) => right[i]?.[0] === field && String(right[i]?.[1]) === String(direction))
  );
}

const plain = ({ name, key, unique }: MongoIndex): MongoIndex => ({ name, key, ...(unique ? { unique: true } : {}) });

/**
 * Compares the expected indexes with the ones found. `actual` maps a collection to its indexes, or to `undefined`
 * when the collection does not exist. Indexes are matched by name; a declared index found under another name with
 * the same keys and uniqueness is reported as different (a rename), not as missing plus extra.
 */
export function auditIndexes(
  expected: ReadonlyMap<string, readonly ExpectedIndex[]>,
  actual: ReadonlyMap<string, readonly MongoIndex[] | undefined>,
): IndexAudit {
  const collections: CollectionAudit[] = [];
  for (const [collection, wanted] of [...expected].sort(([a], [b]) => a.localeCompare(b))) {
    const found = actual.get(collection);
    const model = wanted[0]?.model ?? collection;
    const unmatched = (found ?? []).filter((index) => index.name !== '_id_');
    const missing: MongoIndex[] = [];
    const different: IndexDifference[] = [];
    const renamed: ExpectedIndex[] = [];
    for (const index of wanted) {
      const at = unmatched.findIndex((candidate) => candidate.name === index.name);
      if (at < 0) {
        renamed.push(index);
        continue;
      }
      const [match] = unmatched.splice(at, 1);
      if (!sameShape(index, match!)) different.push({ name: index.name, expected: plain(index), actual: plain(match!) });
    }
    for (const index of renamed) {
      const at = unmatched.findIndex((candidate) => sameShape(index, candidate));
      if (at < 0) missing.push(plain(index));
      else different.push({ name: index.name, expected: plain(index), actual: plain(unmatched.splice(at, 1)[0]!) });
    }
    collections.push({ collection, model, exists: found !== undefined, missing, extra: unmatched.map(plain), different });
  }
  const ok = collections.every((c) => c.missing.length === 0 && c.extra.length === 0 && c.different.length === 0);
  return { ok, collections };
}

function describeIndex(index: MongoIndex): string {
  const key = Object.entries(index.key).map(([field, direction]) => `${field}: ${String(direction)}`).join(', ');
  return `${index.name} { ${key} }${index.unique ? ' unique' : ''}`;
}

/** The audit as text: one block per collection that differs, one line per collection that matches. */
export function formatIndexAudit(audit: IndexAudit): string {
  const lines: string[] = [];
  for (const c of audit.collections) {
    const label = c.model === c.collection ? c.collection : `${c.collection} (model ${c.model})`;
    if (c.missing.length + c.extra.length + c.different.length === 0) {
      lines.push(`ok       ${label}`);
      continue;
    }
    lines.push(`DIFFERS  ${label}${c.exists ? '' : ' (collection does not exist)'}`);
    for (const index of c.missing) lines.push(`  missing    ${describeIndex(index)}`);
    for (const index of c.extra) lines.push(`  extra      ${describeIndex(index)}`);
    for (const d of c.different) lines.push(`  different  declared ${describeIndex(d.expected)}; found ${describeIndex(d.actual)}`);
  }
  const differing = audit.collections.filter((c) => c.missing.length + c.extra.length + c.different.length > 0).length;
  lines.push('', audit.ok ? `All ${audit.collections.length} collections have the declared indexes.` : `${differing} of ${audit.collections.length} collections differ from the schema.`);
  return lines.join('\n');
}
