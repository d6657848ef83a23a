import { FilterSyntaxError } from './algolia-filters.js';
import { HttpError, searchParams, type Body } from './algolia-http.js';
import { MemoryIndex, retrieve, type LocalSearchParams } from './algolia-index.js';
import { applySettings, deleteIndex } from './algolia-replicas.js';

/** Who may call: the write key may do everything, the search key only read. */
type Access = 'write' | 'search';

/** One request to the service, as it arrives over HTTP or from an in-process requester. */
export interface AlgoliaServiceRequest {
  readonly method: string;
  /** Path and query, e.g. `/1/indexes/creators/query`. */
  readonly url: string;
  /** Header lookup (lower-case names); the query string is consulted too, as Algolia does. */
  readonly header: (name: string) => string | undefined;
  /** Reads the JSON body. */
  readonly body: () => Promise<Body>;
}

/** In-memory Algolia indices behind the REST paths algoliasearch v5 uses. Shared by the HTTP server and fakes. */
export interface AlgoliaService {
  readonly indices: Map<string, MemoryIndex>;
  /** Answers one request: 403 without the right application id and key, like Algolia. */
  handle(request: AlgoliaServiceRequest): Promise<{ status: number; body: unknown }>;
}

/** Search parameters as Algolia echoes them in a result's `params`: a query string, non-strings as JSON. */
function echoParams(params: LocalSearchParams): string {
  const entries = Object.entries(params)
    .filter(([key, value]) => value !== undefined && key !== 'indexName' && key !== 'type' && key !== 'params')
    .map(([key, value]): [string, string] => [key, typeof value === 'string' ? value : JSON.stringify(value)]);
  return new URLSearchParams(entries).toString();
}

/** Creates the in-memory service for one application id and its two keys. */
export function createAlgoliaService(appId: string, writeApiKey: string, searchApiKey: string): AlgoliaService {
  const indices = new Map<string, MemoryIndex>();
  let taskCounter = 0;

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
    const ms = Date.now() - started;
    const faceted = result.facets !== undefined;
    return {
      ...result,
      ...(faceted ? { exhaustiveFacetsCount: true } : {}),
      exhaustiveNbHits: true,
      exhaustiveTypo: true,
      exhaustive: { nbHits: true, typo: true, ...(faceted ? { facetsCount: true } : {}) },
      query: params.query ?? '',
      params: echoParams(params),
      index: name,
      renderingContent: {},
      processingTimeMS: ms,
      processingTimingsMS: { total: ms },
      serverTimeMS: ms,
    };
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
        deleteIndex(indices, index.name);
        return undefined;
      default:
        throw new HttpError(400, `Unsupported batch action ${action}`);
    }
  };

  async function route(method: string, parts: string[], query: URLSearchParams, readBody: () => Promise<Body>, access: Access): Promise<unknown> {
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
    const body = method === 'GET' || method === 'DELETE' ? {} : await readBody();

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
        deleteIndex(indices, name);
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
        applySettings(indices, name, body, query.get('forwardToReplicas') === 'true');
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

  return {
    indices,
    async handle(request) {
      const url = new URL(request.url, 'http://localhost');
      const header = (name: string) => request.header(name) ?? url.searchParams.get(name) ?? undefined;
      const key = header('x-algolia-api-key');
      const access: Access | undefined =
        header('x-algolia-application-id') !== appId ? undefined : key === writeApiKey ? 'write' : key === searchApiKey ? 'search' : undefined;
      if (!access) return { status: 403, body: { message: 'Invalid Application-ID or API key', status: 403 } };
      const parts = url.pathname.split('/').filter(Boolean).map((part) => decodeURIComponent(part));
      try {
        return { status: 200, body: await route(request.method, parts, url.searchParams, request.body, access) };
      } catch (error) {
        const status = error instanceof HttpError ? error.status : error instanceof FilterSyntaxError ? 400 : 500;
        return { status, body: { message: error instanceof Error ? error.message : String(error), status } };
      }
    },
  };
}
