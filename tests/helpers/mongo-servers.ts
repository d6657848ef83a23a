import type {} from 'vitest';
import type { TestCertificates } from '../../scripts/servers/certs.js';

/** The FerretDB instance shared by the run (SQLite backend, plain and TLS listeners on loopback). */
export interface MongoServers {
  /** `mongodb://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  /** The TLS listener (server certificate signed by `certs.caFile`). */
  readonly tlsPort: number;
  readonly certs: TestCertificates;
}

/** The local Algolia-compatible server shared by the run. */
export interface AlgoliaLocal {
  /** `http://127.0.0.1:<port>`, the value for `ALGOLIA_HOSTS`. */
  readonly url: string;
  readonly port: number;
  readonly appId: string;
  readonly writeApiKey: string;
  readonly searchApiKey: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    mongo: MongoServers;
    algolia: AlgoliaLocal;
  }
}
