// The local Algolia server (src/testing/algolia-server.ts) in a child process of its own, for benches that measure
// their own event loop: `startAlgoliaChild()` spawns this file (through bench/child.ts), which announces the server as
// one JSON line and stops on SIGTERM. Not a bench itself (bench/run.ts skips it).
import { fileURLToPath } from 'node:url';
import { startAlgoliaServer } from '../src/testing/algolia-server.js';
import { startServerChild, type ServerChild } from './child.js';

const SELF = fileURLToPath(import.meta.url);

/** What the child announces, plus its PID and how to stop it. */
export type AlgoliaChild = ServerChild<{
  readonly url: string;
  readonly port: number;
  readonly appId: string;
  readonly writeApiKey: string;
  readonly searchApiKey: string;
}>;

/** Child-process mode: the local Algolia server, announced as one JSON line; SIGTERM stops it. */
async function serveAlgolia(): Promise<void> {
  const server = await startAlgoliaServer();
  const { url, port, appId, writeApiKey, searchApiKey } = server;
  process.stdout.write(`${JSON.stringify({ url, port, appId, writeApiKey, searchApiKey })}\n`);
  process.once('SIGTERM', () => void server.close().finally(() => process.exit(0)));
}

/** Starts the server in a child process and resolves once it has announced itself (30 s at most). */
export function startAlgoliaChild(): Promise<AlgoliaChild> {
  return startServerChild(SELF, [], 'Algolia server');
}

if (process.argv[1] === SELF) await serveAlgolia();
