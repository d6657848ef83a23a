// The local Algolia server (src/testing/algolia-server.ts) in a child process of its own, for benches that measure
// their own event loop: `startAlgoliaChild()` spawns this file, which announces the server as one JSON line and stops
// on SIGTERM. Not a bench itself (bench/run.ts skips it).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startAlgoliaServer } from '../src/testing/algolia-server.js';

const SELF = fileURLToPath(import.meta.url);

/** What the child announces, plus its PID and how to stop it. */
export interface AlgoliaChild {
  readonly url: string;
  readonly port: number;
  readonly appId: string;
  readonly writeApiKey: string;
  readonly searchApiKey: string;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the child has exited. */
  stop(): Promise<void>;
}

/** Child-process mode: the local Algolia server, announced as one JSON line; SIGTERM stops it. */
async function serveAlgolia(): Promise<void> {
  const server = await startAlgoliaServer();
  const { url, port, appId, writeApiKey, searchApiKey } = server;
  process.stdout.write(`${JSON.stringify({ url, port, appId, writeApiKey, searchApiKey })}\n`);
  process.once('SIGTERM', () => void server.close().finally(() => process.exit(0)));
}

/** Starts the server in a child process and resolves once it has announced itself (30 s at most). */
export async function startAlgoliaChild(): Promise<AlgoliaChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    new Promise<string>((resolve) => lines.once('line', resolve)),
    exited.then(() => Promise.reject(new Error('the Algolia server child exited before it answered'))),
    sleep(30_000).then(() => Promise.reject(new Error('the Algolia server child did not answer within 30 s'))),
  ]).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  lines.close();
  child.stdout.destroy();
  const info = JSON.parse(first) as Omit<AlgoliaChild, 'pid' | 'stop'>;
  return { ...info, pid: child.pid!, stop };
}

if (process.argv[1] === SELF) await serveAlgolia();
