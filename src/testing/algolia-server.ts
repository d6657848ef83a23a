import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FilterSyntaxError } from './algolia-filters.js';
import { HttpError, readBody, searchParams, type Body } from './algolia-http.js';
import { MemoryIndex, retrieve, type LocalSearchParams } from './algolia-index.js';

/** Options of {@link startAlgoliaServer}. */
export interface AlgoliaServerOptions {
  /** @default 'LOCALAPPID' */
  readonly appId?: string;
  /** Key allowed to do everything. @default a random key */
  readonly writeApiKey?: string;
  /** Key allowed to search and read objects only. @default a random key */
  readonly searchApiKey?: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly hostname?: string;
  /** Delay before each answer, to simulate a remote service. @default 0 */
  readonly latencyMs?: number;
}

/** A running local Algolia-compatible server. */
export interface AlgoliaServer {
  readonly appId: string;
  readonly writeApiKey: string;
  readonly searchApiKey: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>`, the value for `ALGOLIA_HOSTS`. */
  readonly url: string;
  /** The indices, by name, for assertions. */
  readonly indices: ReadonlyMap<string, MemoryIndex>;
  /** How many requests arrived (authorized or not). */
  readonly requestCount: number;
  /** Client connections open right now (keep-alive sockets included). */
  openConnections(): Promise<number>;
  /** Drops every index. */
  reset(): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

type Access = 'write' | 'search';

/**
 * Starts an Algolia-compatible HTTP server on loopback with in-memory indices. It answers the REST paths
 * algoliasearch v5 uses to save, partially update, delete (one or in batches) and get objects, search one or
 * several indices (word matching, the last word as a prefix; `filters`, `facetFilters`, `numericFilters`,
 * `hitsPerPage`, `page`), list indices, and get or set settings. Tasks are published at once. A request
 * without the right `x-algolia-application-id` and `x-algolia-api-key` gets 403, as Algolia answers.
 */
export async function startAlgoliaServer(options: AlgoliaServerOptions = {}): Promise<AlgoliaServer> {
  const appId = options.appId ?? 'LOCALAPPID';
  const writeApiKey = options.writeApiKey ?? randomBytes(16).toString('hex');
  const searchApiKey = options.searchApiKey ?? randomBytes(16).toString('hex');
  const indices = new Map<string, MemoryIndex>();
  let taskCounter = 0;
  let requestCount = 0;

  const nextTask = () => ++taskCounter;
  const now = () => new Date().toISOString();
  const existing = (name: string): MemoryIndex => {
    const index = indices.get(name);
    if (!index) throw new HttpError(404, 'Index does not exist');
    return index;
  };
  const writable = (name: string): MemoryIndex => {
    let index = indices.get(name);
    if (!index) indices.set(name, (index = new MemoryIndex(name)));
    return index;
  };
  const runSearch = (name: string, params: LocalSearchParams) => {
    const started = Date.now();
    const result = existing(name).search(params);
    return { ...result, exhaustiveNbHits: true, query: params.query ?? '', params: '', index: name, processingTimeMS: Date.now() - started };
  };

  const batchOne = (index: MemoryIndex, action: string, body: Body): string | undefined => {
    const id = typeof body.objectID === 'string' ? body.objectID : undefined;
    switch (action) {
      case 'addObject':
        return index.save(body);
      case 'updateObject':
        if (!id) throw new HttpError(400, 'objectID is required for updateObject');
        return index.save(body, id);
      case 'partialUpdateObject':
      case 'partialUpdateObjectNoCreate':
        if (!id) throw new HttpError(400, `objectID is required for ${action}`);
        index.partialUpdate(id, body, action === 'partialUpdateObject');
        return id;
      case 'deleteObject':
        if (!id) throw new HttpError(400, 'objectID is required for deleteObject');
        index.delete(id);
        return id;
      case 'clear':
        index.clear();
        return undefined;
      case 'delete':
        indices.delete(index.name);
        return undefined;
      default:
        throw new HttpError(400, `Unsupported batch action ${action}`);
    }
  };

  async function route(method: string, parts: string[], query: URLSearchParams, req: IncomingMessage, access: Access): Promise<unknown> {
    const needWrite = () => {
      if (access !== 'write') throw new HttpError(403, 'Method not allowed with this API key');
    };
    const [v, collection, name, third, fourth] = parts;
    if (v !== '1') throw new HttpError(404, 'Not found');
    if (collection === 'task' && name && method === 'GET') return { status: 'published' };
    if (collection !== 'indexes') throw new HttpError(404, 'Not found');

    if (name === undefined && method === 'GET') {
      needWrite();
      const all = [...indices.values()].map((index) => ({
        name: index.name, createdAt: index.createdAt, updatedAt: index.updatedAt, entries: index.records.size,
        dataSize: 0, fileSize: 0, lastBuildTimeS: 0, numberOfPendingTasks: 0, pendingTask: false,
      }));
      const perPage = query.has('hitsPerPage') ? Math.max(1, Number(query.get('hitsPerPage'))) : all.length || 1;
      const page = Number(query.get('page') ?? 0);
      return { items: all.slice(page * perPage, (page + 1) * perPage), nbPages: Math.ceil(all.length / perPage) };
    }
    if (name === undefined) throw new HttpError(404, 'Not found');
    const body = method === 'GET' || method === 'DELETE' ? {} : await readBody(req);

    if (name === '*') {
      const requests = Array.isArray(body.requests) ? (body.requests as Body[]) : [];
      if (third === 'queries' && method === 'POST') {
        return {
          results: requests.map((r) =>
            r.type === 'facet'
              ? { facetHits: [], exhaustiveFacetsCount: true, processingTimeMS: 0 }
              : runSearch(String(r.indexName), searchParams(r)),
          ),
        };
      }
      if (third === 'objects' && method === 'POST') {
        return {
          results: requests.map((r) => {
            const record = indices.get(String(r.indexName))?.records.get(String(r.objectID));
            return record ? retrieve(record, r.attributesToRetrieve as string[] | undefined) : null;
          }),
        };
      }
      if (third === 'batch' && method === 'POST') {
        needWrite();
        const taskID: Record<string, number> = {};
        const objectIDs = requests.map((r) => {
          const indexName = String(r.indexName);
          taskID[indexName] = nextTask();
          return batchOne(writable(indexName), String(r.action), (r.body as Body | undefined) ?? {});
        });
        return { taskID, objectIDs: objectIDs.filter((id) => id !== undefined) };
      }
      throw new HttpError(404, 'Not found');
    }

    if (third === undefined) {
      if (method === 'POST') {
        needWrite();
        const objectID = writable(name).save(body);
        return { createdAt: now(), taskID: nextTask(), objectID };
      }
      if (method === 'DELETE') {
        needWrite();
        indices.delete(name);
        return { taskID: nextTask(), deletedAt: now() };
      }
      throw new HttpError(404, 'Not found');
    }
    if (third === 'query' && method === 'POST') return runSearch(name, searchParams(body));
    if (third === 'task' && fourth && method === 'GET') return { status: 'published', pendingTask: false };
    if (third === 'settings') {
      needWrite();
      if (method === 'GET') return { hitsPerPage: 20, ...existing(name).settings };
      if (method === 'PUT') {
        writable(name).setSettings(body);
        return { taskID: nextTask(), updatedAt: now() };
      }
    }
    if (third === 'batch' && method === 'POST') {
      needWrite();
      const index = writable(name);
      const requests = Array.isArray(body.requests) ? (body.requests as Body[]) : [];
      const objectIDs = requests.map((r) => batchOne(index, String(r.action), (r.body as Body | undefined) ?? {}));
      return { taskID: nextTask(), objectIDs: objectIDs.filter((id) => id !== undefined) };
    }
    if (third === 'clear' && method === 'POST') {
      needWrite();
      existing(name).clear();
      return { taskID: nextTask(), updatedAt: now() };
    }
    const objectID = third;
    if (fourth === 'partial' && method === 'POST') {
      needWrite();
      writable(name).partialUpdate(objectID, body, query.get('createIfNotExists') !== 'false');
      return { taskID: nextTask(), updatedAt: now(), objectID };
    }
    if (fourth !== undefined) throw new HttpError(404, 'Not found');
    if (method === 'GET') {
      const record = existing(name).records.get(objectID);
      if (!record) throw new HttpError(404, 'ObjectID does not exist');
      return retrieve(record, query.get('attributesToRetrieve') ?? undefined);
    }
    if (method === 'PUT') {
      needWrite();
      writable(name).save(body, objectID);
      return { taskID: nextTask(), updatedAt: now(), objectID };
    }
    if (method === 'DELETE') {
      needWrite();
      indices.get(name)?.delete(objectID);
      return { taskID: nextTask(), deletedAt: now() };
    }
    throw new HttpError(404, 'Not found');
  }

  const send = (res: ServerResponse, status: number, payload: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'access-control-allow-origin': '*' });
    res.end(JSON.stringify(payload));
  };

  const server = createServer((req, res) => {
    requestCount += 1;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST, PUT, DELETE',
        'access-control-allow-headers': '*',
      });
      res.end();
      return;
    }
    const header = (name: string) => {
      const value = req.headers[name];
      return (Array.isArray(value) ? value[0] : value) ?? url.searchParams.get(name) ?? undefined;
    };
    const key = header('x-algolia-api-key');
    const access: Access | undefined =
      header('x-algolia-application-id') !== appId ? undefined : key === writeApiKey ? 'write' : key === searchApiKey ? 'search' : undefined;
    if (!access) {
      req.resume();
      send(res, 403, { message: 'Invalid Application-ID or API key', status: 403 });
      return;
    }
    const parts = url.pathname.split('/').filter(Boolean).map((part) => decodeURIComponent(part));
    const answered = route(method, parts, url.searchParams, req, access);
    const delayed = options.latencyMs ? answered.then((payload) => new Promise((resolve) => setTimeout(() => resolve(payload), options.latencyMs))) : answered;
    delayed.then(
      (payload) => send(res, 200, payload),
      (error: unknown) => {
        const status = error instanceof HttpError ? error.status : error instanceof FilterSyntaxError ? 400 : 500;
        send(res, status, { message: error instanceof Error ? error.message : String(error), status });
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.hostname ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    appId,
    writeApiKey,
    searchApiKey,
    port,
    url: `http://${options.hostname ?? '127.0.0.1'}:${port}`,
    indices,
    get requestCount() {
      return requestCount;
    },
    openConnections: () =>
      new Promise<number>((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
    reset: () => indices.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type { AlgoliaRecord } from './algolia-filters.js';
export type { LocalSearchParams, MemoryIndex } from './algolia-index.js';
