import type {} from 'vitest';
import type { TestCertificates } from '../../scripts/servers/certs.js';

/** What the global setup started, as the tests see it. */
export interface LocalServers {
  readonly certs: TestCertificates;
  readonly redis: {
    readonly plain: number;
    readonly tls: number;
    readonly acl: { readonly port: number; readonly username: string; readonly password: string };
    readonly sentinel: { readonly ports: readonly number[]; readonly name: string; readonly master: number };
    readonly cluster: readonly number[];
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    servers: LocalServers;
  }
}
