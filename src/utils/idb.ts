// The part of the IndexedDB API the caches use, typed by shape. The package compiles without the DOM library (its
// other entries are Node code, which must not see browser globals), and tests pass fake-indexeddb's factory here.

/** A request: its result arrives with the `success` event, its failure with `error`. */
export interface IdbRequest<T = unknown> {
  readonly result: T;
  readonly error: { readonly name: string; readonly message: string } | null;
  onsuccess: ((event: unknown) => void) | null;
  onerror: ((event: { preventDefault(): void; stopPropagation?(): void }) => void) | null;
}

/** What `indexedDB.open()` returns. */
export interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  /** The version-change transaction, during `upgradeneeded`. */
  readonly transaction: IdbTransaction | null;
  onupgradeneeded: ((event: { readonly oldVersion: number }) => void) | null;
  onblocked: ((event: unknown) => void) | null;
}

/** `indexedDB` (window.indexedDB, or fake-indexeddb's factory in tests). */
export interface IdbFactory {
  open(name: string, version: number): IdbOpenRequest;
}

export interface IdbDatabase {
  readonly objectStoreNames: { contains(name: string): boolean };
  transaction(stores: string | readonly string[], mode: 'readonly' | 'readwrite'): IdbTransaction;
  createObjectStore(name: string, options?: { keyPath?: string }): IdbObjectStore;
  deleteObjectStore(name: string): void;
  close(): void;
  onversionchange: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
}

export interface IdbTransaction {
  readonly error: { readonly name: string; readonly message: string } | null;
  objectStore(name: string): IdbObjectStore;
  abort(): void;
  oncomplete: ((event: unknown) => void) | null;
  onerror: ((event: { preventDefault(): void }) => void) | null;
  onabort: ((event: unknown) => void) | null;
}

export interface IdbObjectStore {
  get(key: string): IdbRequest<unknown>;
  put(value: unknown, key?: string): IdbRequest<unknown>;
  delete(key: unknown): IdbRequest<undefined>;
  index(name: string): IdbIndex;
  createIndex(name: string, keyPath: string | readonly string[]): unknown;
}

export interface IdbIndex {
  /** Walks the index in key order, reading keys only (never a record's value). */
  openKeyCursor(): IdbRequest<IdbKeyCursor | null>;
}

export interface IdbKeyCursor {
  readonly key: unknown;
  readonly primaryKey: unknown;
  continue(): void;
}

/** The factory of the runtime, or undefined where there is none (Node, server-side rendering) or it is refused. */
export function runtimeIndexedDb(): IdbFactory | undefined {
  try {
    // A sandboxed document without allow-same-origin throws SecurityError on this property read.
    return (globalThis as { indexedDB?: IdbFactory | null }).indexedDB ?? undefined;
  } catch {
    return undefined;
  }
}
