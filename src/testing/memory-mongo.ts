import { EventEmitter } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import type { MongoClient } from 'mongodb';

type Doc = Record<string, unknown>;

function hex(value: unknown): string | undefined {
  return typeof (value as { toHexString?: unknown } | null)?.toHexString === 'function'
    ? (value as { toHexString(): string }).toHexString()
    : undefined;
}

function same(a: unknown, b: unknown): boolean {
  const ha = hex(a);
  if (ha !== undefined || hex(b) !== undefined) return ha === hex(b);
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return isDeepStrictEqual(a, b);
}

function compare(a: unknown, b: unknown): number {
  const va = a instanceof Date ? a.getTime() : (hex(a) ?? a);
  const vb = b instanceof Date ? b.getTime() : (hex(b) ?? b);
  if (va === vb) return 0;
  if (va === undefined || va === null) return -1;
  if (vb === undefined || vb === null) return 1;
  return (va as number) < (vb as number) ? -1 : 1;
}

/** Copies plain objects and arrays; keeps ObjectIds and other class instances, clones Dates. */
function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clone) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)])) as T;
  }
  return value;
}

function get(doc: Doc, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value === null || typeof value !== 'object' ? undefined : (value as Doc)[key]), doc);
}

function set(doc: Doc, path: string, value: unknown): void {
  const keys = path.split('.');
  let target = doc;
  for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Doc;
  target[keys[keys.length - 1]!] = value;
}

function unset(doc: Doc, path: string): void {
  const keys = path.split('.');
  const parent = keys.length === 1 ? doc : (get(doc, keys.slice(0, -1).join('.')) as Doc | undefined);
  if (parent) delete parent[keys[keys.length - 1]!];
}

function condition(value: unknown, test: unknown): boolean {
  const isOperators = test !== null && typeof test === 'object' && !Array.isArray(test) && hex(test) === undefined &&
    !(test instanceof Date) && !(test instanceof RegExp) && Object.keys(test).every((k) => k.startsWith('$'));
  if (!isOperators) {
    if (test instanceof RegExp) return typeof value === 'string' && test.test(value);
    return Array.isArray(value) && !Array.isArray(test) ? value.some((item) => same(item, test)) : same(value, test ?? undefined) || (test === null && value === undefined);
  }
  return Object.entries(test as Doc).every(([op, arg]) => {
    switch (op) {
      case '$eq': return condition(value, arg);
      case '$ne': return !condition(value, arg);
      case '$gt': return value !== undefined && compare(value, arg) > 0;
      case '$gte': return value !== undefined && compare(value, arg) >= 0;
      case '$lt': return value !== undefined && compare(value, arg) < 0;
      case '$lte': return value !== undefined && compare(value, arg) <= 0;
      case '$in': return (arg as unknown[]).some((item) => condition(value, item));
      case '$nin': return !(arg as unknown[]).some((item) => condition(value, item));
      case '$exists': return (value !== undefined) === Boolean(arg);
      case '$regex': return typeof value === 'string' && new RegExp(arg as string).test(value);
      default: throw new Error(`the in-memory MongoDB does not support the query operator ${op}`);
    }
  });
}

/** True when `doc` matches a MongoDB query filter (equality, comparison, $in/$nin, $exists, $regex, $and/$or/$nor). */
export function matches(doc: Doc, filter: Doc = {}): boolean {
  return Object.entries(filter).every(([key, test]) => {
    if (key === '$and') return (test as Doc[]).every((f) => matches(doc, f));
    if (key === '$or') return (test as Doc[]).some((f) => matches(doc, f));
    if (key === '$nor') return !(test as Doc[]).some((f) => matches(doc, f));
    return condition(get(doc, key), test);
  });
}

function applyUpdate(doc: Doc, update: Doc, inserting: boolean): Doc {
  const operators = Object.keys(update).filter((k) => k.startsWith('$'));
  if (operators.length === 0) return { _id: doc._id, ...clone(update) };
  for (const [op, fields] of Object.entries(update)) {
    for (const [path, arg] of Object.entries(fields as Doc)) {
      const current = get(doc, path);
      switch (op) {
        case '$set': set(doc, path, clone(arg)); break;
        case '$setOnInsert': if (inserting) set(doc, path, clone(arg)); break;
        case '$unset': unset(doc, path); break;
        case '$inc': set(doc, path, ((current as number | undefined) ?? 0) + (arg as number)); break;
        case '$push': set(doc, path, [...((current as unknown[]) ?? []), clone(arg)]); break;
        case '$addToSet': {
          const list = (current as unknown[]) ?? [];
          set(doc, path, list.some((item) => same(item, arg)) ? list : [...list, clone(arg)]);
          break;
        }
        case '$pull': set(doc, path, ((current as unknown[]) ?? []).filter((item) => !condition(item, arg))); break;
        default: throw new Error(`the in-memory MongoDB does not support the update operator ${op}`);
      }
    }
  }
  return doc;
}

function newObjectId(): unknown {
  const { ObjectId } = require('mongodb') as typeof import('mongodb');
  return new ObjectId();
}

class MemoryCursor {
  #sort: Array<[string, 1 | -1]> = [];
  #skip = 0;
  #limit = 0;
  #projection: Doc | undefined;
  constructor(private readonly source: () => Doc[]) {}
  sort(spec: Record<string, 1 | -1>) { this.#sort = Object.entries(spec); return this; }
  skip(n: number) { this.#skip = n; return this; }
  limit(n: number) { this.#limit = n; return this; }
  project(spec: Doc) { this.#projection = spec; return this; }
  async toArray(): Promise<Doc[]> {
    let docs = this.source();
    if (this.#sort.length) {
      docs = [...docs].sort((a, b) => {
        for (const [field, dir] of this.#sort) {
          const c = compare(get(a, field), get(b, field));
          if (c !== 0) return c * dir;
        }
        return 0;
      });
    }
    docs = docs.slice(this.#skip, this.#limit ? this.#skip + this.#limit : undefined).map(clone);
    const projection = this.#projection;
    if (!projection) return docs;
    const keep = Object.keys(projection).filter((k) => projection[k]);
    return docs.map((doc) => Object.fromEntries(Object.entries(doc).filter(([k]) => k === '_id' ? projection._id !== 0 : keep.includes(k))));
  }
  async next(): Promise<Doc | null> { return (await this.toArray())[0] ?? null; }
  async *[Symbol.asyncIterator]() { yield* await this.toArray(); }
}

/** A collection held in memory with the most used `Collection` methods; others throw a clear error. */
class MemoryCollection {
  readonly docs: Doc[] = [];
  readonly #unique: string[][] = [];
  readonly #indexes: Array<{ name: string; key: Doc; unique?: boolean }> = [{ name: '_id_', key: { _id: 1 } }];
  constructor(readonly collectionName: string) {}

  #checkUnique(candidate: Doc, except?: Doc): void {
    for (const fields of [['_id'], ...this.#unique]) {
      const clash = this.docs.find((doc) => doc !== except && fields.every((f) => same(get(doc, f), get(candidate, f))));
      if (clash) {
        throw Object.assign(new Error(`E11000 duplicate key error collection: ${this.collectionName} index: ${fields.join('_')}`), { code: 11000 });
      }
    }
  }
  async insertOne(doc: Doc) {
    const stored = clone({ ...doc, _id: doc._id ?? newObjectId() });
    this.#checkUnique(stored);
    this.docs.push(stored);
    doc._id = stored._id;
    return { acknowledged: true, insertedId: stored._id };
  }
  async insertMany(docs: Doc[]) {
    const insertedIds: Record<number, unknown> = {};
    for (const [i, doc] of docs.entries()) insertedIds[i] = (await this.insertOne(doc)).insertedId;
    return { acknowledged: true, insertedCount: docs.length, insertedIds };
  }
  find(filter: Doc = {}) { return new MemoryCursor(() => this.docs.filter((doc) => matches(doc, filter))); }
  async findOne(filter: Doc = {}) { const doc = this.docs.find((d) => matches(d, filter)); return doc ? clone(doc) : null; }
  async countDocuments(filter: Doc = {}) { return this.docs.filter((doc) => matches(doc, filter)).length; }
  async estimatedDocumentCount() { return this.docs.length; }
  async #update(filter: Doc, update: Doc, many: boolean, upsert: boolean) {
    const targets = this.docs.filter((doc) => matches(doc, filter)).slice(0, many ? undefined : 1);
    for (const doc of targets) {
      const next = applyUpdate(clone(doc), update, false);
      this.#checkUnique(next, doc);
      this.docs[this.docs.indexOf(doc)] = next;
    }
    if (targets.length === 0 && upsert) {
      const seed = Object.fromEntries(Object.entries(filter).filter(([k, v]) => !k.startsWith('$') && (typeof v !== 'object' || v === null || hex(v) !== undefined)));
      const { insertedId } = await this.insertOne(applyUpdate(seed, update, true));
      return { acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: insertedId };
    }
    return { acknowledged: true, matchedCount: targets.length, modifiedCount: targets.length, upsertedCount: 0, upsertedId: null };
  }
  updateOne(filter: Doc, update: Doc, options: { upsert?: boolean } = {}) { return this.#update(filter, update, false, options.upsert === true); }
  updateMany(filter: Doc, update: Doc, options: { upsert?: boolean } = {}) { return this.#update(filter, update, true, options.upsert === true); }
  replaceOne(filter: Doc, doc: Doc, options: { upsert?: boolean } = {}) { return this.#update(filter, doc, false, options.upsert === true); }
  async deleteOne(filter: Doc = {}) {
    const index = this.docs.findIndex((doc) => matches(doc, filter));
    if (index >= 0) this.docs.splice(index, 1);
    return { acknowledged: true, deletedCount: index >= 0 ? 1 : 0 };
  }
  async deleteMany(filter: Doc = {}) {
    const before = this.docs.length;
    for (let i = this.docs.length - 1; i >= 0; i--) if (matches(this.docs[i]!, filter)) this.docs.splice(i, 1);
    return { acknowledged: true, deletedCount: before - this.docs.length };
  }
  async createIndex(key: Doc, options: { unique?: boolean; name?: string } = {}) {
    const name = options.name ?? Object.entries(key).map(([k, v]) => `${k}_${String(v)}`).join('_');
    if (!this.#indexes.some((index) => index.name === name)) {
      this.#indexes.push({ name, key, ...(options.unique ? { unique: true } : {}) });
      if (options.unique) this.#unique.push(Object.keys(key));
    }
    return name;
  }
  listIndexes() { return new MemoryCursor(() => this.#indexes.map((index) => ({ v: 2, ...index }))); }
  async indexes() { return this.listIndexes().toArray(); }
}

function strict<T extends object>(target: T, what: string): T {
  return new Proxy(target, {
    get(obj, property, receiver) {
      if (property in obj || typeof property === 'symbol' || property === 'then') {
        const value = Reflect.get(obj, property, receiver) as unknown;
        // Bound to the target: the collection's private fields are not reachable through the Proxy.
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(obj) : value;
      }
      throw new Error(`the in-memory MongoDB does not implement ${what}.${property}; use a real server for it`);
    },
  });
}

/** A stand-in for a `MongoClient`: databases and collections in memory, nothing on the network. */
export function memoryMongoClient(): MongoClient {
  const databases = new Map<string, unknown>();
  const events = new EventEmitter();
  const client = {
    db(name = 'test') {
      if (!databases.has(name)) {
        const collections = new Map<string, MemoryCollection>();
        databases.set(name, strict({
          databaseName: name,
          collection: (collection: string) => {
            if (!collections.has(collection)) collections.set(collection, strict(new MemoryCollection(collection), 'Collection'));
            return collections.get(collection)!;
          },
          command: async (command: Doc) => ('ping' in command ? { ok: 1 } : Promise.reject(new Error(`the in-memory MongoDB does not run ${Object.keys(command)[0]}`))),
          listCollections: () => new MemoryCursor(() => [...collections.keys()].map((n) => ({ name: n, type: 'collection' }))),
          dropDatabase: async () => { collections.clear(); return true; },
        }, 'Db'));
      }
      return databases.get(name);
    },
    connect: async () => client,
    close: async () => undefined,
    on: (event: string, listener: (...args: unknown[]) => void) => { events.on(event, listener); return client; },
    once: (event: string, listener: (...args: unknown[]) => void) => { events.once(event, listener); return client; },
  };
  return strict(client, 'MongoClient') as unknown as MongoClient;
}
