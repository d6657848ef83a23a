import type { TestProject } from 'vitest/node';
import { startElasticsearch } from '../../scripts/servers/elasticsearch.js';
import type { ElasticsearchLocal } from './elasticsearch-node.js';

/** One Elasticsearch node for the whole run (fetched and prepared on first use), stopped by PID afterwards. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const node = await startElasticsearch();
  const local: ElasticsearchLocal = { url: node.url, port: node.port };
  project.provide('elasticsearch', local);
  return async () => {
    await node.stop();
  };
}
