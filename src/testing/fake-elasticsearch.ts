import type { BaseConnection, Client } from '@elastic/elasticsearch';
import { inject, injectable } from 'tsyringe';
import { DisposedError, LazyProvider, LOGGER } from '../index.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import type { Logger } from '../providers/logger.js';
import type { ElasticsearchIndexNames } from '../providers/elasticsearch.js';
import { DB_LIFECYCLE } from '../tokens.js';

type RequestParams = Parameters<BaseConnection['request']>[0];
type Reply = { body: string; statusCode: number; headers: Record<string, string> };

/** Why the fake refuses a request, as Elasticsearch's own error body (the client turns it into a ResponseError). */
const NOT_IMPLEMENTED = {
  type: 'fake_not_implemented',
  reason: "the test container's Elasticsearch fake answers only cluster health so far: list ElasticsearchProvider in allowReal (with ELASTIC_NODE in env) to use a real node",
};

/**
 * A connection class that answers in process and opens no socket: `GET /_cluster/health` is green, every other
 * request a 501 naming what to do instead. Built per client by {@link FakeElasticsearchProvider}.
 */
function inProcessConnection(base: typeof BaseConnection, isClosed: () => boolean): typeof BaseConnection {
  return class InProcessConnection extends base {
    // The base class's overloads (buffer and stream replies) are not modelled: the client reads text bodies.
    override async request(params: RequestParams): Promise<never> {
      if (isClosed()) throw new DisposedError('elasticsearch');
      const headers = { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' };
      const path = params.path.split('?')[0];
      const reply: Reply = params.method === 'GET' && path === '/_cluster/health'
        ? { statusCode: 200, headers, body: JSON.stringify({ cluster_name: 'fake', status: 'green', number_of_nodes: 1, timed_out: false }) }
        : { statusCode: 501, headers, body: JSON.stringify({ error: { root_cause: [NOT_IMPLEMENTED], ...NOT_IMPLEMENTED }, status: 501 }) };
      return reply as never;
    }

    override async close(): Promise<void> {}
  };
}

/**
 * Elasticsearch in a test container, fail-closed: the real `Client` over an in-process connection, so nothing is
 * dialled whatever the environment says. Health is `up`; any API call other than cluster health fails with a
 * `ResponseError` (501, `fake_not_implemented`) that says to list `ElasticsearchProvider` in `allowReal`.
 */
@injectable()
export class FakeElasticsearchProvider extends LazyProvider<Client> {
  #closed = false;

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
      Connection: inProcessConnection(elastic.BaseConnection, () => this.#closed),
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
