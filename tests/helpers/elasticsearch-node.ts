import type {} from 'vitest';

/** The Elasticsearch node shared by the run (the builds' fixtures use it; tests that kill or freeze a node start their own). */
export interface ElasticsearchLocal {
  /** `http://127.0.0.1:<port>`, the value for `ELASTIC_NODE`. */
  readonly url: string;
  readonly port: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    elasticsearch: ElasticsearchLocal;
  }
}
