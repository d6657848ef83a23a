import { gunzipSync } from 'node:zlib';
import type { BaseConnection, Client } from '@elastic/elasticsearch';
import { inject, injectable } from 'tsyringe';
import { DisposedError, LazyProvider, LOGGER } from '../index.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import type { Logger } from '../providers/logger.js';
import type { ElasticsearchIndexNames } from '../providers/elasticsearch.js';
import { DB_LIFECYCLE } from '../tokens.js';
import { MemoryElasticsearch, NotImplementedError } from './memory-elasticsearch.js';

type RequestParams = Parameters<BaseConnection['request']>[0];
type Reply = { body: string; statusCode: number; headers: Record<string, string> };

/** What the fake answers, for the refusal of anything else. */
const ANSWERS =
  'GET /_cluster/health, HEAD and PUT /{index}, GET /{index}/_mapping, PUT or POST /{index}/_doc/{id}, POST /_bulk and /{index}/_bulk, ' +
  'POST /{index}/_update/{id}, DELETE /{index}/_doc/{id}, and GET or POST /{index}/_search with the queries @ratecreator/db/elasticsearch-client sends';
const USE_REAL = 'list ElasticsearchProvider in allowReal (with ELASTIC_NODE in env) to use a real node';

/** Why the fake refuses a request, as Elasticsearch's own error body (the client turns it into a ResponseError). */
function notImplemented(what: string): { statusCode: number; body: unknown } {
  const cause = {
    type: 'fake_not_implemented',
    reason: `the test container's Elasticsearch fake does not answer ${what}; it answers, in memory, only ${ANSWERS}: ${USE_REAL}`,
  };
  return { statusCode: 501, body: { error: { root_cause: [cause], ...cause }, status: 501 } };
}

/** The request body as text: the transport sends JSON and ndjson as strings, or as gzipped Buffers with compression on. */
function bodyText(params: RequestParams): string | undefined {
  const body = params.body as unknown;
  if (body === undefined || body === null || body === '') return undefined;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) {
    const encoding = String(params.headers?.['content-encoding'] ?? '').toLowerCase();
    return (encoding.includes('gzip') ? gunzipSync(body) : body).toString('utf8');
  }
  throw new NotImplementedError('streamed request bodies');
}

/**
 * A connection class that answers in process and opens no socket: cluster health is green, the calls of
 * `@ratecreator/db/elasticsearch-client` are answered by `node` (a {@link MemoryElasticsearch}), every other request
 * is a 501 naming what to do instead. Built per client by {@link FakeElasticsearchProvider}.
 */
function inProcessConnection(base: typeof BaseConnection, isClosed: () => boolean, node: MemoryElasticsearch): typeof BaseConnection {
  return class InProcessConnection extends base {
    // The base class's overloads (buffer and stream replies) are not modelled: the client reads text bodies.
    override async request(params: RequestParams): Promise<never> {
      if (isClosed()) throw new DisposedError('elasticsearch');
      const headers = { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' };
      const path = params.path.split('?')[0]!;
      let answer: { statusCode: number; body?: unknown };
      if (params.method === 'GET' && path === '/_cluster/health') {
        answer = { statusCode: 200, body: { cluster_name: 'fake', status: 'green', number_of_nodes: 1, timed_out: false } };
      } else {
        try {
          answer = node.handle(params.method, path, String(params.querystring ?? ''), bodyText(params));
        } catch (error) {
          if (!(error instanceof NotImplementedError)) throw error;
          answer = notImplemented(error.message);
        }
      }
      const reply: Reply = { statusCode: answer.statusCode, headers, body: answer.body === undefined ? '' : JSON.stringify(answer.body) };
      return reply as never;
    }

    override async close(): Promise<void> {}
  };
}

/**
 * Elasticsearch in a test container, fail-closed: the real `Client` over an in-process connection, so nothing is
 * dialled whatever the environment says. Health is `up`; the calls `@ratecreator/db/elasticsearch-client` makes
 * (index creation and mappings, index, bulk, update, delete, search) are answered from an in-memory node of this
 * provider's own; any other call fails with a `ResponseError` (501, `fake_not_implemented`) that names what the fake
 * answers and says to list `ElasticsearchProvider` in `allowReal`.
 */
@injectable()
export class FakeElasticsearchProvider extends LazyProvider<Client> {
  #closed = false;
  /** This provider's indices and documents; they outlive a client that is closed and built again. */
  readonly #node = new MemoryElasticsearch();

  constructor(@inject(LOGGER) logger: Logger, @inject(DB_LIFECYCLE) lifecycle: ContainerLifecycle) {
    super('elasticsearch', 'search', logger, lifecycle);
  }

  get isConfigured(): boolean {
    return true;
  }

  /** The default index names: the fake reads no environment. */
  get indexNames(): ElasticsearchIndexNames {
    return { accounts: 'accounts', categories: 'categories' };
  }

  protected createClient(): Client {
    const elastic = require('@elastic/elasticsearch') as typeof import('@elastic/elasticsearch');
    return new elastic.Client({
      node: 'http://fake-elasticsearch.invalid:9200',
      Connection: inProcessConnection(elastic.BaseConnection, () => this.#closed, this.#node),
      maxRetries: 0,
    });
  }

  protected async openClient(client: Client): Promise<void> {
    await client.cluster.health();
  }

  protected async pingClient(client: Client): Promise<void> {
    await client.cluster.health();
  }

  protected async closeClient(client: Client): Promise<void> {
    this.#closed = true;
    await client.close();
  }

  protected destroyClient(): void {
    this.#closed = true;
  }
}
