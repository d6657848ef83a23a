import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './algolia-http.js';
import type { MemoryIndex } from './algolia-index.js';
import { createAlgoliaService } from './algolia-service.js';

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

/**
 * Starts an Algolia-compatible HTTP server on loopback with in-memory indices. It answers the REST paths
 * algoliasearch v5 uses to save, partially update, delete (one or in batches) and get objects, search one or
 * several indices (word matching, the last word as a prefix; `filters`, `facetFilters`, `numericFilters`,
 * `hitsPerPage`, `page`, `facets` counted for `attributesForFaceting`; hits sorted by the `asc()`/`desc()` entries of
 * `ranking` and `customRanking`), list indices, and get or set settings, including `replicas` (linked replicas read
 * the primary's records and sort by their own settings). Tasks are published at once. A request
 * without the right `x-algolia-application-id` and `x-algolia-api-key` gets 403, as Algolia answers.
 */
export async function startAlgoliaServer(options: AlgoliaServerOptions = {}): Promise<AlgoliaServer> {
  const appId = options.appId ?? 'LOCALAPPID';
  const writeApiKey = options.writeApiKey ?? randomBytes(16).toString('hex');
  const searchApiKey = options.searchApiKey ?? randomBytes(16).toString('hex');
  const service = createAlgoliaService(appId, writeApiKey, searchApiKey);
  const indices = service.indices;
  let requestCount = 0;

  const send = (res: ServerResponse, status: number, payload: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'access-control-allow-origin': '*' });
    res.end(JSON.stringify(payload));
  };

  const server = createServer((req, res) => {
    requestCount += 1;
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
      return Array.isArray(value) ? value[0] : value;
    };
    const answered = service.handle({ method, url: req.url ?? '/', header, body: () => readBody(req) });
    const delayed = options.latencyMs ? answered.then((reply) => new Promise<typeof reply>((resolve) => setTimeout(() => resolve(reply), options.latencyMs))) : answered;
    void delayed.then(({ status, body }) => {
      req.resume();
      send(res, status, body);
    });
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
