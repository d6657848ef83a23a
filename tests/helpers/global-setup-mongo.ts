import type { TestProject } from 'vitest/node';
import { makeTestCertificates } from '../../scripts/servers/certs.js';
import { startFerretDb } from '../../scripts/servers/ferretdb.js';
import { makeTempDir, removeDir } from '../../scripts/servers/process.js';
import { startAlgoliaServer } from '../../src/testing/algolia-server.js';
import type { AlgoliaLocal, MongoServers } from './mongo-servers.js';

/**
 * Builds FerretDB if its cached binary is missing, starts one instance (plain and TLS listeners) and the local
 * Algolia server for the whole run, and stops both afterwards. Tests that kill a server start their own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const certDir = makeTempDir('mongo-certs');
  const certs = makeTestCertificates(certDir);
  const [ferret, algolia] = await Promise.all([startFerretDb({ tls: certs }), startAlgoliaServer()]);
  const mongo: MongoServers = { url: ferret.url, port: ferret.port, tlsPort: ferret.tlsPort ?? 0, certs };
  const local: AlgoliaLocal = {
    url: algolia.url,
    port: algolia.port,
    appId: algolia.appId,
    writeApiKey: algolia.writeApiKey,
    searchApiKey: algolia.searchApiKey,
  };
  project.provide('mongo', mongo);
  project.provide('algolia', local);
  return async () => {
    await Promise.all([ferret.stop(), algolia.close()]);
    removeDir(certDir);
  };
}
